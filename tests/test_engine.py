"""The checklist engine: answer, skip, back, review, edit, skip logic, versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workflows.checklists import engine
from workflows.checklists.answers import AnswerContext
from workflows.checklists.engine import Back, Edit, Pick, Review, Skip, Text
from workflows.checklists.model import Checklist, Registry, load_checklist

CTX = AnswerContext(today=date(2017, 5, 15))

DEMO = """
[checklist]
id = "demo"
version = 1
title = "Demo"
case_kind = "communication"
stage = "intake"

[[questions]]
id = "kind"
prompt = "Kind?"
type = "choice"
choices = [{ value = "a", label = "Alpha" }, { value = "b", label = "Beta" }]

[[questions]]
id = "when"
prompt = "When?"
type = "date"
constraint = "value <= today"
constraint_message = "Not in the future."

[[questions]]
id = "detail"
prompt = "Detail for beta?"
type = "text"
when = "kind == 'b'"

[[questions]]
id = "note"
prompt = "Note?"
type = "text"
required = false
"""


@pytest.fixture
def demo(tmp_path: Path) -> Checklist:
    path = tmp_path / "demo.toml"
    path.write_text(DEMO, encoding="utf-8")
    return load_checklist(path)


def drive(checklist: Checklist, *inputs: engine.Input, ctx: AnswerContext = CTX) -> engine.Step:
    step = engine.start(checklist, ctx)
    for inp in inputs:
        step = engine.handle(checklist, step.run, inp, ctx)
    return step


def test_answers_in_order_then_review_then_save(demo: Checklist) -> None:
    step = drive(demo, Pick("a"), Text("15/03/2017"), Text("a note"))
    assert step.question is None and step.run["status"] == "review"
    assert step.run["answers"] == {"kind": "a", "when": "2017-03-15", "note": "a note"}
    assert [c.value for c in step.choices] == [engine.SAVE]
    saved = engine.handle(demo, step.run, Pick(engine.SAVE), CTX)
    assert saved.finished and saved.changed


def test_progress_counts_only_relevant_questions(demo: Checklist) -> None:
    assert drive(demo).progress == (1, 3)
    assert drive(demo, Pick("b")).progress == (2, 4)


def test_skip_logic_asks_the_conditional_question_only_when_relevant(demo: Checklist) -> None:
    assert drive(demo, Pick("a"), Text("yesterday")).question.id == "note"
    assert drive(demo, Pick("b"), Text("yesterday")).question.id == "detail"


def test_invalid_answer_is_re_asked_with_the_reason(demo: Checklist) -> None:
    step = drive(demo, Pick("a"), Text("in 3 days"))
    assert step.error and step.question.id == "when"
    assert step.notes == ["Not in the future."]
    step = engine.handle(demo, step.run, Text("next blue"), CTX)
    assert step.error and "15/03/2017" in step.notes[0]
    assert "when" not in step.run["answers"]


def test_required_question_cannot_be_skipped_optional_can(demo: Checklist) -> None:
    step = drive(demo, Skip())
    assert step.error and step.question.id == "kind" and not step.changed
    step = drive(demo, Pick("a"), Text("yesterday"), Skip())
    assert step.run["skipped"] == ["note"] and step.run["status"] == "review"


def test_back_returns_to_the_previous_question_keeping_its_answer(demo: Checklist) -> None:
    step = drive(demo, Pick("b"), Text("yesterday"), Back())
    assert step.question.id == "when" and step.run["answers"]["when"] == "2017-05-14"
    step = engine.handle(demo, step.run, Text("15/03/2017"), CTX)
    assert step.question.id == "detail"
    assert drive(demo, Back()).error


def test_edit_after_saving_changes_one_answer_and_returns_to_review(demo: Checklist) -> None:
    done = drive(demo, Pick("a"), Text("yesterday"), Skip(), Pick(engine.SAVE))
    step = engine.handle(demo, done.run, Edit("when"), CTX)
    assert step.question.id == "when"
    step = engine.handle(demo, step.run, Text("1 May 2017"), CTX)
    assert step.run["status"] == "review" and step.run["answers"]["when"] == "2017-05-01"


def test_switching_an_answer_keeps_the_now_irrelevant_answer(demo: Checklist) -> None:
    step = drive(demo, Pick("b"), Text("yesterday"), Text("beta detail"), Skip())
    step = engine.handle(demo, step.run, Edit("kind"), CTX)
    step = engine.handle(demo, step.run, Pick("a"), CTX)
    assert step.run["answers"]["detail"] == "beta detail"
    shown = [q.id for q, _ in engine.review_lines(demo, step.run, CTX)]
    assert "detail" not in shown
    step = engine.handle(demo, step.run, Edit("kind"), CTX)
    step = engine.handle(demo, step.run, Pick("b"), CTX)
    assert step.run["status"] == "review"  # the kept answer counts again: nothing to re-ask


def test_review_mid_checklist_continues_where_the_user_was(demo: Checklist) -> None:
    step = engine.handle(demo, drive(demo, Pick("a")).run, Review(), CTX)
    assert step.question.id == "when" and step.run["status"] == "in_progress"


def test_text_on_review_is_re_asked_not_applied(demo: Checklist) -> None:
    step = drive(demo, Pick("a"), Text("yesterday"), Skip(), Text("save please"))
    assert step.error and step.run["status"] == "review"


def test_current_re_shows_the_same_question_without_change(demo: Checklist) -> None:
    run = drive(demo, Pick("a")).run
    step = engine.current(demo, run, CTX)
    assert step.question.id == "when" and not step.changed


def test_unknown_addressee_needs_confirmation_then_is_recorded(registry: Registry) -> None:
    intake = registry.latest("communication_intake")
    step = drive(intake, Pick("AL"), Text("Burundi, Shell plc"))
    assert step.question.id == "addressees" and step.run["pending"]
    assert "Shell plc" in step.notes[0]
    step = engine.handle(intake, step.run, Pick("other"), CTX)
    assert step.run["answers"]["addressees"] == [
        {"code": "BDI", "name": "Burundi", "kind": "state"},
        {"code": "OTH", "name": "Shell plc", "kind": "other"},
    ]
    assert step.question.id == "date_sent"


def test_unknown_addressee_can_be_retyped(registry: Registry) -> None:
    intake = registry.latest("communication_intake")
    step = drive(intake, Pick("AL"), Text("Burundy"))
    step = engine.handle(intake, step.run, Pick("retype"), CTX)
    assert step.question.id == "addressees" and "addressees" not in step.run["answers"]
    assert step.run["pending"] is None


def test_reference_is_suggested_and_validated_against_earlier_answers(registry: Registry) -> None:
    intake = registry.latest("communication_intake")
    step = drive(intake, Pick("UA"), Text("BDI"), Text("15/03/2017"), Text("WGAD"))
    assert step.question.id == "reference"
    assert [(c.value, c.label) for c in step.choices] == [(engine.SUGGESTED, "UA BDI 1/2017")]
    for wrong, reason in [
        ("AL BDI 1/2017", "must start UA"),
        ("UA CHN 1/2017", "series BDI"),
        ("UA BDI 1/2016", "year"),
        ("JUA BDI 1/2017", "AL, UA or OL even for a joint letter"),
        ("nonsense", "AL BDI 2/2017"),
    ]:
        bad = engine.handle(intake, step.run, Text(wrong), CTX)
        assert bad.error and reason in bad.notes[0], wrong
    for typed in (" ua  bdi 1/2017 ", "UA-BDI-01/2017", "uabdi1 / 2017"):
        good = engine.handle(intake, step.run, Text(typed), CTX)
        assert good.run["answers"]["reference"] == "UA BDI 1/2017", typed
    tapped = engine.handle(intake, step.run, Pick(engine.SUGGESTED), CTX)
    assert tapped.run["answers"]["reference"] == "UA BDI 1/2017"


def test_one_reference_per_addressee_each_in_its_own_series(registry: Registry) -> None:
    """Numbers run per series (ISO3, or OTH for other actors) and year, across all types."""
    numbers = {("IRN", 2017): 4, ("OTH", 2017): 11}
    ctx = AnswerContext(
        today=date(2017, 5, 15), next_reference_number=lambda s, y: numbers.get((s, y), 0) + 1
    )
    intake = registry.latest("communication_intake")
    step = drive(intake, Pick("AL"), Text("Iran, Acme Ltd, Türkiye, Globex"), ctx=ctx)
    step = engine.handle(intake, step.run, Pick("other"), ctx)
    for text in ("10/03/2017", "WGAD, SR HRDs"):
        step = engine.handle(intake, step.run, Text(text), ctx)
    # States first, then the other actors, as the addressee question stores them
    suggestion = "AL IRN 5/2017, AL TUR 1/2017, AL OTH 12/2017, AL OTH 13/2017"
    assert [c.label for c in step.choices] == [suggestion]
    short = engine.handle(intake, step.run, Text("AL IRN 5/2017"), ctx)
    assert short.error and "give 4" in short.notes[0]
    # any order: each reference goes to the addressee of its series, OTH ones in turn
    typed = "al tur 1/2017; AL OTH 20/2017, AL IRN 5/2017, AL OTH 21/2017"
    good = engine.handle(intake, step.run, Text(typed), ctx)
    assert good.run["answers"]["reference"] == (
        "AL IRN 5/2017, AL TUR 1/2017, AL OTH 20/2017, AL OTH 21/2017"
    )
    twice = engine.handle(
        intake, step.run, Text("AL IRN 5/2017, AL OTH 20/2017, AL TUR 1/2017, AL OTH 20/2017"), ctx
    )
    assert twice.error and "twice" in twice.notes[0]


def test_a_run_started_on_an_old_version_keeps_its_answers(tmp_path: Path) -> None:
    (tmp_path / "demo.v1.toml").write_text(DEMO, encoding="utf-8")
    v2 = DEMO.replace("version = 1", "version = 2").replace('id = "note"', 'id = "remark"')
    (tmp_path / "demo.toml").write_text(v2, encoding="utf-8")
    registry = Registry.from_folder(tmp_path)
    old = registry.get("demo", 1)
    run = drive(old, Pick("a"), Text("yesterday"), Text("kept note")).run
    assert run["version"] == 1
    new = registry.latest("demo")
    assert engine.orphaned_answers(new, run) == {"note": "kept note"}
    assert engine.orphaned_answers(registry.get("demo", run["version"]), run) == {}
