"""Admin commands: users and roles, and per-mandate deadline rules. All audit-logged."""

from __future__ import annotations

import re
from dataclasses import asdict, fields

from storage.repository import Repository
from workflows.cases.service import CaseService
from workflows.chat.views import Button, Reply
from workflows.deadlines.rules import Rules
from workflows.language import N_, _
from workflows.people.access import ROLES
from workflows.reference.mandates import match_mandate
from workflows.reference.text import fold

#: Marked for translation; shown with `_()` in the language of whoever asks.
USAGE = {
    "grant": N_(
        "Use /grant USER_ID ROLE [NAME] (admin, officer or viewer): /grant 123456 officer Ana"
    ),
    "revoke": N_("Use /revoke USER_ID, e.g. /revoke 123456."),
    "users": N_("Use /users to see who has access."),
    "rules": N_(
        "Use /rules to see the rules, or /rules MANDATE SETTING NUMBER to change one for a "
        "mandate, e.g. /rules WGAD reply_days 90 (0 goes back to the default)."
    ),
}
RULE_USAGE = USAGE["rules"]
#: Each rule in plain words; {n} is its number.
RULE_WORDS = {
    "reply_days": N_("reply due {n} days after the letter is sent"),
    "urgent_check_days": N_("early check on an urgent appeal {n} days after it is sent"),
    "followup_letter_after_days": N_("follow-up letter suggested {n} days after the reply was due"),
    "letter_publication_after_days": N_("letter published {n} days after the reply period ends"),
    "reply_publication_after_days": N_("a public reply published {n} days after it is received"),
    "non_cooperation_count": N_("persistent non-cooperation after {n} unanswered letters in a row"),
    "no_response_months": N_("reminder when a visit request has no response after {n} months"),
    "report_months": N_("visit report due at the Council {n} months after the visit"),
    "short_notice_days": N_("civil society notice shorter than {n} days is flagged"),
    "recommendations_months": N_("follow-up on recommendations {n} months after the visit"),
    "repeat_after_days": N_("a reminder is repeated after {n} days"),
    "then_every_days": N_("then every {n} days until recorded, snoozed or dismissed"),
}
#: How many mandates a "did you mean" offers.
MAX_GUESSES = 4
#: The admin's session key holding a rule change waiting for "Yes" (a "did you mean").
PENDING = "rule_change"
#: Settings that may differ per mandate (the reminder ladder stays the same for everyone).
PER_MANDATE = tuple(
    f.name for f in fields(Rules) if f.name not in ("repeat_after_days", "then_every_days")
)


def admin_command(service: CaseService, actor: str, name: str, args: list[str]) -> Reply:
    repo = service.repo
    match name, args:
        case "rules", []:
            return _show_rules(service)
        case "rules", [*mandate, setting, number] if mandate and number.isascii():
            return _set_rule(service, actor, " ".join(mandate), setting, number)
        case "rules", _:
            return Reply(_(RULE_USAGE), error=True)
        case "grant", [user_id, role, *person] if role.lower() in ROLES:
            if problem := user_id_problem(user_id):
                return Reply(problem, error=True)
            return _grant(repo, actor, user_id, role.lower(), " ".join(person)[:80])
        case "revoke", [user_id]:
            if problem := user_id_problem(user_id):
                return Reply(problem, error=True)
            return _revoke(repo, actor, user_id)
        case "users", []:
            return _users(repo)
    return Reply(_(USAGE.get(name, USAGE["grant"])), error=True)


def user_id_problem(text: str) -> str | None:
    """Why `text` cannot name a user, or None. Telegram user ids are positive; a negative id
    is a group or channel, and granting it would post case details into that group. The
    console's own user is called "console"."""
    if text == "console" or re.fullmatch(r"[1-9][0-9]{0,19}", text):
        return None
    if re.fullmatch(r"-[0-9]{1,20}", text):
        return _(
            "{id} is a group or channel, not a person: only people get access. "
            "Give the person's Telegram user id (a positive number, e.g. 123456789)."
        ).format(id=text)
    return _("{id} is not a Telegram user id: give a positive number, e.g. 123456789.").format(
        id=repr(text)
    )


def _is_last_admin(repo: Repository, user_id: str) -> bool:
    """Whether removing `user_id`'s admin role would leave the bot with no admin at all."""
    admins = [u["id"] for u in repo.list_users() if u.get("role") == "admin"]
    return admins == [user_id]


def _last_admin(user_id: str, actor: str) -> Reply:
    if user_id == actor:
        text = _(
            "You are the only admin, so nobody could manage access afterwards. "
            "Grant admin to someone else first (/grant USER_ID admin)."
        )
    else:
        text = _(
            "User {user} is the only admin, so nobody could manage access afterwards. "
            "Grant admin to someone else first (/grant USER_ID admin)."
        ).format(user=user_id)
    return Reply(text, error=True)


def _grant(repo: Repository, actor: str, user_id: str, role: str, name: str) -> Reply:
    """Give a role; a name given here (or later by Telegram) is what the digest shows."""
    existing = repo.get_user(user_id) or {"id": user_id}
    previous = existing.get("role")
    if previous == "admin" and role != "admin" and _is_last_admin(repo, user_id):
        return _last_admin(user_id, actor)
    repo.put_user({**existing, "role": role, **({"name": name} if name else {})}, actor=actor)
    if previous == role and not name:
        return Reply(_("User {user} already is {role}.").format(user=user_id, role=role))
    if previous:
        text = _("User {user} is now {role} (was {previous}).")
    else:
        text = _("User {user} is now {role}.")
    return Reply(text.format(user=user_id, role=role, previous=previous))


def _revoke(repo: Repository, actor: str, user_id: str) -> Reply:
    if user_id == actor:
        return Reply(_("You cannot revoke your own access; ask another admin."), error=True)
    if repo.get_user(user_id) is None:
        return Reply(_("User {user} has no access.").format(user=user_id), error=True)
    repo.delete_user(user_id, actor=actor)
    repo.put_session(user_id, None)
    return Reply(
        _("Access of user {user} revoked. Their cases keep their owner until reassigned.").format(
            user=user_id
        )
    )


def _in_words(setting: str, value: object) -> str:
    # Translators: joins the rungs of the reminder ladder: "3, then 7".
    number = _(", then ").join(map(str, value)) if isinstance(value, tuple | list) else value
    words = _(RULE_WORDS[setting]) if setting in RULE_WORDS else setting + " {n}"
    return words.format(n=number) + f" ({setting})"


def _show_rules(service: CaseService) -> Reply:
    lines = [f"• {_in_words(k, v)}" for k, v in asdict(service.rules).items()]
    overrides = service.repo.get_setting("deadline_overrides", {})
    for mandate, values in sorted(overrides.items()):
        lines.append(f"{mandate}:")
        lines += [f"  • {_in_words(k, v)}" for k, v in sorted(values.items())]
    return Reply("\n".join(lines), title=_("Deadline rules (defaults, then per mandate)"))


def _set_rule(service: CaseService, actor: str, mandate: str, setting: str, number: str) -> Reply:
    """Change one mandate's rule only when the mandate is named exactly (short name or title);
    otherwise ask "did you mean ...?" and keep the change until the admin taps Yes."""
    if setting not in PER_MANDATE or not number.isdigit() or int(number) > 3650:
        settings = _("Settings: {settings}.").format(settings=", ".join(PER_MANDATE))
        return Reply(f"{settings} {_(RULE_USAGE)}", error=True)
    found = match_mandate(mandate)
    if not found:
        unknown = _("No mandate is called {mandate}.").format(mandate=repr(mandate))
        return Reply(f"{unknown} {_(RULE_USAGE)}", error=True)
    typed = fold(" ".join(mandate.split()))
    exact = [m for m in found if typed in (fold(m.short_name), *map(fold, m.titles()))]
    if len(exact) == 1:
        return apply_rule(service, actor, exact[0].short_name, setting, int(number))
    candidates = [m.short_name for m in found[:MAX_GUESSES]]
    pending = {"mandates": candidates, "setting": setting, "number": int(number)}
    service.repo.put_session(actor, {PENDING: pending})
    if int(number):
        change = _in_words(setting, int(number))
    else:
        change = _("{setting} back to the default").format(setting=setting)
    return Reply(
        _(
            "No mandate is called exactly {mandate}. Did you mean one of these? Nothing is "
            "changed until you choose. The change: {change}."
        ).format(mandate=repr(mandate), change=change),
        buttons=[
            *(
                Button(
                    _("Yes: {mandate} ({title})").format(
                        mandate=m.short_name, title=m.shown_title()
                    )[:60],
                    f"ru:{n}",
                )
                for n, m in enumerate(found[:MAX_GUESSES])
            ),
            Button(_("No, change nothing"), "ru:no"),
        ],
        error=True,
    )


def confirm_rule(service: CaseService, actor: str, choice: str) -> Reply:
    """The admin's answer to "did you mean ...?": apply the chosen mandate's change, once."""
    session = service.repo.get_session(actor) or {}
    pending = session.get(PENDING)
    if not pending:
        return Reply(_("That question is out of date; nothing was changed."), error=True)
    service.repo.put_session(actor, None)
    candidates = pending["mandates"]
    if not choice.isdigit() or int(choice) >= len(candidates):
        return Reply(_("Nothing was changed."))
    return apply_rule(service, actor, candidates[int(choice)], pending["setting"],
                      int(pending["number"]))  # fmt: skip


def apply_rule(service: CaseService, actor: str, short: str, setting: str, number: int) -> Reply:
    """Set (or reset, with 0) one mandate's rule; audited with the value before and after
    (and the settings change itself is audited by the repository)."""
    overrides = dict(service.repo.get_setting("deadline_overrides", {}))
    before = overrides.get(short, {}).get(setting)
    values = {k: v for k, v in overrides.get(short, {}).items() if k != setting}
    if number:
        values[setting] = number
    overrides = (
        {**overrides, short: values}
        if values
        else {m: v for m, v in overrides.items() if m != short}
    )
    detail = {"mandate": short, "setting": setting, "before": before, "after": number or None}
    service.repo.audit(actor=actor, action="rule_changed", target=short, detail=detail)
    service.set_overrides(overrides, actor)
    if number:
        shown = _in_words(setting, number)
    else:
        shown = _("{setting} is back to the default").format(setting=setting)
    return Reply(
        _("{mandate}: {change}. Reminder dates recomputed.").format(mandate=short, change=shown)
    )


def _users(repo: Repository) -> Reply:
    users = sorted(repo.list_users(), key=lambda u: (u["role"], u["id"]))
    lines = [
        f"{u['id']} · {u['role']}" + (f" · {u['name']}" if u.get("name") else "") for u in users
    ]
    return Reply("\n".join(lines) or _("No users."), title=_("Users"))
