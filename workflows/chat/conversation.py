"""The chat, independent of transport: commands, button taps and answers -> replies.

Telegram (`bot/`) and the console both call `Conversation.text`, `.tap` and `.file`
and render the `Reply` objects they get back. Where each user is (case and run) is a
small session record in storage, and the position inside a checklist lives in the
case itself, so a restart resumes exactly where every user was.

Each call does its whole read-modify-write without awaiting, so concurrent asyncio
handlers are serialised by construction; `repo.locked()` also covers threads.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.repository import Case
from workflows.cases import listing, standing
from workflows.cases.labels import shown_label
from workflows.cases.search import find_case, lookup
from workflows.cases.service import INTAKE, CaseService
from workflows.chat import commands
from workflows.chat.buttons_data import ButtonData, Kind, unpack
from workflows.chat.commands import Command
from workflows.chat.views import (
    Button,
    Reply,
    case_card,
    case_list,
    confirm,
    edit_menu,
    question_reply,
    review_reply,
)
from workflows.checklists import engine
from workflows.checklists.model import QuestionType
from workflows.deadlines import due
from workflows.deadlines.alerts import AlertService, user_names
from workflows.language import N_, _, use
from workflows.people import access, user_language
from workflows.people.admin import admin_command, confirm_rule, user_id_problem
from workflows.report.chat import ReportChat

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"[0-9]{1,4}")
#: How many applied update ids a case remembers per user (re-deliveries come in a burst).
RECENT_UPDATES = 50
_KEPT = N_("Its answers are kept: open the case (/case or /cases) and tap Continue to go on.")
#: How many matches `/case` offers as buttons when it finds several.
CHOICES = 6
REFUSAL = N_("Sorry, this bot is only for authorised staff.")
STALE = N_("This question was already answered.")


@dataclass
class Chat:
    """Who is talking, and where: confidential answers only ever go to private chats.

    `update_id` is the transport's increasing message number, if it has one (Telegram's
    update_id): it lets a message delivered twice be recognised and applied once. `name` is
    the person's name as the transport knows it (Telegram's first and last name): kept in
    their user record if it has none, so the digest can say whose items are whose.
    `language` is the transport's idea of the person's language (Telegram's language_code,
    as "en", "fr" or "es"): kept in their record at first contact (workflows.people.user_language).
    `commands` are the transport's own (the console's /file), listed after the chat's.
    """

    user_id: str
    private: bool = True
    update_id: int | None = None
    name: str | None = None
    commands: tuple[Command, ...] = ()
    language: str | None = None


class Conversation:
    def __init__(self, service: CaseService, alerts: AlertService | None = None) -> None:
        self.service = service
        self.repo = service.repo
        self.alerts = alerts or AlertService(service)
        self.reports = ReportChat(service)

    # ---- entry points ---------------------------------------------------------------
    def text(self, chat: Chat, text: str) -> list[Reply]:
        def handle(user: access.User) -> list[Reply]:
            if text.startswith("/"):
                return self._command(chat, user, text)
            return self._answer(chat, user, engine.Text(text))

        return self._admitted(chat, handle)

    def tap(self, chat: Chat, token: str) -> list[Reply]:
        return self._admitted(chat, lambda user: self._tap(chat, user, token))

    def _admitted(self, chat: Chat, handle: Callable[[access.User], list[Reply]]) -> list[Reply]:
        """`handle` for a user on the list, under the repository's lock: a stranger gets the
        refusal, and an update already answered (a report replayed after a kill) its answer."""
        with self.repo.locked():
            user = self._user(chat)
            if user is None:
                return _refuse(chat)
            if (again := self.reports.replayed(user, chat.update_id, chat.private)) is not None:
                return again
            return handle(user)

    def _user(self, chat: Chat) -> access.User | None:
        """The user record, given the transport's name and language for them once if it has
        none."""
        found = self.repo.get_user(chat.user_id)
        if found is None:
            return None
        user = user_language.at_first_contact(found, chat.language)
        name = " ".join((chat.name or "").split())[:80]
        if name and not user.get("name"):
            user = {**user, "name": name}
        if user != found:
            self.repo.put_user(user, actor=chat.user_id)
        return user

    def file(self, chat: Chat, meta: dict[str, Any]) -> list[Reply]:
        """A document the transport already stored under `repo.files_dir()`."""
        with self.repo.locked():
            user = self.repo.get_user(chat.user_id)
            if user is None:
                return _refuse(chat)
            session = self.repo.get_session(chat.user_id) or {}
            case = self._session_case(user, session)
            if case is None:
                return [Reply(_("Open a case first (/cases), then attach the file."), error=True)]
            if session.get("attach"):
                self.service.attach(case, meta, chat.user_id)
                self.repo.put_session(chat.user_id, {"case": case["id"], "run": session.get("run")})
                text = _("Attached {file} to {case}.").format(
                    file=meta["name"], case=shown_label(case)
                )
                return [Reply(text)]
            return self._answer(chat, user, engine.Attach(meta))

    def expects_file(self, chat: Chat) -> bool:
        """Whether `file` would take a document from this user now: after "Attach a file",
        or at a file question. Transports ask before downloading, so nothing unwanted is kept."""
        with self.repo.locked():
            user = self.repo.get_user(chat.user_id)
            session = self.repo.get_session(chat.user_id) or {}
            case = self._session_case(user, session) if user else None
            if user is None or case is None:
                return False
            if session.get("attach"):
                return access.can_edit(user, case)
            index = session.get("run")
            if not isinstance(index, int) or not 0 <= index < len(case["runs"]):
                return False
            run = case["runs"][index]
            if run["status"] != "in_progress" or not run.get("position"):
                return False
            question = self.service.checklist_of(run).question(run["position"])
            return question is not None and question.type == QuestionType.FILE

    # ---- commands -------------------------------------------------------------------
    def _command(self, chat: Chat, user: access.User, text: str) -> list[Reply]:
        name, _sep, arg = text[1:].partition(" ")
        name = name.split("@")[0].lower()
        command = commands.find(name, user["role"])
        if command is None:
            unknown = _("I do not know /{command}.").format(command=name)
            return [Reply(f"{unknown}\n{help_text(user, chat)}", error=True)]
        return self._routes()[command.name](chat, user, arg)

    def _routes(self) -> dict[str, Callable[[Chat, access.User, str], list[Reply]]]:
        """What each command of `commands.COMMANDS` does (a test holds the two together);
        `commands.find` has already checked the user's role."""
        return {
            "start": lambda chat, user, arg: [
                Reply(_welcome(user, chat), title=_("Follow-up bot"))
            ],
            "help": lambda chat, user, arg: [Reply(help_text(user, chat), title=_("Commands"))],
            "new": lambda chat, user, arg: [self._new_menu(user)],
            "cases": lambda chat, user, arg: [self._cases(chat, user, arg.strip(), 0)],
            "case": lambda chat, user, arg: self._open_reference(chat, user, arg.strip()),
            "resume": lambda chat, user, arg: self._resume(chat, user),
            "cancel": lambda chat, user, arg: self._cancel(chat, user),
            "skip": lambda chat, user, arg: self._answer(chat, user, engine.Skip()),
            "back": lambda chat, user, arg: self._answer(chat, user, engine.Back()),
            "review": lambda chat, user, arg: self._answer(chat, user, engine.Review()),
            "edit": lambda chat, user, arg: self._edit_number(chat, user, arg.strip()),
            "report": lambda chat, user, arg: self.reports.start(
                user, arg.strip(), chat.private, chat.update_id
            ),
            "find": lambda chat, user, arg: [self.reports.find(user, arg, 0, chat.private)],
            "export": lambda chat, user, arg: self.reports.export(user, chat.private),
            "digest": lambda chat, user, arg: [self._digest(user, arg.strip().lower())],
            "assign": lambda chat, user, arg: self._assign(chat, user, arg.split()),
            "language": lambda chat, user, arg: [
                user_language.command(self.repo, user, arg.strip())
            ],
            "standing": self._standing,
            "grant": self._admin("grant"),
            "revoke": self._admin("revoke"),
            "users": self._admin("users"),
            "rules": self._admin("rules"),
        }

    def _admin(self, name: str) -> Callable[[Chat, access.User, str], list[Reply]]:
        return lambda chat, user, arg: [
            admin_command(self.service, chat.user_id, name, arg.split())
        ]

    def _standing(self, chat: Chat, user: access.User, arg: str) -> list[Reply]:
        today, now = self.service.today(), self.service.clock.now()
        may_record = access.can_create(user)
        return [standing.command(self.repo, user["id"], arg.split(), today, now, may_record)]

    def _new_menu(self, user: access.User) -> Reply:
        if not access.can_create(user):
            return Reply(_("Your role can read cases but not create them."), error=True)
        return Reply(
            _("What do you want to log?"),
            buttons=[
                Button.of(_("Communication"), ButtonData(Kind.NEW, name="communication")),
                Button.of(_("Country visit"), ButtonData(Kind.NEW, name="visit")),
            ],
        )

    def _cases(self, chat: Chat, user: access.User, arg: str | None, page: int) -> Reply:
        """`/cases [filter]` by urgency; a page tap (`arg` None) pages the last filter used,
        kept in the session (a State's name would not fit in a button's 64 bytes)."""
        session = self.repo.get_session(chat.user_id) or {}
        if arg is None:
            arg = str(session.get("cases") or "")
        else:
            self.repo.put_session(chat.user_id, {**session, "cases": arg})
        today = self.service.today()
        chosen = listing.select(self.repo.list_cases(), arg, user, today)
        if isinstance(chosen, str):
            return Reply(chosen, error=True)
        entries, heading = chosen
        names = user_names(self.repo.list_users())
        return case_list(entries, page, heading,
                         describe=lambda e: listing.line(e, today, names))  # fmt: skip

    def _open_reference(self, chat: Chat, user: access.User, reference: str) -> list[Reply]:
        if not reference:
            return [Reply(_("Which case? For example /case AL BDI 2/2017."), error=True)]
        case = find_case(self.repo, reference)
        if case is not None and not case.get("deleted") and access.can_view(user, case):
            return [self._card(chat, user, case)]
        with self.repo.stepped_aside():  # reads every case, like /find
            found = lookup(self.repo, reference, user, private_chat=chat.private,
                           registry=self.service.registry)  # fmt: skip
        if len(found) == 1 and (case := self.repo.get_case(found[0]["id"])) is not None:
            return [self._card(chat, user, case)]
        if not found:
            return [Reply(_("No case {reference} that you can see. /cases lists yours; "
                            "/case also finds a visit by State and mandate or year, e.g. "
                            "/case Honduras 2019.").format(reference=reference),
                          error=True)]  # fmt: skip
        shown = found[:CHOICES]
        more = (
            " "
            + _("The first {n} are here; /find {query} lists all.").format(
                n=CHOICES, query=reference
            )
        ) * (len(found) > CHOICES)
        buttons = [Button.of(shown_label(e)[:40], ButtonData(Kind.CARD, e["id"])) for e in shown]
        text = _("{n} cases match “{query}”. Which one?").format(n=len(found), query=reference)
        return [Reply(f"{text}{more}", buttons)]

    def _card(self, chat: Chat, user: access.User, case: Case) -> Reply:
        registry = self.service.registry
        links = self.service.links(case)
        rules = self.service.rules_of(case)
        owner = self.repo.get_user(str(case["owner"])) or {}
        card = case_card(case, user, registry, chat.private, due.next_step(case, rules), links,
                         owner_name=str(owner.get("name") or ""))  # fmt: skip
        facts = [
            standing.card_line(standing.invitations(self.repo), case),
            due.due_line(case, rules, self.service.today()),
        ]
        card.text = "\n".join([*(f for f in facts if f), card.text])
        return card

    def _resume(self, chat: Chat, user: access.User) -> list[Reply]:
        session = self.repo.get_session(chat.user_id) or {}
        case = self._session_case(user, session)
        left = session.get("left")
        if case is not None and isinstance(left, int) and 0 <= left < len(case["runs"]):
            where = self._where(case, left)
            left_text = _("You are not in a checklist: you left {where}.").format(where=where)
            return [Reply(f"{left_text} {_(_KEPT)}")]
        if case is None or session.get("run") is None:
            return [Reply(_("You are not in a checklist. /cases lists your cases."))]
        return [
            self._render(chat, user, case, session["run"], self.service.show(case, session["run"]))
        ]

    def _digest(self, user: access.User, arg: str) -> Reply:
        if user["role"] == "officer":
            return Reply(
                _("The digest covers the whole team; ask an admin or a viewer."), error=True
            )
        if arg in ("on", "off"):
            self.repo.put_user({**user, "digest": arg == "on"}, actor=user["id"])
            return Reply(_("Daily digest on.") if arg == "on" else _("Daily digest off."))
        if arg:
            return Reply(_("Use /digest, /digest on or /digest off."), error=True)
        return self.alerts.digest()

    def _assign(self, chat: Chat, user: access.User, args: list[str]) -> list[Reply]:
        if len(args) < 2:
            usage = _("Use /assign REF USER_ID, e.g. /assign AL BDI 2/2017 12345.")
            return [Reply(usage, error=True)]
        reference, new_owner = " ".join(args[:-1]), args[-1]
        if problem := user_id_problem(new_owner):
            return [Reply(problem, error=True)]
        case = find_case(self.repo, reference)
        if case is None or not access.can_edit(user, case):
            text = _("No case {reference} that you can hand over.").format(reference=reference)
            return [Reply(text, error=True)]
        target = self.repo.get_user(new_owner)
        if target is None or target["role"] not in ("officer", "admin"):
            text = _("User {user} is not an officer or admin.").format(user=new_owner)
            return [Reply(text, error=True)]
        self.service.assign(case, new_owner, chat.user_id)
        with use(user_language.language_of(target)):  # in the receiver's language
            told = _("{case} is now yours (handed over by {user}).").format(
                case=shown_label(case), user=chat.user_id
            )
        done = _("{case} now belongs to {user}; I am telling them.").format(
            case=shown_label(case), user=new_owner
        )
        return [Reply(done), Reply(told, to=new_owner)]

    def _cancel(self, chat: Chat, user: access.User) -> list[Reply]:
        """Leave the checklist (or a pending question). The session remembers what was left,
        so /resume says the same thing about where the user is."""
        session = self.repo.get_session(chat.user_id) or {}
        case = self._session_case(user, session)
        if case is None or session.get("run") is None:
            self.repo.put_session(chat.user_id, None)
            text = _("Nothing to leave: you are not in a checklist. /cases lists your cases.")
            return [Reply(text)]
        self.repo.put_session(chat.user_id, {"case": case["id"], "left": session["run"]})
        left = _("Left {where}.").format(where=self._where(case, session["run"]))
        return [Reply(f"{left} {_(_KEPT)}")]

    def _where(self, case: Case, index: int) -> str:
        """ "“Reply received” on AL BDI 2/2017": a section of a case, as /cancel and /resume
        name it."""
        runs = case["runs"]
        title = self.service.checklist_of(runs[index]).shown_title if 0 <= index < len(runs) else ""
        return (
            _("“{title}” on {case}").format(title=title, case=shown_label(case))
            if title
            else shown_label(case)
        )

    def _edit_number(self, chat: Chat, user: access.User, arg: str) -> list[Reply]:
        session = self.repo.get_session(chat.user_id) or {}
        case = self._session_case(user, session)
        if case is None or session.get("run") is None:
            return [Reply(_("Open a checklist first (/cases)."), error=True)]
        index = session["run"]
        run = case["runs"][index]
        checklist = self.service.checklist_of(run)
        lines = engine.review_lines(checklist, run, self.service.context(case, index))
        if not _NUMBER.fullmatch(arg) or not 1 <= int(arg) <= len(lines):
            text = _("Type /edit and a number from 1 to {n}.").format(n=len(lines))
            return [Reply(text, error=True)]
        return self._step(chat, user, case, index, engine.Edit(lines[int(arg) - 1][0].id))

    # ---- answers --------------------------------------------------------------------
    def _answer(self, chat: Chat, user: access.User, inp: engine.Input) -> list[Reply]:
        session = self.repo.get_session(chat.user_id) or {}
        case = self._session_case(user, session)
        if case is not None and session.get("dismiss") and isinstance(inp, engine.Text):
            return self._dismiss(chat, user, case, session["dismiss"], inp.text)
        if session.get("report") and isinstance(inp, engine.Text):
            return self.reports.answer(user, inp.text, chat.private, chat.update_id)
        if case is None or session.get("run") is None:
            return [
                Reply(_("You are not in a checklist right now.") + f"\n{help_text(None, chat)}")
            ]
        if not access.can_edit(user, case):
            return [Reply(_("You can read this case but not change it."), error=True)]
        return self._step(chat, user, case, session["run"], inp)

    def _step(
        self, chat: Chat, user: access.User, case: Case, index: int, inp: engine.Input
    ) -> list[Reply]:
        """Apply one input, at most once per update: Telegram re-delivers the updates a bot
        had not confirmed when it stopped, and an answer applied again would land on the
        next question. The ids of the last updates applied are saved in the same write as
        the answer. A set, not "the highest": after a quiet week Telegram may restart its
        numbering lower, and webhooks may deliver out of order."""
        seen = case.setdefault("seen", {})
        recent = seen.get(chat.user_id) or []
        if chat.update_id is not None and chat.update_id in recent:
            return [self._render(chat, user, case, index, self.service.show(case, index))]
        if chat.update_id is not None:
            seen[chat.user_id] = [*recent, chat.update_id][-RECENT_UPDATES:]
        step = self.service.apply(case, index, inp, chat.user_id)
        self.repo.put_session(chat.user_id, {"case": case["id"], "run": index})
        return [self._render(chat, user, case, index, step)]

    def _dismiss(
        self, chat: Chat, user: access.User, case: Case, rule: str, reason: str
    ) -> list[Reply]:
        if not reason.strip():
            return [Reply(_("Please give a short reason, or /cancel."), error=True)]
        if not access.can_edit(user, case):
            return [Reply(_("You can read this case but not change it."), error=True)]
        self.repo.put_session(chat.user_id, None)
        return [self.alerts.dismiss(case, rule, reason, chat.user_id)]

    def _render(
        self, chat: Chat, user: access.User, case: Case, index: int, step: engine.Step
    ) -> Reply:
        run = case["runs"][index]
        checklist = self.service.checklist_of(run)
        ctx = self.service.context(case, index)
        if step.finished:
            self.repo.put_session(chat.user_id, None)
            card = self._card(chat, user, case)
            promise = due.reminder_promise(case, self.service.rules_of(case), self.service.today())
            card.text = "\n".join([*step.notes, *([promise] if promise else []), card.text])
            return card
        if step.question is None:
            shown = access.sees_confidential(user, case, chat.private)
            reply = review_reply(case, index, checklist, step.run, ctx, shown)
        else:
            reply = question_reply(case, index, checklist, step, ctx)
        reply.text = "\n".join([*step.notes, reply.text])
        reply.error = step.error
        return reply

    def _session_case(self, user: access.User, session: dict[str, Any]) -> Case | None:
        case = self.repo.get_case(session["case"]) if session.get("case") else None
        if case is None or case.get("deleted") or not access.can_view(user, case):
            return None
        return case

    # ---- button taps ----------------------------------------------------------------
    def _tap(self, chat: Chat, user: access.User, token: str) -> list[Reply]:
        data = unpack(token)
        if data is None:
            return [Reply(_("That button is out of date."), error=True)]
        match data.kind:
            case Kind.NEW:
                return self._create(chat, user, data.name)
            case Kind.PAGE:
                return [self._cases(chat, user, None, data.page)]
            case Kind.REPORT_PERIOD | Kind.REPORT_SCOPE:
                return self.reports.tap(user, data, chat.private, chat.update_id)
            case Kind.LANGUAGE:
                return [user_language.choose(self.repo, user, data.value)]
            case Kind.RULE if user["role"] == "admin":
                return [confirm_rule(self.service, chat.user_id, data.value)]
            case Kind.FIND_PAGE:
                query = (self.repo.get_session(chat.user_id) or {}).get("find", "")
                return [self.reports.find(user, query, data.page, chat.private)]
        case = self.repo.get_case(data.case) if data.case else None
        if case is None or case.get("deleted") or not access.can_view(user, case):
            return [Reply(_("That case is not available to you."), error=True)]
        if data.kind == Kind.CARD:
            return [self._card(chat, user, case)]
        if not access.can_edit(user, case):
            return [Reply(_("You can read this case but not change it."), error=True)]
        return self._tap_case(chat, user, case, data)

    def _tap_case(self, chat: Chat, user: access.User, case: Case, data: ButtonData) -> list[Reply]:
        match data.kind:
            case Kind.START:
                return self._start_run(chat, user, case, data.name)
            case Kind.ATTACH:
                self.repo.put_session(
                    chat.user_id, {"case": case["id"], "run": None, "attach": True}
                )
                text = _("Send the file to attach to {case} (PDF, Word or image).")
                return [Reply(text.format(case=shown_label(case)))]
            case Kind.EDIT_MENU:
                return [edit_menu(case, self.service.registry)]
            case Kind.DISCARD | Kind.DISCARD_YES | Kind.DELETE | Kind.DELETE_YES:
                return self._discard(chat, user, case, data)
            case Kind.SNOOZE:
                return [self.alerts.snooze(case, data.name, chat.user_id)]
            case Kind.DISMISS:
                self.repo.put_session(chat.user_id, {"case": case["id"], "dismiss": data.name})
                return [Reply(_("Why is no action needed? Reply in one line (or /cancel)."))]
        index = data.run  # what is left: REVIEW, EDIT, SAVE, ANSWER
        if not 0 <= index < len(case["runs"]):
            return [Reply(_("That button is out of date."), error=True)]
        run = case["runs"][index]
        if data.kind == Kind.REVIEW:
            return self._step(chat, user, case, index, engine.Review())
        if data.kind == Kind.EDIT:
            return self._step(chat, user, case, index, engine.Edit(data.name))
        if data.kind == Kind.SAVE and run["status"] == "review":
            return self._step(chat, user, case, index, engine.Pick(engine.SAVE))
        if data.kind == Kind.ANSWER and _is_current(run, data.name):
            return self._step(chat, user, case, index, engine.Pick(data.value))
        return [Reply(_(STALE), error=True), *self._resume_at(chat, user, case)]

    def _discard(self, chat: Chat, user: access.User, case: Case, data: ButtonData) -> list[Reply]:
        """Discard an unfinished section or delete a draft: asked first (DISCARD, DELETE),
        done on Yes by the owner or an admin (the caller checked `can_edit`), audited."""
        cid = case["id"]
        if data.kind in (Kind.DELETE, Kind.DELETE_YES):
            if case["status"] != "draft":
                text = _("Only a draft can be deleted; close the case instead.")
                return [Reply(text, error=True)]
            if data.kind == Kind.DELETE:
                yes = Button.of(_("Yes, delete the draft"), ButtonData(Kind.DELETE_YES, cid))
                question = _("Delete the draft {case} and every answer in it?")
                return [confirm(question.format(case=shown_label(case)), yes, cid)]
            self.service.delete_draft(case, chat.user_id)
            self.repo.put_session(chat.user_id, None)
            return [Reply(_("Draft deleted. /cases lists your cases."))]
        index = data.run
        run = case["runs"][index] if 0 < index < len(case["runs"]) else None
        if run is None or run["status"] == "done":
            return [Reply(_("That button is out of date."), error=True)]
        title = self.service.checklist_of(run).shown_title
        if data.kind == Kind.DISCARD:
            yes_data = ButtonData(Kind.DISCARD_YES, cid, index, run["checklist"])
            yes = Button.of(_("Yes, discard it"), yes_data)
            question = _("Discard the unfinished “{title}” and its answers?").format(title=title)
            return [confirm(question, yes, cid)]
        if data.name != run["checklist"]:
            return [Reply(_("That button is out of date."), error=True)]
        self.service.discard_run(case, index, chat.user_id)
        self.repo.put_session(chat.user_id, None)
        card = self._card(chat, user, case)
        card.text = _("Discarded “{title}”.").format(title=title) + f"\n{card.text}"
        return [card]

    def _resume_at(self, chat: Chat, user: access.User, case: Case) -> list[Reply]:
        session = self.repo.get_session(chat.user_id) or {}
        if session.get("case") == case["id"] and session.get("run") is not None:
            return self._resume(chat, user)
        return []

    def _create(self, chat: Chat, user: access.User, kind: str) -> list[Reply]:
        if kind not in INTAKE or not access.can_create(user):
            return [Reply(_("That button is out of date."), error=True)]
        case_id = _case_id_for(chat)
        existing = self.repo.get_case(case_id) if case_id else None
        if existing is not None:  # the same tap delivered again: do not open a second case
            self.repo.put_session(chat.user_id, {"case": existing["id"], "run": 0})
            return [self._render(chat, user, existing, 0, self.service.show(existing, 0))]
        case, step = self.service.create(kind, chat.user_id, case_id)
        self.repo.put_session(chat.user_id, {"case": case["id"], "run": 0})
        return [self._render(chat, user, case, 0, step)]

    def _start_run(
        self, chat: Chat, user: access.User, case: Case, checklist_id: str
    ) -> list[Reply]:
        # Only what the card offers: the intake is the case's first run, never a second one.
        offered = {c.id for c in self.service.registry.for_kind(case["kind"])
                   if c.stage in ("update", "closure")}  # fmt: skip
        if checklist_id not in offered or case["status"] != "open":
            return [Reply(_("That button is out of date."), error=True)]
        index, step = self.service.start_run(case, checklist_id, chat.user_id)
        self.repo.put_session(chat.user_id, {"case": case["id"], "run": index})
        return [self._render(chat, user, case, index, step)]


def _case_id_for(chat: Chat) -> str | None:
    """A new case's id derived from the update that asked for it, so a re-delivered tap
    finds the case it already created instead of opening another."""
    if chat.update_id is None:
        return None
    digest = hashlib.sha256(f"{chat.user_id}:{chat.update_id}".encode()).hexdigest()
    return "c" + digest[:10]


def _is_current(run: dict[str, Any], qid: str) -> bool:
    return run["status"] == "in_progress" and run.get("position") == qid


def _welcome(user: access.User, chat: Chat) -> str:
    intro = _(
        "I help you follow up communications and country visits: log them in a short "
        "checklist, record replies and follow-up, and find any case again."
    )
    role = _("Your role: {role}.").format(role=user["role"])
    return f"{intro}\n{role}\n\n{help_text(user, chat)}"


def help_text(user: access.User | None = None, chat: Chat | None = None) -> str:
    """The commands this user can use (admins also see user management), then those of the
    transport they are on (`chat.commands`), as `commands` declares them."""
    shown = commands.listed(user["role"] if user else None, chat.commands if chat else ())
    return "\n".join(f"/{c.name} - {_(c.description)}" for c in shown)


def _refuse(chat: Chat) -> list[Reply]:
    """One short sentence for someone not on the list, revealing nothing; logged by id only."""
    log.info("refused user %s (not authorised)", chat.user_id)
    return [Reply(_(REFUSAL))]
