"""Demo communications: letters, replies, follow-up letters, publication and closures, one
year at a time, in OHCHR's model: one letter per addressee (letters with the same
allegations to several addressees are linked as a group), "joint" meaning two or more
mandates, and follow-up letters as communications of their own, linked to the letter they
follow up.

Calibration (DESIGN.md "Scale"), per 12-month window:

- about 530-620 communications in all, follow-up letters included (OHCHR counted 187
  follow-ups among 526 in 2016; here about a fifth); 110-122 States and 28-55 other actors
  addressed (picked for the window first, most of them among the previous window's, so each
  gets at least one letter; the other letters go to them in proportion to how often each is
  written to); a company's letter often goes to its home State too, and a few letters concern
  several States: each addressee gets its own letter;
- types: about 80% joint, with urgent appeals a third of the total and other letters a sixth;
- replies: exactly a drawn 63-68% of the window's letters eventually get one (and as many of
  the follow-up letters), the more cooperative addressees more often (weighted sampling
  without replacement), after a delay that is within the 60-day deadline for most and has a
  tail of a year; a reply due after "today" is simply not there yet;
- follow-up (letters, public statements): exactly a drawn 31.5-34.5% of letters, most often
  the unanswered ones; anything dated after "today" has not happened yet;
- publication: most letters are published within three weeks of the end of their reply
  period, most public replies within a week of arriving;
- 8-18 letters about reprisals, some referred to the ASG or reported to the SG (recorded as
  version 1 of the follow-up checklist did; the reprisal checklist replaces them).

Exact counts drawn per window, rather than a coin per letter, keep every seed inside the
published ranges; which letters they fall on is still random.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, TypeVar

from workflows.demo import texts
from workflows.demo.timeline import after, between, sg_report_day, weekday
from workflows.demo.world import MANDATE_WEIGHTS, OtherActor, StateProfile, World

THEMES = ("reprisal", "hrd", "gender", "children", "detention", "other")
#: Base type of a letter by addressee kind, and the chance it is sent jointly.
LETTERS = {
    "state": ((("AL", 0.51), ("UA", 0.31), ("OL", 0.18)), 0.80),
    "company": ((("AL", 0.7), ("OL", 0.3)), 0.75),
    "io": ((("AL", 0.3), ("OL", 0.7)), 0.7),
    "armed": ((("AL", 0.8), ("UA", 0.2)), 0.7),
}
JOINT_SIZES = ((2, 30), (3, 30), (4, 20), (5, 12), (6, 8))
NATURES = (
    ("substantive", 0.57), ("partial", 0.24), ("acknowledgement", 0.14), ("rejection", 0.05),
)  # fmt: skip
#: Follow-up letters and split letters per original letter, about: sizes a window's originals.
GROWTH = 1.34
#: Reprisal escalations, still recorded as follow-up actions of version 1 in the demo.
ESCALATIONS = frozenset({"asg", "sg_report"})
T = TypeVar("T")
Addressee = TypeVar("Addressee", StateProfile, OtherActor)


@dataclass(eq=False)
class Letter:
    """A communication to one addressee before it becomes a case (its reference is numbered
    at the end). `group` holds every letter with the same allegations (itself included);
    `follows` is the letter a follow-up letter follows up."""

    sent: date
    kind: str  # the addressee kind deciding topic and type: state | company | io | armed
    addressees: list[dict[str, str]]
    cooperation: float
    language: str
    reprisal: bool = False
    comm_type: str = ""
    mandates: list[str] = field(default_factory=list)
    summary: str = ""
    themes: list[str] = field(default_factory=list)
    victims: str | None = None
    nature: str | None = None  # of the reply it eventually gets, if any
    reply_day: date | None = None  # when that reply arrives (may be after today)
    reply: dict[str, Any] | None = None
    actions: list[tuple[date, dict[str, Any]]] = field(default_factory=list)
    closure: tuple[date, dict[str, Any]] | None = None
    reference: str = ""
    published: date | None = None
    group: list[Letter] = field(default_factory=list, repr=False)
    follows: Letter | None = field(default=None, repr=False)

    @property
    def code(self) -> str:
        return self.addressees[0]["code"]


@dataclass
class Addressed:
    """Who was written to in the previous window: most of them are written to again (the
    same situations persist), so a calendar year that straddles two windows still sees
    about 120 States, not the union of two unrelated draws."""

    states: list[StateProfile] = field(default_factory=list)
    others: list[OtherActor] = field(default_factory=list)


def plan_window(
    world: World, rng: random.Random, first: date, last: date, today: date, before: Addressed
) -> list[Letter]:
    """Every communication sent in [first, last], with what happened to it up to `today`
    (follow-up letters included, even one sent after `last`: it follows a letter of this
    window)."""
    total = round(rng.randint(530, 620) / GROWTH)
    letters = _address(world, rng, total, first, last, before)
    for index in _reprisal_letters(rng, letters):
        letters[index].reprisal = True
    for letter in letters:
        _describe(world, rng, letter)
    letters = _one_per_addressee(world, letters)
    _replies(rng, letters, today)
    followups = _followups(rng, letters, today)
    _replies(rng, followups, today)
    for letter in letters + followups:
        letter.published = _published(rng, letter, today)
        letter.closure = _closure(rng, letter, today)
    return letters + followups


def _one_per_addressee(world: World, letters: list[Letter]) -> list[Letter]:
    """Each addressee its own letter, with the same allegations, linked as one group; a
    State's letter takes that State's cooperation and language."""
    profiles = {p.code: p for p in world.states}
    found: list[Letter] = []
    for letter in letters:
        if len(letter.addressees) == 1:
            found.append(letter)
            continue
        group: list[Letter] = []
        for actor in letter.addressees:
            profile = profiles.get(actor["code"]) if actor["kind"] == "state" else None
            copy = replace(
                letter,
                addressees=[actor],
                kind=letter.kind if profile is None else "state",
                cooperation=letter.cooperation if profile is None else profile.cooperation,
                language=letter.language if profile is None else profile.language,
                themes=list(letter.themes),
                actions=[],
                reprisal=letter.reprisal and not group,  # raised once, on the first letter
                group=group,
            )
            group.append(copy)
        found += group
    return found


# ---- who it goes to ------------------------------------------------------------------------


def _address(
    world: World, rng: random.Random, total: int, first: date, last: date, before: Addressed
) -> list[Letter]:
    active = _persisting(rng, world.states, before.states, 0.9, rng.randint(110, 122))
    actors = _persisting(rng, world.others, before.others, 0.6, rng.randint(28, 55))
    before.states, before.others = active, actors
    letters: list[Letter] = []
    for other in actors:
        for _ in range(1 + (rng.random() < 0.3)):
            to = [other.actor]
            if other.kind == "company" and rng.random() < 0.3:
                to.insert(0, rng.choice(active).actor)  # the home State is written to as well
            letters.append(
                Letter(
                    between(first, last, rng),
                    other.kind,
                    to,
                    other.cooperation,
                    _other_language(rng),
                )
            )
    extra = total - len(letters) - len(active)
    picks = active + rng.choices(active, [p.weight for p in active], k=max(extra, 0))
    rng.shuffle(picks)
    for profile in picks:
        to = [profile.actor]
        if rng.random() < 0.03:  # a few letters concern several States (migration routes)
            more = rng.sample(active, 2)
            to += [p.actor for p in more if p.code != profile.code][: rng.randint(1, 2)]
        letters.append(
            Letter(between(first, last, rng), "state", to, profile.cooperation, profile.language)
        )
    return letters


def _persisting(
    rng: random.Random,
    pool: Sequence[Addressee],
    previous: list[Addressee],
    keep: float,
    count: int,
) -> list[Addressee]:
    """`count` addressees for this window: each of the previous window's kept with chance
    `keep`, the rest drawn by weight from everyone else."""
    kept = [item for item in previous if rng.random() < keep][:count]
    rest = [item for item in pool if item not in kept]
    return kept + _sample(rng, rest, [item.weight for item in rest], count - len(kept))


def _other_language(rng: random.Random) -> str:
    return rng.choices(("EN", "FR", "ES"), (0.85, 0.07, 0.08))[0]


def _sample(rng: random.Random, items: list[T], weights: list[float], count: int) -> list[T]:
    """`count` distinct items, each more likely the heavier it is (Efraimidis-Spirakis)."""
    keys = [_key(rng, w) for w in weights]
    order = sorted(range(len(items)), key=lambda i: keys[i], reverse=True)
    return [items[i] for i in order[:count]]


def _key(rng: random.Random, weight: float) -> float:
    """Sort key of weighted sampling without replacement; weight 0 is never picked first."""
    return math.log(1.0 - rng.random()) / weight if weight > 0 else -math.inf


def _reprisal_letters(rng: random.Random, letters: list[Letter]) -> list[int]:
    states = [i for i, letter in enumerate(letters) if letter.kind == "state"]
    return rng.sample(states, min(len(states), rng.randint(8, 18)))


# ---- what it says ----------------------------------------------------------------------------


def _describe(world: World, rng: random.Random, letter: Letter) -> None:
    """Type, topic, mandates, summary, themes and the confidential names of one letter."""
    kinds, joint_share = LETTERS[letter.kind]
    base = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
    pool = texts.REPRISAL_TOPICS if letter.reprisal else texts.TOPICS
    topics = [t for t in pool if t.letter == base and t.to == letter.kind]
    if not topics:  # a reprisal letter drawn as an other letter: reprisals are allegations
        base = "AL"
        topics = [t for t in pool if t.letter == base and t.to == letter.kind]
    topic = rng.choice(topics)
    joint = rng.random() < joint_share
    letter.comm_type = base
    state = letter.code if letter.addressees[0]["kind"] == "state" else None
    letter.mandates = _mandates(world, rng, topic.mandates, letter.sent.year, joint, state)
    who, who_themes = rng.choice(texts.WHO)
    letter.summary = topic.summary.format(who=who, trigger=rng.choice(texts.TRIGGERS))
    themes = set(topic.themes) | (set(who_themes) if "{who}" in topic.summary else set())
    if not themes and rng.random() < 0.5:
        themes = {"other"}
    letter.themes = [t for t in THEMES if t in themes]
    if {"reprisal", "hrd"} & themes and rng.random() < 0.75:
        letter.victims = texts.placeholder_names(rng)


def _mandates(
    world: World,
    rng: random.Random,
    preferred: tuple[str, ...],
    year: int,
    joint: bool,
    state: str | None,
) -> list[str]:
    """Lead mandate first: the country mandate for its State (often), else a topic's own."""
    existing = world.mandates_in(year)
    names = {m.short_name for m in existing}
    count = rng.choices([n for n, _ in JOINT_SIZES], [w for _, w in JOINT_SIZES])[0] if joint else 1
    chosen: list[str] = []
    country = world.mandate_for_country(state, year) if state else None
    if country and rng.random() < 0.7:
        chosen.append(country)
    own = [m for m in preferred if m in names]
    rng.shuffle(own)
    chosen += [m for m in own if m not in chosen][: count - len(chosen)]
    thematic = [m.short_name for m in existing if m.kind == "thematic"]
    while len(chosen) < count:
        candidates = [m for m in thematic if m not in chosen]
        weights = [MANDATE_WEIGHTS.get(m, 1) for m in candidates]
        chosen.append(rng.choices(candidates, weights)[0])
    return chosen


# ---- what happened to it -----------------------------------------------------------------------


def _replies(rng: random.Random, letters: list[Letter], today: date) -> None:
    target = round(len(letters) * rng.uniform(0.63, 0.68))
    chosen = set(_sample(rng, list(range(len(letters))), [x.cooperation for x in letters], target))
    for index, letter in enumerate(letters):
        if index not in chosen:
            continue
        letter.nature = rng.choices([n for n, _ in NATURES], [w for _, w in NATURES])[0]
        letter.reply_day = weekday(letter.sent + timedelta(days=_delay(rng, letter.nature)))
        if letter.reply_day <= today:
            letter.reply = _reply_answers(rng, letter, today)


def _delay(rng: random.Random, nature: str) -> int:
    """Days to a reply: acknowledgements come fast; replies cluster before the 60-day
    deadline, a third come within five months, and a tail takes over a year."""
    if nature == "acknowledgement":
        return rng.randint(5, 45)
    draw = rng.random()
    if draw < 0.58:
        return round(rng.triangular(8, 60, 52))
    if draw < 0.88:
        return rng.randint(61, 150)
    return rng.randint(151, 450)


def _reply_answers(rng: random.Random, letter: Letter, today: date) -> dict[str, Any]:
    assert letter.reply_day is not None and letter.nature is not None
    language = letter.language
    if language == "other" and rng.random() < 0.5:
        language = "EN"
    answers: dict[str, Any] = {
        "reply_date": letter.reply_day.isoformat(),
        "reply_language": language,
    }
    if language == "other":
        answers["translation_requested"] = rng.random() < 0.8
    answers["reply_nature"] = letter.nature
    answers["reply_confidential"] = rng.random() < 0.04
    if rng.random() < 0.75:
        answers["reply_summary"] = rng.choice(texts.REPLIES[letter.nature])
    published = after(letter.reply_day, 0, 7, rng)
    if not answers["reply_confidential"] and rng.random() < 0.95 and published <= today:
        answers["reply_published"] = published.isoformat()
    return answers


def _published(rng: random.Random, letter: Letter, today: date) -> date | None:
    """Published on the communications website once the 60-day reply period has ended."""
    day = after(letter.sent + timedelta(days=60), 1, 21, rng)
    return day if day <= today and rng.random() < 0.93 else None


def _followups(rng: random.Random, letters: list[Letter], today: date) -> list[Letter]:
    """Follow-up letters and statements on a calibrated share; reprisal escalations (on the
    first letter of a group). Returns the follow-up letters, each a communication."""
    target = round(len(letters) * rng.uniform(0.315, 0.345))
    weights = [{None: 0.6, "substantive": 0.1}.get(x.nature, 0.3) for x in letters]
    chosen = set(_sample(rng, list(range(len(letters))), weights, target))
    made: list[Letter] = []
    for index, letter in enumerate(letters):
        if index in chosen:
            letter.actions += _actions(rng, letter)
        if letter.reprisal and (not letter.group or letter.group[0] is letter):
            letter.actions += _escalations(rng, letter)
        letter.actions = sorted((a for a in letter.actions if a[0] <= today), key=lambda a: a[0])
        for day, spec in letter.actions:
            if spec["action_type"] == "letter":
                spec["letter"] = _followup_letter(letter, day)
                made.append(spec["letter"])
    return made


def _followup_letter(letter: Letter, day: date) -> Letter:
    """A follow-up letter: the same addressee, type and mandates, its own date and reply."""
    return Letter(
        day,
        letter.kind,
        list(letter.addressees),
        letter.cooperation,
        letter.language,
        comm_type=letter.comm_type,
        mandates=list(letter.mandates),
        summary=f"Follow-up letter: {letter.summary}",
        follows=letter,
    )


def _actions(rng: random.Random, letter: Letter) -> list[tuple[date, dict[str, Any]]]:
    found: list[tuple[date, dict[str, Any]]] = []
    if letter.nature == "substantive":
        wants_letter = rng.random() < 0.4
        wants_statement = not wants_letter or rng.random() < 0.2
        asked_after = letter.reply_day
    else:
        wants_letter = rng.random() < 0.85
        wants_statement = not wants_letter or rng.random() < 0.25
        asked_after = letter.reply_day if letter.nature else None
    if wants_letter:
        day = (
            after(asked_after, 20, 120, rng)
            if asked_after is not None
            else after(letter.sent, 75, 240, rng)
        )
        found.append((day, {"action_type": "letter"}))
    if wants_statement:
        notes = "Press release by the experts." if rng.random() < 0.6 else None
        found.append(
            (after(letter.sent, 2, 40, rng), {"action_type": "statement", "action_notes": notes})
        )
    return found


def _escalations(rng: random.Random, letter: Letter) -> list[tuple[date, dict[str, Any]]]:
    found: list[tuple[date, dict[str, Any]]] = []
    if rng.random() < 0.55:
        found.append((after(letter.sent, 3, 45, rng), {"action_type": "asg"}))
    if rng.random() < 0.4:
        consent = rng.random() < 0.7
        found.append(
            (sg_report_day(letter.sent, rng), {"action_type": "sg_report", "consent": consent})
        )
    return found


def _closure(rng: random.Random, letter: Letter, today: date) -> tuple[date, dict[str, Any]] | None:
    """When and why the case was closed, if it was by `today`."""
    replied = letter.reply is not None
    days = [letter.sent, *(d for d, _ in letter.actions)]
    if replied and letter.reply_day:
        days.append(letter.reply_day)
    if letter.published:
        days.append(letter.published)
    if letter.reply and letter.reply.get("reply_published"):
        days.append(date.fromisoformat(letter.reply["reply_published"]))
    closing = _closing(rng, letter, replied, max(days))
    if closing is None or closing[1] > today:
        return None
    reason, day = closing
    answers: dict[str, Any] = {"closure_reason": reason, "closure_date": day.isoformat()}
    if rng.random() < 0.2:
        answers["closure_notes"] = "Closed at the quarterly review."
    return day, answers


def _closing(
    rng: random.Random, letter: Letter, replied: bool, last: date
) -> tuple[str, date] | None:
    """Answered letters are mostly closed within months, unanswered ones after a year or
    more; nearly all the rest at a review about two years on. A few stay open for good.
    A letter is closed after its publication, if it was published."""
    draw = rng.random()
    if draw > 0.985:
        return "superseded", after(last, 10, 100, rng)
    if replied and letter.nature == "substantive" and draw < 0.85:
        return "answered", after(last, 30, 240, rng)
    if replied and draw < 0.6:
        return "answered", after(last, 60, 365, rng)
    if not replied and draw < 0.75:
        return "no_reply", after(max(last, letter.sent + timedelta(days=400)), 0, 300, rng)
    if draw < 0.97:
        reason = "answered" if replied else "no_reply"
        return reason, after(max(last, letter.sent + timedelta(days=540)), 0, 180, rng)
    return None


# ---- references and answers ------------------------------------------------------------------


def number(letters: list[Letter]) -> None:
    """References `TYPE SERIES n/yyyy`, numbered per series (ISO3, or OTH for other actors)
    and year in date order, across all types."""
    counters: dict[tuple[str, int], int] = {}
    for letter in sorted(letters, key=lambda x: x.sent):  # stable: same-day letters keep order
        key = (letter.code, letter.sent.year)
        counters[key] = counters.get(key, 0) + 1
        letter.reference = f"{letter.comm_type} {letter.code} {counters[key]}/{letter.sent.year}"


def intake_answers(letter: Letter) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "comm_type": letter.comm_type,
        "addressees": letter.addressees,
        "date_sent": letter.sent.isoformat(),
        "mandates": letter.mandates,
        "reference": letter.reference,
        "summary": letter.summary,
    }
    if letter.themes:
        answers["themes"] = letter.themes
    if letter.victims:
        answers["victims"] = letter.victims
    return answers


def action_answers(day: date, spec: dict[str, Any]) -> dict[str, Any]:
    """The follow-up checklist's answers for one action; a follow-up letter names the
    communication it became."""
    answers = {"action_type": spec["action_type"], "action_date": day.isoformat()}
    if spec["action_type"] == "letter":
        answers["followup_reference"] = spec["letter"].reference
    if spec["action_type"] == "sg_report":
        answers["consent"] = spec["consent"]
    if spec.get("action_notes"):
        answers["action_notes"] = spec["action_notes"]
    return answers
