"""The full report as a Word document: what staff edit and paste into annual reports.

A title page (period, scope, date, confidentiality), then one heading per section with its
one-line totals and real Word tables (header row repeated on each page), "How these figures
are counted" (workflows.report.definitions) at the end, and page numbers
in the footer as a PAGE field, so Word renumbers after edits. The title page has its own
empty footer.

Tables are written as WordprocessingML text and spliced into the document's XML as it is
saved: filling cells through python-docx creates and searches elements one call at a time
(about 80 µs a cell, five seconds for the 14-year demo's 60,000 cells), and even parsing
the text into elements, moving them into the document and serialising them again took
longer than the rest of the document. Each table's place is held by a marker paragraph
until then. The markup is what python-docx itself writes for a table ("Table Grid" style,
the header row marked with w:tblHeader), so Word and python-docx read it as any other table.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from workflows.language import N_, _
from workflows.report.definitions import PREAMBLE, definitions_table
from workflows.report.definitions import TITLE as DEFINITIONS_TITLE
from workflows.report.model import Cell, Report, Table, format_cell
from workflows.report.periods import long_date

TITLE = N_("Standardised follow-up report")
TABLE_STYLE = "Table Grid"


def write_docx(report: Report, target: str | Path | BinaryIO) -> None:
    """Write the report as .docx to a path or a binary stream."""
    document = Document()
    document.core_properties.title = f"{_(TITLE)}: {report.label}"
    _title_page(document, report)
    body = _Body(document)
    for section in report.sections:
        body.add(section.title, "Heading 1")
        if section.note:
            document.add_paragraph(section.note).runs[0].italic = True
        for figure in section.figures:
            line = _("{label}: {value}").format(label=figure.label, value=figure.shown())
            body.add(line, "List Bullet")
        for table in section.tables:
            _table(body, table)
    body.add(_(DEFINITIONS_TITLE), "Heading 1")
    document.add_paragraph(_(PREAMBLE))
    _table(body, definitions_table(report), heading=False)
    _page_numbers(document)
    _save(body, target)


def _title_page(document: DocumentObject, report: Report) -> None:
    document.add_heading(_(TITLE), level=0)
    document.add_paragraph(_("Period: {period}").format(period=report.label))
    document.add_paragraph(
        _("From {start} to {end}").format(start=long_date(report.start), end=long_date(report.end))
    )
    document.add_paragraph(_("Scope: {scope}").format(scope=report.scope.describe()))
    document.add_paragraph(_("Compiled on {date}").format(date=long_date(report.generated_on)))
    if report.confidential:
        warning = document.add_paragraph().add_run(
            _("CONFIDENTIAL: this variant contains names of people concerned. Do not forward.")
        )
        warning.bold = True
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


class _Body:
    """The document being written, with what every paragraph and table needs looked up
    once: python-docx looks a style's name up again for every paragraph, comparing it with
    each of the template's styles (several milliseconds a paragraph, a third of a year's
    report). `add` makes the paragraph `add_paragraph(text, style)` makes (`add_heading` is
    that with "Heading N")."""

    def __init__(self, document: DocumentObject) -> None:
        self.document = document
        self._ids: dict[str, str | None] = {}
        self.table_style = document.styles[TABLE_STYLE].style_id
        self.text_width = _text_width(document)
        #: Each table's markup, spliced in at its marker paragraph when saving (`_save`).
        self.tables: list[str] = []
        self.marker = f"followup-table-{uuid.uuid4().hex}-"

    def add(self, text: str, style: str) -> Paragraph:
        if style not in self._ids:
            self._ids[style] = self.document.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        paragraph = self.document.add_paragraph(text)
        paragraph._p.style = self._ids[style]
        return paragraph


def _table(body: _Body, table: Table, heading: bool = True) -> None:
    document = body.document
    if heading:
        body.add(table.title, "Heading 2")
    if not table.rows:
        document.add_paragraph(_("None."))
        return
    document.add_paragraph(f"{body.marker}{len(body.tables)}")
    body.tables.append(_table_xml(table, body.table_style, body.text_width))


def _save(body: _Body, target: str | Path | BinaryIO) -> None:
    """Save the document with each marker paragraph replaced by its table (module doc)."""
    packed = io.BytesIO()
    body.document.save(packed)
    marker = re.compile(rf"<w:p><w:r><w:t>{re.escape(body.marker)}(\d+)</w:t></w:r></w:p>".encode())
    tables = [text.encode() for text in body.tables]
    with zipfile.ZipFile(packed) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data, count = marker.subn(lambda found: tables[int(found[1])], data)
                if count != len(tables):
                    raise RuntimeError(f"{count} of {len(tables)} tables placed in the document")
            out.writestr(item, data)


def _text_width(document: DocumentObject) -> int:
    """The page's text width in twentieths of a point, shared equally by the columns."""
    section = document.sections[0]
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    return max(int(width / 635), 1440)  # EMU to twips; at least an inch


def _table_xml(table: Table, style: str, width: int) -> str:
    """The whole table as WordprocessingML text, spliced in when saving (module doc):
    a header row marked to repeat on every page, bold, then one plain row per report row."""
    column = width // len(table.columns)
    cell = f'<w:tc><w:tcPr><w:tcW w:w="{column}" w:type="dxa"/></w:tcPr>'
    head = "".join(
        f'{cell}<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{escape(name)}</w:t>'
        "</w:r></w:p></w:tc>"
        for name in table.columns
    )
    rows = [f'<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>{head}</w:tr>']
    for row in table.rows:
        cells = "".join(
            f'{cell}<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:tc>'
            if (text := _shown(value))
            else f"{cell}<w:p/></w:tc>"
            for value in row
        )
        rows.append(f"<w:tr>{cells}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{column}"/>' for _ in table.columns)
    return (
        f"<w:tbl><w:tblPr>"
        f'<w:tblStyle w:val="{style}"/>'
        '<w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _shown(value: Cell) -> str:
    """A cell's text, with characters XML 1.0 cannot hold (control characters typed or
    imported into an answer) left out rather than making the document unreadable."""
    text = format_cell(value) if value != "" else ""
    return _CONTROL.sub("", text)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _page_numbers(document: DocumentObject) -> None:
    section = document.sections[0]
    section.different_first_page_header_footer = True  # no number on the title page
    paragraph = section.footer.paragraphs[0]
    # Translators: the page number (a Word field) is written where {number} is.
    paragraph.text = _("Page {number}").format(number="")
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
