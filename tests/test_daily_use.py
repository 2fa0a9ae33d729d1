"""Daily use at volume (issue 14): deadlines in sight, digest, /cases by urgency, safe
/rules, stable cards, /case by what people call it."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from clocks import MovableClock
from test_alerts import LETTER
from test_conversation import say

from workflows.cases.service import CaseService
from workflows.chat.conversation import Chat, Conversation
from workflows.chat.views import Reply


def test_saving_a_letter_says_when_the_reply_is_due_and_when_i_will_remind(
    conversation: Conversation, clock: MovableClock
) -> None:
    clock.instant = clock.instant.replace(month=3, day=20)  # 20 March 2017
    card = say(conversation, Chat("2"), *LETTER, "#Save")
    # sent 15 March 2017 as an urgent appeal: early check 22 March, reply 14 May
    assert "Next due: Wed 22 Mar 2017 · Early check on an urgent appeal (in 2 days)" in card.text
    assert "I will remind you on Wed 22 Mar 2017 if no reply or follow-up action" in card.text
    assert "Next step: check on the urgent appeal" in card.text
    assert "Status: open · owner 2\n" in card.text  # no name known yet: the id
    conversation.repo.put_user({"id": "2", "role": "officer", "name": "Ana Lima"}, actor="t")
    assert (
        "Status: open · owner Ana Lima\n"
        in say(conversation, Chat("2"), "/case UA BDI 1/2017").text
    )


def test_overdue_in_days_and_the_next_step_moves_on_after_a_reply(
    conversation: Conversation, clock: MovableClock
) -> None:
    chat = Chat("2")
    card = say(conversation, chat, *LETTER[:2], "#AL", "Burundi", "15/03/2017", "WGAD",
               "AL BDI 1/2017", "Detention", "1", "/skip", "/skip", "#Save")  # fmt: skip
    # today 15 May 2017: the reply was due Sun 14 May
    assert "Next due: Sun 14 May 2017 · Reply due from the addressee (1 day overdue)" in card.text
    assert "Next step: record the reply when it comes" in card.text
    assert "I will remind you today if no reply is recorded" in card.text
    card = say(conversation, chat, "/case AL BDI 1/2017", "#Reply", "2 May 2017", "#English",
               "#Partial", "#Yes", "/skip", "/skip", "#Save")  # fmt: skip
    assert "Next step: record the reply" not in card.text
    assert "Next step: record the letter's publication" in card.text


def _letter(service: CaseService, owner: str, sent: date, number: int, state: str = "BDI") -> None:
    """A saved allegation letter to a State, written straight to storage (volume fixture)."""
    version = service.registry.latest("communication_intake").version
    answers = {
        "comm_type": "AL", "addressees": [{"code": state, "name": state, "kind": "state"}],
        "date_sent": sent.isoformat(), "mandates": ["WGAD"],
        "reference": f"AL {state} {number}/{sent.year}", "summary": "Detention",
    }  # fmt: skip
    run = {"checklist": "communication_intake", "version": version, "status": "done",
           "position": None, "answers": answers, "skipped": [], "pending": None}  # fmt: skip
    case = {"id": f"t{state}{owner}{number}{sent.year}", "kind": "communication", "owner": owner,
            "status": "open", "reference": None, "label": "", "created_at": None,
            "runs": [run], "files": []}  # fmt: skip
    service.save(case, "test", "create", {})


def test_the_digest_is_one_message_and_a_spreadsheet_at_any_volume(
    conversation: Conversation,
) -> None:
    """Each AL has three deadlines: reply and letter publication (sent + 60 days) and a
    follow-up letter (sent + 90). Today is 15 May 2017.
    Owner 2: 20 letters of 1 March 2015 -> 60 items over a year overdue; 10 letters of
    1 March 2017 -> reply and publication due 30 April (15 days overdue): 20 items; the
    follow-up on 30 May is beyond the week. Owner 3: 5 letters of 20 March 2017 -> reply and
    publication due 19 May: 10 items due soon. Overdue 80 (60 old), due soon 10."""
    service = conversation.service
    service.repo.put_user({"id": "2", "role": "officer", "name": "Ana Lima"}, actor="test")
    conversation.text(Chat("3", name='=HYPERLINK("x")  Bea'), "/start")
    for number in range(1, 21):
        _letter(service, "2", date(2015, 3, 1), number)
    for number in range(1, 11):
        _letter(service, "2", date(2017, 3, 1), number)
    for number in range(1, 6):
        _letter(service, "3", date(2017, 3, 20), number)
    (digest,) = conversation.text(Chat("1"), "/digest")
    assert digest.text.startswith(
        "Overdue: 80 (60 more than a year overdue) · due in the next 7 days: 10"
    )
    assert "Ana Lima: 80 overdue, 0 due soon\n" in digest.text
    assert "  • 60 more than a year overdue" in digest.text
    assert '=HYPERLINK("x") Bea: 0 overdue, 10 due soon' in digest.text
    assert digest.text.count("  • AL BDI") == 6  # three per owner
    assert "15 days overdue" in digest.text and "due Fri 19 May 2017" in digest.text
    assert len(digest.text) < 4096
    (sheet,) = digest.files
    assert sheet.name == "digest-2017-05-15.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(sheet.data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "Owner" and len(rows) == 1 + 90
    assert rows[1][4] == "2015-04-30" and rows[1][5] == 746  # most overdue first
    cells = [c for row in book.active.iter_rows() for c in row]
    injected = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert injected.data_type == "s"  # the name is text, never a formula


def test_cases_lists_by_urgency_with_filters_a_phone_page_at_a_time(
    conversation: Conversation,
) -> None:
    """Due dates (reply, sent + 60 days): AL BDI 1/2015 sent 1 March 2015 -> 30 April 2015;
    AL HND 1/2017 (owner 3) sent 1 March 2017 -> 30 April 2017 (15 days overdue);
    AL BDI n/2017 sent 20 March 2017 -> 19 May 2017 (in 4 days), seven of them."""
    service = conversation.service
    service.repo.put_user({"id": "3", "role": "officer", "name": "Bea Diallo"}, actor="test")
    for number in range(1, 8):
        _letter(service, "2", date(2017, 3, 20), number)
    _letter(service, "3", date(2017, 3, 1), 1, state="HND")
    _letter(service, "2", date(2015, 3, 1), 1)
    admin = Chat("1")
    page = say(conversation, admin, "/cases")
    assert page.title == "Open cases · 9 · page 1/2"
    lines = page.text.splitlines()
    assert lines[0] == "AL BDI 1/2015 · Burundi · Thu 30 Apr 2015, 746 days overdue · user 2"
    assert lines[1] == "AL HND 1/2017 · Honduras · Sun 30 Apr 2017, 15 days overdue · Bea Diallo"
    assert lines[2].startswith("AL BDI 1/2017 · Burundi · Fri 19 May 2017, in 4 days")
    assert len(lines) == 6 and len(page.buttons) == 7  # six cases and Next
    assert say(conversation, admin, "/cases overdue").text.count("\n") == 1  # two lines
    burundi = say(conversation, admin, "/cases Burundi")
    assert burundi.title == "Open cases · Burundi · 8 · page 1/2"
    (second,) = conversation.tap(admin, burundi.buttons[-1].token)  # Next keeps the filter
    assert second.title == "Open cases · Burundi · 8 · page 2/2" and "HND" not in second.text
    mine = say(conversation, Chat("3"), "/cases mine")
    assert mine.text.startswith("AL HND 1/2017") and mine.title == "Your cases · 1 · page 1/1"
    assert say(conversation, admin, "/cases visits").text.startswith("No cases here")
    assert conversation.text(admin, "/cases Atlantis")[-1].error
    assert all(len(b.token.encode()) <= 64 for b in page.buttons)


def test_rules_change_only_an_exactly_named_mandate_or_after_a_yes(
    conversation: Conversation,
) -> None:
    admin, repo = Chat("1"), conversation.repo
    shown = say(conversation, admin, "/rules").text
    assert "• reply due 60 days after the letter is sent (reply_days)" in shown
    assert "a reminder is repeated after 7 days (repeat_after_days)" in shown
    assert "(7,)" not in shown
    usage = conversation.text(admin, "/rules reply_days 75")[-1]
    assert usage.error and usage.text.startswith("Use /rules") and "/grant" not in usage.text
    asked = conversation.text(admin, "/rules FOO reply_days 75")[-1]
    assert "Did you mean" in asked.text and repo.get_setting("deadline_overrides", {}) == {}
    food = next(b for b in asked.buttons if b.label.startswith("Yes: SR Food"))
    assert all(len(b.token.encode()) <= 64 for b in asked.buttons)
    done = conversation.tap(admin, food.token)[-1]
    assert done.text.startswith("SR Food: reply due 75 days after the letter is sent")
    assert repo.get_setting("deadline_overrides") == {"SR Food": {"reply_days": 75}}
    assert conversation.tap(admin, food.token)[-1].error  # asked once, applied once
    say(conversation, admin, "/rules Working Group on Arbitrary Detention reply_days 90")
    assert repo.get_setting("deadline_overrides")["WGAD"] == {"reply_days": 90}
    no = conversation.text(admin, "/rules arbitrary reply_days 5")[-1]
    conversation.tap(admin, no.buttons[-1].token)  # "No, change nothing"
    assert repo.get_setting("deadline_overrides")["WGAD"] == {"reply_days": 90}
    changes = [e for e in repo.audit_log() if e["action"] == "rule_changed"]
    assert [(e["target"], e["detail"]["after"], e["actor"]) for e in changes] == [
        ("SR Food", 75, "1"), ("WGAD", 90, "1"),
    ]  # fmt: skip


def tap(conversation: Conversation, chat: Chat, reply: Reply, label: str) -> Reply:
    """Tap the button of `reply` whose label starts with `label`."""
    button = next(b for b in reply.buttons if b.label.startswith(label))
    return conversation.tap(chat, button.token)[-1]


def _labels(reply: Reply) -> list[str]:
    return [b.label for b in reply.buttons]


def test_card_actions_keep_their_places_and_edits_sit_behind_one_button(
    conversation: Conversation,
) -> None:
    chat = Chat("2")
    card = say(conversation, chat, *LETTER, "#Save")
    before = _labels(card)
    assert before[-2:] == ["Edit…", "Attach a file"]
    place = before.index("Reply received")
    # a reply half-recorded: its button says Continue, in the same place; nothing else moves
    say(conversation, chat, "/case UA BDI 1/2017", "#Reply received", "2 May 2017")
    card = say(conversation, chat, "/cancel", "/case UA BDI 1/2017")
    during = _labels(card)
    assert during[place] == "Continue: Reply received"
    assert during[:place] + during[place + 1 :] == before[:place] + before[place + 1 :]
    menu = tap(conversation, chat, card, "Edit…")
    assert _labels(menu) == [
        "Edit 1: New communication", "Edit 2: Reply received", "Discard 2: Reply received",
        "Back to the card",
    ]  # fmt: skip
    assert all(len(b.token.encode()) <= 64 for b in menu.buttons)
    ask = tap(conversation, chat, menu, "Discard 2")
    assert all(len(b.token.encode()) <= 64 for b in ask.buttons)
    assert "Discard the unfinished “Reply received”" in ask.text
    card = tap(conversation, chat, ask, "Yes, discard")
    assert card.text.startswith("Discarded “Reply received”.") and _labels(card) == before
    case = conversation.repo.case_by_reference("UA BDI 1/2017")
    assert len(case["runs"]) == 1
    assert case["history"][-1]["action"] == "discard_checklist"
    assert case["history"][-1]["actor"] == "2"


def test_a_draft_is_deleted_by_its_owner_or_an_admin_after_a_yes(
    conversation: Conversation,
) -> None:
    owner = Chat("2")
    say(conversation, owner, *LETTER[:4])  # a draft UA to Burundi
    case_id = conversation.repo.get_session("2")["case"]
    card = say(conversation, owner, "/cancel", "/cases", "#Draft UA")
    assert _labels(card)[0].startswith("Continue: New communication")
    other = conversation.tap(Chat("3"), f"dz:{case_id}")[-1]
    assert other.error  # another officer may not even see it
    viewer = conversation.tap(Chat("4"), f"dz:{case_id}")[-1]
    assert viewer.error and conversation.repo.get_case(case_id)["runs"]
    ask = tap(conversation, owner, tap(conversation, owner, card, "Edit…"), "Delete this draft")
    assert ask.text.startswith("Delete the draft Draft UA")
    assert _labels(ask) == ["Yes, delete the draft", "No, keep it"]
    done = tap(conversation, owner, ask, "Yes, delete")
    assert done.text.startswith("Draft deleted.")
    case = conversation.repo.get_case(case_id)
    assert case["runs"] == [] and case["history"][-1]["action"] == "delete_draft"
    assert "Draft UA" not in say(conversation, Chat("1"), "/cases").text
    assert conversation.tap(owner, f"c:{case_id}")[-1].error  # gone from every list
    assert conversation.text(Chat("1"), "/find Burundi")[-1].text.startswith("No cases")


def _visit(service: CaseService, code: str, mandate: str, requested: date) -> None:
    version = service.registry.latest("visit_request").version
    answers = {"state": {"code": code, "name": code, "kind": "state"}, "mandates": [mandate],
               "request_date": requested.isoformat()}  # fmt: skip
    run = {"checklist": "visit_request", "version": version, "status": "done",
           "position": None, "answers": answers, "skipped": [], "pending": None}  # fmt: skip
    case = {"id": f"v{code}{requested.year}{len(mandate)}", "kind": "visit", "owner": "2",
            "status": "open", "reference": None, "label": "", "created_at": None,
            "runs": [run], "files": []}  # fmt: skip
    service.save(case, "test", "create", {})


def test_case_finds_a_visit_by_state_and_mandate_or_year(conversation: Conversation) -> None:
    service, chat = conversation.service, Chat("2")
    _visit(service, "HND", "SR HRDs", date(2019, 2, 1))
    _visit(service, "HND", "WGAD", date(2016, 5, 1))
    _visit(service, "BDI", "SR HRDs", date(2019, 3, 1))
    card = say(conversation, chat, "/case Honduras 2019")
    assert card.title == "Visit to Honduras (SR HRDs)"
    assert say(conversation, chat, "/case HND SR HRDs").title == "Visit to Honduras (SR HRDs)"
    label = say(conversation, chat, "/case Visit to Honduras (WGAD)")
    assert label.title == "Visit to Honduras (WGAD)"
    several = say(conversation, chat, "/case Honduras")
    assert several.text.startswith("2 cases match “Honduras”. Which one?")
    assert sorted(b.label for b in several.buttons) == [
        "Visit to Honduras (SR HRDs)", "Visit to Honduras (WGAD)",
    ]  # fmt: skip
    assert conversation.tap(chat, several.buttons[0].token)[-1].title.startswith("Visit to")
    assert len(say(conversation, chat, "/case 2019").buttons) == 2
    missing = conversation.text(chat, "/case Honduras 2021")[-1]
    assert missing.error and "/case Honduras 2019" in missing.text
    assert conversation.text(Chat("3"), "/case Honduras 2019")[-1].error  # not theirs


def test_cancel_and_resume_say_the_same_about_where_you_are(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, *LETTER, "#Save", "/case UA BDI 1/2017", "#Reply received")
    left = say(conversation, chat, "/cancel").text
    assert left.startswith("Left “Reply received” on UA BDI 1/2017. Its answers are kept")
    resumed = say(conversation, chat, "/resume").text
    assert resumed.startswith("You are not in a checklist: you left “Reply received” on UA BDI")
    assert "Its answers are kept" in resumed
    card = say(conversation, chat, "/case UA BDI 1/2017", "#Continue: Reply received")
    assert card.title.startswith("Question 1 of")
    assert say(conversation, Chat("3"), "/cancel").text.startswith("Nothing to leave")
