"""A report's tap delivered again after a kill is answered with the report (issue 11, item
14); any other old report button still says it is out of date."""

from __future__ import annotations

from workflows.chat.conversation import Chat, Conversation


def test_the_same_update_again_gets_the_report_and_another_stale_tap_does_not(
    conversation: Conversation,
) -> None:
    admin = Chat(user_id="1", update_id=500)
    conversation.text(admin, "/report 2016")
    built = conversation.tap(Chat("1", update_id=501), "r:s:confidential")
    assert built[-1].title == "Report" and built[-1].files
    again = conversation.tap(Chat("1", update_id=501), "r:s:confidential")  # redelivered
    assert [r.text for r in again] == [r.text for r in built]
    assert [f.name for f in again[-1].files] == [f.name for f in built[-1].files]
    stale = conversation.tap(Chat("1", update_id=502), "r:s:confidential")  # pressed again
    assert stale[-1].error and "out of date" in stale[-1].text
    audited = [e for e in conversation.repo.audit_log() if e["target"] == "report"]
    assert len(audited) == 2  # produced twice, audited twice


def test_a_replayed_confidential_report_is_refused_to_an_admin_revoked_meanwhile(
    conversation: Conversation,
) -> None:
    conversation.text(Chat("1", update_id=10), "/report 2016")
    conversation.tap(Chat("1", update_id=11), "r:s:confidential")
    conversation.repo.put_user({"id": "1", "role": "viewer"}, actor="test")
    again = conversation.tap(Chat("1", update_id=11), "r:s:confidential")
    assert again[-1].error and "Only an admin" in again[-1].text
