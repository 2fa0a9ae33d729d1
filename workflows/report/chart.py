"""Reply rate as a PNG chart, by State or by month.

Headless by construction: a `matplotlib.figure.Figure` drawn on the Agg canvas, never
pyplot, so there is no GUI backend to pick, no global figure registry to leak memory in a
long-running bot, and nothing shared between threads (matplotlib's own advice for servers).

Every bar carries its value ("0 %" is data, a missing bar is not), and a rate of nothing (no
letter whose reply period has ended) reads "n/a" with no bar. States are named as the UN
names them (the report's tables already are); when more States were written to than fit,
the title says "top 25 of 118".
"""

from __future__ import annotations

from typing import BinaryIO, Literal

from workflows.language import DEFAULT, N_, _, current, formats
from workflows.report.model import Report

MAX_STATES = 25
#: Columns of the tables charted, as compiled (in the report's language: `_` each).
RATE = N_("Reply rate (%)")


def chart_rows(
    report: Report, by: Literal["state", "month"]
) -> tuple[list[str], list[float | None], str]:
    """Labels, rates (None: no letter's reply period had ended) and the chart's title."""
    code, sent, rate = _("Code"), _("Sent"), _(RATE)
    if by == "state":
        table = report.table("comm_by_addressee")
        rows = [r for r in table.as_dicts() if r[code] != _("other actor")]
        if report.scope.state:  # a State's profile: that State alone
            rows = [r for r in rows if r[code] == report.scope.state]
        shown = rows[:MAX_STATES]
        addressee = _("Addressee")
        labels = [f"{r[addressee]} ({r[sent]})" for r in shown]
        if len(rows) > len(shown):
            title = _("Reply rate by State (top {shown} of {total} by letters sent)").format(
                shown=len(shown), total=len(rows)
            )
        else:
            title = _("Reply rate by State")
    elif by == "month":
        shown = report.table("comm_by_month").as_dicts()
        month = _("Month")
        labels = [f"{r[month]} ({r[sent]})" for r in shown]
        title = _("Reply rate by month sent")
    else:
        raise ValueError(f"chart by {by!r}: use 'state' or 'month'")
    rates = [None if r[rate] is None else float(r[rate]) for r in shown]  # type: ignore[arg-type]
    return labels, rates, title


def write_chart(report: Report, stream: BinaryIO, by: Literal["state", "month"] = "state") -> None:
    """Bars of reply rate (%) per State (the most written-to first) or per month sent.

    matplotlib is imported here, on the first chart, not with the module: it is 0.4-0.7 s
    of the bot's start-up, and a restart after a crash should answer users first."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels, rates, title = chart_rows(report, by)
    figure = Figure(figsize=(8, max(3.0, 0.3 * len(labels) + 1.8)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    if labels:
        positions = list(range(len(labels)))
        bars = axes.barh(positions, [r or 0.0 for r in rates], color="#4a7fb5")
        shown = [_("n/a") if r is None else _bar_value(r) for r in rates]
        axes.bar_label(bars, labels=shown, padding=3, fontsize=8)
        axes.set_yticks(positions, labels=labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 112)  # room for "100.0 %" beside the longest bar
        axes.set_xlabel(_("Answered, of letters whose reply period has ended (%)"))
    else:
        axes.text(0.5, 0.5, _("No communications in this period"), ha="center", va="center")
        axes.set_axis_off()
    axes.set_title(f"{title}\n{report.label} · {report.scope.describe()}", fontsize=10)
    figure.savefig(stream, format="png", dpi=100)


def _bar_value(rate: float) -> str:
    """A bar's value: "65.0 %" in English as always, else as the language writes a share."""
    return (
        f"{rate:.1f} %" if current() == DEFAULT else formats.decimal(rate) + formats.percent_sign()
    )
