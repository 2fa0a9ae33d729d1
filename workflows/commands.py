"""The chat commands, declared once: the router, `/help`, Telegram's command menu and the
console all read this table, so a command cannot be handled without being listed or
listed without being handled (a test holds the router to it).

A description is English marked with `N_`; whoever shows it translates it with `_()` in
the language of the person (or, for Telegram's menu, of the app) it is shown to.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.language import N_
from workflows.people.access import ROLES

#: Everyone on the list.
STAFF = frozenset(ROLES)
ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Command:
    name: str
    #: English, marked with N_; translate where shown.
    description: str
    #: The roles that may use it; to anyone else it is unknown (and not listed).
    roles: frozenset[str] = STAFF
    #: Listed in /help and in Telegram's menu.
    listed: bool = True

    def allows(self, role: str) -> bool:
        return role in self.roles


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("welcome and your role")),
    Command("help", N_("what the bot can do")),
    Command("new", N_("log a communication or a country visit")),
    Command("cases", N_("open cases, most urgent first; /cases overdue, mine, visits or Burundi")),
    Command("case", N_("open a case: /case AL BDI 2/2017, /case Honduras 2019")),
    Command("resume", N_("show again the question you were on")),
    Command("back", N_("go back one question")),
    Command("skip", N_("skip an optional question")),
    Command("review", N_("every answer of the checklist you are in, to check and save")),
    Command("edit", N_("change an answer of the review: /edit 3")),
    Command("cancel", N_("leave the checklist (answers are kept; Continue on the card goes on)")),
    Command("report", N_("the follow-up report; /report state Burundi for a State")),
    Command("find", N_("find cases: /find Burundi, /find reprisal")),
    Command("digest", N_("what is overdue or due this week; /digest on|off to get it daily")),
    Command("assign", N_("hand a case over: /assign REF USER_ID")),
    Command("standing", N_("standing invitations; /standing Türkiye 1 March 2001 records one")),
    Command("language", N_("the language I write to you in: English, Français, Español")),
    Command("grant", N_("give access: /grant USER_ID admin|officer|viewer [NAME]"), ADMINS),
    Command("revoke", N_("remove access: /revoke USER_ID"), ADMINS),
    Command("users", N_("who has access"), ADMINS),
    Command("rules", N_("deadline rules; per mandate: /rules WGAD reply_days 90"), ADMINS),
    Command("export", N_("all data as JSON (no confidential answers)"), ADMINS),
)
#: Commands only the console has (it reads a local file; Telegram sends documents instead).
CONSOLE_COMMANDS: tuple[Command, ...] = (
    Command("file", N_("send a document: /file ~/letters/reply.pdf")),
)


def find(name: str, role: str, extra: tuple[Command, ...] = ()) -> Command | None:
    """The command called `name` that `role` may use, or None (unknown to them)."""
    return next((c for c in COMMANDS + extra if c.name == name and c.allows(role)), None)


def listed(role: str | None, extra: tuple[Command, ...] = ()) -> tuple[Command, ...]:
    """What /help and the menu show someone with `role` (None: the staff menu), in order;
    a transport's own commands (`extra`) come last."""
    return tuple(c for c in COMMANDS + extra if c.listed and (c.roles == STAFF or role in c.roles))
