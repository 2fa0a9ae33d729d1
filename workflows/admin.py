"""Admin commands: users and roles, and per-mandate deadline rules. All audit-logged."""

from __future__ import annotations

import re
from dataclasses import asdict, fields

from storage.repository import Repository
from workflows.access import ROLES
from workflows.cases import CaseService
from workflows.deadlines import Rules
from workflows.mandates import match_mandate
from workflows.views import Reply

USAGE = (
    "Use /grant USER_ID ROLE [NAME] (role: admin, officer or viewer), /revoke USER_ID or /users."
)
RULE_USAGE = "Use /rules MANDATE SETTING NUMBER, e.g. /rules WGAD reply_days 90 (0 resets)."
#: Settings that may differ per mandate (the reminder ladder stays the same for everyone).
PER_MANDATE = tuple(
    f.name for f in fields(Rules) if f.name not in ("repeat_after_days", "then_every_days")
)


def admin_command(service: CaseService, actor: str, name: str, args: list[str]) -> Reply:
    repo = service.repo
    match name, args:
        case "rules", []:
            return _show_rules(service)
        case "rules", [*mandate, setting, number] if mandate and number.isascii():
            return _set_rule(service, actor, " ".join(mandate), setting, number)
        case "grant", [user_id, role, *person] if role.lower() in ROLES:
            if problem := user_id_problem(user_id):
                return Reply(problem, error=True)
            return _grant(repo, actor, user_id, role.lower(), " ".join(person)[:80])
        case "revoke", [user_id]:
            if problem := user_id_problem(user_id):
                return Reply(problem, error=True)
            return _revoke(repo, actor, user_id)
        case "users", []:
            return _users(repo)
    return Reply(USAGE, error=True)


def user_id_problem(text: str) -> str | None:
    """Why `text` cannot name a user, or None. Telegram user ids are positive; a negative id
    is a group or channel, and granting it would post case details into that group. The
    console's own user is called "console"."""
    if text == "console" or re.fullmatch(r"[1-9][0-9]{0,19}", text):
        return None
    if re.fullmatch(r"-[0-9]{1,20}", text):
        return (
            f"{text} is a group or channel, not a person: only people get access. "
            "Give the person's Telegram user id (a positive number, e.g. 123456789)."
        )
    return f"{text!r} is not a Telegram user id: give a positive number, e.g. 123456789."


def _is_last_admin(repo: Repository, user_id: str) -> bool:
    """Whether removing `user_id`'s admin role would leave the bot with no admin at all."""
    admins = [u["id"] for u in repo.list_users() if u.get("role") == "admin"]
    return admins == [user_id]


def _last_admin(user_id: str, actor: str) -> Reply:
    who = "You are" if user_id == actor else f"User {user_id} is"
    return Reply(
        f"{who} the only admin, so nobody could manage access afterwards. "
        "Grant admin to someone else first (/grant USER_ID admin).",
        error=True,
    )


def _grant(repo: Repository, actor: str, user_id: str, role: str, name: str) -> Reply:
    """Give a role; a name given here (or later by Telegram) is what the digest shows."""
    existing = repo.get_user(user_id) or {"id": user_id}
    previous = existing.get("role")
    if previous == "admin" and role != "admin" and _is_last_admin(repo, user_id):
        return _last_admin(user_id, actor)
    repo.put_user({**existing, "role": role, **({"name": name} if name else {})}, actor=actor)
    if previous == role and not name:
        return Reply(f"User {user_id} already is {role}.")
    return Reply(f"User {user_id} is now {role}" + (f" (was {previous})." if previous else "."))


def _revoke(repo: Repository, actor: str, user_id: str) -> Reply:
    if user_id == actor:
        return Reply("You cannot revoke your own access; ask another admin.", error=True)
    if repo.get_user(user_id) is None:
        return Reply(f"User {user_id} has no access.", error=True)
    repo.delete_user(user_id, actor=actor)
    repo.put_session(user_id, None)
    return Reply(
        f"Access of user {user_id} revoked. Their cases keep their owner until reassigned."
    )


def _show_rules(service: CaseService) -> Reply:
    lines = [f"{k} = {v}" for k, v in asdict(service.rules).items()]
    overrides = service.repo.get_setting("deadline_overrides", {})
    lines += [
        f"{m}: {k} = {v}" for m, values in sorted(overrides.items()) for k, v in values.items()
    ]
    return Reply("\n".join(lines), title="Deadline rules (defaults, then per mandate)")


def _set_rule(service: CaseService, actor: str, mandate: str, setting: str, number: str) -> Reply:
    found = match_mandate(mandate)
    if len(found) != 1:
        return Reply(f"I need exactly one mandate, e.g. WGAD. {RULE_USAGE}", error=True)
    if setting not in PER_MANDATE or not number.isdigit() or int(number) > 3650:
        return Reply(f"Settings: {', '.join(PER_MANDATE)}. {RULE_USAGE}", error=True)
    short = found[0].short_name
    overrides = dict(service.repo.get_setting("deadline_overrides", {}))
    values = {k: v for k, v in overrides.get(short, {}).items() if k != setting}
    if int(number):
        values[setting] = int(number)
    overrides = (
        {**overrides, short: values}
        if values
        else {m: v for m, v in overrides.items() if m != short}
    )
    service.set_overrides(overrides, actor)
    shown = number if int(number) else "the default"
    return Reply(f"{short}: {setting} is now {shown}; reminder dates recomputed.")


def _users(repo: Repository) -> Reply:
    users = sorted(repo.list_users(), key=lambda u: (u["role"], u["id"]))
    lines = [
        f"{u['id']} · {u['role']}" + (f" · {u['name']}" if u.get("name") else "") for u in users
    ]
    return Reply("\n".join(lines) or "No users.", title="Users")
