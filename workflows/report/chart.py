"""Reply rate as a PNG chart, by State or by month.

Headless by construction: a `matplotlib.figure.Figure` drawn on the Agg canvas, never
pyplot, so there is no GUI backend to pick, no global figure registry to leak memory in a
long-running bot, and nothing shared between threads (matplotlib's own advice for servers).
"""

from __future__ import annotations

from typing import BinaryIO, Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflows.report.model import Report

MAX_STATES = 25


def write_chart(report: Report, stream: BinaryIO, by: Literal["state", "month"] = "state") -> None:
    """Bars of reply rate (%) per State (the most written-to first) or per month sent."""
    if by == "state":
        rows = [r for r in report.table("comm_by_addressee").rows if r[1] != "other actor"]
        rows = rows[:MAX_STATES]
        labels = [f"{r[0]} ({r[2]})" for r in rows]
        rates = [float(r[5] or 0) for r in rows]
        title = "Reply rate by State (communications sent)"
    elif by == "month":
        rows = list(report.table("comm_by_month").rows)
        labels = [f"{r[0]} ({r[1]})" for r in rows]
        rates = [float(r[3] or 0) for r in rows]
        title = "Reply rate by month sent (communications sent)"
    else:
        raise ValueError(f"chart by {by!r}: use 'state' or 'month'")
    figure = Figure(figsize=(8, max(3.0, 0.3 * len(labels) + 1.5)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    if labels:
        positions = range(len(labels))
        axes.barh(positions, rates, color="#4a7fb5")
        axes.set_yticks(list(positions), labels=labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xlabel("Replies received (%)")
    else:
        axes.text(0.5, 0.5, "No communications in this period", ha="center", va="center")
        axes.set_axis_off()
    axes.set_title(f"{title}\n{report.label} · {report.scope.describe()}", fontsize=10)
    figure.savefig(stream, format="png", dpi=100)
