"""The underlying rows of a report: one per communication sent in the period (one letter per
addressee; a follow-up letter is a row of its own, naming the letter it follows up), one per
visit case the visits section draws on. This is what the CSV holds, for staff to filter in
Excel.
"""

from __future__ import annotations

from typing import Any

from workflows.cases.references import JOINT_TYPES
from workflows.checklists import question_ids as qids
from workflows.checklists.model import Registry
from workflows.deadlines.rules import answers_of, intake, notice_days, reply_due
from workflows.language import N_, _
from workflows.report.confidential import confidential_answers
from workflows.report.facts import (
    Case,
    Frame,
    actions,
    addressees,
    events,
    is_joint,
    is_reprisal,
    mandates,
    replied_on,
    sent_on,
    visits,
)
from workflows.report.model import Table

#: The CSV's header row (each translated with `_` when a report is compiled).
COLUMNS = (
    N_("Communication or visit"),
    N_("Reference"),
    N_("Case id"),
    N_("Owner"),
    N_("Owner's user id"),
    N_("Status"),
    N_("Type"),
    N_("Joint (two or more mandates)"),
    N_("Addressees"),
    N_("Codes"),
    N_("Mandates"),
    N_("Date sent"),
    N_("Reply due"),
    N_("First reply received"),
    N_("Replied within the deadline"),
    N_("Kind of reply"),
    N_("Number of replies"),
    N_("Follows up"),
    N_("Follow-up letters sent"),
    N_("Same letter also sent to"),
    N_("Letter published"),
    N_("Reply published"),
    N_("Press releases and statements"),
    N_("Reprisal flagged"),
    N_("Visit requested"),
    N_("Standing invitation"),
    N_("Last event"),
    N_("Last event date"),
    N_("Visited from"),
    N_("Visited to"),
    N_("Days' notice to civil society"),
    N_("End-of-mission statement"),
    N_("Report symbol"),
    N_("Report presented"),
)
CONFIDENTIAL_COLUMN = N_("Confidential answers")
#: Which cases involve reprisals is shown only in the confidential variant (reprisals.py).
REPRISAL_COLUMN = "Reprisal flagged"


def records_table(
    frame: Frame,
    comms: list[Case],
    current: list[Case],
    visit_cases: list[Case],
    registry: Registry,
    confidential: bool,
) -> Table:
    """`comms`: every letter on record, to name the letter a follow-up letter follows up;
    `current`: those that can count in the period (workflows.report.settled)."""
    references = {c["id"]: c.get("reference") or c["id"] for c in comms}
    rows = [_communication(c, frame, references) for c in current if sent_on(c) in frame]
    rows += [_visit(c, frame) for c in visit_cases]
    columns: tuple[str, ...] = COLUMNS
    if not confidential:
        hidden = COLUMNS.index(REPRISAL_COLUMN)
        columns = tuple(c for i, c in enumerate(COLUMNS) if i != hidden)
        rows = [row[:hidden] + row[hidden + 1 :] for row in rows]
    else:
        columns = (*COLUMNS, CONFIDENTIAL_COLUMN)
        cases = [c for c in current if sent_on(c) in frame] + visit_cases
        rows = [
            (
                *row,
                "; ".join(
                    f"{label}: {value}" for _, label, value in confidential_answers(c, registry)
                ),
            )
            for row, c in zip(rows, cases, strict=True)
        ]
    columns = tuple(_(column) for column in columns)
    return Table("records", _("Communications and visits"), columns, tuple(rows))


#: A case's kind and status as the reader's language names them (stored values are keys).
_WORDS = {"communication": N_("communication"), "visit": N_("visit"), "open": N_("open"),
          "closed": N_("closed"), "draft": N_("draft")}  # fmt: skip


def _common(case: Case, frame: Frame) -> tuple[Any, ...]:
    return (_word(case.get("kind")), case.get("reference") or "", case.get("id"),
            frame.owner_name(case.get("owner")), case.get("owner"),
            _word(case.get("status")))  # fmt: skip


def _word(key: Any) -> Any:
    return _(_WORDS[key]) if key in _WORDS else key


def _communication(case: Case, frame: Frame, references: dict[str, str]) -> tuple[Any, ...]:
    actors = addressees(case)
    due = reply_due(case, frame.rules_of(case))
    replied = replied_on(case)
    replies = [a for a in answers_of(case, "communication_reply") if a.get(qids.REPLY_DATE)]
    nature = next((a.get(qids.REPLY_NATURE) for a in replies), None)
    in_time = "" if replied is None or due is None else (_("yes") if replied <= due else _("no"))
    comm_type = str(intake(case).get(qids.COMM_TYPE, ""))
    published = [a[qids.LETTER_PUBLISHED] for a in answers_of(case, "communication_published")
                 if a.get(qids.LETTER_PUBLISHED)]  # fmt: skip
    return (
        *_common(case, frame),
        JOINT_TYPES.get(comm_type, comm_type),
        _("yes") if is_joint(case) else "",
        "; ".join(a.get("name", "") for a in actors),
        "; ".join(a.get("code", "") for a in actors),
        "; ".join(mandates(case)),
        _iso(sent_on(case)),
        _iso(due),
        _iso(replied),
        in_time,
        nature or "",
        len(replies),
        references.get(case.get("follows") or "", case.get("follows") or ""),
        len(case.get("followups") or []),
        "; ".join(references.get(i, i) for i in case.get("group") or [] if i != case["id"]),
        min(published, default=""),
        "; ".join(a[qids.REPLY_PUBLISHED] for a in replies if a.get(qids.REPLY_PUBLISHED)),
        len(actions(case, "statement")),
        _("yes") if is_reprisal(case) else "",
        *([""] * 10),
    )


def _visit(case: Case, frame: Frame) -> tuple[Any, ...]:
    standing = frame.standing
    answers = intake(case)
    state = (addressees(case) or [{}])[0]
    last = (events(case) or [{}])[-1]
    visit = (visits(case) or [{}])[-1]
    report = next((r for r in answers_of(case, "visit_report") if r.get(qids.PRESENTED_ON)), {})
    since = (standing.get(state.get("code", "")) or {}).get("since")
    invitation = "" if state.get("code") not in standing else (since or _("yes"))
    return (
        *_common(case, frame),
        "",
        "",
        state.get("name", ""),
        state.get("code", ""),
        "; ".join(mandates(case)),
        *([""] * 13),
        _("yes") if is_reprisal(case) else "",
        answers.get(qids.REQUEST_DATE, ""),
        invitation,
        last.get(qids.EVENT, ""),
        last.get(qids.EVENT_DATE, ""),
        visit.get(qids.VISITED_FROM, ""),
        visit.get(qids.VISITED_TO, ""),
        notice_days(case),
        visit.get(qids.EOM_DATE, "") if visit.get(qids.EOM_STATEMENT) else "",
        report.get(qids.REPORT_SYMBOL, ""),
        report.get(qids.PRESENTED_ON, ""),
    )


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""
