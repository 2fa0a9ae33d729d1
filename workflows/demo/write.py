"""Store a generated demo in a data folder, and say in one line what it holds.

The folder must hold no cases: demo data mixed into real records could be reported as real.
Cases are saved through the repository like any other (one atomic file each, inside `bulk()`
so the index is written once), each with a last history entry "demo_data" naming the seed,
and the repository's clock is pinned to the demo's "now" so the files are the same bytes
for the same seed and day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.repository import Case, Repository
from workflows.deadlines.rules import answers_of, has_reply, intake
from workflows.demo.generate import Demo, windows

DEMO_ACTOR = "demo"


class DemoError(ValueError):
    """The demo cannot be written here (the folder already holds cases)."""


@dataclass(frozen=True)
class Summary:
    communications: int
    followup_letters: int
    states: tuple[int, int]  # fewest and most States addressed in a 12-month window
    other_actors: tuple[int, int]  # the same for other actors
    replies: int
    followups: int
    visits: int
    conducted: int
    reports: int
    reprisals: int
    standing: int
    users: int
    demo: Demo

    def line(self) -> str:
        rate = self.replies / self.communications if self.communications else 0.0
        share = self.followups / self.communications if self.communications else 0.0
        demo = self.demo
        return (
            f"Demo data ({demo.years} years to {demo.today.isoformat()}, seed {demo.seed}): "
            f"{self.communications:,} communications to {_span(self.states)} States and "
            f"{_span(self.other_actors)} other actors a year ({self.followup_letters:,} of them "
            f"follow-up letters), {self.replies:,} replies "
            f"({rate:.0%}), "
            f"{share:.0%} with follow-up action; {self.visits:,} visit requests, "
            f"{self.conducted} visits, {self.reports} reports; {self.standing} standing "
            f"invitations; {self.reprisals} reprisal cases; "
            f"{self.users} users."
        )


def _span(low_high: tuple[int, int]) -> str:
    low, high = low_high
    return str(low) if low == high else f"{low}-{high}"


def summarise(demo: Demo) -> Summary:
    comms = [c for c in demo.cases if c["kind"] == "communication"]
    visits = [c for c in demo.cases if c["kind"] == "visit"]
    states, others = [], []
    for first, last in windows(demo.today, demo.years):
        sent = [c for c in comms if first.isoformat() <= intake(c)["date_sent"] <= last.isoformat()]
        kinds = Counter(a["kind"] for a in _addressed(sent).values())
        states.append(kinds["state"])
        others.append(kinds["other"])
    return Summary(
        communications=len(comms),
        followup_letters=sum(bool(c.get("follows")) for c in comms),
        states=(min(states), max(states)),
        other_actors=(min(others), max(others)),
        replies=sum(has_reply(c) for c in comms),
        followups=sum(_followed_up(c) for c in comms),
        visits=len(visits),
        conducted=sum(bool(answers_of(c, "visit_conducted")) for c in visits),
        reports=sum(bool(answers_of(c, "visit_report")) for c in visits),
        reprisals=sum(_reprisal(c) for c in demo.cases),
        standing=len(demo.standing_invitations),
        users=len(demo.users),
        demo=demo,
    )


def _addressed(cases: list[Case]) -> dict[tuple[str, str], dict[str, str]]:
    """Distinct addressees: States by code, other actors by name (all share the code OTH)."""
    return {(a["code"], a["name"]): a for c in cases for a in intake(c)["addressees"]}


def _followed_up(case: Case) -> bool:
    kinds = {a.get("action_type") for a in answers_of(case, "communication_followup")}
    return bool(kinds & {"letter", "statement"})


def _reprisal(case: Case) -> bool:
    return "reprisal" in (intake(case).get("themes") or []) or bool(answers_of(case, "reprisal"))


def write_demo(repo: Repository, demo: Demo, *, actor: str = DEMO_ACTOR) -> Summary:
    """Store a generated demo through the repository; DemoError if it already holds cases.

    The caller opens the repository (see bot.wiring), ideally with its clock pinned to
    ``demo.now`` so the files are the same bytes for the same seed and day."""
    folder = Path(repo.files_dir()).parent
    held = len(repo.list_cases())
    if held:
        raise DemoError(
            f"{folder} already holds {held} cases; demo data goes into a folder "
            "without cases (for example --data-dir demo-data)"
        )
    _users(repo, demo.users, actor)
    repo.set_setting("standing_invitations", demo.standing_invitations, actor=actor)
    with repo.bulk():
        for case in demo.cases:
            repo.save_case(case, actor=DEMO_ACTOR, action="demo_data", detail={"seed": demo.seed})
    detail = {
        "seed": demo.seed,
        "years": demo.years,
        "today": demo.today.isoformat(),
        "cases": len(demo.cases),
    }
    repo.audit(actor=actor, action="demo_data", target=str(folder), detail=detail)
    return summarise(demo)


def _users(repo: Repository, users: Iterable[dict[str, Any]], actor: str) -> None:
    """Demo staff, unless someone with the same id is already there (never demoted)."""
    for user in users:
        if repo.get_user(user["id"]) is None:
            repo.put_user(dict(user), actor=actor)
