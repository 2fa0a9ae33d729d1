"""The report's underlying rows as CSV for Excel: UTF-8 with a byte-order mark.

Why the BOM: Excel opens a CSV without one in the machine's legacy code page, which turns
"Côte d'Ivoire" into mojibake; with it, accents survive a double-click.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from workflows.report.model import Report


def write_csv(report: Report, stream: BinaryIO) -> None:
    """Write `report.records` (header row first) to a binary stream."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(report.records.columns)
        writer.writerows(
            ["" if cell is None else cell for cell in row] for row in report.records.rows
        )
        text.flush()
    finally:
        text.detach()  # the caller owns the stream; do not close it
