"""The report as one chat message: the headline figures of each section, nothing more.

Plain text (the transport escapes it). Under Telegram's 4096-character limit by
construction: figures are a fixed, short list, and the only variable-length part (the
States flagged for persistent non-cooperation) is cut to a few names with a count.
"""

from __future__ import annotations

from workflows.language import _, ngettext
from workflows.report.model import Report, Table

LIMIT = 4096
_MAX_NAMES = 8


def summary_text(report: Report) -> str:
    """Headline figures for the chat; the .docx, CSV and chart carry the rest."""
    lines = [
        _("Follow-up report: {period}").format(period=report.label),
        _("Scope: {scope}").format(scope=report.scope.describe()),
    ]
    if report.confidential:
        lines.append(_("CONFIDENTIAL variant: contains names. Do not forward."))
    for section in report.sections:
        lines.append("")
        lines.append(section.title.upper())
        lines += [
            "• " + _("{label}: {value}").format(label=figure.label, value=figure.shown())
            for figure in section.figures
        ]
        if section.key == "noncooperation":
            flagged = section.table("comm_non_cooperation")
            if flagged.rows:
                lines.append("  " + _("Non-cooperating: {names}").format(names=_names(flagged)))
        if section.note:
            lines.append(f"  ({section.note})")
    lines.append("")
    lines.append(
        _("As of {date}. Full tables in the Word document.").format(
            date=report.generated_on.isoformat()
        )
    )
    text = "\n".join(lines)
    return text if len(text) <= LIMIT else text[: LIMIT - 1] + "…"


def _names(table: Table) -> str:
    names = [str(row[0]) for row in table.rows]
    shown = ", ".join(names[:_MAX_NAMES])
    more = len(names) - _MAX_NAMES
    if more <= 0:
        return shown
    # Translators: after a list of States cut to a few names: "Chad, Peru and 4 more".
    return shown + " " + ngettext("and {n} more", "and {n} more", more).format(n=more)
