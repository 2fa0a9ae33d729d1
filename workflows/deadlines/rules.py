"""Deadline rules: what is due when, computed from a case's answers.

Rules are data (`deadline_rules.toml`, overridable per mandate by an admin) and every due
date is derived from stored answers each time it is needed, never stored itself: changing
an answer (say the date sent) moves the deadline and its reminders with it.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from workflows.cases.memo import Remembered, per_case
from workflows.checklists import question_ids as qids
from workflows.language import N_, _
from workflows.reference.dates import parse_iso

RULES_FILE = Path(__file__).parent / "deadline_rules.toml"
URGENT_TYPES = frozenset({"UA", "JUA"})  # JUA: a joint urgent appeal in older records
#: Visit events that count as the State responding to a request.
RESPONSES = frozenset(
    {"acknowledged", "accepted", "proposed", "agreed", "declined", "postponed", "cancelled"}
)


@dataclass(frozen=True)
class Rules:
    reply_days: int = 60
    urgent_check_days: int = 7
    followup_letter_after_days: int = 30
    letter_publication_after_days: int = 0
    reply_publication_after_days: int = 0
    non_cooperation_count: int = 3
    non_cooperation_windows: int = 3
    no_response_months: int = 12
    report_months: int = 12
    short_notice_days: int = 30
    recommendations_months: int = 24
    repeat_after_days: tuple[int, ...] = (7,)
    then_every_days: int = 7


#: Each rule's name as staff read it in reminders, the digest, the card and the report.
TITLES = {
    "reply": N_("Reply due from the addressee"),
    "urgent_check": N_("Early check on an urgent appeal"),
    "followup_letter": N_("Follow-up letter suggested (no reply)"),
    "letter_publication": N_("Publish the letter"),
    "reply_publication": N_("Publish the reply"),
    "visit_no_response": N_("No response to the request"),
    "visit_report": N_("Report to the Council"),
    "recommendations": N_("Follow-up on the visit's recommendations"),
}


class Deadline(NamedTuple):
    """One deadline of a case (a tuple: a report makes tens of thousands of them, several
    times quicker than a frozen dataclass)."""

    case_id: str
    rule: str
    due: date
    met: bool

    @property
    def title(self) -> str:
        """The rule's name in the language of whoever reads it: deadlines are computed (by a
        sweep, say) before anyone knows who will read them, so the name is looked up late."""
        return _(TITLES[self.rule])


def load_rules(path: Path = RULES_FILE) -> Rules:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    flat = {k: v for section in raw.values() for k, v in section.items()}
    known = {f.name for f in fields(Rules)}
    unknown = set(flat) - known
    if unknown:
        raise ValueError(f"{path.name}: unknown rule settings {sorted(unknown)}")
    if "repeat_after_days" in flat:
        flat["repeat_after_days"] = tuple(flat["repeat_after_days"])
    return Rules(**flat)


def rules_for(case: Mapping[str, Any], base: Rules, overrides: Mapping[str, Any]) -> Rules:
    """Per-mandate overrides; with several mandates, the most generous value wins."""
    merged: dict[str, Any] = {}
    for mandate in intake(case).get(qids.MANDATES) or []:
        for key, value in (overrides.get(mandate) or {}).items():
            merged[key] = max(value, merged.get(key, value))
    return replace(base, **merged) if merged else base


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (29 Feb + 12 months = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def intake(case: Mapping[str, Any]) -> dict[str, Any]:
    if type(case) is Remembered:  # a report's copy (workflows.cases.memo)
        return case.intake
    runs = case.get("runs") or []
    return runs[0]["answers"] if runs else {}


def answers_of(case: Mapping[str, Any], checklist_id: str) -> list[dict[str, Any]]:
    """Answers of every run of one checklist, in order (confirmed answers count at once)."""
    if type(case) is Remembered:  # a report's copy: its runs grouped once (workflows.cases.memo)
        return case.by_checklist.get(checklist_id) or []
    return [r["answers"] for r in case.get("runs", []) if r["checklist"] == checklist_id]


def deadlines(case: Mapping[str, Any], rules: Rules, *, closed_too: bool = False) -> list[Deadline]:
    """Every deadline the case has, met or not; none for a closed case (reminders), unless
    `closed_too` (the report counts every deadline that fell in its period)."""
    if case.get("status") == "closed" and not closed_too:
        return []
    if case.get("kind") == "communication":
        return _communication(case, rules)
    return _visit(case, rules)


def reply_due(case: Mapping[str, Any], rules: Rules) -> date | None:
    sent = intake(case).get(qids.DATE_SENT)
    return _parsed(sent) + timedelta(days=rules.reply_days) if sent else None


def _parsed(value: Any) -> date:
    """`parse_iso`, each distinct date string parsed once (a report reads the same few
    thousand dates sent from every letter, section after section)."""
    return _parsed_iso(value) if isinstance(value, str) else parse_iso(value)


@lru_cache(maxsize=65536)
def _parsed_iso(value: str) -> date:
    return parse_iso(value)


@per_case
def has_reply(case: Mapping[str, Any]) -> bool:
    return any(a.get(qids.REPLY_DATE) for a in answers_of(case, "communication_reply"))


def _communication(case: Mapping[str, Any], rules: Rules) -> list[Deadline]:
    answers = intake(case)
    due = reply_due(case, rules)
    if due is None:
        return []
    replied = has_reply(case)
    actions = [a for a in answers_of(case, "communication_followup") if a.get(qids.ACTION_DATE)]
    letter = any(a.get(qids.ACTION_TYPE) == "letter" for a in actions) or bool(
        case.get("followups")
    )
    found = [Deadline(case["id"], "reply", due, replied)]
    found += _publication(case, due, rules)
    if answers.get(qids.COMM_TYPE) in URGENT_TYPES:
        early = parse_iso(answers[qids.DATE_SENT]) + timedelta(days=rules.urgent_check_days)
        found.append(Deadline(case["id"], "urgent_check", early, replied or bool(actions)))
    followup = due + timedelta(days=rules.followup_letter_after_days)
    found.append(Deadline(case["id"], "followup_letter", followup, replied or letter))
    return found


def communication_reach(rules: Rules) -> int:
    """How many days after the latest date recorded in a communication its last deadline
    can fall: every deadline above counts from a date recorded in the letter (sent, reply
    received). The report skips closed letters whose every date lies further back than this
    before its period (workflows.report.settled); a rule added above must be covered here."""
    from_sent = rules.reply_days + max(
        0, rules.followup_letter_after_days, rules.letter_publication_after_days
    )
    return max(0, from_sent, rules.urgent_check_days, rules.reply_publication_after_days)


def visit_reach(rules: Rules) -> int:
    """How many months after the latest date recorded in a visit case its last deadline
    can fall, or its request turn to "no response" (see `communication_reach`)."""
    return max(0, rules.no_response_months, rules.report_months, rules.recommendations_months)


def widest(base: Rules, overrides: Mapping[str, Any]) -> Rules:
    """Each number at its largest over the base rules and every mandate's overrides: no
    case's rules (`rules_for`) reach further than these."""
    longest: dict[str, Any] = {}
    for values in overrides.values():
        for key, value in (values or {}).items():
            current = longest.get(key, getattr(base, key, None))
            if isinstance(value, int) and isinstance(current, int):
                longest[key] = max(current, value)
    return replace(base, **longest) if longest else base


def _publication(case: Mapping[str, Any], reply_ends: date, rules: Rules) -> list[Deadline]:
    """The letter is published when the reply period ends; replies as soon as received,
    unless the addressee asked for confidentiality. One reply deadline per case (reminders
    are kept per rule): due with the oldest public reply not yet published."""
    published = any(
        a.get(qids.LETTER_PUBLISHED) for a in answers_of(case, "communication_published")
    )
    due = reply_ends + timedelta(days=rules.letter_publication_after_days)
    found = [Deadline(case["id"], "letter_publication", due, published)]
    public = [
        a
        for a in answers_of(case, "communication_reply")
        if a.get(qids.REPLY_DATE) and a.get(qids.REPLY_CONFIDENTIAL) is False
    ]
    if public:
        waiting = [a for a in public if not a.get(qids.REPLY_PUBLISHED)]
        received = min(parse_iso(a[qids.REPLY_DATE]) for a in waiting or public)
        due = received + timedelta(days=rules.reply_publication_after_days)
        found.append(Deadline(case["id"], "reply_publication", due, not waiting))
    return found


def _visit(case: Mapping[str, Any], rules: Rules) -> list[Deadline]:
    found: list[Deadline] = []
    requested = intake(case).get(qids.REQUEST_DATE)
    events = [
        a.get(qids.EVENT) for a in answers_of(case, "visit_response") if a.get(qids.EVENT_DATE)
    ]
    visits = [a for a in answers_of(case, "visit_conducted") if a.get(qids.VISITED_TO)]
    if requested:
        due = add_months(parse_iso(requested), rules.no_response_months)
        met = bool(visits) or any(e in RESPONSES for e in events)
        found.append(Deadline(case["id"], "visit_no_response", due, met))
    if visits:
        ended = parse_iso(visits[-1][qids.VISITED_TO])
        reported = any(a.get(qids.PRESENTED_ON) for a in answers_of(case, "visit_report"))
        due = add_months(ended, rules.report_months)
        found.append(Deadline(case["id"], "visit_report", due, reported))
        followed = any(a.get(qids.ASSESSED_ON) for a in answers_of(case, "visit_recommendation"))
        due = add_months(ended, rules.recommendations_months)
        found.append(Deadline(case["id"], "recommendations", due, followed))
    return found


def notice_days(case: Mapping[str, Any]) -> int | None:
    """Days civil society had between the announcement and the first day of the visit."""
    for visit in reversed(answers_of(case, "visit_conducted")):
        if visit.get(qids.ANNOUNCED_ON) and visit.get(qids.VISITED_FROM):
            return (parse_iso(visit[qids.VISITED_FROM]) - parse_iso(visit[qids.ANNOUNCED_ON])).days
    return None


def non_cooperating_states(
    cases: Iterable[Mapping[str, Any]], today: date, rules: Rules
) -> dict[str, list[str]]:
    """States whose last N communications with a passed deadline all went unanswered.

    Returns {ISO3: [references, oldest first]}. Only the most recent run of overdue
    communications counts: one reply breaks the streak. Drafts (not finished logging) do not
    count; closed cases do, since closing a case does not mean the State replied. The
    default deadline applies here, not per-mandate overrides: cooperation is the State's
    record across mandates.

    A letter and its follow-up letters (`follows`, at any depth) are one matter: a reply to
    any letter of the chain answers the chain, and the chain counts once in the streak, at
    the latest reply deadline passed in it (the last time the State left it unanswered),
    under the reference of the letter that started it. Otherwise a State that never
    answered one letter would be named for the follow-up letters sent about it, and one
    that answered after two follow-up letters would still be named for them.

    Letters an upgrade made from older records (`reply_unknown`: another addressee's letter,
    or a follow-up letter recorded as an action) do not make a chain unanswered: those
    records never said whether that letter was answered, and a State is named here only on
    what was recorded (a reply recorded on one of them still answers its chain).
    """
    letters = {
        case["id"]: letter_facts(case, rules)
        for case in cases
        if case.get("kind") == "communication" and case.get("status") != "draft"
    }  # a few fields per letter, not the cases: a branch's record is thousands of them
    chains: dict[tuple[str, str], list[Letter]] = {}
    for case_id, letter in letters.items():
        root = _chain_root(case_id, letters)
        for code in letter.states:
            chains.setdefault((code, root), []).append(letter)
    history: dict[str, list[tuple[date, str, bool]]] = {}
    for (code, root), members in chains.items():
        replied = any(letter.replied for letter in members)
        counted = [letter for letter in members if replied or not letter.unknown]
        passed = [letter.due for letter in counted if letter.due and letter.due < today]
        if passed:
            history.setdefault(code, []).append((max(passed), letters[root].reference, replied))
    found: dict[str, list[str]] = {}
    for code, entries in history.items():
        latest = sorted(entries)[-rules.non_cooperation_count :]
        if len(latest) == rules.non_cooperation_count and not any(r for _, _, r in latest):
            found[code] = [ref for _, ref, _ in latest]
    return found


class Letter(NamedTuple):
    """What non-cooperation reads of one letter (a tuple: made for every letter on record,
    several times quicker to make than a frozen dataclass)."""

    follows: str | None
    reference: str
    states: tuple[str, ...]
    replied: bool
    unknown: bool
    due: date | None


@per_case
def letter_facts(case: Mapping[str, Any], rules: Rules) -> Letter:
    """What non-cooperation reads of one letter (a report reads it for both of its rules)."""
    follows = case.get("follows")
    return Letter(
        follows if isinstance(follows, str) else None,
        case.get("reference") or str(case["id"]),
        tuple(
            [
                actor["code"]
                for actor in intake(case).get(qids.ADDRESSEES) or []
                if actor.get("kind") == "state"
            ]
        ),
        has_reply(case),
        bool(case.get("reply_unknown")),
        reply_due(case, rules),
    )


def _chain_root(case_id: str, letters: Mapping[str, Letter]) -> str:
    """The id of the letter a chain of follow-up letters started with (a cycle, which no
    checklist makes, stops at the letter met twice)."""
    seen = {case_id}
    parent = letters[case_id].follows
    while parent is not None and parent in letters and parent not in seen:
        seen.add(parent)
        case_id = parent
        parent = letters[parent].follows
    return case_id
