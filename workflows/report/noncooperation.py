"""Section 5 of the report: persistent non-cooperation, per State, by three rules.

- by_count: the State did not reply to any of its last N communications whose reply
  deadline had passed at the cut-off (N = rule non_cooperation_count, 3), sent up to the end
  of the period (`deadlines.non_cooperating_states`, the rule the digest uses).
- by_windows: the State answered none of the letters listed in each of the last N joint
  communications reports (session windows by date sent) that listed a letter to it whose
  deadline had passed (N = rule non_cooperation_windows, 3): "several consecutive
  communications reports" without a reply.
- by_visits: the State left a visit request without any response for 12 months (rule
  no_response_months) or more at the end of the period, the request still open.
- states: States flagged by at least one rule.
Letters an upgrade made from older records (`reply_unknown`) are left out, as the digest
leaves them out.
"""

from __future__ import annotations

from workflows.deadlines.rules import letter_facts
from workflows.language import _
from workflows.reference.actors import state_by_code
from workflows.report import visit_outcomes as vo
from workflows.report.facts import Case, Frame, addressees, closed_on, requested_on, sent_on
from workflows.report.model import Figure, Section, Table
from workflows.report.periods import SessionWindow, window_containing


def noncooperation_section(
    frame: Frame, comms: list[Case], visit_cases: list[Case], by_count: dict[str, list[str]]
) -> Section:
    """`by_count`: the count rule's States (`communications.flagged_states`)."""
    up_to_end = [c for c in comms if (d := sent_on(c)) and d <= frame.end]
    by_windows = windows_rule(up_to_end, frame)
    by_visits = _unanswered_visits(visit_cases, frame)
    codes = sorted(by_count.keys() | by_windows.keys() | by_visits.keys(), key=_name)
    rows = tuple(
        (
            _name(code),
            code,
            ", ".join(by_count.get(code, [])),
            ", ".join(by_windows.get(code, [])),
            by_visits.get(code, 0) or None,
        )
        for code in codes
    )
    count, windows = frame.rules.non_cooperation_count, frame.rules.non_cooperation_windows
    figures = (
        Figure("states", _("States with persistent non-cooperation (any rule)"), len(codes)),
        Figure("by_count", _("No reply to the last {count} communications due").format(
                   count=count), len(by_count)),
        Figure("by_windows", _("No reply in the last {windows} joint communications reports "
               "that listed a letter to them").format(windows=windows), len(by_windows)),
        Figure("by_visits", _("A visit request unanswered for {months} months or more").format(
                   months=frame.rules.no_response_months), len(by_visits)),
    )  # fmt: skip
    columns = (
        _("State"),
        _("Code"),
        _("Last {count} communications due, unanswered").format(count=count),
        _("Last {windows} joint reports without a reply").format(windows=windows),
        _("Visit requests unanswered"),
    )
    table = Table("comm_non_cooperation", _("Persistent non-cooperation"), columns, rows)
    return Section("noncooperation", _("Persistent non-cooperation"), figures, (table,))


def windows_rule(comms: list[Case], frame: Frame) -> dict[str, list[str]]:
    """{State code: the names of its last N report windows, oldest first} for States that
    answered none of the letters of each, counting only letters whose deadline had passed at
    the cut-off and windows that listed a letter to the State."""
    letters: dict[str, dict[SessionWindow, list[bool]]] = {}
    for case in comms:
        sent, letter = sent_on(case), letter_facts(case, frame.rules)
        if letter.unknown or sent is None or letter.due is None or letter.due >= frame.today:
            continue
        for code in letter.states:
            windows = letters.setdefault(code, {})
            windows.setdefault(window_containing(sent), []).append(letter.replied)
    needed = frame.rules.non_cooperation_windows
    found = {}
    for code, windows in letters.items():
        latest = sorted(windows, key=lambda w: w.start)[-needed:]
        if len(latest) == needed and not any(any(windows[w]) for w in latest):
            found[code] = [w.name for w in latest]
    return found


def _unanswered_visits(cases: list[Case], frame: Frame) -> dict[str, int]:
    found: dict[str, int] = {}
    for case in cases:
        requested = requested_on(case)
        if not vo.is_request(case) or requested is None or requested > frame.end:
            continue
        closed = closed_on(case)
        if closed is not None and closed <= frame.end:
            continue
        if vo.outcome(case, frame.end, frame.rules_of(case))[0] == "no_response":
            for actor in addressees(case):
                found[actor["code"]] = found.get(actor["code"], 0) + 1
    return found


def _name(code: str) -> str:
    state = state_by_code(code)
    return state.name if state else code
