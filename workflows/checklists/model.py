"""Checklists as data: the TOML files in `workflows/checklists/`, loaded and checked.

A checklist file is the single source of truth for what a case asks, in the spirit
of XLSForm. Loading is strict: a typo in a file must stop start-up with a message
that names the file, the question and the problem, never surface later as a
confusing re-ask in front of an officer.

Versioning: each file declares `id` and `version`. Several versions of one id may be
installed side by side; a case's run records the version it was started with and
keeps using it, so editing a checklist never orphans answers already given.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from workflows.checklists import question_ids
from workflows.checklists.expressions import Expression, ExpressionError
from workflows.language import _


class QuestionType(StrEnum):
    """How a question is asked and its answer parsed (one parser each, in `answers`)."""

    TEXT = "text"
    YESNO = "yesno"
    CHOICE = "choice"
    MULTI = "multi"
    DATE = "date"
    NUMBER = "number"
    ACTOR = "actor"  # a State or another actor
    MANDATE = "mandate"
    FILE = "file"


VALIDATORS = frozenset({"reference", "followup_reference", "report_symbol"})
SUGGESTIONS = frozenset({"reference", "followup_reference"})
#: "any": offered on every kind of case (the reprisal checklist).
CASE_KINDS = frozenset({"communication", "visit", "any"})
STAGES = frozenset({"intake", "update", "closure"})
_STAGE_ORDER = {"intake": 0, "update": 1, "closure": 2}
_ID = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
_CHOICE_VALUE = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
BUILTIN_DIR = Path(__file__).parent


class ChecklistError(ValueError):
    """A checklist file is malformed; the message names file, question and problem."""


def shown(text: str) -> str:
    """A checklist text in the current language, read when it is shown, never at load.

    Checklists stay in English as loaded (one object serves every language, and answers keep
    the English-free choice values); the file's English is the msgid that
    ``language/toml_extract.py`` puts in the "checklists" catalogue. "" stays "" because
    gettext("") is the catalogue's header.
    """
    return _(text) if text else ""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str

    @property
    def shown_label(self) -> str:
        return shown(self.label)


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    type: QuestionType
    label: str = ""
    help: str = ""
    required: bool = True
    when: Expression | None = None
    choices: tuple[Choice, ...] = ()
    constraint: Expression | None = None
    constraint_message: str = ""
    pattern: re.Pattern[str] | None = None
    pattern_message: str = ""
    validator: str | None = None
    suggest: str | None = None
    multiple: bool = False
    states_only: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    confidential: bool = False

    def choice_label(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)

    # The texts as shown to the user (the fields above keep the file's English).
    @property
    def shown_prompt(self) -> str:
        return shown(self.prompt)

    @property
    def shown_label(self) -> str:
        return shown(self.label)

    @property
    def shown_help(self) -> str:
        return shown(self.help)

    @property
    def shown_constraint_message(self) -> str:
        return shown(self.constraint_message)

    @property
    def shown_pattern_message(self) -> str:
        return shown(self.pattern_message)

    def shown_choice_label(self, value: str) -> str:
        """A stored choice value as the user reads it; an unknown value shows as stored."""
        return next((c.shown_label for c in self.choices if c.value == value), value)


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: str
    case_kind: str
    stage: str
    questions: tuple[Question, ...]
    uses: frozenset[str] = frozenset()
    repeatable: bool = False
    source: str = ""
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    @property
    def shown_title(self) -> str:
        return shown(self.title)

    def question(self, qid: str) -> Question | None:
        return self._by_id.get(qid)

    def index(self, qid: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.id == qid)


def load_checklist(path: Path) -> Checklist:
    """Parse and check one checklist file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ChecklistError(f"{path.name}: cannot read the file: {exc}") from None
    try:
        return _build(raw, path.name)
    except (ChecklistError, ExpressionError) as exc:
        raise ChecklistError(f"{path.name}: {exc}") from None


def _build(raw: dict[str, Any], source: str) -> Checklist:
    head = raw.get("checklist")
    if not isinstance(head, dict):
        raise ChecklistError("missing the [checklist] table")
    for key in ("id", "version", "title", "case_kind", "stage"):
        if key not in head:
            raise ChecklistError(f"[checklist] needs {key!r}")
    _expect(_ID.match(str(head["id"])) is not None, "[checklist] id must be lower_snake_case")
    _expect(isinstance(head["version"], int) and head["version"] >= 1, "version must be >= 1")
    _expect(head["case_kind"] in CASE_KINDS, f"case_kind must be one of {sorted(CASE_KINDS)}")
    _expect(head["stage"] in STAGES, f"stage must be one of {sorted(STAGES)}")
    uses = frozenset(head.get("uses", []))
    items = raw.get("questions")
    if not isinstance(items, list) or not items:
        raise ChecklistError("needs at least one [[questions]] entry")
    questions: list[Question] = []
    for position, item in enumerate(items, start=1):
        known = uses | {q.id for q in questions}
        questions.append(_question(item, position, known))
    by_id = {q.id: q for q in questions}
    return Checklist(
        id=head["id"],
        version=head["version"],
        title=str(head["title"]),
        case_kind=head["case_kind"],
        stage=head["stage"],
        questions=tuple(questions),
        uses=uses,
        repeatable=bool(head.get("repeatable", False)),
        source=source,
        _by_id=by_id,
    )


def _question(item: Any, position: int, earlier: set[str] | frozenset[str]) -> Question:
    if not isinstance(item, dict):
        raise ChecklistError(f"question #{position} is not a table")
    qid = str(item.get("id", f"#{position}"))
    try:
        return _question_fields(item, qid, earlier)
    except (ChecklistError, ExpressionError, re.error) as exc:
        raise ChecklistError(f"question {qid!r}: {exc}") from None


_KNOWN_KEYS = frozenset(
    {
        "id", "label", "prompt", "type", "help", "required", "when", "choices", "constraint",
        "constraint_message", "pattern", "pattern_message", "validator", "suggest",
        "multiple", "states_only", "min", "max", "integer", "confidential",
    }
)  # fmt: skip


def _question_fields(
    item: dict[str, Any], qid: str, earlier: set[str] | frozenset[str]
) -> Question:
    unknown = set(item) - _KNOWN_KEYS
    _expect(not unknown, f"unknown keys {sorted(unknown)}")
    _expect(_ID.match(qid) is not None, "id must be lower_snake_case, at most 24 characters")
    _expect(qid not in earlier, "id is used twice")
    _expect(bool(str(item.get("prompt", "")).strip()), "needs a prompt")
    qtype = _question_type(item.get("type"))
    choices = tuple(_choice(c) for c in item.get("choices", []))
    if qtype in (QuestionType.CHOICE, QuestionType.MULTI):
        _expect(len(choices) >= 2, f"a {qtype} question needs at least two choices")
        _expect(len({c.value for c in choices}) == len(choices), "choice values repeat")
    when = _expression(item.get("when"), earlier, "when")
    constraint = _expression(item.get("constraint"), earlier | {"value", "today"}, "constraint")
    _expect(
        constraint is None or bool(item.get("constraint_message")),
        "a constraint needs a constraint_message that tells the user what to do",
    )
    pattern = re.compile(item["pattern"]) if "pattern" in item else None
    _expect(pattern is None or bool(item.get("pattern_message")), "a pattern needs a message")
    validator = item.get("validator")
    _expect(validator is None or validator in VALIDATORS, f"unknown validator {validator!r}")
    suggest = item.get("suggest")
    _expect(suggest is None or suggest in SUGGESTIONS, f"unknown suggestion {suggest!r}")
    return Question(
        id=qid,
        prompt=str(item["prompt"]).strip(),
        type=qtype,
        label=str(item.get("label", qid.replace("_", " ").capitalize())),
        help=str(item.get("help", "")).strip(),
        required=bool(item.get("required", True)),
        when=when,
        choices=choices,
        constraint=constraint,
        constraint_message=str(item.get("constraint_message", "")),
        pattern=pattern,
        pattern_message=str(item.get("pattern_message", "")),
        validator=validator,
        suggest=suggest,
        multiple=bool(item.get("multiple", False)),
        states_only=bool(item.get("states_only", False)),
        minimum=item.get("min"),
        maximum=item.get("max"),
        integer=bool(item.get("integer", False)),
        confidential=bool(item.get("confidential", False)),
    )


def _question_type(raw: Any) -> QuestionType:
    if isinstance(raw, str) and raw in set(QuestionType):
        return QuestionType(raw)
    known = ", ".join(t.value for t in QuestionType)
    raise ChecklistError(f"type {raw!r} is not a question type; use one of: {known}")


def _choice(raw: Any) -> Choice:
    if isinstance(raw, dict) and "value" in raw and "label" in raw:
        value = str(raw["value"])
        _expect(_CHOICE_VALUE.match(value) is not None, f"choice value {value!r} is not short")
        return Choice(value=value, label=str(raw["label"]))
    raise ChecklistError(f"choice {raw!r} needs a value and a label")


def _expression(source: Any, allowed: set[str] | frozenset[str], key: str) -> Expression | None:
    if source is None:
        return None
    expression = Expression(str(source))
    unknown = expression.names - set(allowed)
    _expect(not unknown, f"{key} refers to {sorted(unknown)}, which is not an earlier question")
    return expression


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise ChecklistError(problem)


class Registry:
    """Every installed checklist version, looked up by id and version."""

    def __init__(self, checklists: list[Checklist]) -> None:
        self._all: dict[tuple[str, int], Checklist] = {}
        for checklist in checklists:
            key = (checklist.id, checklist.version)
            if key in self._all:
                raise ChecklistError(
                    f"{checklist.source}: {checklist.id} version {checklist.version} is also "
                    f"defined in {self._all[key].source}"
                )
            self._all[key] = checklist

    @classmethod
    def from_folder(cls, folder: Path = BUILTIN_DIR) -> Registry:
        """Every checklist in `folder`, checked against the question ids the code reads."""
        registry = cls([load_checklist(p) for p in sorted(folder.glob("*.toml"))])
        versions: dict[str, list[tuple[int, str, list[str]]]] = {}
        for c in registry._all.values():
            versions.setdefault(c.id, []).append((c.version, c.source, [q.id for q in c.questions]))
        try:
            question_ids.check(versions)
        except question_ids.MissingQuestion as exc:
            raise ChecklistError(str(exc)) from None
        return registry

    def get(self, checklist_id: str, version: int) -> Checklist:
        return self._all[(checklist_id, version)]

    @cached_property
    def date_questions(self) -> dict[tuple[str, int], tuple[str, ...]]:
        """Where a case records its dates: for each checklist version, the questions that are
        dates in any version of that checklist (an answer kept under an id that an older or
        newer version asks as a date is read as one too)."""
        by_id: dict[str, dict[str, None]] = {}
        for checklist in self._all.values():
            found = by_id.setdefault(checklist.id, {})
            found.update((q.id, None) for q in checklist.questions if q.type is QuestionType.DATE)
        return {key: tuple(by_id[key[0]]) for key in self._all}

    def latest(self, checklist_id: str) -> Checklist:
        versions = [c for (cid, _), c in self._all.items() if cid == checklist_id]
        if not versions:
            raise KeyError(checklist_id)
        return max(versions, key=lambda c: c.version)

    def for_kind(self, case_kind: str, stage: str | None = None) -> list[Checklist]:
        """Latest version of each checklist for a kind of case: intake, updates, closure;
        within a stage, checklists for every kind (reprisal) come after the kind's own."""
        ids = dict.fromkeys(
            cid
            for (cid, _), c in self._all.items()
            if c.case_kind in (case_kind, "any") and (stage is None or c.stage == stage)
        )
        return sorted(
            (self.latest(cid) for cid in ids),
            key=lambda c: (_STAGE_ORDER[c.stage], c.case_kind == "any"),
        )
