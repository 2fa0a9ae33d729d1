"""Reminders and digests through the chat: who is told, buttons, snooze, dismiss, hand-over."""

from __future__ import annotations

from datetime import timedelta

from clocks import MovableClock
from test_conversation import say

from workflows.chat.conversation import Chat, Conversation
from workflows.deadlines.alerts import AlertService

#: An urgent appeal to one State, sent 15 March 2017.
LETTER = (
    "/new", "#Communication", "#UA", "Burundi", "15/03/2017", "WGAD, SR HRDs",
    "#UA BDI 1/2017", "Detention", "1, 2", "Jean Dupont", "/skip",
)  # fmt: skip


def log_communication(conversation: Conversation, user: str = "2") -> dict:
    say(conversation, Chat(user), *LETTER, "#Save")
    return conversation.repo.case_by_reference("UA BDI 1/2017")


def test_urgent_appeal_reminders_come_due_with_the_clock(
    conversation: Conversation, clock: MovableClock
) -> None:
    alerts = conversation.alerts
    case = log_communication(conversation)
    due = alerts.pending()  # today 15 May 2017: early check (22 Mar) and reply (14 May) overdue
    assert sorted(o.reply.text.split(":")[0] for o in due) == [
        "Early check on an urgent appeal",
        "Publish the letter",  # when the reply period ends
        "Reply due from the addressee",
    ]
    assert {o.to for o in due} == {"2"}
    reply = next(o for o in due if o.reply.text.startswith("Reply due"))
    assert "Sun 14 May 2017 (1 day ago)" in reply.reply.text
    assert reply.reply.title == "Reminder · UA BDI 1/2017 (Burundi)"
    assert [b.label for b in reply.reply.buttons] == [
        "Reply received", "Follow-up letter sent", "Snooze 7 days", "No action needed",
    ]  # fmt: skip
    assert all(len(b.token.encode()) <= 64 for b in reply.reply.buttons)
    for outgoing in due:
        assert alerts.claim(outgoing.case_id, outgoing.key)
        assert not alerts.claim(outgoing.case_id, outgoing.key)
    assert alerts.pending() == []
    fresh = AlertService(conversation.service)  # a restart: nothing in memory
    assert fresh.pending() == []
    clock.instant += timedelta(days=7)
    assert sorted(o.reply.text.split(":")[0] for o in fresh.pending()) == [
        "Early check on an urgent appeal", "Publish the letter", "Reply due from the addressee",
    ]  # fmt: skip
    assert case["id"] in {o.case_id for o in fresh.pending()}


def test_reply_received_button_stops_the_ladder(
    conversation: Conversation, clock: MovableClock
) -> None:
    log_communication(conversation)
    reminder = next(o for o in conversation.alerts.pending() if o.reply.text.startswith("Reply"))
    chat = Chat("2")
    first = conversation.tap(chat, reminder.reply.buttons[0].token)[-1]
    assert first.title.startswith("Question 1 of") and "reply" in first.text.lower()
    say(conversation, chat, "2 May 2017", "#English", "#Partial", "#No", "/skip", "/skip",
        "/skip", "#Save")  # fmt: skip
    clock.instant += timedelta(days=60)
    # what is left is publication: the letter's (reply period over) and the reply's
    left = conversation.alerts.pending()
    assert sorted(o.reply.text.split(":")[0] for o in left) == [
        "Publish the letter", "Publish the reply",
    ]  # fmt: skip
    published = next(o for o in left if o.reply.text.startswith("Publish the reply"))
    edit = conversation.tap(chat, published.reply.buttons[0].token)[-1]
    assert "published on the communications website" in edit.text
    say(conversation, chat, "3 May 2017", "#Save")
    letter = next(o for o in left if o.reply.text.startswith("Publish the letter"))
    say(conversation, chat, "/case UA BDI 1/2017", "#Letter published", "15 May 2017", "/skip",
        "#Save")  # fmt: skip
    assert letter.reply.buttons[0].token.endswith(":communication_published")
    assert conversation.alerts.pending() == []


def test_snooze_and_no_action_needed(conversation: Conversation, clock: MovableClock) -> None:
    log_communication(conversation)
    chat = Chat("2")
    for outgoing in conversation.alerts.pending():
        buttons = {b.label: b.token for b in outgoing.reply.buttons}
        if outgoing.reply.text.startswith("Publish"):
            conversation.tap(chat, buttons["Snooze 7 days"])
        elif outgoing.reply.text.startswith("Reply"):
            snoozed = conversation.tap(chat, buttons["Snooze 7 days"])[-1]
            assert "Mon 22 May 2017" in snoozed.text
        else:
            asked = conversation.tap(chat, buttons["No action needed"])[-1]
            assert "Why" in asked.text
            assert conversation.text(chat, "   ")[-1].error
            done = conversation.text(chat, "State replied by phone")[-1]
            assert "No more reminders" in done.text
    assert conversation.alerts.pending() == []
    clock.instant += timedelta(days=7)
    assert sorted(o.reply.text.split(":")[0] for o in conversation.alerts.pending()) == [
        "Publish the letter", "Reply due from the addressee",
    ]  # fmt: skip
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    reasons = case["reminders"]["dismiss_reasons"]
    assert reasons[0]["reason"] == "State replied by phone" and reasons[0]["by"] == "2"


def test_a_viewer_cannot_snooze(conversation: Conversation) -> None:
    case = log_communication(conversation)
    refused = conversation.tap(Chat("4"), f"z:{case['id']}:reply")[-1]
    assert refused.error


def test_revoked_owner_reminders_go_to_admins(conversation: Conversation) -> None:
    log_communication(conversation, user="3")
    say(conversation, Chat("1"), "/grant 9 admin", "/revoke 3")
    assert {o.to for o in conversation.alerts.pending()} == {"1", "9"}


def test_assign_hands_over_and_tells_the_new_owner(conversation: Conversation) -> None:
    log_communication(conversation)
    replies = conversation.text(Chat("2"), "/assign UA BDI 1/2017 3")
    assert replies[1].to == "3" and "now yours" in replies[1].text
    assert {o.to for o in conversation.alerts.pending()} == {"3"}
    assert conversation.text(Chat("2"), "/assign UA BDI 1/2017 4")[-1].error  # not own any more
    assert conversation.text(Chat("3"), "/assign UA BDI 1/2017 4")[-1].error  # 4 is a viewer
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    assert case["history"][-1]["action"] == "assign"


def test_digest_lists_overdue_and_upcoming_by_owner(conversation: Conversation) -> None:
    log_communication(conversation)
    say(conversation, Chat("3"), "/new", "#Communication", "#AL", "Burundi", "18 March 2017",
        "WGAD", "#AL BDI 2/2017", "Another", "/skip", "/skip", "#Save")  # fmt: skip
    digest = say(conversation, Chat("1"), "/digest")
    # UA of 15 March (owner 2): early check 22 March, reply and publication 14 May: 3 overdue;
    # AL of 18 March (owner 3): reply and publication 17 May: 2 due this week
    assert digest.text.startswith("Overdue: 3 · due in the next 7 days: 2")
    assert "user 2: 3 overdue, 0 due soon" in digest.text and "1 day overdue" in digest.text
    assert "UA BDI 1/2017: Reply due from the addressee, 1 day overdue" in digest.text
    assert "user 3: 0 overdue, 2 due soon" in digest.text
    assert "AL BDI 2/2017: Reply due from the addressee, due Wed 17 May 2017" in digest.text
    assert [f.name for f in digest.files] == ["digest-2017-05-15.xlsx"]
    assert conversation.text(Chat("2"), "/digest")[-1].error
    assert conversation.text(Chat("2"), "/digest on")[-1].error  # officers see their own only
    say(conversation, Chat("4"), "/digest on")
    assert conversation.alerts.digest_recipients() == ["1", "4"]


def test_admin_overrides_a_rule_per_mandate_and_reminders_move(
    conversation: Conversation,
) -> None:
    case = log_communication(conversation)  # WGAD and SR HRDs; reply due 14 May
    admin = Chat("1")
    assert conversation.text(Chat("2"), "/rules WGAD reply_days 90")[-1].error
    changed = say(conversation, admin, "/rules WGAD reply_days 90").text
    assert changed.startswith("WGAD: reply due 90 days after the letter is sent (reply_days)")
    assert (
        "WGAD:\n  • reply due 90 days after the letter is sent"
        in say(conversation, admin, "/rules").text
    )
    moved = conversation.repo.get_case(case["id"])
    assert moved["next_due"] == "2017-03-22"  # the urgent early check is unchanged
    rules = [o.reply.text.split(":")[0] for o in conversation.alerts.pending()]
    assert rules == ["Early check on an urgent appeal"]  # reply now due 13 June
    assert conversation.text(admin, "/rules WGAD colour 3")[-1].error
    assert conversation.text(admin, "/rules nonsense reply_days 3")[-1].error
    say(conversation, admin, "/rules WGAD reply_days 0")
    assert conversation.repo.get_setting("deadline_overrides") == {}


def test_digest_names_non_cooperating_states_as_the_un_does(conversation: Conversation) -> None:
    """Three overdue letters without reply to Iran, stored under an older name: the digest
    calls it by its UN name."""
    iran = {"code": "IRN", "name": "Iran", "kind": "state"}
    for n in range(1, 4):
        reference = f"AL IRN {n}/2016"
        intake = {"comm_type": "AL", "addressees": [iran], "date_sent": f"2016-0{n}-10",
                  "mandates": ["WGAD"], "reference": reference, "summary": "Arrest."}  # fmt: skip
        run = {"checklist": "communication_intake", "version": 1, "status": "done",
               "position": None, "answers": intake, "skipped": [], "pending": None}  # fmt: skip
        case = {"id": f"c{n:010d}", "kind": "communication", "owner": "2", "status": "open",
                "reference": reference, "label": reference, "created_at": "2016-01-10T09:00:00",
                "runs": [run], "files": []}  # fmt: skip
        conversation.repo.save_case(case, actor="test", action="create", detail={})
    digest = say(conversation, Chat("1"), "/digest")
    assert "  Iran (Islamic Republic of) (IRN): AL IRN 1/2016, AL IRN 2/2016, AL IRN 3/2016" in (
        digest.text
    )
