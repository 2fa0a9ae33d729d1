"""The transport-neutral chat: full checklists, stale taps, access, resume."""

from __future__ import annotations

from workflows.cases.service import CaseService
from workflows.chat.conversation import REFUSAL, STALE, Chat, Conversation
from workflows.chat.views import Reply
from workflows.deadlines.rules import Rules, deadlines, has_reply

MARKUP = "Detained at <b>HQ</b> & held *_[incommunicado] — محتجز 👮\x07"


def say(conv: Conversation, chat: Chat, *messages: str) -> Reply:
    """Send each message; a leading '#' taps the button whose label starts with the rest
    (on the last reply, or on what /resume shows when the call starts with a tap)."""
    reply: Reply | None = None
    for message in messages:
        if message.startswith("#"):
            reply = reply or conv.text(chat, "/resume")[-1]
            button = next(b for b in reply.buttons if b.label.startswith(message[1:]))
            reply = conv.tap(chat, button.token)[-1]
        else:
            reply = conv.text(chat, message)[-1]
        assert not reply.error, (message, reply.text)
    assert reply is not None
    return reply


COMMUNICATION = (
    "/new", "#Communication", "#UA", "Burundi, Shell plc", "#Yes", "15/03/2017",
    "WGAD, SR HRDs", "#UA BDI 1/2017", MARKUP, "1, 2", "Jean Dupont", "/skip",
)  # fmt: skip


def test_full_communication_is_saved_with_every_answer(conversation: Conversation) -> None:
    chat = Chat("2")
    review = say(conversation, chat, *COMMUNICATION)
    assert review.title.startswith("Review") and "Jean Dupont" in review.text
    card = say(conversation, chat, "#Save")
    assert card.title == "UA BDI 1/2017" and "Status: open" in card.text
    case = conversation.repo.case_by_reference("ua bdi 1/2017")
    answers = case["runs"][0]["answers"]
    assert answers["summary"] == MARKUP
    assert answers["themes"] == ["reprisal", "hrd"]
    assert [a["code"] for a in answers["addressees"]] == ["BDI"]
    assert case["owner"] == "2" and case["status"] == "open"
    assert case["history"][0]["action"] == "create"


def test_a_letter_to_two_addressees_becomes_two_linked_letters(
    conversation: Conversation,
) -> None:
    """The shared answers are asked once; each addressee gets its own letter and reference."""
    card = say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    first = conversation.repo.case_by_reference("UA BDI 1/2017")
    second = conversation.repo.case_by_reference("UA OTH 1/2017")
    assert first["group"] == second["group"] == [first["id"], second["id"]]
    assert second["runs"][0]["answers"]["addressees"] == [
        {"code": "OTH", "name": "Shell plc", "kind": "other"}
    ]
    for key in ("summary", "themes", "victims", "mandates", "date_sent", "comm_type"):
        assert first["runs"][0]["answers"][key] == second["runs"][0]["answers"][key]
    assert "Type: joint UA" in card.text
    assert "Same allegations, one letter per addressee: UA OTH 1/2017 (Shell plc)" in card.text
    other = conversation.tap(
        Chat("2"), next(b.token for b in card.buttons if b.label.startswith("UA OTH"))
    )
    assert other[-1].title == "UA OTH 1/2017" and "UA BDI 1/2017 (Burundi)" in other[-1].text
    # each letter has its own reply: a reply to one does not answer the other
    say(conversation, Chat("2"), "/case ua oth 1/2017", "#Reply received", "2 May 2017",
        "#English", "#Rejection", "#Yes", "/skip", "/skip", "#Save")  # fmt: skip
    assert has_reply(conversation.repo.case_by_reference("UA OTH 1/2017"))
    assert not has_reply(conversation.repo.case_by_reference("UA BDI 1/2017"))


def test_a_second_reply_is_recorded_and_each_names_the_addressee(
    conversation: Conversation,
) -> None:
    chat = Chat("2")
    say(conversation, chat, *COMMUNICATION, "#Save")
    say(conversation, chat, "/case UA BDI 1/2017", "#Reply received", "2 May 2017",
        "#French", "#Acknowledgement", "#No", "/skip", "/skip", "3 May 2017",
        "#Save")  # fmt: skip
    card = say(conversation, chat, "/case UA BDI 1/2017", "#Reply received", "10 May 2017",
               "#Other", "#Yes", "#Substantive", "#Yes", "/skip", "/skip",
               "#Save")  # fmt: skip
    assert card.text.count("Reply received from Burundi (saved)") == 2
    assert "Translation requested: Yes" in card.text
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    replies = [r["answers"] for r in case["runs"] if r["checklist"] == "communication_reply"]
    assert [(r["reply_date"], r["reply_nature"]) for r in replies] == [
        ("2017-05-02", "acknowledgement"), ("2017-05-10", "substantive"),
    ]  # fmt: skip
    assert replies[0]["reply_published"] == "2017-05-03"
    assert "reply_published" not in replies[1]  # confidential: never asked


def test_a_follow_up_letter_is_a_communication_linked_to_the_first(
    conversation: Conversation,
) -> None:
    chat = Chat("2")
    say(conversation, chat, *COMMUNICATION, "#Save")
    say(conversation, chat, "/case UA BDI 1/2017", "#Follow-up action", "#Follow-up letter",
        "1 May 2017", "#UA BDI 2/2017", "/skip", "#Save")  # fmt: skip
    original = conversation.repo.case_by_reference("UA BDI 1/2017")
    followup = conversation.repo.case_by_reference("UA BDI 2/2017")
    assert followup["follows"] == original["id"] and original["followups"] == [followup["id"]]
    answers = followup["runs"][0]["answers"]
    assert answers["date_sent"] == "2017-05-01" and answers["addressees"][0]["code"] == "BDI"
    assert followup["status"] == "open"
    dues = {d.rule: d.due.isoformat() for d in deadlines(followup, Rules())}
    assert dues["reply"] == "2017-06-30" and dues["urgent_check"] == "2017-05-08"
    card = conversation.text(chat, "/case UA BDI 1/2017")[-1]
    assert "Follow-up letters: UA BDI 2/2017 (Burundi)" in card.text
    card = conversation.text(chat, "/case ua-bdi-2/2017")[-1]
    assert (
        "Type: joint UA (follow-up letter)" in card.text
        and "Follows up: UA BDI 1/2017" in card.text
    )


def test_reply_and_closure_checklists_follow_the_intake(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, *COMMUNICATION, "#Save")
    say(conversation, chat, "/case UA BDI 1/2017", "#Reply received", "2 May 2017",
        "#French", "#Substantive", "#No", "/skip", "/skip", "/skip", "#Save")  # fmt: skip
    card = say(conversation, chat, "/case UA BDI 1/2017", "#Close the case", "#No reply",
               "today", "/skip", "#Save")  # fmt: skip
    assert "Status: closed" in card.text
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    assert [r["checklist"] for r in case["runs"]] == [
        "communication_intake", "communication_reply", "communication_closure",
    ]  # fmt: skip
    assert case["runs"][1]["answers"]["reply_language"] == "FR"


def test_reply_date_before_the_letter_is_refused(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, *COMMUNICATION, "#Save", "/case UA BDI 1/2017", "#Reply received")
    reply = conversation.text(chat, "1 March 2017")[-1]
    assert reply.error and "on or after the date sent" in reply.text


def test_full_country_visit(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, "/new", "#Country visit", "#Our request", "Honduras", "SR HRDs",
        "3 Jan 2017", "second half of 2017", "/skip", "#Save")  # fmt: skip
    card = say(conversation, chat, "/cases", "#Visit to Honduras", "#Reminder or response",
               "#State accepted", "1 Feb 2017", "#Yes", "1 May 2017", "12 May 2017", "/skip",
               "/skip", "#Save")  # fmt: skip
    assert "State accepted (dates agreed or to be set)" in card.text
    case = next(c for c in conversation.repo.iter_cases() if c["kind"] == "visit")
    assert case["runs"][1]["answers"]["visit_end"] == "2017-05-12"
    assert case["label"] == "Visit to Honduras (SR HRDs)"


def test_a_states_invitation_asks_no_request_date(conversation: Conversation) -> None:
    chat = Chat("2")
    card = say(conversation, chat, "/new", "#Country visit", "#The State's invitation", "Turkey",
               "WGAD", "2 Feb 2017", "/skip", "/skip", "#Save")  # fmt: skip
    assert card.title == "Visit to Türkiye (WGAD)"
    case = next(c for c in conversation.repo.iter_cases() if c["kind"] == "visit")
    answers = case["runs"][0]["answers"]
    assert answers["invited_on"] == "2017-02-02" and "request_date" not in answers
    reply = say(
        conversation,
        chat,
        "/cases",
        "#Visit to Türkiye",
        "#Reminder or response",
        "#Mandate holder accepted",
    )
    assert "On what date" in reply.text
    refused = conversation.text(chat, "1 Feb 2017")[-1]  # before the invitation
    assert refused.error and "on or after the request (or invitation)" in refused.text


def test_standing_invitation_is_kept_per_state_and_shown_on_its_visits(
    conversation: Conversation,
) -> None:
    chat = Chat("2")
    say(conversation, chat, "/new", "#Country visit", "#Our request", "Honduras", "SR HRDs",
        "3 Jan 2017", "/skip", "/skip", "#Save")  # fmt: skip
    assert "Standing invitation" not in say(conversation, chat, "/cases", "#Visit to Honduras").text
    reply = say(conversation, chat, "/standing HND 9 March 2005")
    assert reply.text.startswith("Honduras: standing invitation since Wed 9 Mar 2005")
    card = say(conversation, chat, "/cases", "#Visit to Honduras")
    assert card.text.startswith("Standing invitation since Wed 9 Mar 2005 (Honduras).")
    assert "Honduras: standing invitation" in say(conversation, chat, "/standing").text
    viewer = conversation.text(Chat("4"), "/standing Honduras 1 May 2001")[-1]
    assert viewer.error and "not record" in viewer.text
    assert "Honduras" in conversation.text(Chat("4"), "/standing")[-1].text
    assert conversation.text(chat, "/standing Atlantis 1 May 2001")[-1].error
    assert conversation.text(chat, "/standing Honduras next year")[-1].error
    say(conversation, chat, "/standing Honduras none")
    assert "Standing invitation" not in say(conversation, chat, "/cases", "#Visit to Honduras").text
    assert conversation.repo.get_setting("standing_invitations") == {}


def test_visit_to_something_that_is_not_a_state_is_refused(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, "/new", "#Country visit", "#Our request")
    reply = conversation.text(chat, "Shell plc")[-1]
    assert reply.error and "as a State" in reply.text


def test_old_button_is_answered_as_stale_not_applied(conversation: Conversation) -> None:
    chat = Chat("2")
    first = say(conversation, chat, "/new", "#Communication")
    old_token = next(b.token for b in first.buttons if b.label.startswith("AL"))
    say(conversation, chat, "#UA")
    replies = conversation.tap(chat, old_token)
    assert replies[0].text == STALE and replies[0].error
    assert replies[1].title.startswith("Question 2 of")
    case = next(conversation.repo.iter_cases())
    assert case["runs"][0]["answers"]["comm_type"] == "UA"


def test_unknown_user_gets_one_sentence_and_nothing_else(conversation: Conversation) -> None:
    stranger = Chat("999")
    for replies in (
        conversation.text(stranger, "/cases"),
        conversation.text(stranger, "/help"),
        conversation.tap(stranger, "c:c0000000000"),
    ):
        assert replies == [Reply(REFUSAL)]


def test_cancel_keeps_answers_and_resume_returns_to_the_question(
    conversation: Conversation,
) -> None:
    chat = Chat("2")
    say(conversation, chat, "/new", "#Communication", "#AL", "Burundi")
    say(conversation, chat, "/cancel")
    assert "not in a checklist" in conversation.text(chat, "/resume")[-1].text
    card = say(conversation, chat, "/cases", "#Draft AL to Burundi", "#Continue")
    assert card.title.startswith("Question 3 of")


def test_a_fresh_conversation_on_the_same_storage_resumes(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, "/new", "#Communication", "#AL", "Burundi")
    restarted = Conversation(conversation.service)
    assert restarted.text(chat, "/resume")[-1].title.startswith("Question 3 of")


def test_two_users_do_not_see_or_overwrite_each_other(conversation: Conversation) -> None:
    alice, bob = Chat("2"), Chat("3")
    say(conversation, alice, "/new", "#Communication", "#AL")
    say(conversation, bob, "/new", "#Country visit", "#Our request", "Honduras")
    say(conversation, alice, "Burundi")
    assert conversation.text(bob, "/resume")[-1].title.startswith("Question 3 of")
    assert "Draft" not in conversation.text(bob, "/cases")[-1].text
    alice_case = next(c for c in conversation.repo.iter_cases() if c["owner"] == "2")
    assert alice_case["runs"][0]["answers"]["addressees"][0]["code"] == "BDI"


def test_viewer_reads_without_confidential_answers_and_cannot_edit(
    conversation: Conversation,
) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    viewer = Chat("4")
    card = conversation.text(viewer, "/case UA BDI 1/2017")[-1]
    assert "Jean Dupont" not in card.text and "(confidential)" in card.text
    assert [b.token.split(":")[0] for b in card.buttons] == ["c"]  # only: open the other letter
    forged = conversation.tap(viewer, f"e:{case['id']}:0:summary")[-1]
    assert forged.error and "not change" in forged.text
    assert "Jean Dupont" in conversation.text(Chat("2"), "/case UA BDI 1/2017")[-1].text
    assert (
        "Jean Dupont"
        not in conversation.text(Chat("2", private=False), "/case UA BDI 1/2017")[-1].text
    )


def test_officer_cannot_open_another_officers_case(conversation: Conversation) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    other = Chat("3")
    assert conversation.text(other, "/case UA BDI 1/2017")[-1].error
    assert conversation.tap(other, f"c:{case['id']}")[-1].error
    assert conversation.tap(other, f"a:{case['id']}:0:comm_type:AL")[-1].error


def test_admin_grants_and_revokes_with_an_audit_trail(conversation: Conversation) -> None:
    admin = Chat("1")
    assert "now viewer" in say(conversation, admin, "/grant 555 viewer").text
    assert "555 · viewer" in say(conversation, admin, "/users").text
    assert conversation.text(Chat("555"), "/cases")[-1] != Reply(REFUSAL)
    say(conversation, admin, "/revoke 555")
    assert conversation.text(Chat("555"), "/cases") == [Reply(REFUSAL)]
    assert conversation.text(Chat("2"), "/grant 556 admin")[-1].error
    actions = [(e["actor"], e["action"], e["target"]) for e in conversation.repo.audit_log()]
    assert ("1", "put_user", "555") in actions
    assert ("1", "delete_user", "555") in actions


def test_stray_text_and_unknown_commands_get_a_hint(conversation: Conversation) -> None:
    assert "/new" in conversation.text(Chat("2"), "hello")[-1].text
    unknown = conversation.text(Chat("2"), "/frobnicate")[-1]
    assert unknown.error and "/cases" in unknown.text


def test_reference_numbers_continue_per_state_and_year_after_a_restart(
    conversation: Conversation,
) -> None:
    say(conversation, Chat("2"), *COMMUNICATION, "#Save")  # UA BDI 1/2017
    service = conversation.service
    restarted = Conversation(CaseService(service.repo, service.registry, service.clock))
    reply = say(restarted, Chat("3"), "/new", "#Communication", "#AL", "BDI", "1 May 2017", "WGAD")
    assert [b.label for b in reply.buttons] == ["AL BDI 2/2017"]
    reply = say(restarted, Chat("3"), "/back", "/back", "1 May 2016")  # back to the date
    assert [b.label for b in reply.buttons] == ["AL BDI 1/2016"]


def test_a_message_delivered_twice_is_applied_once(conversation: Conversation) -> None:
    say(conversation, Chat("2"), "/new", "#Communication", "#AL")
    first = conversation.text(Chat("2", update_id=41), "Burundi")[-1]
    assert first.title.startswith("Question 3 of")
    again = conversation.text(Chat("2", update_id=41), "Burundi")[-1]  # re-delivered
    assert again.title.startswith("Question 3 of") and not again.error
    case = next(conversation.repo.iter_cases())
    assert "date_sent" not in case["runs"][0]["answers"]
    assert case["seen"] == {"2": [41]}
    assert "Saved" in conversation.text(Chat("2", update_id=42), "yesterday")[-1].text
    # after a quiet week Telegram may number updates lower: still applied
    assert "Saved" in conversation.text(Chat("2", update_id=7), "WGAD")[-1].text


def test_a_new_case_tap_delivered_twice_opens_one_case(conversation: Conversation) -> None:
    say(conversation, Chat("2"), "/new")
    first = conversation.tap(Chat("2", update_id=90), "n:communication")[-1]
    again = conversation.tap(Chat("2", update_id=90), "n:communication")[-1]
    assert first.title == again.title and first.title.startswith("Question 1 of")
    assert len(list(conversation.repo.iter_cases())) == 1
    conversation.tap(Chat("2", update_id=91), "n:communication")
    assert len(list(conversation.repo.iter_cases())) == 2


def test_a_reprisal_is_raised_from_a_visit_and_referred_only_with_consent(
    conversation: Conversation,
) -> None:
    chat = Chat("2")
    say(conversation, chat, "/new", "#Country visit", "#Our request", "Honduras", "SR HRDs",
        "3 Jan 2017", "/skip", "/skip", "#Save")  # fmt: skip
    say(conversation, chat, "/cases", "#Visit to Honduras", "#Reprisal or intimidation",
        "Questioned by the police after meeting the mandate holder", "10 May 2017",
        "Ana Test")  # fmt: skip
    refused = say(conversation, chat, "#No")
    assert refused.text.startswith("Saved: No\nWhat is the outcome so far?")  # no referral asked
    reply = conversation.text(chat, "/back")[-1]
    assert "informed consent" in reply.text
    card = say(conversation, chat, "#Yes, without", "12 May 2017", "2, 4", "13 May 2017",
               "14 May 2017", "#Included", "14 May 2017", "#Ongoing", "/skip", "#Save")  # fmt: skip
    case = next(c for c in conversation.repo.iter_cases() if c["kind"] == "visit")
    answers = case["runs"][-1]["answers"]
    assert answers["consent"] == "anonymous" and answers["referrals"] == ["asg", "president"]
    assert answers["asg_on"] == "2017-05-13" and answers["president_on"] == "2017-05-14"
    assert "hc_on" not in answers
    assert "Ana Test" not in conversation.text(Chat("4"), f"/case {case['id']}")[-1].text
    in_group = conversation.text(Chat("2", private=False), f"/case {case['id']}")[-1]
    assert "Ana Test" not in in_group.text
    assert "Reprisal or intimidation" in card.text


def test_the_reprisal_checklist_is_offered_on_a_communication(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, *COMMUNICATION, "#Save")
    card = conversation.text(chat, "/case UA BDI 1/2017")[-1]
    assert "Reprisal or intimidation" in [b.label for b in card.buttons]
