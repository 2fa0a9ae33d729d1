"""Daily use at volume (issue 14): deadlines in sight, digest, /cases by urgency, safe
/rules, stable cards, /case by what people call it."""

from __future__ import annotations

from clocks import MovableClock
from test_alerts import LETTER
from test_conversation import say

from workflows.conversation import Chat, Conversation


def test_saving_a_letter_says_when_the_reply_is_due_and_when_i_will_remind(
    conversation: Conversation, clock: MovableClock
) -> None:
    clock.instant = clock.instant.replace(month=3, day=20)  # 20 March 2017
    card = say(conversation, Chat("2"), *LETTER, "#Save")
    # sent 15 March 2017 as an urgent appeal: early check 22 March, reply 14 May
    assert "Next due: Wed 22 Mar 2017 · Early check on an urgent appeal (in 2 days)" in card.text
    assert "I will remind you on Wed 22 Mar 2017 if no reply or follow-up action" in card.text
    assert "Next step: check on the urgent appeal" in card.text


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
    card = say(conversation, chat, "/case AL BDI 1/2017", "#Reply", "2 May 2017", "#English", "#Partial", "#Yes",
               "/skip", "/skip", "#Save")  # fmt: skip
    assert "Next step: record the reply" not in card.text
    assert "Next step: record the letter's publication" in card.text
