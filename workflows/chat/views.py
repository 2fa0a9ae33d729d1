"""What the user sees, as transport-neutral replies: plain text plus buttons.

Text here is never escaped or formatted: each transport does that (Telegram escapes
for HTML, the console prints as is). A button's token is what comes back when it is
tapped: `buttons_data` packs it (and checks Telegram's 64-byte limit). Tokens name the
case, run and question they belong to, so a tap on an old message can be recognised as
stale (see `conversation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflows.cases.labels import shown_label
from workflows.cases.references import JOINT_TYPES
from workflows.chat.buttons_data import ButtonData, Kind
from workflows.checklists import engine
from workflows.checklists import question_ids as qids
from workflows.checklists.answers import AnswerContext, display
from workflows.checklists.model import Checklist, QuestionType, Registry
from workflows.language import _, pgettext
from workflows.people.access import User, can_edit, sees_confidential
from workflows.reference.actors import display_name

#: Cases per page: what fits a phone screen with their buttons.
PAGE_SIZE = 6


@dataclass(frozen=True)
class Button:
    label: str
    token: str

    @classmethod
    def of(cls, label: str, data: ButtonData) -> Button:
        """The button for `data`, packed (and size-checked) by `buttons_data`."""
        return cls(label, data.pack())


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (a report, an export): the transport sends it as a document."""

    name: str
    data: bytes
    mime: str


@dataclass
class Reply:
    """One message. `to` is set when it goes to someone else (e.g. a new case owner)."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    title: str | None = None
    error: bool = False
    to: str | None = None
    files: list[Attachment] = field(default_factory=list)


def question_reply(
    case: dict[str, Any], index: int, checklist: Checklist, step: engine.Step, ctx: AnswerContext
) -> Reply:
    """The current question, with where the user is and what they can do."""
    q = step.question
    assert q is not None and step.progress is not None
    lines = [q.shown_prompt]
    if q.type == QuestionType.MULTI:
        lines += [f"{n}. {c.shown_label}" for n, c in enumerate(q.choices, start=1)]
    if q.help:
        lines.append(q.shown_help)
    current = step.run["answers"].get(q.id)
    if current is not None:
        lines.append(_("Current answer: {answer}").format(answer=display(q, current)))
    hints = ["/back" if step.progress[0] > 1 else "", "/skip" if not q.required else "", "/cancel"]
    lines.append(" · ".join(h for h in hints if h))
    buttons = [
        Button.of(c.shown_label, ButtonData(Kind.ANSWER, case["id"], index, q.id, c.value))
        for c in step.choices
    ]
    title = _("Question {n} of {total} · {checklist}").format(
        n=step.progress[0], total=step.progress[1], checklist=checklist.shown_title
    )
    return Reply(text="\n".join(lines), buttons=buttons, title=title)


def review_reply(
    case: dict[str, Any],
    index: int,
    checklist: Checklist,
    run: dict[str, Any],
    ctx: AnswerContext,
    show_confidential: bool,
) -> Reply:
    """Every answer of a run, numbered, with Save (if unsaved) and Edit buttons."""
    lines: list[str] = []
    buttons: list[Button] = []
    for number, (q, shown) in enumerate(engine.review_lines(checklist, run, ctx), start=1):
        value = _("(confidential)") if q.confidential and not show_confidential else shown
        lines.append(f"{number}. {q.shown_label}: {value}")
        buttons.append(
            Button.of(
                _("Edit {n}").format(n=number), ButtonData(Kind.EDIT, case["id"], index, q.id)
            )
        )
    for qid, value in engine.orphaned_answers(checklist, run).items():
        earlier = _("• {question} (from an earlier version of this checklist): {answer}")
        lines.append(earlier.format(question=qid, answer=value))
    if run["status"] == "review":
        buttons.insert(0, Button.of(_("Save"), ButtonData(Kind.SAVE, case["id"], index)))
        lines.append(_("Tap Save to finish, or Edit N (type /edit N) to change an answer."))
    title = _("Review · {checklist} · {case}").format(
        checklist=checklist.shown_title, case=shown_label(case)
    )
    return Reply(text="\n".join(lines), buttons=buttons, title=title)


Links = list[tuple[str, list[tuple[str, str]]]]


def case_card(
    case: dict[str, Any],
    user: User,
    registry: Registry,
    private_chat: bool,
    next_step: str,
    links: Links | None = None,
    owner_name: str = "",
) -> Reply:
    """A case at a glance: summary, checklists done, files, linked letters (the rest of its
    group, what it follows up, its follow-up letters), and what can be done next."""
    confidential = sees_confidential(user, case, private_chat)
    lines = [
        _("Status: {status} · owner {owner}").format(
            status=status_name(case["status"]), owner=owner_name or case["owner"]
        )
    ]
    if kind := communication_kind(case):
        lines.append(_("Type: {type}").format(type=kind))
    if case.get("aliases"):
        lines.append(
            _("Earlier reference: {references}").format(references=", ".join(case["aliases"]))
        )
    for heading, letters in links or []:
        names = "; ".join(name for _, name in letters)
        lines.append(_("{heading}: {letters}").format(heading=heading, letters=names))
    for index, run in enumerate(case["runs"]):
        checklist = registry.get(run["checklist"], run["version"])
        state = {"done": _("saved"), "review": _("to review")}.get(run["status"], _("in progress"))
        lines.append(f"{index + 1}. {checklist.shown_title}{_from(case, run)} ({state})")
        lines += [f"   {q.shown_label}: {_value(q, run, confidential)}"
                  for q in checklist.questions if q.id in run["answers"]]  # fmt: skip
    if case["files"]:
        lines.append(_("Files: {files}").format(files=", ".join(f["name"] for f in case["files"])))
    lines.append(_("Next step: {step}").format(step=next_step))
    buttons = _card_buttons(case, user, registry)
    buttons += [
        Button.of(name[:40], ButtonData(Kind.CARD, case_id))
        for _, ls in links or []
        for case_id, name in ls
    ]
    return Reply(text="\n".join(lines), buttons=buttons, title=shown_label(case))


def communication_kind(case: dict[str, Any]) -> str:
    """ "joint AL", "UA"...: the type, with "joint" when two or more mandates sent it."""
    runs = case.get("runs") or []
    if case.get("kind") != "communication" or not runs:
        return ""
    answers = runs[0]["answers"]
    kind = str(answers.get(qids.COMM_TYPE) or "")
    joint = len(answers.get(qids.MANDATES) or []) >= 2 or kind in JOINT_TYPES or case.get("joint")
    kind = JOINT_TYPES.get(kind, kind)
    if joint and kind:
        # Translators: {type} is a communication's code, AL, UA or OL.
        kind = _("joint {type}").format(type=kind)
    if case.get("follows"):
        kind = _("{type} (follow-up letter)").format(type=kind)
    return kind


def _from(case: dict[str, Any], run: dict[str, Any]) -> str:
    """ " from Burundi" on a reply: a letter has one addressee, so its replies are theirs."""
    if run["checklist"] != "communication_reply" or not case.get("runs"):
        return ""
    actors = case["runs"][0]["answers"].get(qids.ADDRESSEES) or []
    if len(actors) != 1:
        return ""
    return " " + _("from {addressee}").format(addressee=display_name(actors[0]))


def _value(q: Any, run: dict[str, Any], confidential: bool) -> str:
    if q.confidential and not confidential:
        return _("(confidential)")
    return display(q, run["answers"][q.id])


def _card_buttons(case: dict[str, Any], user: User, registry: Registry) -> list[Button]:
    """Always in the same order, so a habitual tap does the same thing: what can be recorded
    next (in the checklists' order; "Continue: ..." in its own place when one is unfinished),
    then "Edit…" (every saved or unfinished section, discard, delete a draft), then "Attach a
    file". A closed case keeps only the last two."""
    if not can_edit(user, case):
        return []
    cid = case["id"]
    buttons = []
    if case["status"] == "draft":
        title = _title(registry, case["runs"][0])
        buttons.append(
            Button.of(
                _("Continue: {section}").format(section=title), ButtonData(Kind.REVIEW, cid, 0)
            )
        )
    elif case["status"] == "open":
        unfinished = {run["checklist"] for run in case["runs"] if run["status"] != "done"}
        for checklist in registry.for_kind(case["kind"]):
            if checklist.stage in ("update", "closure"):
                label = checklist.shown_title
                if checklist.id in unfinished:
                    label = _("Continue: {section}").format(section=label)
                buttons.append(Button.of(label, ButtonData(Kind.START, cid, name=checklist.id)))
    buttons += [
        Button.of(_("Edit…"), ButtonData(Kind.EDIT_MENU, cid)),
        Button.of(_("Attach a file"), ButtonData(Kind.ATTACH, cid)),
    ]
    return buttons


def edit_menu(case: dict[str, Any], registry: Registry) -> Reply:
    """ "Edit…": each section to review and change, an unfinished one to discard, a draft to
    delete, and the way back to the card."""
    cid = case["id"]
    buttons = []
    for index, run in enumerate(case["runs"]):
        title = _title(registry, run)
        edit = _("Edit {n}: {section}").format(n=index + 1, section=title)
        buttons.append(Button.of(edit[:60], ButtonData(Kind.REVIEW, cid, index)))
        if index > 0 and run["status"] != "done":
            discard = _("Discard {n}: {section}").format(n=index + 1, section=title)
            buttons.append(Button.of(discard[:60], ButtonData(Kind.DISCARD, cid, index)))
    if case["status"] == "draft":
        buttons.append(Button.of(_("Delete this draft"), ButtonData(Kind.DELETE, cid)))
    buttons.append(Button.of(_("Back to the card"), ButtonData(Kind.CARD, cid)))
    text = (
        _("Which section? Unfinished sections can be discarded, and a draft deleted.")
        if case["status"] == "draft"
        else _("Which section? Unfinished sections can be discarded.")
    )
    return Reply(text, buttons=buttons, title=_("Edit · {case}").format(case=shown_label(case)))


def confirm(question: str, yes: Button, case_id: str) -> Reply:
    """A yes/no question before something that cannot be undone; No goes back to the card."""
    return Reply(
        question, buttons=[yes, Button.of(_("No, keep it"), ButtonData(Kind.CARD, case_id))]
    )


def status_name(status: str) -> str:
    """A case's status ("draft", "open", "closed": stored codes) as the reader says it."""
    match status:
        case "draft":
            return pgettext("case status", "draft")
        case "open":
            return pgettext("case status", "open")
        case "closed":
            return pgettext("case status", "closed")
    return status


def _title(registry: Registry, run: dict[str, Any]) -> str:
    return registry.get(run["checklist"], run["version"]).shown_title


def case_list(
    entries: list[dict[str, Any]],
    page: int,
    heading: str,
    page_kind: Kind = Kind.PAGE,
    describe: Callable[[dict[str, Any]], str] | None = None,
) -> Reply:
    """One page of cases, sized for a phone screen; each opens its card. `page_kind` names
    the list being paged; `describe` gives each case's line (default: label and status)."""
    if not entries:
        return Reply(text=_("No cases here. /new starts one."), title=heading)
    pages = (len(entries) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [
        describe(e) if describe else f"{shown_label(e)} · {status_name(e['status'])}" for e in shown
    ]
    buttons = [Button.of(shown_label(e)[:40], ButtonData(Kind.CARD, e["id"])) for e in shown]
    if page > 0:
        buttons.append(Button.of(_("« Previous"), ButtonData(page_kind, page=page - 1)))
    if page < pages - 1:
        buttons.append(Button.of(_("Next »"), ButtonData(page_kind, page=page + 1)))
    return Reply(
        text="\n".join(lines),
        buttons=buttons,
        title=_("{heading} · {n} · page {page}/{pages}").format(
            heading=heading, n=len(entries), page=page + 1, pages=pages
        ),
    )
