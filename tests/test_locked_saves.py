"""A case read without the repository lock is never the copy that gets saved (review of
issues 10 and 11): /assign through an older reference, a reminder claimed after it stopped
being due."""

from __future__ import annotations

import threading
from typing import Any

from test_conversation import say

from workflows.cases.service import CaseService
from workflows.chat.conversation import Chat, Conversation

LETTER = (
    "/new", "#Communication", "#AL", "Burundi", "15/03/2017", "WGAD",
    "AL BDI 1/2017", "summary", "/skip", "/skip", "#Save",
)  # fmt: skip


def test_assign_through_an_alias_keeps_a_change_made_meanwhile(
    conversation: Conversation, service: CaseService
) -> None:
    """/assign JAL BDI 1/2017 finds the case by scanning aliases, without the lock; another
    thread saves the case just then. The handover must not write back the stale copy."""
    repo = service.repo
    say(conversation, Chat("2"), *LETTER)
    case = repo.case_by_reference("AL BDI 1/2017")
    assert case is not None
    case["aliases"] = ["JAL BDI 1/2017"]
    service.save(case, "test", "upgrade", {})
    real_get = repo.get_case
    fired: list[bool] = []

    def other_thread_saves() -> None:
        with repo.locked():
            current = real_get(case["id"])
            assert current is not None
            current["runs"][0]["answers"]["summary"] = "changed meanwhile"
            service.save(current, "3", "answer", {})

    def get_case(case_id: str) -> Any:
        found = real_get(case_id)
        if case_id == case["id"] and not repo._lock.held() and not fired:  # type: ignore[attr-defined]
            fired.append(True)
            thread = threading.Thread(target=other_thread_saves)
            thread.start()
            thread.join()
        return found

    repo.get_case = get_case  # type: ignore[method-assign]
    reply = conversation.text(Chat("2"), "/assign JAL BDI 1/2017 3")[0]
    repo.get_case = real_get  # type: ignore[method-assign]
    assert fired and "now belongs to 3" in reply.text
    after = real_get(case["id"])
    assert after is not None and after["owner"] == "3"
    assert after["runs"][0]["answers"]["summary"] == "changed meanwhile"


def test_a_reminder_is_not_claimed_once_what_it_asks_was_recorded(
    conversation: Conversation,
) -> None:
    """The sweep found the reply overdue; before it claims the reminder, the officer records
    the reply: the reminder is no longer due, so it is neither recorded nor sent."""
    say(conversation, Chat("2"), *LETTER)  # sent 15 March, reply due 14 May; today 15 May
    alerts = conversation.alerts
    due = next(o for o in alerts.pending() if o.reply.text.startswith("Reply due"))
    say(conversation, Chat("2"), "/case AL BDI 1/2017", "#Reply received", "10 May 2017",
        "#English", "#Substantive", "#Yes", "/skip", "/skip", "#Save")  # fmt: skip
    assert not alerts.claim_outgoing(due)
    case = conversation.repo.case_by_reference("AL BDI 1/2017")
    assert case is not None and due.key not in (case.get("reminders") or {}).get("sent", {})
