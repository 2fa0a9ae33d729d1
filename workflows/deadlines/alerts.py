"""Reminders and digests as messages: who gets what, and the record that it was sent.

The transport (Telegram's JobQueue) calls `pending()` on each sweep and at start-up,
sends each message, and calls `record_sent()`. Recording happens in the case file, so
it is durable together with the case. The order is deliberate: the key is recorded
*before* the message goes out (`claim`), so a crash between the two can never send a
reminder twice; the price is that such a crash may drop one rung of the ladder, and the
daily digest still lists the item, so nothing falls through.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from storage.repository import Case
from workflows.cases.labels import shown_label
from workflows.cases.service import CaseService
from workflows.chat.buttons_data import ButtonData, Kind
from workflows.chat.views import Attachment, Button, Reply
from workflows.checklists import question_ids as qids
from workflows.deadlines import reminders
from workflows.deadlines.rules import Deadline, deadlines, non_cooperating_states
from workflows.language import N_, _, ngettext, use
from workflows.language.formats import day
from workflows.people.user_language import language_of
from workflows.reference.actors import display_name
from workflows.report.sheets import write_xlsx_table

SNOOZE_DAYS = 7
DIGEST_HORIZON_DAYS = 7
#: Items more than this many days overdue are counted in the chat, not listed.
OLD_DAYS = 365
#: How many of each owner's most urgent items the chat names.
PER_OWNER = 3
#: The digest's text stays one Telegram message (4096); every item is in the spreadsheet.
DIGEST_MAX_CHARS = 3800
#: How many non-cooperating States (and damaged files) the digest names; the rest are counted.
NAMED_STATES = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Which checklist records what a rule is waiting for, for the reminder's first button.
RECORD_BUTTON = {
    "reply": (N_("Reply received"), "communication_reply"),
    "urgent_check": (N_("Reply received"), "communication_reply"),
    "followup_letter": (N_("Follow-up letter sent"), "communication_followup"),
    "letter_publication": (N_("Letter published"), "communication_published"),
    "reply_publication": (N_("Reply published"), "communication_reply"),
    "visit_no_response": (N_("Record the State's response"), "visit_response"),
    "visit_report": (N_("Report presented"), "visit_report"),
    "recommendations": (N_("Record follow-up"), "visit_recommendation"),
}


#: More reminders than this for one person in one sweep (after an import of past letters,
#: or a long downtime) come as one summary instead of one message each.
SUMMARY_OVER = 3
#: How many of the most overdue a summary names, each with a button to open the case.
SUMMARY_NAMES = 5


@dataclass(frozen=True)
class Outgoing:
    """One message for one user, with the reminder key(s) to record before it is sent: one
    for a reminder, every one it stands for for a summary (`also`)."""

    to: str
    reply: Reply
    case_id: str
    key: str
    also: tuple[tuple[str, str], ...] = ()

    @property
    def claims(self) -> tuple[tuple[str, str], ...]:
        """(case id, reminder key) of every reminder this message stands for."""
        return ((self.case_id, self.key), *self.also)


class AlertService:
    def __init__(self, service: CaseService) -> None:
        self.service = service
        self.repo = service.repo
        self.rules_of = service.rules_of

    def _cases_with(self, field: str, upto: date) -> list[Case]:
        """Cases whose indexed reminder date has come: the sweep never opens the others."""
        day = upto.isoformat()
        ids = [e["id"] for e in self.repo.list_cases() if e[field] and e[field] <= day]
        return [c for c in map(self.repo.get_case, ids) if c is not None]

    # ---- reminders -------------------------------------------------------------------
    def pending(self, languages: Mapping[str, str] | None = None) -> list[Outgoing]:
        """Every reminder due now that was never sent, addressed to whoever should act: one
        message each, or one summary for a person with more than `SUMMARY_OVER` due. Each is
        written in its receiver's language (`languages` overrides some: the console's --lang)."""
        today = self.service.today()
        with self.repo.stepped_aside():
            cases = {c["id"]: c for c in self._cases_with("next_alert", today)}
        users = {u["id"]: u for u in self.repo.list_users()}
        due: dict[str, list[tuple[Case, reminders.Reminder]]] = {}
        for reminder in reminders.sweep(cases.values(), today, self.rules_of):
            case = cases[reminder.case_id]
            for user_id in recipients(case, users):
                due.setdefault(user_id, []).append((case, reminder))
        outgoing = []
        for user_id, items in due.items():
            lang = (languages or {}).get(user_id) or language_of(users.get(user_id))
            with use(lang):
                outgoing += _messages(user_id, items, today)
        return outgoing

    def claim(self, case_id: str, key: str) -> bool:
        """Record `key` as sent; False if it already was (another sweep got there first)."""
        return bool(self._claim_keys(case_id, [key]))

    def claim_outgoing(self, outgoing: Outgoing) -> bool:
        """Record every key the message stands for (one save per case); False if each one
        was already recorded, so the message must not go out."""
        by_case: dict[str, list[str]] = {}
        for case_id, key in outgoing.claims:
            by_case.setdefault(case_id, []).append(key)
        if len(by_case) == 1:
            return self._claim_keys(outgoing.case_id, by_case[outgoing.case_id]) > 0
        with self.repo.bulk():  # a summary: index.json written once, not per case
            return sum(self._claim_keys(c, keys) for c, keys in by_case.items()) > 0

    def _claim_keys(self, case_id: str, keys: list[str]) -> int:
        """Record the keys not sent yet and still due: `pending` read the case without the
        lock, and a reply, snooze or dismissal saved since then means no reminder."""
        with self.repo.locked():
            case = self.repo.get_case(case_id)
            if case is None:
                return 0
            sent = reminders.reminder_state(case)["sent"]
            due = {r.key for r in reminders.sweep([case], self.service.today(), self.rules_of)}
            new = [key for key in keys if key not in sent and key in due]
            if not new:
                return 0
            at = self.service.clock.now().isoformat(timespec="seconds")
            for key in new:
                reminders.mark_sent(case, key, at)
            detail = {"key": new[0]} if len(new) == 1 else {"keys": new}
            self.service.save(case, "system", "reminder_sent", detail)
            return len(new)

    def release(self, case_id: str, key: str) -> None:
        """Undo `claim` after a send that certainly failed, so the next sweep tries again."""
        with self.repo.locked():
            case = self.repo.get_case(case_id)
            if case is not None and reminders.reminder_state(case)["sent"].pop(key, None):
                self.service.save(case, "system", "reminder_failed", {"key": key})

    def release_outgoing(self, outgoing: Outgoing) -> None:
        """Undo `claim_outgoing` after a send that certainly failed."""
        for case_id, key in outgoing.claims:
            self.release(case_id, key)

    def snooze(self, case: Case, rule: str, actor: str) -> Reply:
        deadline = self._deadline(case, rule)
        if deadline is None:
            return Reply(_("Nothing is due on this case any more."), error=True)
        until = self.service.today() + timedelta(days=SNOOZE_DAYS)
        reminders.snooze(case, deadline, until)
        self.service.save(case, actor, "reminder_snoozed", {"rule": rule})
        return Reply(_("Snoozed: I will remind you again on {date}.").format(date=day(until)))

    def dismiss(self, case: Case, rule: str, reason: str, actor: str) -> Reply:
        deadline = self._deadline(case, rule)
        if deadline is None:
            return Reply(_("Nothing is due on this case any more."), error=True)
        reminders.dismiss(case, deadline, reason, actor)
        detail = {"rule": rule, "reason": reason}
        self.service.save(case, actor, "reminder_dismissed", detail)
        text = _("No more reminders for “{title}” on {case}.")
        return Reply(text.format(title=deadline.title, case=shown_label(case)))

    def _deadline(self, case: Case, rule: str) -> Deadline | None:
        found = deadlines(case, self.rules_of(case))
        return next((d for d in found if d.rule == rule and not d.met), None)

    # ---- digest ----------------------------------------------------------------------
    def digest(self) -> Reply:
        """Everything overdue and due within a week, grouped by owner, plus non-cooperation.
        Reads every case, with the repository lock stepped aside (other users go on)."""
        with self.repo.stepped_aside():
            return self._digest()

    def _digest(self) -> Reply:
        today = self.service.today()
        horizon = today + timedelta(days=DIGEST_HORIZON_DAYS)
        cases = self._cases_with("next_due", horizon)
        overdue, soon = reminders.upcoming(cases, today, DIGEST_HORIZON_DAYS, self.rules_of)
        names = user_names(self.repo.list_users())
        lines = digest_lines(overdue, soon, today, names)
        flagged = non_cooperating_states(self.repo.iter_cases(), today, self.service.rules)
        if flagged:
            count = self.service.rules.non_cooperation_count
            text = _("Persistent non-cooperation (no reply to the last {count} letters):")
            lines.append(text.format(count=count))
            lines += [
                _state_line(code, refs) for code, refs in sorted(flagged.items())[:NAMED_STATES]
            ]
            if (more := len(flagged) - NAMED_STATES) > 0:
                text = ngettext("and {n} more State", "and {n} more States", more)
                lines.append("  " + text.format(n=more))
        if damaged := self.repo.quarantined():
            lines.append(_("Damaged files set aside in the data folder's quarantine/ folder:"))
            lines += [f"  {name}" for name in damaged[:NAMED_STATES]]
            if (more := len(damaged) - NAMED_STATES) > 0:
                # Translators: more damaged files, after a list of their names.
                lines.append("  " + ngettext("and {n} more", "and {n} more", more).format(n=more))
        text = _fit("\n".join(lines), DIGEST_MAX_CHARS)
        title = _("Digest · {date}").format(date=day(today))
        if not overdue and not soon:
            return Reply(text, title=title)
        sheet = digest_sheet([*overdue, *soon], today, names)
        return Reply(text, title=title, files=[sheet])

    def digests(self, user_ids: list[str]) -> dict[str, Reply]:
        """The digest for each of `user_ids`, in each one's language: one digest per language
        among them (each reads every case: at most three times a day, for three languages)."""
        users = {u["id"]: u for u in self.repo.list_users()}
        languages = {user_id: language_of(users.get(user_id)) for user_id in user_ids}
        written: dict[str, Reply] = {}
        for lang in sorted(set(languages.values())):
            with use(lang):
                written[lang] = self.digest()
        return {user_id: written[lang] for user_id, lang in languages.items()}

    def digest_recipients(self) -> list[str]:
        """Admins and anyone who opted in (/digest on)."""
        return sorted(
            u["id"] for u in self.repo.list_users() if u["role"] == "admin" or u.get("digest")
        )


def _state_line(code: str, references: list[str]) -> str:
    """ "  Iran (Islamic Republic of) (IRN): AL IRN 1/2016, AL IRN 2/2016, AL IRN 3/2016"."""
    state = display_name({"code": code, "kind": "state"})
    text = _("{state} ({code}): {references}")
    return "  " + text.format(state=state, code=code, references=", ".join(references))


def _messages(
    user_id: str, items: list[tuple[Case, reminders.Reminder]], today: date
) -> list[Outgoing]:
    """One person's reminders: one message each, or one summary for more than `SUMMARY_OVER`."""
    if len(items) > SUMMARY_OVER:
        return [_summary(user_id, items, today)]
    return [
        Outgoing(user_id, reminder_reply(case, reminder.deadline, today), case["id"], reminder.key)
        for case, reminder in items
    ]


def _overdue(days: int) -> str:
    return ngettext("{n} day overdue", "{n} days overdue", days).format(n=days)


def recipients(case: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The owner while they have access; otherwise every admin."""
    owner = users.get(case["owner"])
    if owner is not None and owner["role"] in ("officer", "admin"):
        return [case["owner"]]
    return sorted(uid for uid, u in users.items() if u["role"] == "admin")


def reminder_reply(case: Mapping[str, Any], deadline: Deadline, today: date) -> Reply:
    days = (today - deadline.due).days
    when = _("today") if days == 0 else ngettext("{n} day ago", "{n} days ago", days).format(n=days)
    text = _("{title}: due {date} ({when}).").format(
        title=deadline.title, date=day(deadline.due), when=when
    )
    label, checklist = RECORD_BUTTON[deadline.rule]
    followup_letter = ButtonData(Kind.START, case["id"], name="communication_followup")
    followup = Button.of(_("Follow-up letter sent"), followup_letter)
    snooze = ngettext("Snooze {n} day", "Snooze {n} days", SNOOZE_DAYS).format(n=SNOOZE_DAYS)
    buttons = [
        Button.of(_(label), _record_button(case, deadline.rule, checklist)),
        Button.of(snooze, ButtonData(Kind.SNOOZE, case["id"], name=deadline.rule)),
        Button.of(_("No action needed"), ButtonData(Kind.DISMISS, case["id"], name=deadline.rule)),
    ]
    if deadline.rule == "reply":
        buttons.insert(1, followup)
    title = _("Reminder · {case}").format(case=_describe(case))
    return Reply(text, buttons=buttons, title=title)


def _summary(user_id: str, items: list[tuple[Case, reminders.Reminder]], today: date) -> Outgoing:
    """One message for many reminders: how many of each kind, and the most overdue by name
    (with a button to open each); every one is recorded as sent, once, like a reminder."""
    items = sorted(items, key=lambda item: (item[1].deadline.due, item[0]["id"]))
    kinds = Counter(reminder.deadline.title for _case, reminder in items)
    cases = len({c["id"] for c, _reminder in items})
    # Translators: {n} is always more than 3 (fewer reminders come one by one).
    opening = ngettext(
        "{n} reminders came due on {cases} case while the bot was away or with cases just "
        "imported. Each is recorded, so none comes twice:",
        "{n} reminders came due on {cases} cases while the bot was away or with cases just "
        "imported. Each is recorded, so none comes twice:",
        cases,
    )
    lines = [
        opening.format(n=len(items), cases=cases),
        *(
            "  " + _("{deadline}: {count}").format(deadline=title, count=count)
            for title, count in sorted(kinds.items())
        ),
        _("The most overdue:"),
    ]
    buttons = []
    for case, reminder in items[:SUMMARY_NAMES]:
        days = (today - reminder.deadline.due).days
        lines.append("  • " + _item(case, reminder.deadline.title, _overdue(days)))
        buttons.append(Button.of(shown_label(case)[:40], ButtonData(Kind.CARD, case["id"])))
    lines.append(_("The next reminder of each comes on its usual day; /cases lists your cases."))
    (first_case, first), *rest = items
    also = tuple((case["id"], reminder.key) for case, reminder in rest)
    reply = Reply("\n".join(lines), buttons=buttons, title=_("Reminders · catching up"))
    return Outgoing(user_id, reply, first_case["id"], first.key, also)


def _record_button(case: Mapping[str, Any], rule: str, checklist: str) -> ButtonData:
    """Start the checklist that records what the rule waits for; a reply's publication is
    an answer of that reply, so its button opens the first unpublished reply at it."""
    if rule == "reply_publication":
        for index, run in enumerate(case.get("runs") or []):
            answers = run["answers"]
            public = answers.get(qids.REPLY_CONFIDENTIAL) is False
            if run["checklist"] == checklist and public and not answers.get(qids.REPLY_PUBLISHED):
                return ButtonData(Kind.EDIT, case["id"], index, "reply_published")
    return ButtonData(Kind.START, case["id"], name=checklist)


def _describe(case: Mapping[str, Any]) -> str:
    answers = case["runs"][0]["answers"] if case.get("runs") else {}
    if case["kind"] == "communication":
        names = ", ".join(display_name(a) for a in answers.get(qids.ADDRESSEES) or [])
        return f"{shown_label(case)} ({names})" if names else shown_label(case)
    return shown_label(case)


def user_names(users: list[dict[str, Any]]) -> dict[str, str]:
    """Each user's name as the digest shows it: the name in their record, else their id."""
    return {u["id"]: str(u.get("name") or _("user {id}").format(id=u["id"])) for u in users}


Item = tuple[Mapping[str, Any], Deadline]


def digest_lines(
    overdue: list[Item], soon: list[Item], today: date, names: Mapping[str, str]
) -> list[str]:
    """Totals, then per owner (by name, most loaded first) the few most urgent items. Items
    more than a year overdue are counted, not listed: the spreadsheet has every one."""
    if not overdue and not soon:
        text = _("Nothing overdue and nothing due in the next {days} days.")
        return [text.format(days=DIGEST_HORIZON_DAYS)]
    old = sum(1 for _case, d in overdue if (today - d.due).days > OLD_DAYS)
    if old:
        totals = _("Overdue: {overdue} ({old} more than a year overdue) · due in the next "
                   "{days} days: {soon}")  # fmt: skip
    else:
        totals = _("Overdue: {overdue} · due in the next {days} days: {soon}")
    counts = {"overdue": len(overdue), "old": old, "days": DIGEST_HORIZON_DAYS, "soon": len(soon)}
    lines = [totals.format(**counts), _("Every item is in the attached spreadsheet."), ""]
    by_owner: dict[str, list[Item]] = {}
    for item in [*overdue, *soon]:
        by_owner.setdefault(str(item[0]["owner"]), []).append(item)
    ranked = sorted(by_owner.items(), key=lambda kv: (-len(kv[1]), names.get(kv[0], kv[0])))
    for owner, items in ranked:
        late = [i for i in items if i[1].due <= today]
        recent = sorted((i for i in items if (today - i[1].due).days <= OLD_DAYS),
                        key=lambda i: abs((today - i[1].due).days))  # fmt: skip
        old_here = len(items) - len(recent)
        name = names.get(owner) or _("user {id}").format(id=owner)
        head = _("{name}: {overdue} overdue, {soon} due soon")
        lines.append(head.format(name=name, overdue=len(late), soon=len(items) - len(late)))
        for case, deadline in recent[:PER_OWNER]:
            lines.append("  • " + _item(case, deadline.title, _when(deadline.due, today)))
        if old_here:
            lines.append("  • " + _("{n} more than a year overdue").format(n=old_here))
    return lines


def _item(case: Mapping[str, Any], deadline: str, when: str) -> str:
    """One listed item: "UA BDI 1/2017: Reply due from the addressee, 2 days overdue"."""
    return _("{case}: {deadline}, {when}").format(
        case=shown_label(case), deadline=deadline, when=when
    )


def _when(due: date, today: date) -> str:
    days = (today - due).days
    return _overdue(days) if days > 0 else _("due {date}").format(date=day(due))


def _fit(text: str, limit: int) -> str:
    """Cut at a line end under `limit`, saying so: one chat message, the rest in the sheet."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 60)
    return text[:cut] + "\n" + _("… more owners in the attached spreadsheet.")


DIGEST_COLUMNS = (
    N_("Owner"), N_("Case"), N_("Addressee or State"), N_("Deadline"), N_("Due"),
    N_("Days overdue"),
)  # fmt: skip


def digest_sheet(items: list[Item], today: date, names: Mapping[str, str]) -> Attachment:
    """Every item of the digest as a spreadsheet, most overdue first (formula-safe cells)."""
    rows = [
        (names.get(str(case["owner"]), str(case["owner"])), str(shown_label(case)),
         _addressees(case), deadline.title, deadline.due.isoformat(),
         max(0, (today - deadline.due).days))
        for case, deadline in sorted(items, key=lambda item: item[1].due)
    ]  # fmt: skip
    stream = io.BytesIO()
    # Translators: the name of the spreadsheet's sheet (at most 31 characters).
    write_xlsx_table(_("Digest"), tuple(map(_, DIGEST_COLUMNS)), rows, stream)
    return Attachment(f"digest-{today.isoformat()}.xlsx", stream.getvalue(), XLSX)


def _addressees(case: Mapping[str, Any]) -> str:
    answers = case["runs"][0]["answers"] if case.get("runs") else {}
    actors = answers.get(qids.ADDRESSEES) or (
        [answers[qids.STATE]] if answers.get(qids.STATE) else []
    )
    return ", ".join(display_name(a) for a in actors)
