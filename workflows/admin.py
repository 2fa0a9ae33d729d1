"""User management: admins grant and revoke roles. Every change goes to the audit log."""

from __future__ import annotations

import re

from storage.repository import Repository
from workflows.access import ROLES
from workflows.views import Reply

USAGE = "Use /grant USER_ID ROLE (admin, officer or viewer), /revoke USER_ID or /users."


def admin_command(repo: Repository, actor: str, name: str, args: list[str]) -> Reply:
    match name, args:
        case "grant", [user_id, role] if _is_id(user_id) and role.lower() in ROLES:
            return _grant(repo, actor, user_id, role.lower())
        case "revoke", [user_id] if _is_id(user_id):
            return _revoke(repo, actor, user_id)
        case "users", []:
            return _users(repo)
    return Reply(USAGE, error=True)


def _is_id(text: str) -> bool:
    """Telegram user ids are integers; the console user is called "console"."""
    return re.fullmatch(r"-?[0-9]{1,20}", text) is not None or text == "console"


def _grant(repo: Repository, actor: str, user_id: str, role: str) -> Reply:
    existing = repo.get_user(user_id) or {"id": user_id}
    previous = existing.get("role")
    repo.put_user({**existing, "role": role}, actor=actor)
    if previous == role:
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


def _users(repo: Repository) -> Reply:
    users = sorted(repo.list_users(), key=lambda u: (u["role"], u["id"]))
    lines = [
        f"{u['id']} · {u['role']}" + (f" · {u['name']}" if u.get("name") else "") for u in users
    ]
    return Reply("\n".join(lines) or "No users.", title="Users")
