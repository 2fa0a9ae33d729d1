"""The report's underlying rows as CSV for Excel (UTF-8 with a byte-order mark, formula-like
text neutralised: see :mod:`workflows.report.sheets`)."""

from __future__ import annotations

from typing import BinaryIO

from workflows.report.model import Report
from workflows.report.sheets import write_csv_table


def write_csv(report: Report, stream: BinaryIO) -> None:
    """Write `report.records` (header row first) to a binary stream."""
    write_csv_table(report.records.columns, report.records.rows, stream)
