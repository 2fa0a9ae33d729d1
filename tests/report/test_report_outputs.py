"""The writers: .docx re-opened with python-docx, CSV bytes, PNG signature."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from fixture import END, START, TODAY, VICTIMS, cases

from workflows.report import Report, compile_report, write_chart, write_csv, write_docx

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report() -> Report:
    return compile_report(cases(), START, END, today=TODAY)


def _text(path: Path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_docx_has_a_title_page_headings_and_real_tables(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    write_docx(report, path)
    document = Document(str(path))
    first = [p.text for p in document.paragraphs[:6]]
    assert first[0] == "Standardised follow-up report"
    assert "Period: 1 January 2017 \N{EN DASH} 31 December 2017" in first
    assert "Scope: all mandates; all States and other actors" in first
    headings = [p.text for p in document.paragraphs if p.style and p.style.name == "Heading 1"]
    assert headings == ["Communications", "Country visits", "Reprisals", "Follow-up"]
    assert "Communications sent (one per addressee): 38" in [p.text for p in document.paragraphs]

    # One Word table per non-empty report table, in order, header row first.
    expected = [t for s in report.sections for t in s.tables if t.rows]
    assert len(document.tables) == len(expected)
    for table, source in zip(document.tables, expected, strict=True):
        assert tuple(c.text for c in table.rows[0].cells) == source.columns
        assert len(table.rows) == len(source.rows) + 1
    tables = {source.key: table for table, source in zip(document.tables, expected, strict=True)}
    by_type = tables["comm_by_type"]
    assert [c.text for c in by_type.rows[1].cells] == ["AL", "21", "13", "61.9"]
    assert tables["visit_responses"].rows[1].cells[3].text == "Dates agreed"
    assert tables["visit_reports"].rows[1].cells[5].text == "13"
    owners = tables["open_items_by_owner"]
    assert [[c.text for c in row.cells] for row in owners.rows[1:]] == [
        ["101", "28", "55", "3 September 2016"],
        ["102", "22", "43", "29 January 2017"],
    ]


def test_docx_numbers_pages_except_the_title_page(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    write_docx(report, path)
    section = Document(str(path)).sections[0]
    assert section.different_first_page_header_footer
    footer_xml = section.footer._element.xml
    assert "fldChar" in footer_xml and " PAGE " in footer_xml
    with zipfile.ZipFile(path) as archive:
        assert 'w:tblHeader w:val="true"' in archive.read("word/document.xml").decode()


def test_docx_to_a_stream_and_without_names(report: Report, tmp_path: Path) -> None:
    stream = io.BytesIO()
    write_docx(report, stream)
    path = tmp_path / "streamed.docx"
    path.write_bytes(stream.getvalue())
    text = _text(path)
    assert not any(name in text for name in VICTIMS)


def test_confidential_docx_has_the_annex_and_the_warning(tmp_path: Path) -> None:
    report = compile_report(cases(), START, END, today=TODAY, confidential=True)
    path = tmp_path / "confidential.docx"
    write_docx(report, path)
    text = _text(path)
    assert "CONFIDENTIAL: this variant contains names" in text
    assert "Confidential annex" in text
    assert all(name in text for name in VICTIMS[:4])


def test_csv_starts_with_a_bom_and_round_trips_accents(report: Report) -> None:
    stream = io.BytesIO()
    write_csv(report, stream)
    data = stream.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert not stream.closed  # the caller's stream is left open
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    # The 38 communications of 2017 and every visit but V7 (closed in 2015, nothing in 2017).
    assert len(rows) == 38 + 7
    by_reference = {r["Reference"]: r for r in rows if r["Kind"] == "communication"}
    assert by_reference["AL CIV 1/2017"]["Addressees"] == "Côte d'Ivoire"
    assert by_reference["OL OTH 1/2017"]["Addressees"] == "Société Minière Acmé"
    assert by_reference["AL CHN 2/2017"]["Within deadline"] == "no"
    assert by_reference["AL EGY 2/2017"]["Within deadline"] == "yes"
    # one row per letter: #5 and #35 name each other; follow-ups name what they follow
    assert by_reference["OL MMR 1/2017"]["Same letter to"] == "OL OTH 3/2017"
    assert by_reference["OL OTH 3/2017"]["Joint"] == "yes"
    assert by_reference["AL BDI 4/2017"]["Follow-up of"] == "AL BDI 1/2017"
    assert by_reference["AL BDI 1/2017"]["Follow-up letters"] == "1"
    assert by_reference["AL CHN 1/2017"]["Letter published"] == "2017-03-20"
    assert by_reference["AL CHN 1/2017"]["Reply published"] == "2017-03-02"
    visits = [r for r in rows if r["Kind"] == "visit"]
    assert {r["Addressees"] for r in visits} >= {"Türkiye", "Honduras"}
    assert not any(name in data.decode("utf-8-sig") for name in VICTIMS)


@pytest.mark.parametrize("by", ["state", "month"])
def test_chart_is_a_png(report: Report, by: str) -> None:
    stream = io.BytesIO()
    write_chart(report, stream, by=by)
    assert stream.getvalue().startswith(PNG_SIGNATURE)
    assert len(stream.getvalue()) > 1000


def test_chart_of_an_empty_report_still_draws() -> None:
    stream = io.BytesIO()
    write_chart(compile_report([], START, END, today=TODAY), stream)
    assert stream.getvalue().startswith(PNG_SIGNATURE)
