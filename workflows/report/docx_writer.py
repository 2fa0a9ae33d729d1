"""The full report as a Word document: what staff edit and paste into annual reports.

A title page (period, scope, date, confidentiality), then one heading per section with its
one-line totals and real Word tables (header row repeated on each page), "How these figures
are counted" (workflows.report.definitions) at the end, and page numbers
in the footer as a PAGE field, so Word renumbers after edits. The title page has its own
empty footer.

Tables are filled through the cell list python-docx returns once per table (`_cells`):
asking for `table.cell(r, c)` rebuilds that list on every call, which makes a 1,000-row
table quadratic.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from workflows.report.definitions import PREAMBLE, definitions_table
from workflows.report.definitions import TITLE as DEFINITIONS_TITLE
from workflows.report.model import Report, Table, format_cell
from workflows.report.periods import long_date

TITLE = "Standardised follow-up report"
TABLE_STYLE = "Table Grid"


def write_docx(report: Report, target: str | Path | BinaryIO) -> None:
    """Write the report as .docx to a path or a binary stream."""
    document = Document()
    document.core_properties.title = f"{TITLE}: {report.label}"
    _title_page(document, report)
    for section in report.sections:
        document.add_heading(section.title, level=1)
        if section.note:
            document.add_paragraph(section.note).runs[0].italic = True
        for figure in section.figures:
            document.add_paragraph(f"{figure.label}: {figure.shown()}", style="List Bullet")
        for table in section.tables:
            _table(document, table)
    document.add_heading(DEFINITIONS_TITLE, level=1)
    document.add_paragraph(PREAMBLE)
    _table(document, definitions_table(report), heading=False)
    _page_numbers(document)
    document.save(target)  # type: ignore[arg-type]


def _title_page(document: DocumentObject, report: Report) -> None:
    document.add_heading(TITLE, level=0)
    document.add_paragraph(f"Period: {report.label}")
    document.add_paragraph(f"From {long_date(report.start)} to {long_date(report.end)}")
    document.add_paragraph(f"Scope: {report.scope.describe()}")
    document.add_paragraph(f"Compiled on {long_date(report.generated_on)}")
    if report.confidential:
        warning = document.add_paragraph().add_run(
            "CONFIDENTIAL: this variant contains names of people concerned. Do not forward."
        )
        warning.bold = True
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(document: DocumentObject, table: Table, heading: bool = True) -> None:
    if heading:
        document.add_heading(table.title, level=2)
    if not table.rows:
        document.add_paragraph("None.")
        return
    grid = document.add_table(rows=len(table.rows) + 1, cols=len(table.columns))
    grid.style = TABLE_STYLE
    cells = grid._cells  # built once; see the module docstring
    width = len(table.columns)
    for index, name in enumerate(table.columns):
        cells[index].text = name
        cells[index].paragraphs[0].runs[0].bold = True
    for row_number, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row):
            cells[row_number * width + column].text = format_cell(value) if value != "" else ""
    _repeat_header(grid)


def _repeat_header(grid: DocxTable) -> None:
    """Mark the first row as a header row, repeated at the top of every page."""
    properties = grid.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _page_numbers(document: DocumentObject) -> None:
    section = document.sections[0]
    section.different_first_page_header_footer = True  # no number on the title page
    paragraph = section.footer.paragraphs[0]
    paragraph.text = "Page "
    _field(paragraph, "PAGE")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (begin, instruction, separate, cached result, end) Word updates itself."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(begin)
    run._r.append(code)
    run._r.append(separate)
    paragraph.add_run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)
