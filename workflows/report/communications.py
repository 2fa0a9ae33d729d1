"""Section 1 of the report: communications, their replies and publication.

A communication is one letter to one addressee (a letter to three States is three
communications, as OHCHR counts them), and a follow-up letter is a communication of its own.
It belongs to the period by its date sent. Replies and publication are as known at the
cut-off, the day the report is compiled (`frame.today`). Each figure counts:

- sent; followup_letters and followup_share; joint (two or more mandates; older records:
  typed JAL/JUA/JOL, kept as `joint` by the upgrade) and joint_share; urgent: UA (older
  records: JUA).
- states_addressed / other_actors_addressed: distinct States (by code) and other actors (by
  name, accent- and case-insensitive) among the addressees.
- replies: letters of the period with a reply by the cut-off. reply_period_ended: letters
  whose reply deadline (sent + 60 days, or a mandate's override) is before the cut-off;
  replied_of_ended: of those, answered; reply_rate = replied_of_ended / reply_period_ended
  (None, shown as a dash, when no reply period has ended). The tables by type, mandate,
  addressee and month use the same rate.
- replies_in_time: first reply on or before the deadline; in_time_rate: of the letters
  whose reply period has ended, answered in time.
- awaiting_reply: no reply and the deadline before the cut-off.
- Letters the upgrade made with their reply status unknown (`reply_unknown`) and no reply
  recorded since are left out of reply_period_ended, replied_of_ended, the rates,
  awaiting_reply and the "still without reply" counts (as from non-cooperation).
- replies_received: every reply dated in the period, to letters of any date, by kind.
- outstanding_previous: sent in the window of the previous joint communications report and
  still without a reply; the windows table goes back WINDOWS_SHOWN windows, cumulatively,
  never to a window that ended before the first letter on record.
- statements: press releases and public statements dated in the period, one per group of
  letters and date.
- letters_published / public_replies / replies_published: publication on the
  communications website.
- non_cooperating: the count rule of persistent non-cooperation (see noncooperation.py).

What each figure means to a reader is in definitions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from workflows.cases.references import JOINT_TYPES
from workflows.checklists import question_ids as qids
from workflows.checklists.answers import COMM_TYPES
from workflows.deadlines.rules import answers_of, intake, non_cooperating_states, reply_due
from workflows.language import N_, _, pgettext
from workflows.reference.actors import state_by_code
from workflows.reference.text import fold
from workflows.report.facts import (
    Case,
    Frame,
    addressees,
    day,
    is_joint,
    mandates,
    replied_on,
    sent_on,
    statements,
)
from workflows.report.model import DASH, Figure, Section, Table, rate
from workflows.report.periods import (
    SessionWindow,
    last_window_before,
    long_date,
    previous_window,
    window_containing,
)

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
    joint: int = 0
    ended: int = 0  # reply period over at the cut-off
    ended_replied: int = 0  # of those, answered by the cut-off
    ended_in_time: int = 0  # of those, answered within the deadline

    def add(self, letter: _Letter, cutoff: date) -> None:
        self.sent += 1
        self.replies += letter.replied is not None
        self.in_time += letter.in_time
        self.joint += is_joint(letter.case)
        if letter.due < cutoff and not letter.unknown:
            self.ended += 1
            self.ended_replied += letter.replied is not None and letter.replied <= cutoff
            self.ended_in_time += letter.in_time

    @property
    def rate(self) -> float | None:
        return rate(self.ended_replied, self.ended)


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

    @property
    def unknown(self) -> bool:
        """Reply status unknown (see `_reply_unknown`)."""
        return self.replied is None and _reply_unknown(self.case)


def communications_section(
    frame: Frame, comms: list[Case], current: list[Case], flagged: dict[str, list[str]]
) -> Section:
    """`comms`: every letter on record, for the previous report windows; `current`: those
    that can count in the period (workflows.report.settled). `flagged`: the States of the
    count rule of persistent non-cooperation (computed once for this section and the
    non-cooperation section, see `flagged_states`)."""
    letters = _letters(frame, current)
    cutoff = frame.today
    by_type, by_actor, by_month, by_mandate = _tallies(frame, letters)
    overall = _Tally("all")
    for letter in letters:
        overall.add(letter, cutoff)
    awaiting = [
        letter
        for letter in letters
        if letter.replied is None and letter.due < cutoff and not letter.unknown
    ]
    windows = previous_windows(frame.start, _first_record(comms), WINDOWS_SHOWN)
    outstanding = [
        c
        for c in comms
        if windows
        and (d := sent_on(c))
        and windows[0].start <= d <= windows[0].end
        and replied_on(c) is None
        and not _reply_unknown(c)
    ]
    followups = sum(bool(letter.case.get("follows")) for letter in letters)
    published = sum(
        any(
            a.get(qids.LETTER_PUBLISHED) for a in answers_of(letter.case, "communication_published")
        )
        for letter in letters
    )
    public_replies = [
        a
        for letter in letters
        for a in answers_of(letter.case, "communication_reply")
        if a.get(qids.REPLY_DATE) and a.get(qids.REPLY_CONFIDENTIAL) is False
    ]
    public, replies_out = (
        len(public_replies),
        sum(bool(a.get(qids.REPLY_PUBLISHED)) for a in public_replies),
    )
    received = _replies_received(frame, current)
    states = [t for t in by_actor.values() if t.kind == "state"]
    others = [t for t in by_actor.values() if t.kind != "state"]
    previous = windows[0].name if windows else _("none in the record")

    figures = (
        Figure("sent", _("Communications sent (one per addressee)"), overall.sent),
        Figure("followup_letters", _("of which follow-up letters"), followups),
        Figure("followup_share", _("Follow-up letters, share of those sent"),
               rate(followups, overall.sent), "%"),
        Figure("joint", _("Joint communications (two or more mandates)"), overall.joint),
        Figure("joint_share", _("Joint communications, share of those sent"),
               rate(overall.joint, overall.sent), "%"),
        Figure("urgent", _("Urgent appeals (UA)"), by_type[URGENT].sent),
        Figure("states_addressed", _("States addressed"), len(states)),
        Figure("other_actors_addressed", _("Other actors addressed"), len(others)),
        Figure("replies", _("Replies received to them (as of the cut-off)"), overall.replies),
        Figure("reply_period_ended", _("Letters whose 60-day reply period had ended at the "
               "cut-off"), overall.ended),
        Figure("replied_of_ended", _("of which answered"), overall.ended_replied),
        Figure("reply_rate", _("Reply rate (letters whose reply period has ended)"),
               overall.rate, "%"),
        Figure("replies_in_time", _("Replies within the deadline"), overall.in_time),
        Figure("in_time_rate", _("Answered within the deadline (letters whose reply period "
               "has ended)"), rate(overall.ended_in_time, overall.ended), "%"),
        Figure("awaiting_reply", _("Deadline passed, no reply yet"), len(awaiting)),
        Figure("replies_received", _("Replies received in the period (any letter)"),
               sum(received.values())),
        Figure(
            "outstanding_previous",
            _("Still without reply from the previous joint report ({window})").format(
                window=previous
            ),
            len(outstanding) if windows else None,
        ),
        Figure("statements", _("Press releases and public statements"),
               statements(current, frame)),
        Figure("letters_published", _("Letters published"), published),
        Figure("public_replies", _("Replies not kept confidential"), public),
        Figure("replies_published", _("of which published"), replies_out),
        Figure("non_cooperating", _("States with persistent non-cooperation"), len(flagged)),
    )  # fmt: skip
    tables = (
        _tally_table("comm_by_type", _("By type"), (_("Type"),), by_type.values(), keep_empty=True),
        _mandate_table(by_mandate.values()),
        _actor_table(by_actor.values(), flagged),
        _tally_table("comm_by_month", _("By month sent"), (_("Month"),), by_month.values(), True),
        _kind_table(received),
        _windows_table(windows, comms, cutoff),
        _outstanding_table(outstanding, frame, previous),
    )
    note = _(
        "Cut-off: {date}. Reply rates count only letters whose reply period "
        "had ended by the cut-off, and the replies received to them by then."
    ).format(date=long_date(cutoff))
    return Section("communications", _("Communications"), figures, tables, note)


def flagged_states(frame: Frame, comms: list[Case]) -> dict[str, list[str]]:
    """States whose last N communications due, sent up to the end of the period, all went
    unanswered at the cut-off (`deadlines.non_cooperating_states`, the digest's rule)."""
    up_to_end = [c for c in comms if (d := sent_on(c)) and d <= frame.end]
    return non_cooperating_states(up_to_end, frame.today, frame.rules)


#: How many previous joint communications report windows the table goes back.
WINDOWS_SHOWN = 3
#: Kinds of reply (communication_reply version 2), in the order a table lists them.
REPLY_KINDS = {
    "substantive": N_("Substantive"),
    "partial": N_("Partial"),
    "acknowledgement": N_("Acknowledgement only"),
    "rejection": N_("Rejection"),
    "": N_("Kind not recorded"),
}


def previous_windows(start: date, first: date | None, count: int) -> list[SessionWindow]:
    """The `count` joint report windows that ended before `start`, latest first, none of
    them ending before the first record (a window before any letter would read as a report
    that never was)."""
    found: list[SessionWindow] = []
    if first is None:
        return found
    window = last_window_before(start)
    while len(found) < count and window.end >= first:
        found.append(window)
        window = previous_window(window)
    return found


def _first_record(comms: list[Case]) -> date | None:
    return min((d for c in comms if (d := sent_on(c))), default=None)


def _replies_received(frame: Frame, comms: list[Case]) -> dict[str, int]:
    """Replies dated in the period, to letters of any date, by kind (every reply counts: an
    addressee may reply more than once)."""
    counts = dict.fromkeys(REPLY_KINDS, 0)
    for case in comms:
        for answer in answers_of(case, "communication_reply"):
            if day(answer.get(qids.REPLY_DATE)) in frame:
                kind = str(answer.get(qids.REPLY_NATURE) or "")
                counts[kind if kind in REPLY_KINDS else ""] += 1
    return counts


def _kind_table(received: dict[str, int]) -> Table:
    total = sum(received.values())
    rows = tuple(
        (_(label), received[key], rate(received[key], total))
        for key, label in REPLY_KINDS.items()
        if key or received[key]
    )
    return Table("comm_reply_kinds", _("Replies received in the period, by kind"),
                 (_("Kind of reply"), _("Replies"), _("Share (%)")), rows)  # fmt: skip


def _windows_table(windows: list[SessionWindow], comms: list[Case], cutoff: date) -> Table:
    """Per previous window: letters sent in it, and those still without reply at the
    cut-off; the last column adds up the windows shown (cumulative)."""
    counts = {w: [0, 0] for w in windows}
    first = windows[-1].start if windows else cutoff
    for case in comms:
        sent = sent_on(case)
        if sent is None or sent < first or (window := window_containing(sent)) not in counts:
            continue
        counts[window][0] += 1
        unanswered = not ((r := replied_on(case)) and r <= cutoff)
        counts[window][1] += unanswered and not _reply_unknown(case)
    rows, total = [], 0
    for window in windows:
        sent_count, waiting = counts[window]
        total += waiting
        span = f"{long_date(window.start)} {DASH} {long_date(window.end)}"
        rows.append((window.name, span, sent_count, waiting, total))
    columns = (_("Joint report"), _("Letters sent"), _("Sent"), _("Still without reply"),
               _("Cumulative without reply"))  # fmt: skip
    return Table("comm_windows", _("Still without reply, by previous joint communications "
                                   "report"), columns, tuple(rows))  # fmt: skip


def _mandate_table(tallies: Iterable[_Tally]) -> Table:
    ordered = sorted(tallies, key=lambda t: (-t.sent, fold(t.name)))
    rows = tuple(
        (t.name, t.sent, t.joint, t.replies, t.ended, t.ended_replied, t.rate) for t in ordered
    )
    columns = (_("Mandate"), _("Sent"), _("Joint"), _("Replies"), _("Reply period ended"),
               _("Answered of those"), _("Reply rate (%)"))  # fmt: skip
    return Table("comm_by_mandate", _("By mandate (a joint letter counts for each)"), columns,
                 rows)  # fmt: skip


def _letters(frame: Frame, comms: list[Case]) -> list[_Letter]:
    """The communications sent in the period, with their reply deadline and first reply."""
    letters = []
    for case in comms:
        sent = sent_on(case)
        due = reply_due(case, frame.rules_of(case))
        if sent is not None and due is not None and sent in frame:
            letters.append(_Letter(case, sent, due, replied_on(case)))
    return letters


Tallies = tuple[
    dict[str, _Tally], dict[tuple[str, str], _Tally], dict[str, _Tally], dict[str, _Tally]
]


def _tallies(frame: Frame, letters: list[_Letter]) -> Tallies:
    """Sent / replied / in time by type, by addressee, by month sent and by mandate."""
    cutoff = frame.today
    by_type = {t: _Tally(t) for t in COMM_TYPES}
    by_actor: dict[tuple[str, str], _Tally] = {}
    by_month = {key: _Tally(key) for key in _months(frame.start, frame.end)}
    by_mandate: dict[str, _Tally] = {}
    for letter in letters:
        comm_type = str(intake(letter.case).get(qids.COMM_TYPE, ""))
        comm_type = JOINT_TYPES.get(comm_type, comm_type)
        by_type.setdefault(comm_type, _Tally(comm_type)).add(letter, cutoff)
        by_month[f"{letter.sent.year:04d}-{letter.sent.month:02d}"].add(letter, cutoff)
        for mandate in dict.fromkeys(mandates(letter.case)):
            by_mandate.setdefault(mandate, _Tally(mandate)).add(letter, cutoff)
        for actor in addressees(letter.case):
            key = _actor_key(actor)
            if key not in by_actor:
                by_actor[key] = _Tally(_actor_name(actor), actor.get("code", ""), actor["kind"])
            by_actor[key].add(letter, cutoff)
    return by_type, by_actor, by_month, by_mandate


def _reply_unknown(case: Case) -> bool:
    """A letter the schema-3 upgrade made from an older record to several addressees: an old
    reply could not be credited to it, so "no reply" on it means "not known", and it stays
    out of reply rates and the counts of letters without reply unless a reply is recorded."""
    return bool(case.get("reply_unknown")) and replied_on(case) is None


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
        (t.name, t.sent, t.replies, t.ended, t.ended_replied, t.rate)
        for t in tallies
        if keep_empty or t.sent
    )
    columns = (*head, _("Sent"), _("Replies"), _("Reply period ended"), _("Answered of those"),
               _("Reply rate (%)"))  # fmt: skip
    return Table(key, title, columns, rows)


def _actor_table(tallies: Iterable[_Tally], flagged: dict[str, list[str]]) -> Table:
    ordered = sorted(tallies, key=lambda t: (t.kind != "state", -t.sent, fold(t.name)))
    rows = tuple(
        (
            t.name,
            t.code if t.kind == "state" else _("other actor"),
            t.sent,
            t.replies,
            t.in_time,
            t.ended,
            t.rate,
            _("yes") if t.code in flagged and t.kind == "state" else "",
        )
        for t in ordered
    )
    columns = (_("Addressee"), _("Code"), _("Sent"), _("Replies"), _("Within deadline"),
               _("Reply period ended"), _("Reply rate (%)"),
               _("Persistent non-cooperation"))  # fmt: skip
    return Table("comm_by_addressee", _("By State, then other actors"), columns, rows)


def _outstanding_table(outstanding: list[Case], frame: Frame, window: str) -> Table:
    rows = []
    for case in sorted(outstanding, key=lambda c: (sent_on(c), c.get("reference") or "")):
        due = reply_due(case, frame.rules_of(case))
        names = ", ".join(_actor_name(a) for a in addressees(case))
        sent = sent_on(case)
        assert sent is not None and due is not None  # selected by date sent
        rows.append((case.get("reference") or case["id"], names, long_date(sent), long_date(due)))
    title = _("Still without reply from the previous joint report ({window})").format(window=window)
    return Table("comm_outstanding", title,
                 (_("Reference"), _("Addressees"), pgettext("date", "Sent"), _("Reply due")),
                 tuple(rows))  # fmt: skip
