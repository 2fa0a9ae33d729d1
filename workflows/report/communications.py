"""Section 1 of the report: communications, their replies and follow-up.

A communication is one letter to one addressee (a letter to three States is three
communications, as OHCHR counts them), and a follow-up letter is a communication of its own.
It belongs to the period by its date sent; its reply counts whenever it arrived (figures are
"as of" the day the report is compiled). Each figure counts:

- sent: communications sent in the period, follow-up letters included; followup_letters: of
  those, follow-up letters; joint: sent by two or more mandates (older records: typed
  JAL/JUA/JOL); urgent: UA (older records: JUA). Types are AL, UA and OL.
- states_addressed / other_actors_addressed: distinct States (by code) and other actors (by
  name, accent- and case-insensitive) among their addressees.
- replies: of those, the ones with a reply; reply_rate = replies / sent.
- replies_in_time: first reply on or before the reply deadline (sent + 60 days, or a
  mandate's override); in_time_rate = replies_in_time / sent.
- awaiting_reply: no reply and the deadline is before today.
- outstanding_previous: sent in the window of the previous joint communications report
  (the last session window that ended before the period) and still without a reply.
- statements: press releases and public statements (follow-up actions) dated in the period,
  on any communication in scope.
- letters_published: of the letters sent, those recorded as published on the communications
  website (by today); public_replies: their replies the addressee did not ask to keep
  confidential; replies_published: of those, the ones recorded as published.
- non_cooperating: States whose last N communications due (N = 3), sent up to the end of the
  period, all went unanswered (`deadlines.non_cooperating_states`, as of today).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflows.actors import state_by_code
from workflows.answers import COMM_TYPES
from workflows.deadlines import answers_of, intake, non_cooperating_states, reply_due
from workflows.references import JOINT_TYPES
from workflows.report.facts import (
    Case,
    Frame,
    actions,
    addressees,
    day,
    replied_on,
    sent_on,
)
from workflows.report.model import Figure, Section, Table, rate
from workflows.report.periods import last_window_before, long_date
from workflows.text import fold

URGENT = "UA"


@dataclass
class _Tally:
    """Sent / replied / replied in time for one group (a type, an addressee, a month)."""

    name: str
    code: str = ""
    kind: str = ""
    sent: int = 0
    replies: int = 0
    in_time: int = 0

    def add(self, replied: bool, in_time: bool) -> None:
        self.sent += 1
        self.replies += replied
        self.in_time += in_time


@dataclass(frozen=True)
class _Letter:
    """One communication of the period with its reply facts worked out once."""

    case: Case
    sent: date
    due: date
    replied: date | None

    @property
    def in_time(self) -> bool:
        return self.replied is not None and self.replied <= self.due


def communications_section(frame: Frame, comms: list[Case]) -> Section:
    letters = _letters(frame, comms)
    by_type, by_actor, by_month = _tallies(frame, letters)
    total = len(letters)
    answered = sum(letter.replied is not None for letter in letters)
    in_time = sum(letter.in_time for letter in letters)
    awaiting = [letter for letter in letters if letter.replied is None and letter.due < frame.today]
    window = last_window_before(frame.start)
    outstanding = [
        c
        for c in comms
        if (d := sent_on(c)) and window.start <= d <= window.end and replied_on(c) is None
    ]
    followups = sum(bool(letter.case.get("follows")) for letter in letters)
    published = sum(
        any(a.get("letter_published") for a in answers_of(letter.case, "communication_published"))
        for letter in letters
    )
    public_replies = [
        a
        for letter in letters
        for a in answers_of(letter.case, "communication_reply")
        if a.get("reply_date") and a.get("reply_confidential") is False
    ]
    public, replies_out = (
        len(public_replies),
        sum(bool(a.get("reply_published")) for a in public_replies),
    )
    joint = sum(_is_joint(letter.case) for letter in letters)
    statements = sum(_dated(a, frame) for c in comms for a in actions(c, "statement"))
    up_to_end = [c for c in comms if (d := sent_on(c)) and d <= frame.end]
    flagged = non_cooperating_states(up_to_end, frame.today, frame.rules)
    states = [t for t in by_actor.values() if t.kind == "state"]
    others = [t for t in by_actor.values() if t.kind != "state"]

    figures = (
        Figure("sent", "Communications sent (one per addressee)", total),
        Figure("followup_letters", "of which follow-up letters", followups),
        Figure("joint", "Joint communications (two or more mandates)", joint),
        Figure("urgent", "Urgent appeals (UA)", by_type[URGENT].sent),
        Figure("states_addressed", "States addressed", len(states)),
        Figure("other_actors_addressed", "Other actors addressed", len(others)),
        Figure("replies", "Replies received", answered),
        Figure("reply_rate", "Reply rate", rate(answered, total), "%"),
        Figure("replies_in_time", "Replies within the deadline", in_time),
        Figure("in_time_rate", "Answered within the deadline", rate(in_time, total), "%"),
        Figure("awaiting_reply", "Deadline passed, no reply yet", len(awaiting)),
        Figure(
            "outstanding_previous",
            f"Still without reply from the previous joint report ({window.name})",
            len(outstanding),
        ),
        Figure("statements", "Press releases and public statements", statements),
        Figure("letters_published", "Letters published", published),
        Figure("public_replies", "Replies not kept confidential", public),
        Figure("replies_published", "of which published", replies_out),
        Figure("non_cooperating", "States with persistent non-cooperation", len(flagged)),
    )
    tables = (
        _tally_table("comm_by_type", "By type", ("Type",), by_type.values(), keep_empty=True),
        _actor_table(by_actor.values(), flagged),
        _tally_table("comm_by_month", "By month sent", ("Month",), by_month.values(), True),
        _outstanding_table(outstanding, frame, window.name),
        _non_cooperation_table(flagged, frame),
    )
    return Section("communications", "Communications", figures, tables)


def _letters(frame: Frame, comms: list[Case]) -> list[_Letter]:
    """The communications sent in the period, with their reply deadline and first reply."""
    letters = []
    for case in comms:
        sent = sent_on(case)
        due = reply_due(case, frame.rules_of(case))
        if sent is not None and due is not None and sent in frame:
            letters.append(_Letter(case, sent, due, replied_on(case)))
    return letters


Tallies = tuple[dict[str, _Tally], dict[tuple[str, str], _Tally], dict[str, _Tally]]


def _tallies(frame: Frame, letters: list[_Letter]) -> Tallies:
    """Sent / replied / in time by type, by addressee and by month sent."""
    by_type = {t: _Tally(t) for t in COMM_TYPES}
    by_actor: dict[tuple[str, str], _Tally] = {}
    by_month = {key: _Tally(key) for key in _months(frame.start, frame.end)}
    for letter in letters:
        replied, in_time = letter.replied is not None, letter.in_time
        comm_type = str(intake(letter.case).get("comm_type", ""))
        comm_type = JOINT_TYPES.get(comm_type, comm_type)
        by_type.setdefault(comm_type, _Tally(comm_type)).add(replied, in_time)
        by_month[letter.sent.strftime("%Y-%m")].add(replied, in_time)
        for actor in addressees(letter.case):
            key = _actor_key(actor)
            if key not in by_actor:
                by_actor[key] = _Tally(_actor_name(actor), actor.get("code", ""), actor["kind"])
            by_actor[key].add(replied, in_time)
    return by_type, by_actor, by_month


def _is_joint(case: Case) -> bool:
    answers = intake(case)
    return len(answers.get("mandates") or []) >= 2 or answers.get("comm_type") in JOINT_TYPES


def _dated(action: dict[str, Any], frame: Frame) -> bool:
    return day(action["action_date"]) in frame


def _actor_key(actor: dict[str, str]) -> tuple[str, str]:
    """States by code; other actors by folded name, so "Acme" and "ACME" are one actor."""
    if actor.get("kind") == "state":
        return ("state", actor["code"])
    return ("other", " ".join(fold(actor.get("name", "")).split()))


def _actor_name(actor: dict[str, str]) -> str:
    state = state_by_code(actor.get("code", "")) if actor.get("kind") == "state" else None
    return state.name if state else actor.get("name", "")


def _months(start: date, end: date) -> list[str]:
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return keys


def _tally_table(
    key: str, title: str, head: tuple[str, ...], tallies: Iterable[_Tally], keep_empty: bool
) -> Table:
    rows = tuple(
        (t.name, t.sent, t.replies, rate(t.replies, t.sent))
        for t in tallies
        if keep_empty or t.sent
    )
    return Table(key, title, (*head, "Sent", "Replies", "Reply rate (%)"), rows)


def _actor_table(tallies: Iterable[_Tally], flagged: dict[str, list[str]]) -> Table:
    ordered = sorted(tallies, key=lambda t: (t.kind != "state", -t.sent, fold(t.name)))
    rows = tuple(
        (
            t.name,
            t.code if t.kind == "state" else "other actor",
            t.sent,
            t.replies,
            t.in_time,
            rate(t.replies, t.sent),
            "yes" if t.code in flagged and t.kind == "state" else "",
        )
        for t in ordered
    )
    columns = ("Addressee", "Code", "Sent", "Replies", "Within deadline", "Reply rate (%)",
               "Persistent non-cooperation")  # fmt: skip
    return Table("comm_by_addressee", "By State and other actor", columns, rows)


def _outstanding_table(outstanding: list[Case], frame: Frame, window: str) -> Table:
    rows = []
    for case in sorted(outstanding, key=lambda c: (sent_on(c), c.get("reference") or "")):
        due = reply_due(case, frame.rules_of(case))
        names = ", ".join(_actor_name(a) for a in addressees(case))
        sent = sent_on(case)
        assert sent is not None and due is not None  # selected by date sent
        rows.append((case.get("reference") or case["id"], names, long_date(sent), long_date(due)))
    title = f"Still without reply from the previous joint report ({window})"
    return Table("comm_outstanding", title, ("Reference", "Addressees", "Sent", "Reply due"),
                 tuple(rows))  # fmt: skip


def _non_cooperation_table(flagged: dict[str, list[str]], frame: Frame) -> Table:
    rows = []
    for code, references in sorted(flagged.items()):
        state = state_by_code(code)
        rows.append((state.name if state else code, code, ", ".join(references)))
    count = frame.rules.non_cooperation_count
    title = f"Persistent non-cooperation (no reply to the last {count} communications due)"
    return Table("comm_non_cooperation", title, ("State", "Code", "Unanswered"), tuple(rows))
