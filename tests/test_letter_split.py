"""One letter per addressee, whatever happens on the way: addressees edited at review, a
reference taken meanwhile, a process killed half way through the split (review of issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clocks import MovableClock
from test_conversation import COMMUNICATION, say

from workflows.cases.search import find_case
from workflows.cases.service import CaseService
from workflows.chat.conversation import Chat, Conversation
from workflows.checklists.model import Registry
from workflows.records.upgrade import open_data


def test_editing_the_addressees_asks_the_reference_again(conversation: Conversation) -> None:
    """Adding an addressee at review makes the two references answered before stale: the
    reference is asked again, and the letter saves as three linked letters."""
    chat = Chat("2")
    say(conversation, chat, *COMMUNICATION)
    asked = say(conversation, chat, "#Edit 2", "Burundi, Shell plc, Iran", "#Yes")
    assert "Reference must be given again" in asked.text
    assert "What is its reference?" in asked.text and not asked.title.startswith("Review")
    say(conversation, chat, "UA BDI 1/2017, UA IRN 1/2017, UA OTH 1/2017", "#Save")
    repo = conversation.repo
    letters = [repo.case_by_reference(r) for r in ("UA BDI 1/2017", "UA IRN 1/2017",
                                                   "UA OTH 1/2017")]  # fmt: skip
    assert all(letter is not None for letter in letters)
    assert all(len(c["runs"][0]["answers"]["addressees"]) == 1 for c in letters if c)
    assert find_case(repo, "UA BDI 1/2017") is not None
    assert len(repo.list_cases()) == 3


def test_a_reference_still_valid_after_an_edit_is_kept(conversation: Conversation) -> None:
    chat = Chat("2")
    say(conversation, chat, *COMMUNICATION)
    review = say(conversation, chat, "#Edit 3", "16/03/2017")  # same year: still fits
    assert review.title.startswith("Review") and "UA BDI 1/2017, UA OTH 1/2017" in review.text


def test_a_reference_taken_meanwhile_is_asked_again_at_save(conversation: Conversation) -> None:
    """Two officers: the second saves UA OTH 1/2017 while the first is at review with it."""
    say(conversation, Chat("2"), *COMMUNICATION)
    say(conversation, Chat("3"), "/new", "#Communication", "#UA", "Shell plc", "#Yes",
        "16/03/2017", "WGAD", "UA OTH 1/2017", "summary", "/skip", "/skip", "#Save")  # fmt: skip
    reply = conversation.text(Chat("2"), "/resume")[-1]
    save = next(b for b in reply.buttons if b.label == "Save")
    asked = conversation.tap(Chat("2"), save.token)[-1]
    assert asked.error and "UA OTH 1/2017 is already used by another case" in asked.text
    references = sorted(e["reference"] or "" for e in conversation.repo.list_cases())
    assert references == ["", "UA OTH 1/2017"]  # the draft holds no reference now


def test_a_split_killed_half_way_is_finished_at_the_next_start(
    tmp_path: Path, registry: Registry
) -> None:
    """Killed after the other letter was written and before this one was narrowed: the
    next start finishes the split instead of leaving a letter with two references."""
    repo = open_data(tmp_path / "data", clock=MovableClock(), registry=registry)
    service = CaseService(repo, registry, MovableClock())
    conversation = Conversation(service)
    repo.put_user({"id": "2", "role": "officer"}, actor="test")
    real_save = service.save

    def killed(case: dict, actor: str, action: str, detail: dict) -> None:  # type: ignore[type-arg]
        if action == "split_by_addressee":
            raise SystemExit("killed")
        real_save(case, actor, action, detail)

    service.save = killed  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        say(conversation, Chat("2"), *COMMUNICATION, "#Save")
    assert "," in (repo.list_cases()[0]["reference"] or "") or "," in (
        repo.list_cases()[1]["reference"] or ""
    )
    repo.close()
    repo = open_data(tmp_path / "data", clock=MovableClock(), registry=registry)
    try:
        references = sorted(e["reference"] for e in repo.list_cases())
        assert references == ["UA BDI 1/2017", "UA OTH 1/2017"]
        first = repo.case_by_reference("UA BDI 1/2017")
        second = repo.case_by_reference("UA OTH 1/2017")
        assert first and second and first["group"] == second["group"]
        assert [a["code"] for a in first["runs"][0]["answers"]["addressees"]] == ["BDI"]
    finally:
        repo.close()
