"""Who may see and change what. Pure rules, used by every transport.

Roles: admins see and change everything and manage users; officers own cases and
see and change their own; viewers read every case and ask for reports, but never
see confidential answers. Anyone not on the list sees nothing.
"""

from __future__ import annotations

from typing import Any

ROLES = ("admin", "officer", "viewer")
User = dict[str, Any]


def can_create(user: User) -> bool:
    return user["role"] in ("admin", "officer")


def can_view(user: User, case: dict[str, Any]) -> bool:
    return user["role"] in ("admin", "viewer") or case.get("owner") == user["id"]


def can_edit(user: User, case: dict[str, Any]) -> bool:
    return user["role"] == "admin" or (
        user["role"] == "officer" and case.get("owner") == user["id"]
    )


def sees_confidential(user: User, case: dict[str, Any], private_chat: bool) -> bool:
    """Confidential answers (names of victims): owner or admin, in a private chat only."""
    return private_chat and (user["role"] == "admin" or case.get("owner") == user["id"])
