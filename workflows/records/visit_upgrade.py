"""Upgrading a visit case written before visit checklists version 2 (schema 3).

What changed, and what the upgrade does about each:

- The request now says who initiated the visit (``origin``: the mandate holder's request or
  the State's invitation). Every version-1 case is a request, so its intake run moves to
  version 2 with ``origin = "request"``. Its two answers that version 2 no longer asks stay
  in the run (the engine keeps and shows answers from an earlier version, never drops them):
  ``standing_invitation`` (now a fact per State: `workflows.records.upgrade` lifts it once with
  :func:`workflows.cases.standing.from_cases` into the setting ``standing_invitations``) and
  ``reprisal`` (reprisals now have their own checklist; the report still counts the old
  flag).
- "No response" was an event staff entered; now it follows from the dates. A version-1
  "no_response" event is left as it was, as history: it never counted as a response for the
  reminders, and the report ignores it (see workflows.report.visit_outcomes). Deleting it
  would lose its date and notes and shift the run numbers sessions point at.
- Other version-1 events (acknowledged, dates proposed, dates agreed, cancelled...) and
  version-1 visits and reports stay on version 1: the report reads both vocabularies, and a
  case keeps using the version each run was started with.

Pure and idempotent: the input is not modified, and upgrading an upgraded case changes
nothing. Display names need no rewrite either: States are shown by their UN names looked up
from the code (workflows.reference.actors.display_name); re-deriving the case
(cases.derive) after the upgrade refreshes the label kept in the index ("Visit to Syria" ->
"Visit to Syrian Arab Republic").
"""

from __future__ import annotations

import copy
from typing import Any

#: Questions of the version-2 request; a run positioned elsewhere is sent back to the review.
_V2_REQUEST = frozenset(
    {"origin", "state", "mandates", "request_date", "invited_on", "timeframe", "request_letter"}
)


def upgrade_visit_case(case: dict[str, Any]) -> dict[str, Any]:
    """The case with its version-1 request moved to version 2 (see the module docstring);
    any other case is returned as an equal copy."""
    upgraded = copy.deepcopy(case)
    runs = upgraded.get("runs") or []
    if upgraded.get("kind") != "visit" or not runs:
        return upgraded
    intake = runs[0]
    if intake.get("checklist") != "visit_request" or intake.get("version") != 1:
        return upgraded
    intake["version"] = 2
    intake["answers"] = {"origin": "request", **intake.get("answers", {})}
    if intake.get("position") and intake["position"] not in _V2_REQUEST:
        intake["position"] = None  # the engine moves on to the next unanswered question
    intake["skipped"] = [q for q in intake.get("skipped", []) if q in _V2_REQUEST]
    return upgraded
