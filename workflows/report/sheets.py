"""Tables written for spreadsheets (CSV and XLSX), with formula injection neutralised.

Why: a spreadsheet evaluates a cell whose text starts with "=", "+", "-" or "@" (and tab,
carriage return or line feed, which some of them skip first) as a formula, so an addressee
typed as ``=HYPERLINK("http://…")``, or a summary imported from someone's spreadsheet,
would run when a colleague opens the report rows. OWASP's CSV Injection guidance is to
prefix such a cell with a single quote, which the spreadsheet takes as "this is text"; the
text stays readable. In XLSX the same cell is written as a string with the quote-prefix
style (openpyxl would otherwise store any string starting with "=" as a formula).
Numbers stay numbers: only text is ever a formula.

Every CSV or XLSX the bot writes goes through :func:`write_csv_table` or
:func:`write_xlsx_table`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

from workflows.report.model import Cell

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could evaluate `text`: it starts with a trigger, also after
    leading spaces (some spreadsheets trim them before looking)."""
    return text.startswith(FORMULA_TRIGGERS) or text.lstrip(" ").startswith(FORMULA_TRIGGERS)


def csv_cell(value: Cell) -> str | int | float:
    """One value as a CSV cell: None blank, formula-like text behind a single quote."""
    if value is None:
        return ""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def write_csv_table(
    columns: Sequence[str], rows: Iterable[Sequence[Cell]], stream: BinaryIO
) -> None:
    """Header row, then the rows, as UTF-8 with a byte-order mark.

    Why the BOM: Excel opens a CSV without one in the machine's legacy code page, which
    turns "Côte d'Ivoire" into mojibake; with it, accents survive a double-click.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow([csv_cell(c) for c in columns])
        writer.writerows([csv_cell(c) for c in row] for row in rows)
        text.flush()
    finally:
        text.detach()  # the caller owns the stream; do not close it


def write_xlsx_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Cell]], stream: BinaryIO
) -> None:
    """One worksheet named `title`: header row, then the rows; text is never a formula."""
    from openpyxl import Workbook  # only spreadsheets need it

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit for a sheet name
    for row, values in enumerate((columns, *rows), start=1):
        # cell by cell at known places: sheet[sheet.max_row] scans the sheet every row
        for column, value in enumerate(values, start=1):
            _as_text_if_formula_like(sheet.cell(row=row, column=column, value=value))
    workbook.save(stream)


def _as_text_if_formula_like(cell: Any) -> None:
    if isinstance(cell.value, str) and is_formula_like(cell.value):
        cell.data_type = "s"  # openpyxl set "f" (formula) for a leading "="
        cell.quotePrefix = True  # Excel's own "typed with a leading quote": text if edited
