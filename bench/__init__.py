"""Benchmark scripts (run by hand, not in CI) and `python -m bench`, which runs them all.

Each script still runs on its own (`.venv/bin/python bench/report.py`) with its own data and
full iteration counts; `python -m bench` imports their `measure` functions and runs them on
demo data instead, with the row type below, so that one table shows every figure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One figure of the table. `passed` is None for a figure without a target."""

    figure: str
    value: str
    target: str = ""
    passed: bool | None = None

    @property
    def result(self) -> str:
        if self.value.startswith("not run"):
            return "not run"
        return {True: "pass", False: "FAIL", None: ""}[self.passed]


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table, ready to paste into bench/README.md."""
    header = ("figure", "value", "target", "result")
    cells = [header, *((r.figure, r.value, r.target, r.result) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in cells]  # fmt: skip
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([lines[0], rule, *lines[1:]])
