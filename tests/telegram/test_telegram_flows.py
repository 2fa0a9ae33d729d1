"""Whole conversations over Telegram: checklists by text and taps, restarts, several users."""

from __future__ import annotations

import asyncio
import html

from botapi_stub import Sent
from telegram_harness import (
    ADMIN,
    OFFICER,
    OFFICER2,
    Harness,
    Person,
)

from workflows.chat.conversation import STALE

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def only(messages: list[Sent]) -> Sent:
    assert len(messages) == 1, [m.text for m in messages]
    return messages[0]


def case_of(h: Harness, user_id: int) -> dict:
    assert h.repo is not None
    (entry,) = [e for e in h.repo.list_cases() if e["owner"] == str(user_id)]
    case = h.repo.get_case(entry["id"])
    assert case is not None
    return case


async def start_communication(p: Person) -> Sent:
    await p.say("/new")
    first = only(await p.tap("Communication"))
    assert first.text.startswith("Question 1 of 8 · New communication")
    return first


async def test_full_communication_by_text_and_taps(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await start_communication(p)
    assert "Question 2 of 8" in only(await p.tap("AL allegation letter")).text
    assert "Saved: Burundi (BDI)" in only(await p.say("Burundi")).text
    assert "Saved: Sun 14 May 2017" in only(await p.say("yesterday")).text
    reference = only(await p.say("WGAD"))
    assert "Question 5 of 8" in reference.text
    assert "Saved: AL BDI 1/2017" in only(await p.tap("AL BDI 1/2017", reference)).text
    await p.say("Arbitrary detention of two human rights defenders.")
    victims = only(await p.say("1, 2"))  # reprisal + defenders: the confidential question opens
    assert "Question 8 of 9" in victims.text and "(confidential)" in victims.text
    await p.say("Jane Doe, John Roe")
    review = only(await p.send_document(PDF, "letter.pdf", "application/pdf"))
    assert review.text.startswith("Review · New communication · AL BDI 1/2017")
    assert "Jane Doe" in review.text  # the owner, in a private chat
    card = only(await p.tap("Save"))
    assert card.text.startswith(
        "AL BDI 1/2017\nChecklist saved.\nI will remind you on Thu 13 Jul 2017 if no reply is "
        "recorded.\nNext due: Thu 13 Jul 2017 · Reply due from the addressee (in 59 days)\n"
        "Status: open"
    )

    # A reply arrives: recorded from the case card.
    await p.tap("Reply received", card)
    await p.say("15/05/2017")
    await p.tap("French")
    await p.tap("Substantive")
    await p.tap("No")
    await p.say("The State denies the allegations.")
    await p.say("/skip")  # no document
    assert only(await p.say("15/05/2017")).text.startswith("Review · Reply received")  # published
    card = only(await p.tap("Save"))

    # And the case is closed.
    await p.tap("Close the case", card)
    await p.tap("Reply received, no further action")
    await p.say("today")
    await p.say("/skip")
    closed = only(await p.tap("Save"))
    assert "Status: closed" in closed.text

    case = case_of(harness, OFFICER)
    intake, reply, closure = case["runs"]
    assert intake["answers"]["reference"] == "AL BDI 1/2017"
    assert intake["answers"]["victims"] == "Jane Doe, John Roe"
    assert intake["answers"]["letter"]["name"] == "letter.pdf"
    assert reply["answers"]["reply_language"] == "FR"
    assert closure["answers"]["closure_reason"] == "answered"
    assert case["status"] == "closed"
    actions = [entry["action"] for entry in case["history"]]
    assert actions[0] == "create" and actions.count("checklist_done") == 3
    assert {entry["actor"] for entry in case["history"]} == {str(OFFICER)}


async def test_full_visit_checklist_by_text_and_taps(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await p.say("/new")
    first = only(await p.tap("Country visit"))
    assert "Question 1 of 6 · New country visit request or invitation" in first.text
    await p.tap("Our request")
    await p.say("Honduras")
    await p.say("SR HRDs")
    await p.say("1 March 2017")
    await p.say("second half of 2017")
    review = only(await p.say("/skip"))
    assert "Proposed timeframe: second half of 2017" in review.text
    card = only(await p.tap("Save"))
    assert card.text.startswith("Visit to Honduras")

    await p.tap("Reminder or response", card)
    await p.tap("State accepted (dates agreed or to be set)")
    await p.say("10 May 2017")
    await p.tap("Yes")  # dates agreed
    await p.say("1 June 2017")
    await p.say("10 June 2017")
    await p.say("/skip")  # the State's letter
    await p.say("Agreed after two reminders.")
    only(await p.tap("Save"))

    case = case_of(harness, OFFICER)
    request, response = (run["answers"] for run in case["runs"])
    assert request["state"]["code"] == "HND" and request["origin"] == "request"
    assert response["event"] == "accepted" and response["visit_end"] == "2017-06-10"
    assert case["status"] == "open"


async def test_every_question_and_reply_is_escaped_and_stored_exactly(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await start_communication(p)
    await p.tap("AL allegation letter")
    await p.say("Burundi")
    await p.say("yesterday")
    await p.say("WGAD")
    await p.tap("AL BDI 1/2017")
    tricky = "Talks with <b>the Ministry</b> & NGOs: *_[see annex]_* </i> &amp; <a href='x'>"
    echo = only(await p.say(tricky))

    assert echo.parse_mode == "HTML"
    assert html.escape(tricky, quote=False) in echo.html  # escaped for Telegram...
    assert f"Saved: {tricky}" in echo.text  # ...so the user sees exactly what they typed
    assert case_of(harness, OFFICER)["runs"][0]["answers"]["summary"] == tricky


async def test_a_10000_character_answer_is_split_under_the_limit(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await start_communication(p)
    for step in ("AL allegation letter", "Burundi", "yesterday", "WGAD", "AL BDI 1/2017"):
        await (p.tap(step) if step[0].isupper() and " " in step else p.say(step))
    paragraph = "Détention & <arbitraire> 🙂 " * 20  # emoji count twice in UTF-16
    answer = "\n".join(paragraph for _ in range(20))[:10_000]
    assert len(answer) == 10_000

    parts = await p.say(answer)

    assert len(parts) >= 3
    assert all(len(part.html) <= 4096 and len(part.text.encode("utf-16-le")) // 2 <= 4096
               for part in parts)  # fmt: skip
    title = "Question 7 of 8 · New communication"
    assert "\n".join(part.text for part in parts).startswith(f"{title}\nSaved: {answer}\n")
    assert parts[-1].text.endswith("/back · /skip · /cancel")
    assert case_of(harness, OFFICER)["runs"][0]["answers"]["summary"] == answer

    one_line = "x" * 10_000  # no line break, no space: cut anyway
    await p.say("/back")
    parts = await p.say(one_line)
    assert len(parts) == 3
    assert "".join(part.text for part in parts).startswith(f"{title}\nSaved: {one_line}\n")


async def test_stale_taps_are_answered_not_applied(harness: Harness) -> None:
    p = harness.person(OFFICER)
    first = await start_communication(p)
    await p.tap("AL allegation letter", first)

    again = await p.tap("UA urgent appeal", first)  # the old keyboard of question 1

    assert again[0].text == STALE
    assert again[1].text.startswith("Question 2 of 8")  # shown where the user really is
    assert harness.stub.called("answerCallbackQuery")  # every tap is answered
    assert len(harness.stub.called("answerCallbackQuery")) == 3
    assert case_of(harness, OFFICER)["runs"][0]["answers"]["comm_type"] == "AL"

    await p.say("/cancel")
    after_cancel = await p.tap("OL other letter", first)
    assert after_cancel[0].text == STALE


async def test_restart_mid_checklist_resumes_at_the_same_question(harness: Harness) -> None:
    p = harness.person(OFFICER)
    await start_communication(p)
    await p.tap("AL allegation letter")
    await p.say("Burundi")
    before = harness.stub.sent_to(OFFICER)[-1]
    assert before.text.startswith("Question 3 of 8")

    await harness.restart()  # a new Application and repository on the same data folder

    resumed = only(await p.say("/resume"))
    assert resumed.text.startswith("Question 3 of 8 · New communication")
    assert "Saved: Sun 14 May 2017" in only(await p.say("yesterday")).text
    case = case_of(harness, OFFICER)
    assert case["runs"][0]["answers"]["date_sent"] == "2017-05-14"
    assert case["runs"][0]["position"] == "mandates"


async def test_two_users_at_once_keep_their_own_progress(harness: Harness) -> None:
    alice, bob = harness.person(OFFICER), harness.person(OFFICER2)
    await asyncio.gather(start_communication(alice), start_communication(bob))
    await asyncio.gather(alice.tap("AL allegation letter"), bob.tap("UA urgent appeal"))
    replies = await asyncio.gather(alice.say("Burundi"), bob.say("Honduras"))
    assert "Saved: Burundi (BDI)" in only(replies[0]).text
    assert "Saved: Honduras (HND)" in only(replies[1]).text
    for _ in range(3):  # the same step, interleaved, several times
        await asyncio.gather(alice.say("/back"), bob.say("/back"))
        await asyncio.gather(alice.say("/resume"), bob.say("/resume"))

    a, b = case_of(harness, OFFICER), case_of(harness, OFFICER2)
    assert a["id"] != b["id"]
    assert a["runs"][0]["answers"]["comm_type"] == "AL"
    assert b["runs"][0]["answers"]["comm_type"] == "UA"
    assert b["runs"][0]["answers"]["addressees"][0]["code"] == "HND"
    assert harness.repo is not None
    assert harness.repo.get_session(str(OFFICER))["case"] == a["id"]
    assert harness.repo.get_session(str(OFFICER2))["case"] == b["id"]


async def test_cases_list_pages_and_case_card_buttons(harness: Harness) -> None:
    admin = harness.person(ADMIN)
    for n in range(9):  # more than one page of cases
        await admin.say("/new")
        await admin.tap("Communication")
        await admin.tap("AL allegation letter")
        await admin.say(f"Other actor {n}")
    listing = only(await admin.say("/cases"))
    assert listing.text.startswith("Open cases · 9 · page 1/2\nDraft AL · draft · User 100\n")
    page2 = only(await admin.tap("Next »", listing))
    assert page2.text.startswith("Open cases · 9 · page 2/2")
    card = only(await admin.tap(page2.buttons[0][0], page2))
    assert "Next step:" in card.text
    assert any(label == "Attach a file" for label, _ in card.buttons)
    assert all(len(data.encode()) <= 64 for _, data in card.buttons)
