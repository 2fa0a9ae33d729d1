"""Importing communications and visits from CSV and XLSX: every row validated, bad rows
reported with line and reason and not imported at all, re-imports create no duplicates."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from storage.tinydb_repo import TinyDBRepository, open_repository
from workflows.checklists.model import Registry
from workflows.records.spreadsheet_import import ImportFileError, ImportResult, import_file

TODAY = date(2018, 2, 1)
NOW = datetime(2018, 2, 1, 9, 0, tzinfo=UTC)
HEADER = [
    "kind", "owner", "comm_type", "addressees", "date_sent", "mandates", "reference", "summary",
    "themes", "reply_date", "reply_language", "reply_nature", "reply_confidential", "state",
    "request_date", "event", "event_date", "visited_from", "visited_to", "announced_on",
    "eom_statement", "eom_date", "eom_recommendations", "tor_respected", "group", "follows",
    "reply_published",
]  # fmt: skip
COMM = dict.fromkeys(HEADER, "") | {"kind": "communication", "owner": "101"}
VISIT = dict.fromkeys(HEADER, "") | {"kind": "visit", "owner": "101"}
GOOD = [
    COMM | {"comm_type": "AL", "addressees": "Burundi", "date_sent": "15/03/2017",
            "mandates": "WGAD", "reference": "AL BDI 1/2017",
            "summary": "Détention arbitraire d'un journaliste", "themes": "detention",
            "reply_date": "2017-04-20", "reply_language": "FR", "reply_nature": "substantive",
            "reply_confidential": "no", "reply_published": "2017-04-21"},
    # Two addressees in one row: one letter each, as in the chat (references in any order).
    COMM | {"comm_type": "OL", "addressees": "Côte d'Ivoire; other: Société Minière Acmé",
            "date_sent": "2017-05-02", "mandates": "SR HRDs",
            "reference": "ol oth 1/2017; OL-CIV-1/2017", "summary": "Mining concession",
            "themes": "hrd"},
    VISIT | {"state": "Honduras", "mandates": "SR HRDs", "request_date": "2015-06-01",
             "event": "accepted",
             "event_date": "2015-09-01", "visited_from": "2016-05-02",
             "visited_to": "2016-05-12", "announced_on": "2016-04-20", "eom_statement": "yes",
             "eom_date": "2016-05-12", "eom_recommendations": "yes", "tor_respected": "yes"},
]  # fmt: skip
BAD = [  # (row, what the reason must say)
    (GOOD[0] | {"reference": "AL BDI 2/2017", "date_sent": "31/02/2017"},
     "date_sent: \"31/02/2017\" is not a valid date: February 2017 has 28 days"),
    (GOOD[0] | {"reference": "AL BDI 3/2017", "addressees": "Burundy"},
     "addressees: 'Burundy' is not a State I know. Did you mean Burundi?"),
    (GOOD[0] | {"reference": "AL BDI 4/2017", "reply_language": ""},
     "reply_language is required"),
    (GOOD[0], "same record as line 2"),
    (GOOD[0] | {"kind": "", "reference": "AL BDI 5/2017"}, "kind must be communication or visit"),
    # Two problems in one row: both are reported (the event now predates the request).
    (GOOD[2] | {"comm_type": "AL", "request_date": "2016-01-01"},
     "event_date: The date must be on or after the request (or invitation) and not in the future; "
     "comm_type: only for a communication"),
    (GOOD[0] | {"owner": "999", "reference": "AL BDI 6/2017"}, "owner 999 is not an officer"),
    (GOOD[0] | {"reference": "AL BDI 7/2017", "date_sent": "2018-03-01"},
     "date_sent: The date sent cannot be in the future"),
    (GOOD[0] | {"reference": "UA BDI 8/2017"}, "reference: This is an AL"),
    (GOOD[0] | {"reference": "JAL BDI 9/2017"}, "AL, UA or OL even for a joint letter"),
    (GOOD[1] | {"reference": "OL CIV 2/2017; OL OTH 2/2017", "reply_date": "2017-06-01",
                "reply_language": "EN", "reply_nature": "partial", "reply_confidential": "no"},
     "give one row per addressee"),
]  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[TinyDBRepository]:
    repository = open_repository(tmp_path / "data")
    repository.put_user({"id": "101", "role": "officer"}, actor="test")
    yield repository
    repository.close()


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_folder()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path: Path, repo: TinyDBRepository, registry: Registry, **kwargs: Any) -> ImportResult:
    return import_file(path, repo, registry, actor="test", today=TODAY, now=NOW,
                       tz="Europe/Zurich", **kwargs)  # fmt: skip


def test_good_rows_become_cases_as_the_chat_would_store_them(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    result = run(write_csv(tmp_path / "good.csv", GOOD), repo, registry)
    assert result.problems == [] and result.skipped == []
    assert [line for line, _ in result.imported] == [2, 3, 4]
    letter = repo.case_by_reference("AL BDI 1/2017")
    assert letter is not None and letter["status"] == "open" and letter["owner"] == "101"
    intake = letter["runs"][0]["answers"]
    assert intake["date_sent"] == "2017-03-15"
    assert intake["addressees"] == [{"code": "BDI", "name": "Burundi", "kind": "state"}]
    assert intake["mandates"] == ["WGAD"] and intake["themes"] == ["detention"]
    assert letter["runs"][1]["answers"]["reply_date"] == "2017-04-20"
    assert all(run["status"] == "done" for run in letter["runs"])
    assert letter["history"][-1]["action"] == "import"

    mining = repo.case_by_reference("OL CIV 1/2017")
    company = repo.case_by_reference("OL OTH 1/2017")
    assert mining is not None and company is not None
    assert mining["group"] == company["group"] == [mining["id"], company["id"]]
    assert company["runs"][0]["answers"]["addressees"] == [
        {"code": "OTH", "name": "Société Minière Acmé", "kind": "other"},
    ]  # fmt: skip
    assert letter["runs"][1]["answers"]["reply_published"] == "2017-04-21"
    (visit,) = repo.list_cases(kind="visit")
    assert visit["label"] == "Visit to Honduras (SR HRDs)"
    runs = repo.get_case(visit["id"])["runs"]  # type: ignore[index]
    assert [r["checklist"] for r in runs] == ["visit_request", "visit_response", "visit_conducted"]
    assert runs[2]["answers"]["eom_statement"] is True
    assert repo.audit_log()[-1]["detail"] == {"imported": 3, "skipped": 0, "problems": 0}


def test_one_row_per_addressee_linked_by_group_and_follow_up_letters(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    """OHCHR's database lists one row per addressee; `group` links a letter's rows and
    `follows` makes a row a follow-up letter of another (in the file or already stored)."""
    first = run(write_csv(tmp_path / "one.csv", GOOD[:1]), repo, registry)
    assert len(first.imported) == 1
    base = COMM | {"comm_type": "AL", "date_sent": "2017-06-01", "mandates": "WGAD, SR HRDs",
                   "summary": "Lawyer detained", "group": "lawyer-2017"}  # fmt: skip
    rows = [
        base | {"addressees": "Iran", "reference": "AL IRN 2/2017"},
        base | {"addressees": "Turkey", "reference": "al tur 5/2017"},
        base | {"addressees": "other: Acme Mining Ltd", "reference": "AL OTH 12/2017"},
        COMM | {"comm_type": "AL", "addressees": "Iran", "date_sent": "2017-08-20",
                "mandates": "WGAD", "reference": "AL IRN 7/2017", "summary": "Follow-up",
                "follows": "AL IRN 2/2017"},
        COMM | {"comm_type": "AL", "addressees": "Burundi", "date_sent": "2017-07-01",
                "mandates": "WGAD", "reference": "AL BDI 3/2017", "summary": "Follow-up",
                "follows": "al bdi 1/2017"},  # already in the bot
        COMM | {"comm_type": "AL", "addressees": "Burundi", "date_sent": "2017-07-02",
                "mandates": "WGAD", "reference": "AL BDI 4/2017", "summary": "Follow-up",
                "follows": "AL BDI 99/2017"},
    ]  # fmt: skip
    result = run(write_csv(tmp_path / "rows.csv", rows), repo, registry)
    assert [line for line, _ in result.imported] == [2, 3, 4, 5, 6]
    assert [(p.line, p.reason) for p in result.problems] == [
        (7, "follows: no communication AL BDI 99/2017 in the file or the bot")
    ]
    letters = [repo.case_by_reference(r) for r in ("AL IRN 2/2017", "AL TUR 5/2017",
                                                   "AL OTH 12/2017")]  # fmt: skip
    ids = [c["id"] for c in letters if c is not None]
    assert len(ids) == 3 and all(c["group"] == ids for c in letters if c is not None)
    followup = repo.case_by_reference("AL IRN 7/2017")
    assert followup is not None and followup["follows"] == ids[0]
    assert letters[0]["followups"] == [followup["id"]]  # type: ignore[index]
    stored = repo.case_by_reference("AL BDI 1/2017")
    assert stored["followups"] == [repo.case_by_reference("AL BDI 3/2017")["id"]]  # type: ignore[index]
    assert stored["history"][-1]["action"] == "link_followup"  # type: ignore[index]
    assert repo.case_by_reference("AL BDI 4/2017") is None


def test_a_row_that_fails_on_follows_is_left_out_of_its_group(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    """Three rows of one group; the third also names a letter it follows that exists
    nowhere: it is not imported, so the two others list each other only; a row that
    follows the failed row fails too (it would follow a letter never imported)."""
    base = COMM | {"comm_type": "AL", "date_sent": "2017-06-01", "mandates": "WGAD",
                   "summary": "Lawyer detained", "group": "g"}  # fmt: skip
    rows = [
        base | {"addressees": "Iran", "reference": "AL IRN 2/2017"},
        base | {"addressees": "Turkey", "reference": "AL TUR 5/2017"},
        base | {"addressees": "Burundi", "reference": "AL BDI 4/2017",
                "follows": "AL BDI 99/2017"},
        COMM | {"comm_type": "AL", "addressees": "Burundi", "date_sent": "2017-08-01",
                "mandates": "WGAD", "reference": "AL BDI 5/2017", "summary": "Follow-up",
                "follows": "AL BDI 4/2017"},
    ]  # fmt: skip
    result = run(write_csv(tmp_path / "rows.csv", rows), repo, registry)
    assert [line for line, _ in result.imported] == [2, 3]
    assert [p.line for p in result.problems] == [4, 5]
    letters = [repo.case_by_reference(r) for r in ("AL IRN 2/2017", "AL TUR 5/2017")]
    ids = [c["id"] for c in letters if c is not None]
    assert len(ids) == 2 and all(c["group"] == ids for c in letters if c is not None)
    assert len(repo.list_cases()) == 2


def test_bad_rows_are_reported_with_line_and_reason_and_not_half_imported(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    rows = GOOD + [row for row, _ in BAD]
    result = run(write_csv(tmp_path / "mixed.csv", rows), repo, registry)
    assert [line for line, _ in result.imported] == [2, 3, 4]
    assert [p.line for p in result.problems] == list(range(5, 5 + len(BAD)))
    for problem, (_, reason) in zip(result.problems, BAD, strict=True):
        assert reason in problem.reason, (problem.line, problem.reason)
    # Nothing of a bad row reached the data folder, not even its valid intake.
    assert len(repo.list_cases()) == 4  # three rows, one of them two letters
    assert repo.case_by_reference("AL BDI 4/2017") is None
    assert "line 6: " in result.summary()


def test_reimporting_the_same_file_creates_no_duplicates(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    path = write_csv(tmp_path / "good.csv", GOOD)
    run(path, repo, registry)
    again = run(path, repo, registry)
    assert again.imported == [] and again.problems == []
    assert [p.line for p in again.skipped] == [2, 3, 4]
    assert "already imported" in again.skipped[0].reason
    assert len(repo.list_cases()) == 4


def test_dry_run_checks_everything_and_saves_nothing(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    result = run(write_csv(tmp_path / "good.csv", GOOD), repo, registry, dry_run=True)
    assert len(result.imported) == 3
    assert repo.list_cases() == [] and repo.audit_log()[-1]["action"] == "put_user"


def test_xlsx_with_real_date_and_boolean_cells(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Kind", "state", "mandates", "request_date", "visited_from", "visited_to",
                  "announced_on", "eom_statement", "tor_respected"])  # fmt: skip
    sheet.append(["visit", "Türkiye", "WGAD", datetime(2016, 3, 1), date(2017, 4, 3),
                  date(2017, 4, 13), date(2017, 3, 20), False, True])  # fmt: skip
    sheet.append([])  # blank rows are skipped, and line numbers stay those Excel shows
    sheet.append(["visit", "Atlantis", "WGAD", datetime(2016, 3, 1)])
    path = tmp_path / "visits.xlsx"
    book.save(path)
    result = run(path, repo, registry, owner="101")
    assert [line for line, _ in result.imported] == [2]
    assert [p.line for p in result.problems] == [4]
    assert "state: I do not know 'Atlantis' as a State" in result.problems[0].reason
    (entry,) = repo.list_cases(kind="visit")
    answers = repo.get_case(entry["id"])["runs"]  # type: ignore[index]
    assert answers[0]["answers"]["request_date"] == "2016-03-01"
    assert answers[0]["answers"]["origin"] == "request"
    assert answers[1]["answers"]["visited_to"] == "2017-04-13"
    assert run(path, repo, registry, owner="101").imported == []


def test_a_file_with_an_unknown_column_is_refused_whole(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("kind,reference,victim_names\ncommunication,AL BDI 1/2017,X\n", "utf-8")
    with pytest.raises(ImportFileError, match="line 1: unknown column"):
        run(path, repo, registry)
    with pytest.raises(ImportFileError, match=r"\.csv or \.xlsx"):
        run(tmp_path / "notes.txt", repo, registry)
