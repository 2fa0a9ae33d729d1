"""Standing invitations: a fact about a State, kept once per State, shown on its every visit.

A State that extends a standing invitation announces that it will always accept requests to
visit from all thematic Special Procedures (OHCHR keeps the list, with the date each State
extended it). It is not an answer to one request, so it is not asked per request (visit
request checklist version 1 did; :func:`from_cases` lifts those answers out).

Stored in the repository's settings (``meta.json``, audit-logged by ``set_setting``) under
``standing_invitations``::

    {"TUR": {"since": "2001-03-01", "recorded_by": "7", "recorded_at": "2026-12-01T10:00:00+00:00"}}

``since`` is None when the date is not known (an answer lifted from an old request). Admins
and officers record one with ``/standing STATE DATE`` and remove one with
``/standing STATE none``; ``/standing`` alone lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from storage.repository import Repository
from workflows.chat.views import Reply
from workflows.language import N_, _
from workflows.reference.actors import display_name, resolve_state, state_by_code
from workflows.reference.dates import DateParseError, format_date, parse_date, parse_iso

SETTING = "standing_invitations"
USAGE = N_(
    "Use /standing STATE DATE to record a standing invitation (e.g. /standing Türkiye "
    "1 March 2001), /standing STATE none to remove one, /standing to list them."
)
Invitations = Mapping[str, Mapping[str, Any]]


def invitations(repo: Repository) -> dict[str, dict[str, Any]]:
    """Every recorded standing invitation, by ISO alpha-3 code."""
    return dict(repo.get_setting(SETTING, {}) or {})


def since(record: Mapping[str, Any]) -> str:
    """ "since Thu 1 Mar 2001", or "(date not recorded)" for one lifted from an old request."""
    extended = record.get("since")
    if not extended:
        return _("(date not recorded)")
    return _("since {date}").format(date=format_date(parse_iso(extended)))


def card_line(known: Invitations, case: Mapping[str, Any]) -> str | None:
    """The line a visit card shows about its State's standing invitation, if it has one."""
    if case.get("kind") != "visit" or not case.get("runs"):
        return None
    state = case["runs"][0]["answers"].get("state") or {}
    record = known.get(state.get("code", ""))
    if record is None:
        return None
    return _("Standing invitation {since} ({state}).").format(
        since=since(record), state=display_name(state)
    )


def command(
    repo: Repository, actor: str, args: list[str], today: date, now: datetime, may_record: bool
) -> Reply:
    """/standing lists (everyone); /standing STATE DATE and /standing STATE none change the
    record (admins and officers: `may_record`)."""
    known = invitations(repo)
    if not args:
        return _listing(known)
    if not may_record:
        text = _("Your role can read standing invitations but not record them.")
        return Reply(text, error=True)
    if args[-1].lower() in ("none", "remove", "no"):
        return _remove(repo, actor, known, " ".join(args[:-1]))
    for split in range(len(args) - 1, 0, -1):  # the State's name may have spaces
        state = resolve_state(" ".join(args[:split]))
        if state is None:
            continue
        try:
            extended = parse_date(" ".join(args[split:]), today)
        except DateParseError as exc:
            return Reply(f"{exc} {_(USAGE)}", error=True)
        if extended > today:
            return Reply(_("The date cannot be in the future."), error=True)
        record = {
            "since": extended.isoformat(),
            "recorded_by": actor,
            "recorded_at": now.isoformat(timespec="seconds"),
        }
        repo.set_setting(SETTING, {**known, state.code: record}, actor=actor)
        text = _("{state}: standing invitation {since}. Shown on its visits.")
        return Reply(text.format(state=state.name, since=since(record)))
    return Reply(_("I need a State I know, then a date.") + f" {_(USAGE)}", error=True)


def _remove(repo: Repository, actor: str, known: Invitations, name: str) -> Reply:
    state = resolve_state(name)
    if state is None:
        return Reply(_("I need a State I know.") + f" {_(USAGE)}", error=True)
    if state.code not in known:
        text = _("{state} has no standing invitation recorded.").format(state=state.name)
        return Reply(text, error=True)
    repo.set_setting(SETTING, {k: v for k, v in known.items() if k != state.code}, actor=actor)
    return Reply(_("{state}: standing invitation removed.").format(state=state.name))


def _listing(known: Invitations) -> Reply:
    if not known:
        text = _("No standing invitation recorded yet.") + f" {_(USAGE)}"
        return Reply(text, title=_("Standing invitations"))
    lines = sorted(
        _("{state}: standing invitation {since}").format(state=state.name, since=since(record))
        for code, record in known.items()
        if (state := state_by_code(code)) is not None
    )
    title = _("Standing invitations ({n})").format(n=len(lines))
    return Reply("\n".join(lines), title=title)


def from_cases(cases: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Standing invitations lifted from version-1 visit requests, which asked "does the State
    have a standing invitation?" per request (for the upgrade to schema 3).

    A State counts as having one if its most recent request that answered the question said
    yes. The old question had no date, so ``since`` is None; ``source`` names the request.
    Pure and idempotent: merge the result under what is already recorded, never over it
    (``{**from_cases(cases), **invitations(repo)}``).
    """
    latest: dict[str, tuple[str, bool, str]] = {}
    for case in cases:
        runs = case.get("runs") or []
        if case.get("kind") != "visit" or not runs or runs[0].get("checklist") != "visit_request":
            continue
        answers = runs[0].get("answers") or {}
        code = (answers.get("state") or {}).get("code")
        if not code or not isinstance(answers.get("standing_invitation"), bool):
            continue
        key = (answers.get("request_date") or "", answers["standing_invitation"], case["id"])
        if code not in latest or key[0] >= latest[code][0]:
            latest[code] = key
    return {
        code: {"since": None, "recorded_by": "upgrade", "source": f"visit request {case_id}"}
        for code, (_, yes, case_id) in sorted(latest.items())
        if yes
    }
