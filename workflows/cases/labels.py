"""A case's label as the reader's language writes it.

The label is stored once, in English (it is indexed and searched, and shown to everyone), as
`service._label` writes it: a communication's reference (the same in every language), or
"Visit to Burundi (WGAD)", "Draft AL to Burundi", "New communication", "Deleted draft".
Shown to a French or Spanish reader, the words around the names are translated and the
State named as the UN names it in that language; anything else is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from workflows.language import DEFAULT, N_, _, current
from workflows.reference.actors import resolve_state

_FIXED = {
    "Deleted draft": N_("Deleted draft"),
    "New communication": N_("New communication"),
    "New country visit": N_("New country visit"),
    "Visit to a State": N_("Visit to a State"),
}
_VISIT = re.compile(r"Visit to (?P<rest>.+)")
_DRAFT = re.compile(r"Draft (?P<type>\S+)(?: to (?P<addressees>.+))?")
# Mandates close the label in parentheses ("(WGAD, SR HRDs)"); a State's own name may hold
# some too ("Iran (Islamic Republic of)"), so the State is tried whole first.
_LAST_PARENS = re.compile(r"(?P<state>.+) \((?P<mandates>[^()]*)\)")


def shown_label(case: Mapping[str, Any]) -> str:
    """The label of a case (or of its index entry) in the current language."""
    label = str(case.get("label") or case.get("id") or "")
    if current() == DEFAULT:
        return label
    if label in _FIXED:
        return _(_FIXED[label])
    if match := _VISIT.fullmatch(label):
        return _visit(match["rest"])
    if match := _DRAFT.fullmatch(label):
        return _draft(match["type"], match["addressees"])
    return label


def _visit(rest: str) -> str:
    state, mandates = rest, ""
    if resolve_state(rest) is None and (parts := _LAST_PARENS.fullmatch(rest)):
        state, mandates = parts["state"], parts["mandates"]
    if mandates:
        return _("Country visit: {state} ({mandates})").format(
            state=_state(state), mandates=mandates
        )
    return _("Country visit: {state}").format(state=_state(state))


def _draft(kind: str, addressees: str | None) -> str:
    shown_kind = _("communication") if kind == "communication" else kind
    if not addressees:
        return _("Draft ({type})").format(type=shown_kind)
    names = ", ".join(_state(name) for name in addressees.split(", "))
    return _("Draft ({type}): {addressees}").format(type=shown_kind, addressees=names)


def _state(name: str) -> str:
    """A State's name in the current language; any other actor as typed."""
    found = resolve_state(name)
    return found.name if found else name
