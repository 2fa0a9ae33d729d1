"""The writers: .docx re-opened with python-docx, CSV bytes, PNG signature."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from fixture import END, START, TODAY, VICTIMS, cases, communication, other

from workflows.report import (
    Report,
    compile_report,
    file_stem,
    write_chart,
    write_csv,
    write_docx,
)
from workflows.report.chart import chart_rows
from workflows.report.definitions import defined, definitions_table, definitions_text

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
    assert headings == ["Communications", "Country visits", "Follow-up activities",
                        "Deadlines and workload", "Persistent non-cooperation", "Reprisals",
                        "How these figures are counted"]  # fmt: skip
    assert "Communications sent (one per addressee): 38" in [p.text for p in document.paragraphs]

    # One Word table per non-empty report table, in order, header row first, then the
    # definitions.
    expected = [t for s in report.sections for t in s.tables if t.rows]
    expected.append(definitions_table(report))
    assert len(document.tables) == len(expected)
    for table, source in zip(document.tables, expected, strict=True):
        assert tuple(c.text for c in table.rows[0].cells) == source.columns
        assert len(table.rows) == len(source.rows) + 1
    tables = {source.key: table for table, source in zip(document.tables, expected, strict=True)}
    by_type = tables["comm_by_type"]
    # AL: 21 sent, 13 replies, 20 whose reply period has ended, 13 of them answered.
    assert [c.text for c in by_type.rows[1].cells] == ["AL", "21", "13", "20", "13", "65.0"]
    assert tables["visit_responses"].rows[1].cells[3].text == "Dates agreed"
    assert tables["visit_reports"].rows[1].cells[5].text == "13"
    owners = tables["open_items_by_owner"]
    assert [[c.text for c in row.cells] for row in owners.rows[1:]] == [
        ["user 101 (no name recorded)", "28", "55", "3 September 2016"],
        ["user 102 (no name recorded)", "22", "43", "29 January 2017"],
    ]
    definitions = tables["definitions"]
    defined = {row.cells[1].text: row.cells[2].text for row in definitions.rows[1:]}
    assert defined["Reply rate (letters whose reply period has ended)"].startswith(
        "Answered / reply period ended"
    )


def test_every_figure_is_defined(report: Report) -> None:
    confidential = compile_report(cases(), START, END, today=TODAY, confidential=True)
    undefined = [
        (section.key, figure.key)
        for r in (report, confidential)
        for section in r.sections
        for figure in section.figures
        if not defined(section.key, figure.key)
    ]
    assert undefined == []
    # The chat's /report help says the same.
    assert "Answered / reply period ended" in definitions_text()


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


def test_a_confidential_report_is_named_so_and_apart_from_the_ordinary_one() -> None:
    ordinary = compile_report(cases(), START, END, today=TODAY)
    named = compile_report(cases(), START, END, today=TODAY, confidential=True)
    assert file_stem(ordinary) == "followup-report-2017-01-01-2017-12-31"
    assert file_stem(named) == "followup-report-2017-01-01-2017-12-31-CONFIDENTIAL"


def test_csv_starts_with_a_bom_and_round_trips_accents(report: Report) -> None:
    stream = io.BytesIO()
    write_csv(report, stream)
    data = stream.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert not stream.closed  # the caller's stream is left open
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    # The 38 communications of 2017 and every visit but V7 (closed in 2015, nothing in 2017).
    assert len(rows) == 38 + 7
    letters = [r for r in rows if r["Communication or visit"] == "communication"]
    by_reference = {r["Reference"]: r for r in letters}
    assert by_reference["AL CIV 1/2017"]["Addressees"] == "Côte d'Ivoire"
    assert by_reference["OL OTH 1/2017"]["Addressees"] == "Société Minière Acmé"
    assert by_reference["AL CHN 2/2017"]["Replied within the deadline"] == "no"
    assert by_reference["AL EGY 2/2017"]["Replied within the deadline"] == "yes"
    # one row per letter: #5 and #35 name each other; follow-ups name what they follow
    assert by_reference["OL MMR 1/2017"]["Same letter also sent to"] == "OL OTH 3/2017"
    assert by_reference["OL OTH 3/2017"]["Joint (two or more mandates)"] == "yes"
    assert by_reference["AL BDI 4/2017"]["Follows up"] == "AL BDI 1/2017"
    assert by_reference["AL BDI 1/2017"]["Follow-up letters sent"] == "1"
    assert by_reference["AL CHN 1/2017"]["Letter published"] == "2017-03-20"
    assert by_reference["AL CHN 1/2017"]["Reply published"] == "2017-03-02"
    visits = [r for r in rows if r["Communication or visit"] == "visit"]
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


def test_chart_labels_values_and_says_when_it_is_cut() -> None:
    # 30 States, one letter each, sent 1 Mar 2017 (reply period over by the cut-off); the
    # first 10 (by UN name) answered: 30 bars would not fit, 25 are shown and the title
    # says so. Every shown rate is a number (0 % is data), never left blank.
    from workflows.reference.actors import states

    codes = [s.code for s in states() if s.code not in ("VAT", "PSE")][:30]
    letters = []
    for n, code in enumerate(codes, start=1):
        letter = communication(400 + n, f"AL {code} {n}/2017", "2017-03-01",
                               to=[{"code": code, "name": code, "kind": "state"}],
                               reply="2017-04-01" if n <= 10 else None)  # fmt: skip
        letters.append(letter)
    report = compile_report(letters, START, END, today=TODAY)
    labels, rates, title = chart_rows(report, "state")
    assert len(labels) == 25
    assert "top 25 of 30" in title
    assert rates.count(100.0) == 10 and rates.count(0.0) == 15
    assert labels[0] == "Afghanistan (1)"  # UN names, letters sent in brackets


def test_chart_of_a_state_profile_plots_only_that_state(report: Report) -> None:
    burundi = compile_report(cases(), START, END, today=TODAY, state="BDI")
    labels, rates, _ = chart_rows(burundi, "state")
    assert labels == ["Burundi (4)"] and rates == [0.0]  # #1 #2 #3 #36, none answered


def test_chart_says_n_a_when_no_reply_period_has_ended() -> None:
    december = compile_report(cases(), date(2017, 12, 1), END, today=TODAY)
    labels, rates, _ = chart_rows(december, "month")
    assert labels == ["2017-12 (3)"] and rates == [None]  # #15 #19 #33, none due yet


def test_docx_tables_keep_markup_like_text_as_text(tmp_path: Path) -> None:
    # An addressee typed with XML's special characters and a stray control character (as
    # an import from someone's spreadsheet might bring): the table shows the text as typed,
    # less the control character, and the document opens.
    name = 'Acme <Mining> & "Sons"\x0b Ltd'
    letter = communication(501, "AL OTH 9/2017", "2017-03-01", to=[other(name)])
    path = tmp_path / "markup.docx"
    write_docx(compile_report([letter], START, END, today=TODAY), path)
    cells = [c.text for t in Document(str(path)).tables for row in t.rows for c in row.cells]
    assert 'Acme <Mining> & "Sons" Ltd' in cells
