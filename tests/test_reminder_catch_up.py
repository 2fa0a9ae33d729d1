"""Catch-up after an import or a long downtime: one summary per person, not a flood (issue
11, item 15). Reminders stay at most once per rung, and each one is recorded in its case."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from clocks import MovableClock

from storage.tinydb_repo import TinyDBRepository
from workflows.cases.service import CaseService
from workflows.checklists.model import Registry
from workflows.deadlines import reminders
from workflows.deadlines.alerts import SUMMARY_NAMES, AlertService
from workflows.records.spreadsheet_import import import_file

TODAY = date(2018, 2, 1)
NOW = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)
LETTERS = 40
HEADER = ["kind", "owner", "comm_type", "addressees", "date_sent", "mandates", "reference",
          "summary"]  # fmt: skip


def _import_past_letters(repo: TinyDBRepository, registry: Registry, tmp_path: Path) -> None:
    """40 allegation letters sent in 2016, none answered nor published: each has a reply, its
    publication and a follow-up letter overdue by 2018."""
    path = tmp_path / "past.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for n in range(LETTERS):
            sent = date(2016, 1, 4) + timedelta(days=7 * n)
            writer.writerow({"kind": "communication", "owner": "2", "comm_type": "AL",
                             "addressees": "Burundi", "date_sent": sent.isoformat(),
                             "mandates": "WGAD", "reference": f"AL BDI {n + 1}/2016",
                             "summary": f"Letter {n + 1}"})  # fmt: skip
    result = import_file(path, repo, registry, actor="test", today=TODAY, now=NOW,
                         tz="Europe/Zurich")  # fmt: skip
    assert not result.problems


def _sent_keys(repo: TinyDBRepository) -> set[str]:
    return {key for case in repo.iter_cases() for key in reminders.reminder_state(case)["sent"]}


def test_an_import_of_past_letters_brings_one_summary_not_a_flood(
    repo: TinyDBRepository, registry: Registry, tmp_path: Path
) -> None:
    repo.put_user({"id": "2", "role": "officer"}, actor="test")
    _import_past_letters(repo, registry, tmp_path)
    clock = MovableClock(NOW)
    alerts = AlertService(CaseService(repo, registry, clock))

    (summary,) = alerts.pending()  # one message, where there were 120
    assert summary.to == "2"
    assert len(summary.claims) == 3 * LETTERS
    text = summary.reply.text
    assert text.startswith("120 reminders came due on 40 cases")
    assert "Reply due from the addressee: 40" in text
    assert "Publish the letter: 40" in text
    assert "Follow-up letter suggested (no reply): 40" in text
    # the most overdue first: the letter of 4 January 2016, due 4 March 2016
    assert "AL BDI 1/2016: Reply due from the addressee, 699 days overdue" in text
    assert len(summary.reply.buttons) == SUMMARY_NAMES
    assert all(len(b.token.encode()) <= 64 for b in summary.reply.buttons)

    assert alerts.claim_outgoing(summary)
    assert _sent_keys(repo) == {key for _, key in summary.claims}  # each one recorded
    assert not alerts.claim_outgoing(summary)  # a second sweep sends nothing again
    assert AlertService(CaseService(repo, registry, clock)).pending() == []  # nor a restart

    clock.instant += timedelta(days=7)  # the next rung of every ladder, a week later
    (again,) = alerts.pending()
    assert len(again.claims) == 3 * LETTERS
    assert not {key for _, key in again.claims} & _sent_keys(repo)  # new rungs only


def test_a_few_reminders_still_come_one_by_one_with_their_buttons(
    repo: TinyDBRepository, registry: Registry, tmp_path: Path
) -> None:
    repo.put_user({"id": "2", "role": "officer"}, actor="test")
    _import_past_letters(repo, registry, tmp_path)
    clock = MovableClock(NOW)
    service = CaseService(repo, registry, clock)
    alerts = AlertService(service)
    for outgoing in alerts.pending():
        alerts.claim_outgoing(outgoing)
    case = repo.case_by_reference("AL BDI 1/2016")
    assert case is not None
    case["reminders"]["sent"] = {}  # as if only this case were due
    service.save(case, "test", "reset", {})
    due = alerts.pending()
    # reply, publication and follow-up letter: three, under the summary threshold
    assert [o.reply.title for o in due] == ["Reminder · AL BDI 1/2016 (Burundi)"] * 3
    assert all(o.also == () and "Snooze 7 days" in [b.label for b in o.reply.buttons] for o in due)
