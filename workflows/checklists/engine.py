"""The checklist engine: (checklist, run so far, input) -> (new run, what to say next).

Pure: no I/O, no clock, no Telegram. The caller stores the returned run after every
step, which is what makes "restart and resume at the same question" work.

A *run* is one checklist being answered for one case, as a JSON-able dict:

    {"checklist": id, "version": n, "status": "in_progress" | "review" | "done",
     "position": question id or None, "answers": {id: value}, "skipped": [ids],
     "pending": None | {...}}

State diagram:

    in_progress --answer/skip--> in_progress (next relevant unanswered question)
    in_progress --last answered--> review --save--> done
    review --edit q--> in_progress (at q) --answer--> ... --> review
    done --edit q--> in_progress (at q) --answer--> review --save--> done

"Next question" is always the first relevant question, in file order, that is neither
answered nor skipped. So back, edit, and answers that switch skip logic all follow
one rule. Answers to questions that a later change makes irrelevant are kept (never
dropped) but not shown or counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.checklists.answers import (
    ANSWER_RETYPE,
    VALIDATOR_INPUTS,
    AnswerContext,
    AnswerError,
    NeedsConfirmation,
    Parsed,
    confirm_pending,
    display,
    parse_answer,
    suggest,
)
from workflows.checklists.model import Checklist, Choice, Question
from workflows.language import N_, _

SAVE = "save"
#: The value of the button that takes a question's suggestion: a short token, since the
#: suggestion itself (one reference per addressee) may not fit in Telegram's callback data.
SUGGESTED = "suggested"
#: Labels translated where they are shown (`_choices`), in the language of whoever asks.
YES_NO = (Choice("yes", N_("Yes")), Choice("no", N_("No")))


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Pick:
    """A tap on one of the offered choices (or its number typed in a console)."""

    value: str


@dataclass(frozen=True)
class Attach:
    """A document already stored by the transport; `meta` is what to record."""

    meta: dict[str, Any]


@dataclass(frozen=True)
class Skip:
    pass


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Review:
    pass


@dataclass(frozen=True)
class Edit:
    question_id: str


Input = Text | Pick | Attach | Skip | Back | Review | Edit


@dataclass
class Step:
    """Result of one engine step; `changed` tells the caller the run must be saved."""

    run: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    question: Question | None = None
    choices: tuple[Choice, ...] = ()
    progress: tuple[int, int] | None = None
    changed: bool = False
    error: bool = False

    @property
    def finished(self) -> bool:
        return self.run["status"] == "done"


def new_run(checklist: Checklist) -> dict[str, Any]:
    return {
        "checklist": checklist.id,
        "version": checklist.version,
        "status": "in_progress",
        "position": None,
        "answers": {},
        "skipped": [],
        "pending": None,
    }


def start(checklist: Checklist, ctx: AnswerContext) -> Step:
    """First question of a fresh run."""
    return _advance(checklist, new_run(checklist), ctx, [], changed=True)


def current(checklist: Checklist, run: dict[str, Any], ctx: AnswerContext) -> Step:
    """Re-show where the run is (for /resume, after a restart)."""
    if run["status"] == "in_progress" and run.get("position"):
        return _ask(checklist, run, ctx, [])
    return _advance(checklist, run, ctx, [], changed=False)


def handle(checklist: Checklist, run: dict[str, Any], inp: Input, ctx: AnswerContext) -> Step:
    """Apply one input; never raises on user input."""
    run = _copy(run)
    match inp:
        case Edit(question_id=qid):
            return _edit(checklist, run, qid, ctx)
        case Review() if _next_unanswered(checklist, run, ctx) is not None:
            notes = [_("Continuing where you left off.")]
            return _advance(checklist, run, ctx, notes, changed=False)
        case Review():
            return _review(checklist, run, ctx, [], changed=False)
    if run["status"] == "done":
        return _review(
            checklist, run, ctx, [_("This checklist is saved; choose an answer to edit.")]
        )
    if run["status"] == "review":
        return _handle_review(checklist, run, inp, ctx)
    question = checklist.question(run["position"] or "")
    if question is None:
        return _advance(checklist, run, ctx, [], changed=True)
    match inp:
        case Skip():
            return _skip(checklist, run, question, ctx)
        case Back():
            return _back(checklist, run, question, ctx)
        case Pick(value=value) if run.get("pending"):
            return _confirm(checklist, run, question, value, ctx)
        case Pick(value=value) if value == SUGGESTED and question.suggest:
            suggestion = suggest(question.suggest, _with_names(ctx, run).names, ctx)
            return _answer_text(checklist, run, question, suggestion or "", ctx)
        case Pick(value=value):
            return _answer_text(checklist, run, question, value, ctx)
        case Text(text=text):
            return _answer_text(checklist, run, question, text, ctx)
        case Attach(meta=meta) if question.type == "file":
            return _store(checklist, run, question, Parsed(meta, meta.get("name", "file")), ctx)
        case Attach():
            return _ask(checklist, run, ctx, [_("This question does not take a file.")], error=True)
    return _ask(checklist, run, ctx, [], error=True)


def _answer_text(
    checklist: Checklist, run: dict[str, Any], q: Question, text: str, ctx: AnswerContext
) -> Step:
    ctx = _with_names(ctx, run)
    try:
        parsed = parse_answer(q, text, ctx)
    except AnswerError as exc:
        return _ask(checklist, run, ctx, [str(exc)], error=True)
    if isinstance(parsed, NeedsConfirmation):
        run["pending"] = parsed.pending
        step = _ask(checklist, run, ctx, [parsed.message], changed=True)
        step.choices = parsed.choices
        return step
    return _store(checklist, run, q, parsed, ctx)


def _confirm(
    checklist: Checklist, run: dict[str, Any], q: Question, pick: str, ctx: AnswerContext
) -> Step:
    pending, run["pending"] = run["pending"], None
    parsed = None if pick == ANSWER_RETYPE else confirm_pending(q, pending, pick)
    if parsed is None:
        return _ask(checklist, run, ctx, [_("Type the answer again.")], changed=True)
    return _store(checklist, run, q, parsed, ctx)


def _store(
    checklist: Checklist, run: dict[str, Any], q: Question, parsed: Parsed, ctx: AnswerContext
) -> Step:
    before = run["answers"].get(q.id)
    run["answers"][q.id] = parsed.value
    run["skipped"] = [s for s in run["skipped"] if s != q.id]
    run["pending"] = None
    notes = [_("Saved: {answer}").format(answer=parsed.echo)]
    if before is not None and before != parsed.value:
        notes += _recheck_dependents(checklist, run, q, ctx)
    return _advance(checklist, run, ctx, notes, changed=True)


def _recheck_dependents(
    checklist: Checklist, run: dict[str, Any], changed: Question, ctx: AnswerContext
) -> list[str]:
    """Answers validated against the one just changed are checked again; one that no longer
    fits (a reference for two addressees when there are now three) is cleared, so the next
    question is that one again instead of a review that would save a stale answer."""
    ctx = _with_names(ctx, run)
    notes = []
    for other in checklist.questions:
        inputs = VALIDATOR_INPUTS.get(other.validator or "", frozenset())
        if changed.id not in inputs or other.id not in run["answers"]:
            continue
        try:
            parse_answer(other, str(run["answers"][other.id]), ctx)
        except AnswerError as exc:
            del run["answers"][other.id]
            again = _("{question} must be given again: {reason}")
            notes.append(again.format(question=other.label or other.id, reason=exc))
    return notes


def _skip(checklist: Checklist, run: dict[str, Any], q: Question, ctx: AnswerContext) -> Step:
    if q.required:
        return _ask(checklist, run, ctx, [_("This question is required and cannot be skipped.")],
                    error=True)  # fmt: skip
    run["answers"].pop(q.id, None)
    if q.id not in run["skipped"]:
        run["skipped"].append(q.id)
    run["pending"] = None
    return _advance(checklist, run, ctx, [_("Skipped.")], changed=True)


def _back(checklist: Checklist, run: dict[str, Any], q: Question, ctx: AnswerContext) -> Step:
    earlier = [
        p for p in _relevant(checklist, run, ctx) if checklist.index(p.id) < checklist.index(q.id)
    ]
    if not earlier:
        return _ask(checklist, run, ctx, [_("This is the first question.")], error=True)
    previous = earlier[-1]
    run["skipped"] = [s for s in run["skipped"] if s != previous.id]
    run["position"], run["pending"] = previous.id, None
    return _ask(checklist, run, ctx, [], changed=True)


def _edit(checklist: Checklist, run: dict[str, Any], qid: str, ctx: AnswerContext) -> Step:
    q = checklist.question(qid)
    if q is None or q not in _relevant(checklist, run, ctx):
        return _review(checklist, run, ctx, [_("That question is not part of this checklist.")])
    run["status"], run["position"], run["pending"] = "in_progress", qid, None
    return _ask(checklist, run, ctx, [], changed=True)


def _handle_review(
    checklist: Checklist, run: dict[str, Any], inp: Input, ctx: AnswerContext
) -> Step:
    if isinstance(inp, Pick) and inp.value == SAVE:
        run["status"], run["position"] = "done", None
        return Step(run=run, notes=[_("Checklist saved.")], changed=True)
    if isinstance(inp, Back):
        last = _relevant(checklist, run, ctx)[-1]
        return _edit(checklist, run, last.id, ctx)
    return _review(checklist, run, ctx, [_("Tap Save, or choose an answer to edit.")], error=True)


def _advance(
    checklist: Checklist, run: dict[str, Any], ctx: AnswerContext, notes: list[str], changed: bool
) -> Step:
    nxt = _next_unanswered(checklist, run, ctx)
    if nxt is None:
        return _review(checklist, run, ctx, notes, changed=changed)
    moved = run["position"] != nxt.id or run["status"] != "in_progress"
    run["status"], run["position"] = "in_progress", nxt.id
    return _ask(checklist, run, ctx, notes, changed=changed or moved)


def _ask(
    checklist: Checklist,
    run: dict[str, Any],
    ctx: AnswerContext,
    notes: list[str],
    *,
    changed: bool = False,
    error: bool = False,
) -> Step:
    q = checklist.question(run["position"])
    assert q is not None, "position always names a question while in progress"
    relevant = _relevant(checklist, run, ctx)
    number = relevant.index(q) + 1 if q in relevant else len(relevant)
    return Step(
        run=run,
        notes=notes,
        question=q,
        choices=_choices(q, run, _with_names(ctx, run)),
        progress=(number, len(relevant)),
        changed=changed,
        error=error,
    )


def _choices(q: Question, run: dict[str, Any], ctx: AnswerContext) -> tuple[Choice, ...]:
    if q.type == "yesno":
        return tuple(Choice(c.value, _(c.label)) for c in YES_NO)
    if q.type == "choice":
        return q.choices
    if q.suggest:
        suggestion = suggest(q.suggest, ctx.names, ctx)
        return (Choice(SUGGESTED, suggestion),) if suggestion else ()
    return ()


def _review(
    checklist: Checklist,
    run: dict[str, Any],
    ctx: AnswerContext,
    notes: list[str],
    *,
    changed: bool = False,
    error: bool = False,
) -> Step:
    if run["status"] != "done":
        changed = changed or run["status"] != "review" or run["position"] is not None
        run["status"], run["position"] = "review", None
    choices = (Choice(SAVE, _("Save")),) if run["status"] == "review" else ()
    return Step(run=run, notes=notes, choices=choices, changed=changed, error=error)


def review_lines(
    checklist: Checklist, run: dict[str, Any], ctx: AnswerContext
) -> list[tuple[Question, str]]:
    """Each relevant question with its answer as shown to the user, in order."""
    return [
        (q, _("(skipped)") if q.id in run["skipped"] else display(q, run["answers"].get(q.id)))
        for q in _relevant(checklist, run, ctx)
    ]


def orphaned_answers(checklist: Checklist, run: dict[str, Any]) -> dict[str, Any]:
    """Answers whose question is not in this checklist version; kept, shown separately."""
    return {k: v for k, v in run["answers"].items() if checklist.question(k) is None}


def _relevant(checklist: Checklist, run: dict[str, Any], ctx: AnswerContext) -> list[Question]:
    names = {**ctx.names, **run["answers"]}
    return [q for q in checklist.questions if q.when is None or q.when.evaluate(names)]


def _next_unanswered(
    checklist: Checklist, run: dict[str, Any], ctx: AnswerContext
) -> Question | None:
    done = set(run["answers"]) | set(run["skipped"])
    return next((q for q in _relevant(checklist, run, ctx) if q.id not in done), None)


def _with_names(ctx: AnswerContext, run: dict[str, Any]) -> AnswerContext:
    return AnswerContext(
        today=ctx.today,
        tz=ctx.tz,
        names={**ctx.names, **run["answers"]},
        next_reference_number=ctx.next_reference_number,
        reference_taken=ctx.reference_taken,
    )


def _copy(run: dict[str, Any]) -> dict[str, Any]:
    copied = dict(run)
    copied["answers"] = dict(run["answers"])
    copied["skipped"] = list(run["skipped"])
    return copied
