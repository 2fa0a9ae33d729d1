"""Import existing records (communications and country visits) from a CSV or XLSX file.

Columns (first row; names are the checklist question ids, any order, case-insensitive;
`python -m bot import --columns` prints them with their meaning):

    kind      communication | visit (or pass --kind for a file of one kind)
    owner     user id of the officer who owns the case (or pass --owner)
    group     communications: any label; rows with the same label are letters with the same
              allegations to different addressees, linked as one group
    follows   communications: the reference of the letter this one follows up (in the file
              or already in the bot): the row is a follow-up letter, linked to it
    communications: comm_type, addressees, date_sent, mandates, reference, summary, themes;
              reply: reply_date, reply_language, translation_requested, reply_nature,
              reply_confidential, reply_summary, reply_published; publication:
              letter_published, publication_link; one follow-up action: action_type,
              action_date, followup_reference, action_notes; closure: closure_reason,
              closure_date, closure_notes
    visits:   origin (request, the default, or invitation), state, mandates, request_date
              or invited_on, timeframe; one event: event, event_date, visit_start, visit_end,
              event_notes; the visit: visited_from, visited_to, announced_on, eom_statement,
              eom_date, eom_recommendations, tor_respected, tor_refused, tor_details; the
              report: report_symbol, session, presented_on; closure

Every value is read exactly as the chat reads a typed answer (same parsers, same rules: dates
as 15/03/2017 or 2017-03-15, yes/no, choices by value or label, States by name or code;
references in OHCHR's form however typed, "AL BDI 2/2017"), so an imported case is
indistinguishable from one logged in the chat. A row is one letter to one addressee, as
OHCHR's communications database lists them (link a group with `group`). A row may still name
several addressees, separated by ";" or ",", with one reference per addressee: it becomes one
letter each, linked, as in the chat; a reply then belongs to one addressee, so such a row
takes no reply. An addressee that is not a State is written "other: Acme Mining". A
follow-up action "letter" becomes a follow-up communication, as in the chat. Files and
confidential answers (names of victims) are never imported.

Each row becomes its cases, each saved in one atomic write, or nothing: a bad row is reported
with its line and every reason found first, and the other rows are still imported. Importing
the same file again creates no duplicates: a communication whose reference exists is
skipped, as is a visit with the same State, request date and mandates.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from storage.repository import Case, Repository
from workflows.cases.labels import shown_label
from workflows.cases.references import canonical, split_references
from workflows.cases.service import (
    COMMUNICATION_INTAKE,
    FOLLOWUP,
    OVERRIDES,
    derive,
    derived_id,
    followup_case,
    letter_for,
)
from workflows.checklists import engine
from workflows.checklists import question_ids as qids
from workflows.checklists.answers import ANSWER_OTHER_ACTOR, AnswerContext
from workflows.checklists.model import Checklist, QuestionType, Registry
from workflows.deadlines.rules import load_rules, rules_for
from workflows.language import _
from workflows.reference.actors import resolve_state, suggest_states

KINDS = {
    "communication": ("communication_intake", "communication_reply", "communication_published",
                      "communication_followup", "communication_closure"),
    "visit": ("visit_request", "visit_response", "visit_conducted", "visit_report",
              "visit_closure"),
}  # fmt: skip
COMMON = ("kind", "owner", "group", "follows")
LINKS = ("group", "follows")
OWNER_ROLES = ("admin", "officer")
_OTHER = re.compile(r"^\s*other\s*:\s*", re.IGNORECASE)
_SPLIT = re.compile(r"\s*[,;\n]\s*")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, header); nothing was imported."""


class RowError(ValueError):
    """One row cannot be imported; the message says which column and why."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("line {line}: {reason}").format(line=self.line, reason=self.reason)


@dataclass
class ImportResult:
    imported: list[tuple[int, str]] = field(default_factory=list)  # (line, case label)
    skipped: list[Problem] = field(default_factory=list)  # already there
    problems: list[Problem] = field(default_factory=list)  # not imported

    def summary(self) -> str:
        lines = [
            _(
                "{imported} imported, {skipped} already there, "
                "{problems} with problems (not imported)."
            ).format(
                imported=len(self.imported),
                skipped=len(self.skipped),
                problems=len(self.problems),
            )
        ]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def columns(registry: Registry) -> dict[str, list[tuple[str, str]]]:
    """Importable columns per kind: (column, "Checklist: question label", whether it is
    required and the values allowed, for `import --columns`)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for kind, checklist_ids in KINDS.items():
        found[kind] = [
            (q.id, f"{c.shown_title}: {q.shown_label}{_marks(q, first=position == 0)}")
            for position, c in enumerate(registry.latest(cid) for cid in checklist_ids)
            for q in _importable(c)
        ]
    found["communication"] += [
        ("group", _("Link: rows with the same label are one letter's addressees")),
        ("follows", _("Link: the reference of the letter this one follows up")),
    ]
    return found


def _marks(question: Any, first: bool) -> str:
    """ " [required] (values: AL, UA, OL)": what a column needs. A later section's required
    columns are needed only when the row fills that section; a question asked only after
    certain answers is required only then."""
    marks = ""
    if question.required:
        if first:
            required = _("[required, when it applies]") if question.when else _("[required]")
        elif question.when:
            required = _("[required with this section, when it applies]")
        else:
            required = _("[required with this section]")
        marks = f" {required}"
    if question.choices:
        values = ", ".join(c.value for c in question.choices)
        marks += " " + _("(values: {values})").format(values=values)
    return marks


def _importable(checklist: Checklist) -> list[Any]:
    return [q for q in checklist.questions if q.type != QuestionType.FILE and not q.confidential]


# ---- reading ----------------------------------------------------------------------------


def read_rows(path: Path, registry: Registry) -> list[Row]:
    """Every non-blank data row with its line number; the header is checked first."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = list(_csv_rows(path))
    elif suffix == ".xlsx":
        rows = list(_xlsx_rows(path))
    else:
        raise ImportFileError(_("{file}: use a .csv or .xlsx file").format(file=path.name))
    if not rows:
        raise ImportFileError(_("{file} is empty").format(file=path.name))
    (_line, header), data = rows[0], rows[1:]
    names = [h.strip().lower() for h in header]
    known = set(COMMON) | {column for kind in columns(registry).values() for column, _ in kind}
    unknown = [n for n in names if n and n not in known]
    if unknown:
        raise ImportFileError(
            _(
                "line 1: unknown column(s) {columns}; "
                "run `python -m bot import --columns` for the list"
            ).format(columns=", ".join(unknown))
        )
    if len(set(filter(None, names))) != len(list(filter(None, names))):
        raise ImportFileError(_("line 1: a column name appears twice"))
    return [
        Row(line, {n: v for n, v in zip(names, cells, strict=False) if n and v})
        for line, cells in data
        if any(cells)
    ]


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            start = 1
            for cells in reader:
                yield start, [c.strip() for c in cells]
                start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("{file} is not UTF-8 text (save it as CSV UTF-8)").format(file=path.name)
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}: {exc}") from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only imports need it

    try:
        with warnings.catch_warnings():
            # Style and data-validation warnings about files from other programs are noise.
            warnings.simplefilter("ignore", UserWarning)
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFileError(
            _("{file} is not a readable .xlsx file: {error}").format(file=path.name, error=exc)
        ) from exc
    try:
        sheet = book.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(c) for c in cells]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    """Spreadsheet cells as the text a user would type: dates ISO, booleans yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---- importing --------------------------------------------------------------------------


def import_file(
    path: Path,
    repo: Repository,
    registry: Registry,
    *,
    actor: str,
    today: date,
    now: datetime,
    tz: str,
    owner: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Validate every row and save the good ones (none if `dry_run`); see the module doc."""
    rows = read_rows(path, registry)
    result = ImportResult()
    seen = _existing_keys(repo)
    accepted: list[tuple[Row, list[Case]]] = []
    for row in rows:
        try:
            built = _build(row, repo, registry, today=today, now=now, tz=tz,
                           owner=owner, kind=kind)  # fmt: skip
        except RowError as exc:
            result.problems.append(Problem(row.line, str(exc)))
            continue
        problem = _duplicate(row, built, seen, result)
        if problem is None:
            accepted.append((row, built))
            result.imported.append((row.line, shown_label(built[0])))
    linked = _link(accepted, repo, result)
    if not dry_run:
        for row, built in accepted:
            if row.line in linked:
                continue
            for case in built:
                detail = {"source": path.name, "line": row.line}
                repo.save_case(case, actor=actor, action="import", detail=detail)
        for case in _linked_existing(accepted, repo):
            repo.save_case(case, actor=actor, action="link_followup", detail={"source": path.name})
        counts = {"imported": len(result.imported), "skipped": len(result.skipped),
                  "problems": len(result.problems)}  # fmt: skip
        repo.audit(actor=actor, action="import", target=path.name, detail=counts)
    return result


def _duplicate(
    row: Row, built: list[Case], seen: dict[tuple[Any, ...], int], result: ImportResult
) -> Problem | None:
    """A row whose record is already stored (skipped) or already in the file (a problem)."""
    for case in built:
        key = _key(case)
        if key in seen:
            where = seen[key]
            if where == 0:
                what = _("{case}: already imported").format(case=shown_label(case))
            else:
                what = _("{case}: same record as line {line}").format(
                    case=shown_label(case), line=where
                )
            problem = Problem(row.line, what)
            (result.skipped if where == 0 else result.problems).append(problem)
            return problem
    for case in built:
        seen[_key(case)] = row.line
    return None


def _link(
    accepted: list[tuple[Row, list[Case]]], repo: Repository, result: ImportResult
) -> set[int]:
    """Join the letters of one `group` and each follow-up letter to what it `follows`; a
    row that names a letter found nowhere (or only on a row that failed) is moved to the
    problems, and is left out of its group and of what follows it. Returns those lines."""
    failed = _unfollowable(accepted, repo, result)
    kept = [(row, built) for row, built in accepted if row.line not in failed]
    by_reference = {str(case.get("reference")): case for _, built in kept for case in built}
    groups: dict[str, list[Case]] = {}
    for row, built in kept:
        if label := row.values.get("group", "").strip():
            groups.setdefault(label.casefold(), []).extend(built)
        if followed := row.values.get("follows", "").strip():
            original = _followed(followed, by_reference, repo)
            assert original is not None, "rows whose letter is missing failed above"
            built[0]["follows"] = original["id"]
            original["followups"] = [*(original.get("followups") or []), built[0]["id"]]
    for letters in groups.values():
        ids = list(dict.fromkeys(i for c in letters for i in [*(c.get("group") or []), c["id"]]))
        for case in letters:
            case["group"] = ids
    result.imported = [(line, label) for line, label in result.imported if line not in failed]
    return failed


def _unfollowable(
    accepted: list[tuple[Row, list[Case]]], repo: Repository, result: ImportResult
) -> set[int]:
    """Lines whose `follows` names no communication, in the file or the bot; a row that
    follows such a line fails too (it would follow a letter never imported)."""
    failed: set[int] = set()
    while True:
        by_reference = {
            str(case.get("reference")): case
            for row, built in accepted
            if row.line not in failed
            for case in built
        }
        newly = [
            (row.line, followed)
            for row, _ in accepted
            if row.line not in failed
            and (followed := row.values.get("follows", "").strip())
            and _followed(followed, by_reference, repo) is None
        ]
        if not newly:
            return failed
        for line, followed in newly:
            failed.add(line)
            reason = _("follows: no communication {reference} in the file or the bot").format(
                reference=followed
            )
            result.problems.append(Problem(line, reason))


def _followed(followed: str, by_reference: dict[str, Case], repo: Repository) -> Case | None:
    reference = canonical(followed) or followed
    original = by_reference.get(reference) or repo.case_by_reference(reference)
    return original if original is not None and original.get("kind") == "communication" else None


def _linked_existing(accepted: list[tuple[Row, list[Case]]], repo: Repository) -> list[Case]:
    """Cases already in the bot that an imported follow-up letter follows: to save again."""
    imported = {case["id"] for _, built in accepted for case in built}
    found: dict[str, Case] = {}
    for _row, built in accepted:
        for case in built:
            original_id = case.get("follows")
            if original_id and original_id not in imported and original_id not in found:
                stored = repo.get_case(original_id)
                if stored is not None:
                    found[original_id] = stored
    for case_id, stored in found.items():
        new = [c["id"] for _, built in accepted for c in built if c.get("follows") == case_id]
        stored["followups"] = list(dict.fromkeys([*(stored.get("followups") or []), *new]))
    return list(found.values())


def _existing_keys(repo: Repository) -> dict[tuple[Any, ...], int]:
    """Natural keys of the cases already stored (line 0 = "in the data folder")."""
    keys: dict[tuple[Any, ...], int] = {}
    for entry in repo.list_cases(kind="communication"):
        if entry.get("reference"):
            keys[("communication", _normal(entry["reference"]))] = 0
    for entry in repo.list_cases(kind="visit"):
        case = repo.get_case(entry["id"])
        if case is not None and case.get("runs"):
            keys[_key(case)] = 0
    return keys


def _normal(reference: str) -> str:
    return " ".join(reference.split()).upper()


def _key(case: Case) -> tuple[Any, ...]:
    answers = case["runs"][0]["answers"]
    if case["kind"] == "communication":
        reference = str(answers.get(qids.REFERENCE) or "")
        return ("communication", canonical(reference) or _normal(reference))
    state = (answers.get(qids.STATE) or {}).get("code")
    return (
        "visit",
        state,
        answers.get(qids.REQUEST_DATE),
        tuple(sorted(answers.get(qids.MANDATES, []))),
    )


def _build(
    row: Row,
    repo: Repository,
    registry: Registry,
    *,
    today: date,
    now: datetime,
    tz: str,
    owner: str | None,
    kind: str | None,
) -> list[Case]:
    """The row's case, then any case it makes: the other addressees' letters, follow-up
    letters."""
    values = {k: v for k, v in row.values.items() if k not in LINKS}
    case_kind = values.pop("kind", kind or "").strip().lower()
    if case_kind != "communication" and any(row.values.get(k) for k in LINKS):
        raise RowError(_("group and follows are only for a communication"))
    if case_kind not in KINDS:
        raise RowError(_("kind must be communication or visit"))
    problems: list[str] = []
    case_owner = values.pop("owner", owner or "").strip()
    user = repo.get_user(case_owner) if case_owner else None
    if not case_owner:
        problems.append(_("no owner: fill the owner column or pass --owner"))
    elif user is None or user.get("role") not in OWNER_ROLES:
        problems.append(
            _("owner {owner} is not an officer or admin of the bot").format(owner=case_owner)
        )
    case: Case = {
        "id": repo.new_case_id(),
        "kind": case_kind,
        "owner": case_owner,
        "status": "draft",
        "reference": None,
        "label": "",
        "created_at": now.isoformat(timespec="seconds"),
        "runs": [],
        "files": [],
    }
    names: dict[str, Any] = {}
    if case_kind == "visit":  # columns a row made for visit checklists version 1 lacks
        if not values.get(qids.ORIGIN):
            values[qids.ORIGIN] = "request"  # every visit was a request then
        if values.get(qids.EVENT) in ("accepted", "mh_accepted") and not values.get(
            qids.DATES_AGREED
        ):
            values[qids.DATES_AGREED] = "yes" if values.get(qids.VISIT_START) else "no"
    for position, checklist_id in enumerate(KINDS[case_kind]):
        checklist = registry.latest(checklist_id)
        mine = {q.id: values.pop(q.id) for q in _importable(checklist) if q.id in values}
        if position > 0 and not mine:
            continue
        try:
            run = _fill(checklist, mine, AnswerContext(today=today, tz=tz, names=dict(names)))
        except RowError as exc:
            problems.append(str(exc))
            continue
        case["runs"].append(run)
        names.update(run["answers"])
    if values:
        only = (
            _("{columns}: only for a visit")
            if case_kind == "communication"
            else _("{columns}: only for a communication")
        )
        problems.append(only.format(columns=", ".join(sorted(values))))
    if problems:
        raise RowError("; ".join(problem.rstrip(".") for problem in problems))
    cases = [case, *_made_from(case, registry)] if case_kind == "communication" else [case]
    rules, overrides = load_rules(), repo.get_setting(OVERRIDES, {})
    for made in cases:
        derive(made, registry, rules_for(made, rules, overrides))
    return cases


def _made_from(case: Case, registry: Registry) -> list[Case]:
    """As the chat does on saving: one letter per addressee, follow-up letters as cases."""
    answers = case["runs"][0]["answers"]
    actors = answers.get(qids.ADDRESSEES) or []
    references = split_references(answers.get(qids.REFERENCE) or "")
    made: list[Case] = []
    if len(actors) > 1:
        if len(case["runs"]) > 1:
            raise RowError(
                _(
                    "a reply, publication or follow-up belongs to one addressee's letter: "
                    "give one row per addressee (link them with the group column)"
                )
            )
        ids = [case["id"], *(derived_id(case["id"], ref) for ref in references[1:])]
        pairs = zip(actors[1:], references[1:], ids[1:], strict=True)
        made = [letter_for(case, i, actor, ref, ids) for actor, ref, i in pairs]
        answers.update(addressees=actors[:1], reference=references[0])
        case["group"] = ids
    version = registry.latest(COMMUNICATION_INTAKE).version
    for index, run in enumerate(case["runs"]):
        if run["checklist"] == FOLLOWUP and run["answers"].get(qids.ACTION_TYPE) == "letter":
            letter_id = derived_id(case["id"], f"followup:{index}")
            made.append(followup_case(case, letter_id, run["answers"], version))
            case["followups"] = [*(case.get("followups") or []), letter_id]
    return made


def _fill(checklist: Checklist, values: dict[str, str], ctx: AnswerContext) -> dict[str, Any]:
    """Answer the checklist from the row exactly as the chat would, or raise RowError with
    every problem found: the first answer the chat would refuse stops the questions, and
    every required column left empty after it (asked whatever the answers) is named too, so
    a file needs one run per mistake, not one per missing column."""
    step = engine.start(checklist, ctx)
    used: set[str] = set()
    while step.question is not None:
        question = step.question
        raw = values.get(question.id, "")
        if not raw:
            if question.required:
                problem = _required(question)
                raise RowError(_with_later(checklist, question.id, values, problem))
            step = engine.handle(checklist, step.run, engine.Skip(), ctx)
            continue
        used.add(question.id)
        try:
            step = _answer(checklist, step, raw, ctx)
        except RowError as exc:
            problem = f"{question.id}: {str(exc).rstrip('.')}"
            raise RowError(_with_later(checklist, question.id, values, problem)) from None
    ignored = sorted(set(values) - used)
    if ignored:
        raise RowError(
            _("{columns}: does not apply given the other answers").format(
                columns=", ".join(ignored)
            )
        )
    return engine.handle(checklist, step.run, engine.Pick(engine.SAVE), ctx).run


def _with_later(checklist: Checklist, failed: str, values: dict[str, str], first: str) -> str:
    """The first problem, then each later required column that is empty and always asked."""
    ids = [q.id for q in checklist.questions]
    later = [q for q in checklist.questions[ids.index(failed) + 1 :]
             if q.required and q.when is None and not q.confidential and q.type != QuestionType.FILE
             and not values.get(q.id)]  # fmt: skip
    return "; ".join([first, *(_required(q) for q in later)])


def _required(question: Any) -> str:
    return _("{column} is required ({question})").format(
        column=question.id, question=question.shown_label
    )


def _answer(checklist: Checklist, step: engine.Step, raw: str, ctx: AnswerContext) -> engine.Step:
    assert step.question is not None
    text, marked = _others(raw) if step.question.type == QuestionType.ACTOR else (raw, set())
    step = engine.handle(checklist, step.run, engine.Text(text), ctx)
    if step.run.get("pending"):
        step = _confirm_others(checklist, step, marked, ctx)
    if step.error:
        raise RowError(" ".join(step.notes))
    return step


def _others(raw: str) -> tuple[str, set[str]]:
    """Strip the "other:" marks; return the text to parse and the names marked."""
    items = [item for item in _SPLIT.split(raw.strip()) if item]
    marked = set()
    for index, item in enumerate(items):
        if _OTHER.match(item):
            name = _OTHER.sub("", item)
            if resolve_state(name):
                raise RowError(_("{name} is a State; remove 'other:'").format(name=repr(name)))
            items[index] = name
            marked.add(" ".join(name.split()))
    return ", ".join(items), marked


def _confirm_others(
    checklist: Checklist, step: engine.Step, marked: set[str], ctx: AnswerContext
) -> engine.Step:
    unknown = [" ".join(name.split()) for name in step.run["pending"]["unknown"]]
    for name in unknown:
        if name not in marked:
            close = ", ".join(a.name for a in suggest_states(name, limit=3))
            if close:
                problem = _(
                    "{name} is not a State I know. Did you mean {states}? Write an other actor "
                    'as "other: {raw}".'
                )
            else:
                problem = _('{name} is not a State I know. Write an other actor as "other: {raw}".')
            raise RowError(problem.format(name=repr(name), states=close, raw=name))
    return engine.handle(checklist, step.run, engine.Pick(ANSWER_OTHER_ACTOR), ctx)
