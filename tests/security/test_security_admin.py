"""Admin commands cannot lock everyone out, nor hand access or cases to a group chat.

The last admin demoting themself would leave nobody able to grant access until someone
edited the data files by hand; a negative id is a group or channel, and granting it access
(or handing it a case) would post case details and reminders into that group.
"""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings
from workflows.chat.conversation import Chat, Conversation

ADMIN = Chat("1")  # the `conversation` fixture's only admin; "2" and "3" are officers


def roles(conversation: Conversation) -> dict[str, str]:
    return {u["id"]: u["role"] for u in conversation.repo.list_users()}


@pytest.mark.parametrize("role", ["viewer", "officer"])
def test_the_only_admin_cannot_demote_themself(conversation: Conversation, role: str) -> None:
    before, audit = roles(conversation), len(conversation.repo.audit_log())
    (reply,) = conversation.text(ADMIN, f"/grant 1 {role}")
    assert reply.error
    assert "only admin" in reply.text and "/grant USER_ID admin" in reply.text
    assert roles(conversation) == before
    assert len(conversation.repo.audit_log()) == audit
    (reply,) = conversation.text(ADMIN, "/revoke 1")
    assert reply.error and roles(conversation) == before


def test_an_admin_may_step_down_once_there_is_another(conversation: Conversation) -> None:
    assert not conversation.text(ADMIN, "/grant 2 admin")[-1].error
    (reply,) = conversation.text(ADMIN, "/grant 1 viewer")
    assert not reply.error and "now viewer" in reply.text
    assert roles(conversation)["1"] == "viewer"
    # ...and then the remaining admin is the last one.
    assert conversation.text(Chat("2"), "/grant 2 officer")[-1].error
    assert roles(conversation)["2"] == "admin"


@pytest.mark.parametrize("user_id", ["-1001234567890", "-42", "0", "12a", "@someone", "1.5"])
def test_grant_accepts_user_ids_only(conversation: Conversation, user_id: str) -> None:
    before = roles(conversation)
    (reply,) = conversation.text(ADMIN, f"/grant {user_id} officer")
    assert reply.error and "positive number" in reply.text
    if user_id.startswith("-"):
        assert "group" in reply.text
    assert roles(conversation) == before
    assert conversation.text(ADMIN, f"/revoke {user_id}")[-1].error


def test_assign_refuses_a_group_chat(conversation: Conversation) -> None:
    case, _ = conversation.service.create("communication", "2", None)
    conversation.repo.put_user({"id": "-100777", "role": "officer"}, actor="test")  # old data
    (reply,) = conversation.text(ADMIN, f"/assign {case['id']} -100777")
    assert reply.error and "group" in reply.text and "positive number" in reply.text
    assert reply.to is None  # nothing is told to the group
    assert conversation.repo.get_case(case["id"])["owner"] == "2"
    replies = conversation.text(ADMIN, f"/assign {case['id']} 3")
    assert [r.to for r in replies] == [None, "3"]
    assert conversation.repo.get_case(case["id"])["owner"] == "3"


@pytest.mark.parametrize("admins", ["-1001234567890", "11111111,-5", "0"])
def test_followup_admins_must_be_user_ids(monkeypatch: pytest.MonkeyPatch, admins: str) -> None:
    monkeypatch.setenv("FOLLOWUP_ADMINS", admins)
    with pytest.raises(SettingsError, match="positive numbers"):
        load_settings(console=True)
