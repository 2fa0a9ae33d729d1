"""The standardised follow-up report (DESIGN.md): compile figures, then write them out.

    report = compile_report(repo.iter_cases(), start, end, today=today)
    summary_text(report)                     # one chat message
    write_docx(report, "report.docx")        # the full report
    write_csv(report, stream)                # the underlying rows, UTF-8 with BOM
    write_chart(report, stream, by="state")  # reply rate as a PNG

`parse_period(text, today, tz)` turns what staff type or tap into a `Period`.

The writers load python-docx and matplotlib, which take a noticeable fraction of a second
to import, so they are imported on first use: the chat can compile and summarise without
paying for them.
"""

from __future__ import annotations

import importlib
from typing import Any

from workflows.report.compile import compile_report, file_stem
from workflows.report.model import Figure, Report, Scope, Section, Table
from workflows.report.periods import Period, PeriodError, parse_period
from workflows.report.summary import summary_text

_WRITERS = {
    "write_chart": "workflows.report.chart",
    "write_csv": "workflows.report.csv_writer",
    "write_docx": "workflows.report.docx_writer",
}

__all__ = [
    "Figure",
    "Period",
    "PeriodError",
    "Report",
    "Scope",
    "Section",
    "Table",
    "compile_report",
    "file_stem",
    "parse_period",
    "summary_text",
    "write_chart",
    "write_csv",
    "write_docx",
]


def __getattr__(name: str) -> Any:
    if name in _WRITERS:
        return getattr(importlib.import_module(_WRITERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
