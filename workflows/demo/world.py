"""The demo's fixed world: States and how they behave, other actors, mandates, staff.

Drawn once per seed, before any case: how often each State is written to, how likely it is
to reply, whether it has a standing invitation, in which language it answers, which few
States never reply at all (persistent non-cooperation). Drawing behaviour per State rather
than per letter is what makes the figures look real: reply rates differ by State, a handful
of States receive many letters, and non-cooperation is a pattern, not noise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from workflows.demo import texts
from workflows.reference.actors import Actor, resolve_state, state_by_code, states
from workflows.reference.mandates import Mandate, load_mandates

ADMIN, FIRST_OFFICER, OFFICERS = "100001", 100002, 8
VIEWER = str(FIRST_OFFICER + OFFICERS)
PERSISTENT_NON_COOPERATION = 4

FRENCH = frozenset(
    "FRA BEL BEN BFA BDI CMR CAF TCD COM COG COD CIV DJI GAB GIN HTI MDG MLI MRT MCO NER RWA "
    "SEN TGO TUN DZA MAR LBN CHE LUX".split()
)
SPANISH = frozenset(
    "ARG BOL CHL COL CRI CUB DOM ECU SLV GTM HND MEX NIC PAN PRY PER URY VEN ESP GNQ".split()
)
#: States that often answer in Arabic, Chinese or Russian ("other": translation needed).
OTHER_LANGUAGE = frozenset(
    "RUS BLR KAZ KGZ TJK UZB TKM CHN SAU ARE EGY IRQ SYR JOR KWT QAT BHR OMN YEM LBY SDN".split()
)
#: Country mandates whose title does not end with the State they cover.
COUNTRY_OF = {"SR OPT": "ISR"}
#: Where a country mandate also asks to go (neighbours hosting refugees, regional capitals).
NEIGHBOURS = {
    "MLI": ("NER", "BFA", "SEN", "MRT"), "SOM": ("KEN", "ETH", "DJI"), "CAF": ("TCD", "CMR"),
    "AFG": ("PAK", "IRN", "TJK", "UZB"), "BLR": ("LTU", "POL", "LVA"), "BDI": ("RWA", "TZA"),
    "KHM": ("THA", "VNM"), "ERI": ("ETH", "DJI", "SDN"), "MMR": ("BGD", "THA", "MYS"),
    "PRK": ("KOR", "JPN"), "IRN": ("TUR", "IRQ"), "ISR": ("JOR", "EGY", "LBN"),
    "RUS": ("GEO", "ARM", "KAZ"), "SYR": ("LBN", "JOR", "TUR"),
}  # fmt: skip
#: How often a thematic mandate takes part in communications (others count 1).
MANDATE_WEIGHTS = {
    "SR HRDs": 14, "SR FoE": 12, "WGAD": 10, "SR FoAA": 9, "SR Torture": 8, "SR IJL": 7,
    "WGEID": 5, "SR Executions": 5, "SR Counter-Terrorism": 5, "SR Migrants": 4, "SR VAWG": 4,
    "SR Indigenous Peoples": 3, "SR Housing": 3, "SR Health": 3, "SR FoRB": 3, "WGBHR": 3,
    "SR Minority Issues": 3, "SR Racism": 2, "SR Privacy": 2, "SR Environment": 2,
    "SR Toxics": 2, "WGDAWG": 2,
}  # fmt: skip


@dataclass(frozen=True)
class StateProfile:
    actor: dict[str, str]
    weight: float  # how often it is written to, relative to other States
    cooperation: float  # chance that a letter to it gets a reply, before calibration
    standing_invitation: bool
    language: str  # "EN", "FR", "ES" or "other"

    @property
    def code(self) -> str:
        return self.actor["code"]


@dataclass(frozen=True)
class OtherActor:
    actor: dict[str, str]
    kind: str  # "company" | "io" | "armed"
    weight: float
    cooperation: float


@dataclass(frozen=True)
class World:
    states: tuple[StateProfile, ...]
    by_code: dict[str, StateProfile]
    others: tuple[OtherActor, ...]
    mandates: tuple[Mandate, ...]
    country_of: dict[str, str]  # country mandate short name -> ISO3
    officer_of: dict[str, str]  # mandate short name -> user id
    users: tuple[dict[str, Any], ...]
    non_cooperating: tuple[str, ...]

    def mandates_in(self, year: int) -> list[Mandate]:
        """Mandates that existed in `year` (a mandate created in 2021 sent nothing in 2018)."""
        return [m for m in self.mandates if m.established <= year]

    def mandate_for_country(self, code: str, year: int) -> str | None:
        for mandate in self.mandates_in(year):
            if self.country_of.get(mandate.short_name) == code:
                return mandate.short_name
        return None


def as_dict(actor: Actor) -> dict[str, str]:
    """The stored form of an addressee, as the chat's actor question saves it."""
    return {"code": actor.code, "name": actor.name, "kind": actor.kind}


def build_world(rng: random.Random) -> World:
    mandates = load_mandates()
    country_of = _countries(mandates)
    profiles = [_profile(actor, rng, country_of) for actor in states()]
    ranked = sorted(profiles, key=lambda p: -p.weight)
    silent = rng.sample([p.code for p in ranked[5:45]], PERSISTENT_NON_COOPERATION)
    profiles = [
        StateProfile(p.actor, p.weight, 0.0, False, p.language) if p.code in silent else p
        for p in profiles
    ]
    officers = [str(FIRST_OFFICER + n) for n in range(OFFICERS)]
    return World(
        states=tuple(profiles),
        by_code={p.code: p for p in profiles},
        others=_other_actors(rng),
        mandates=mandates,
        country_of=country_of,
        officer_of={m.short_name: officers[i % OFFICERS] for i, m in enumerate(mandates)},
        users=_users(officers),
        non_cooperating=tuple(sorted(silent)),
    )


def _countries(mandates: tuple[Mandate, ...]) -> dict[str, str]:
    """Country mandate -> the State it covers, read from its title ("... in Burundi")."""
    found: dict[str, str] = {}
    for mandate in mandates:
        if mandate.kind != "country":
            continue
        code = COUNTRY_OF.get(mandate.short_name)
        state = resolve_state(mandate.title.rsplit(" in ", 1)[-1]) if code is None else None
        if state is not None:
            code = state.code
        if code and state_by_code(code):
            found[mandate.short_name] = code
    return found


def _profile(actor: Actor, rng: random.Random, country_of: dict[str, str]) -> StateProfile:
    weight = rng.lognormvariate(0, 1.0) * (3 if actor.code in country_of.values() else 1)
    cooperation = rng.betavariate(6, 2)
    language = (
        "FR"
        if actor.code in FRENCH
        else "ES"
        if actor.code in SPANISH
        else "other"
        if actor.code in OTHER_LANGUAGE
        else "EN"
    )
    standing = rng.random() < 0.05 + 0.8 * cooperation  # about 128 of 195 States
    return StateProfile(as_dict(actor), weight, cooperation, standing, language)


def _other_actors(rng: random.Random) -> tuple[OtherActor, ...]:
    combos = [
        f"{p} {s} {x}"
        for p in texts.COMPANY_PREFIXES
        for s in texts.COMPANY_SECTORS
        for x in texts.COMPANY_SUFFIXES
    ]
    companies = rng.sample(combos, 140)
    named = (
        [(name, "company", 0.55) for name in companies]
        + [(name, "io", 0.8) for name in texts.ORGANISATIONS]
        + [(name, "armed", 0.08) for name in texts.ARMED_GROUPS]
    )
    return tuple(
        OtherActor(
            {"code": "OTH", "name": name, "kind": "other"},
            kind,
            rng.lognormvariate(0, 0.9),
            cooperation,
        )
        for name, kind, cooperation in named
    )


def _users(officers: list[str]) -> tuple[dict[str, Any], ...]:
    """Demo staff: ids no Telegram account is likely to have, names that say what they are."""
    users: list[dict[str, Any]] = [{"id": ADMIN, "role": "admin", "name": "Demo admin"}]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    users += [
        {"id": uid, "role": "officer", "name": f"Demo officer {letters[n]}"}
        for n, uid in enumerate(officers)
    ]
    users.append({"id": VIEWER, "role": "viewer", "name": "Demo viewer"})
    return tuple(users)
