"""The compiled report as plain data: sections of one-line figures and tables.

Why a neutral shape: the chat summary, the Word document, the CSV and the chart are all
written from this one object, so they can never disagree, and tests check the figures
without parsing any output format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflows.language import DEFAULT, _, current, formats

Cell = str | int | float | None
#: Between the ends of a range, and for "no value": written as an escape, so that linters
#: and reviewers never mistake it for a hyphen.
DASH = "\N{EN DASH}"


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def as_dicts(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Cell]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Figure:
    """One headline number. `value` None means "not applicable" (a rate of nothing)."""

    key: str
    label: str
    value: int | float | None
    unit: str = ""  # "" for counts, "%" for rates

    def shown(self) -> str:
        """The figure as read, in the current language ("47.5%", "47,5 %")."""
        if self.value is None:
            return format_cell(None)
        unit = formats.percent_sign() if self.unit == "%" else self.unit
        return format_cell(self.value) + unit


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: tuple[Figure, ...]
    tables: tuple[Table, ...] = ()
    note: str = ""

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass(frozen=True)
class Scope:
    """What the report covers beyond the period: one mandate and/or one State, or all."""

    mandate: str | None = None
    state: str | None = None  # ISO 3166 alpha-3
    state_name: str | None = None

    def describe(self) -> str:
        mandate = (
            _("mandate {mandate}").format(mandate=self.mandate)
            if self.mandate
            else _("all mandates")
        )
        state = (
            f"{self.state_name} ({self.state})" if self.state else _("all States and other actors")
        )
        return _("{mandate}; {state}").format(mandate=mandate, state=state)


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    label: str
    generated_on: date
    scope: Scope
    confidential: bool
    sections: tuple[Section, ...]
    #: The underlying rows, one per communication or visit the report draws on (the CSV).
    records: Table

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def value(self, section: str, figure: str) -> int | float | None:
        return self.section(section).figure(figure).value

    def table(self, key: str) -> Table:
        return next(t for s in self.sections for t in s.tables if t.key == key)


def format_cell(value: Cell) -> str:
    """How a cell reads in every output but the CSV (which keeps the raw values): integers
    plain, rates to one decimal, None a dash.

    English reads as it always has ("1234", "65.0"); French and Spanish group and separate
    as their readers expect ("1 234", "65,0"), from Babel's CLDR data."""
    if value is None:
        return DASH
    if current() == DEFAULT:
        return f"{value:.1f}" if isinstance(value, float) else str(value)
    if isinstance(value, float):
        return formats.decimal(value)  # the same digits as English, the language's sign
    if type(value) is int:
        return formats.number(value)
    return str(value)


def rate(part: int, whole: int) -> float | None:
    """Percentage rounded to one decimal; None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None
