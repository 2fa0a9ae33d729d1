"""`/cases`: open cases by urgency, with the filters staff use at volume.

Everything here reads the case index only (`storage.repository.INDEX_FIELDS`), never the
case files, so listing thousands of cases stays quick: a communication's State comes from
its reference's series (AL BDI 2/2017 -> Burundi) and a visit's from its label.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from workflows.cases.labels import shown_label
from workflows.cases.references import parse_reference
from workflows.cases.service import DELETED_LABEL
from workflows.deadlines.due import timing
from workflows.language import N_, _, pgettext
from workflows.people.access import User, can_view
from workflows.reference.actors import display_name, resolve_state
from workflows.reference.dates import format_date

#: What "due soon" means in `/cases due`: the digest's week.
SOON_DAYS = 7
FILTERS = ("overdue", "due", "mine", "visits", "letters", "drafts")
USAGE = N_(
    "Use /cases, or filter: /cases overdue, /cases due (this week), /cases mine, "
    "/cases visits, /cases letters, /cases drafts, or a State: /cases Burundi."
)

Entry = dict[str, Any]


def select(
    entries: list[Entry], arg: str, user: User, today: date
) -> tuple[list[Entry], str] | str:
    """(the open cases the user may see that `arg` asks for, by urgency; heading), or why
    `arg` is not a filter."""
    visible = [
        e
        for e in entries
        if e.get("status") != "closed" and e.get("label") != DELETED_LABEL and can_view(user, e)
    ]
    word = arg.strip().lower()
    soon = (today + timedelta(days=SOON_DAYS)).isoformat()
    match word:
        case "":
            chosen, heading = visible, _("Open cases")
        case "overdue":
            chosen = [
                e for e in visible if e.get("next_due") and e["next_due"] <= today.isoformat()
            ]
            heading = _("Overdue")
        case "due":
            chosen = [e for e in visible if e.get("next_due") and e["next_due"] <= soon]
            heading = _("Overdue or due this week")
        case "mine":
            chosen = [e for e in visible if e.get("owner") == user["id"]]
            heading = _("Your cases")
        case "visits":
            chosen, heading = [e for e in visible if e.get("kind") == "visit"], _("Visits")
        case "letters":
            chosen = [e for e in visible if e.get("kind") == "communication"]
            heading = _("Communications")
        case "drafts":
            chosen, heading = [e for e in visible if e.get("status") == "draft"], _("Drafts")
        case _:
            state = resolve_state(arg.strip()) if len(arg.strip()) > 1 else None
            if state is None:
                problem = _("{text} is neither a filter nor a State I know.").format(
                    text=repr(arg.strip())
                )
                return f"{problem} {_(USAGE)}"
            chosen = [e for e in visible if state_of(e) == state.name]
            heading = _("Open cases · {state}").format(state=state.name)
    return sorted(chosen, key=urgency), heading


def urgency(entry: Mapping[str, Any]) -> tuple[int, str, str]:
    """Overdue and due first, earliest date first; then drafts; then the rest by label."""
    due = entry.get("next_due")
    rank = 0 if due else 1 if entry.get("status") == "draft" else 2
    return rank, due or "", str(entry.get("label") or "")


def state_of(entry: Mapping[str, Any]) -> str:
    """The State's UN name, from the index alone ("" for a draft or another actor)."""
    label = str(entry.get("label") or "")
    if entry.get("kind") == "visit":  # the stored label names the State in English
        name = label.removeprefix("Visit to ").split(" (")[0] if label.startswith("Visit") else ""
        state = resolve_state(name) if name else None
        return state.name if state else name  # in the current language
    reference = parse_reference(str(entry.get("reference") or ""))
    if reference is None:
        return ""
    name = display_name({"code": reference.series, "kind": "state"})
    return "" if name == reference.series else name


def line(entry: Mapping[str, Any], today: date, names: Mapping[str, str]) -> str:
    """ "AL BDI 2/2017 · Burundi · Sun 14 May 2017, 1 day overdue · Ana Lima"."""
    parts = [shown_label(entry)]
    if entry.get("kind") == "communication" and (state := state_of(entry)):
        parts.append(state)
    if due := entry.get("next_due"):
        day = date.fromisoformat(due)
        parts.append(f"{format_date(day)}, {timing(day, today)}")
    elif entry.get("status") == "draft":
        parts.append(pgettext("case status", "draft"))
    owner = str(entry.get("owner"))
    parts.append(names[owner] if owner in names else _("user {id}").format(id=owner))
    return " · ".join(parts)
