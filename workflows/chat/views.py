"""What the user sees, as transport-neutral replies: plain text plus buttons.

Text here is never escaped or formatted: each transport does that (Telegram escapes
for HTML, the console prints as is). A button's token is what comes back when it is
tapped; tokens name the case, run and question they belong to, so a tap on an old
message can be recognised as stale (see `conversation`). Tokens stay under
Telegram's 64-byte callback-data limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflows.cases.references import JOINT_TYPES
from workflows.checklists import engine
from workflows.checklists.answers import AnswerContext, display
from workflows.checklists.model import Checklist, Registry
from workflows.people.access import User, can_edit, sees_confidential

#: Cases per page: what fits a phone screen with their buttons.
PAGE_SIZE = 6


@dataclass(frozen=True)
class Button:
    label: str
    token: str


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
    if q.type == "multi":
        lines += [f"{n}. {c.shown_label}" for n, c in enumerate(q.choices, start=1)]
    if q.help:
        lines.append(q.shown_help)
    current = step.run["answers"].get(q.id)
    if current is not None:
        lines.append(f"Current answer: {display(q, current)}")
    hints = ["/back" if step.progress[0] > 1 else "", "/skip" if not q.required else "", "/cancel"]
    lines.append(" · ".join(h for h in hints if h))
    buttons = [
        Button(c.shown_label, f"a:{case['id']}:{index}:{q.id}:{c.value}") for c in step.choices
    ]
    title = f"Question {step.progress[0]} of {step.progress[1]} · {checklist.shown_title}"
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
        value = "(confidential)" if q.confidential and not show_confidential else shown
        lines.append(f"{number}. {q.shown_label}: {value}")
        buttons.append(Button(f"Edit {number}", f"e:{case['id']}:{index}:{q.id}"))
    for qid, value in engine.orphaned_answers(checklist, run).items():
        lines.append(f"• {qid} (from an earlier version of this checklist): {value}")
    if run["status"] == "review":
        buttons.insert(0, Button("Save", f"sv:{case['id']}:{index}"))
        lines.append("Tap Save to finish, or Edit N (type /edit N) to change an answer.")
    title = f"Review · {checklist.shown_title} · {case['label']}"
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
    lines = [f"Status: {case['status']} · owner {owner_name or case['owner']}"]
    if kind := communication_kind(case):
        lines.append(f"Type: {kind}")
    if case.get("aliases"):
        lines.append("Earlier reference: " + ", ".join(case["aliases"]))
    for heading, letters in links or []:
        lines.append(f"{heading}: " + "; ".join(name for _, name in letters))
    for index, run in enumerate(case["runs"]):
        checklist = registry.get(run["checklist"], run["version"])
        state = {"done": "saved", "review": "to review"}.get(run["status"], "in progress")
        lines.append(f"{index + 1}. {checklist.shown_title}{_from(case, run)} ({state})")
        lines += [f"   {q.shown_label}: {_value(q, run, confidential)}"
                  for q in checklist.questions if q.id in run["answers"]]  # fmt: skip
    if case["files"]:
        lines.append("Files: " + ", ".join(f["name"] for f in case["files"]))
    lines.append(f"Next step: {next_step}")
    buttons = _card_buttons(case, user, registry)
    buttons += [Button(name[:40], f"c:{case_id}") for _, ls in links or [] for case_id, name in ls]
    return Reply(text="\n".join(lines), buttons=buttons, title=case["label"])


def communication_kind(case: dict[str, Any]) -> str:
    """ "joint AL", "UA"...: the type, with "joint" when two or more mandates sent it."""
    runs = case.get("runs") or []
    if case.get("kind") != "communication" or not runs:
        return ""
    answers = runs[0]["answers"]
    kind = str(answers.get("comm_type") or "")
    joint = len(answers.get("mandates") or []) >= 2 or kind in JOINT_TYPES or case.get("joint")
    kind = JOINT_TYPES.get(kind, kind)
    follow = " (follow-up letter)" if case.get("follows") else ""
    return f"{'joint ' if joint and kind else ''}{kind}{follow}"


def _from(case: dict[str, Any], run: dict[str, Any]) -> str:
    """ " from Burundi" on a reply: a letter has one addressee, so its replies are theirs."""
    if run["checklist"] != "communication_reply" or not case.get("runs"):
        return ""
    actors = case["runs"][0]["answers"].get("addressees") or []
    return f" from {actors[0]['name']}" if len(actors) == 1 else ""


def _value(q: Any, run: dict[str, Any], confidential: bool) -> str:
    if q.confidential and not confidential:
        return "(confidential)"
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
        buttons.append(Button(f"Continue: {_title(registry, case['runs'][0])}", f"rv:{cid}:0"))
    elif case["status"] == "open":
        unfinished = {run["checklist"] for run in case["runs"] if run["status"] != "done"}
        for checklist in registry.for_kind(case["kind"]):
            if checklist.stage in ("update", "closure"):
                started = "Continue: " if checklist.id in unfinished else ""
                buttons.append(
                    Button(f"{started}{checklist.shown_title}", f"s:{cid}:{checklist.id}")
                )
    buttons += [Button("Edit…", f"ed:{cid}"), Button("Attach a file", f"f:{cid}")]
    return buttons


def edit_menu(case: dict[str, Any], registry: Registry) -> Reply:
    """ "Edit…": each section to review and change, an unfinished one to discard, a draft to
    delete, and the way back to the card."""
    cid = case["id"]
    buttons = []
    for index, run in enumerate(case["runs"]):
        title = _title(registry, run)
        buttons.append(Button(f"Edit {index + 1}: {title}"[:60], f"rv:{cid}:{index}"))
        if index > 0 and run["status"] != "done":
            buttons.append(Button(f"Discard {index + 1}: {title}"[:60], f"dc:{cid}:{index}"))
    if case["status"] == "draft":
        buttons.append(Button("Delete this draft", f"dd:{cid}"))
    buttons.append(Button("Back to the card", f"c:{cid}"))
    text = "Which section? Unfinished sections can be discarded" + (
        ", and a draft deleted." if case["status"] == "draft" else "."
    )
    return Reply(text, buttons=buttons, title=f"Edit · {case['label']}")


def confirm(question: str, yes: Button, case_id: str) -> Reply:
    """A yes/no question before something that cannot be undone; No goes back to the card."""
    return Reply(question, buttons=[yes, Button("No, keep it", f"c:{case_id}")])


def _title(registry: Registry, run: dict[str, Any]) -> str:
    return registry.get(run["checklist"], run["version"]).shown_title


def case_list(
    entries: list[dict[str, Any]],
    page: int,
    heading: str,
    page_token: str = "p",
    describe: Callable[[dict[str, Any]], str] | None = None,
) -> Reply:
    """One page of cases, sized for a phone screen; each opens its card. `page_token` names
    the list being paged; `describe` gives each case's line (default: label and status)."""
    if not entries:
        return Reply(text="No cases here. /new starts one.", title=heading)
    pages = (len(entries) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [describe(e) if describe else f"{e['label']} · {e['status']}" for e in shown]
    buttons = [Button(e["label"][:40], f"c:{e['id']}") for e in shown]
    if page > 0:
        buttons.append(Button("« Previous", f"{page_token}:{page - 1}"))
    if page < pages - 1:
        buttons.append(Button("Next »", f"{page_token}:{page + 1}"))
    return Reply(
        text="\n".join(lines),
        buttons=buttons,
        title=f"{heading} · {len(entries)} · page {page + 1}/{pages}",
    )
