"""`/report`, `/find` and `/export` in the chat: choices as buttons, files as attachments.

`/report` asks for a period (buttons for the usual ones, or any phrase such as "since 1
June 2017") and a scope (all, one mandate, one State), then answers with the headline
figures and attaches the Word report, the CSV rows and the reply-rate chart.
`/report state Burundi` and `/report mandate WGAD` are a State's or a mandate's profile over
the whole record (from its first letter or request); `/report help` says how each figure is
counted. The confidential
variant (names of victims) is offered only to admins in a private chat, and every such
request is audit-logged before the report is built.

What the user is being asked (a period, a mandate, a State) is kept in their session, so
the dialogue survives a restart like the checklists do.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from workflows.cases import standing
from workflows.cases.search import search
from workflows.cases.service import CaseService
from workflows.chat.views import Attachment, Button, Reply, case_list
from workflows.language import N_, _, ngettext
from workflows.reference.actors import resolve_state
from workflows.reference.mandates import match_mandate
from workflows.report import (
    PeriodError,
    Report,
    compile_report,
    file_stem,
    parse_period,
    summary_text,
    write_chart,
    write_csv,
    write_docx,
)
from workflows.report.audit import record_confidential_request
from workflows.report.definitions import definitions_text

#: Buttons: (label, translated where shown; the phrase the period parser reads, as data).
PERIODS = ((N_("This year"), "this year"), (N_("Last year"), "last year"),
           (N_("Last session window"), "last session window"))  # fmt: skip
SCOPES = ((N_("All cases"), "all"), (N_("One mandate"), "mandate"), (N_("One State"), "state"))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RECORD_START = date(1980, 1, 1)
#: Session key: what the last report was built from, and for which update.
BUILT = "report_built"


class ReportChat:
    def __init__(self, service: CaseService) -> None:
        self.service = service
        self.repo = service.repo

    # ---- /report --------------------------------------------------------------------
    def start(
        self, user: dict[str, Any], arg: str, private: bool, update_id: int | None = None
    ) -> list[Reply]:
        words = arg.split(maxsplit=1)
        if words and words[0].lower() == "help":
            return [Reply(definitions_text(), title=_("Report"))]
        if words and words[0].lower() == "state":
            name = words[1] if len(words) > 1 else ""
            return self._state_profile(user, name, private, update_id)
        if words and words[0].lower() == "mandate":
            name = words[1] if len(words) > 1 else ""
            return self._mandate_profile(user, name, private, update_id)
        if arg:
            return self._period_chosen(user, arg)
        buttons = [Button(_(label), f"r:p:{key}") for label, key in PERIODS]
        buttons.append(Button(_("Another period…"), "r:p:"))
        return [Reply(_("Which period?"), buttons=buttons, title=_("Report"))]

    def tap(
        self, user: dict[str, Any], rest: str, private: bool, update_id: int | None = None
    ) -> list[Reply]:
        kind, _sep, value = rest.partition(":")
        if kind == "p" and value:
            return self._period_chosen(user, value)
        if kind == "p":
            self._ask(user, "period")
            # Translators: the examples are what the bot reads: keep them in English.
            return [Reply(_("Type the period, e.g. 2016, since 1 June 2017, March 2018 session."))]
        if kind == "s":
            return self._scope_chosen(user, value, private, update_id)
        return [Reply(_("That button is out of date."), error=True)]

    def answer(
        self, user: dict[str, Any], text: str, private: bool, update_id: int | None = None
    ) -> list[Reply]:
        """Text typed while a report question is open (period, mandate or State)."""
        session = self.repo.get_session(user["id"]) or {}
        asked = session.get("report", {})
        if asked.get("step") == "period":
            return self._period_chosen(user, text)
        if asked.get("step") == "scope":
            return [Reply(_("Choose with the buttons: all cases, one mandate or one State."),
                          error=True)]  # fmt: skip
        if asked.get("step") == "mandate":
            found = match_mandate(text)
            if len(found) != 1:
                return [Reply(_("Name one mandate, e.g. WGAD or SR HRDs."), error=True)]
            mandate = found[0].short_name
            return self._send(user, asked["period"], private, update_id, mandate=mandate)
        state = resolve_state(text)
        if state is None:
            return [Reply(_("Name one State, e.g. Burundi or BDI."), error=True)]
        return self._send(user, asked.get("period", ""), private, update_id, state=state.code)

    def _period_chosen(self, user: dict[str, Any], text: str) -> list[Reply]:
        try:
            period = parse_period(text, self.service.today(), self.service.tz)
        except PeriodError as exc:
            self._ask(user, "period")
            return [Reply(str(exc), error=True)]
        self._ask(user, "scope", period=text)
        buttons = [Button(_(label), f"r:s:{key}") for label, key in SCOPES]
        if user["role"] == "admin":
            buttons.append(Button(_("All, with confidential names"), "r:s:confidential"))
        text = _("{period}. Which cases?").format(period=period.label)
        return [Reply(text, buttons=buttons, title=_("Report"))]

    def _scope_chosen(
        self, user: dict[str, Any], scope: str, private: bool, update_id: int | None
    ) -> list[Reply]:
        session = self.repo.get_session(user["id"]) or {}
        period = session.get("report", {}).get("period")
        if period is None:
            text = _("That button is out of date; start again with /report.")
            return [Reply(text, error=True)]
        if scope in ("mandate", "state"):
            self._ask(user, scope, period=period)
            if scope == "mandate":
                return [Reply(_("Which mandate? e.g. WGAD or SR HRDs"))]
            return [Reply(_("Which State? e.g. Burundi or BDI"))]
        if scope == "confidential" and not (user["role"] == "admin" and private):
            return [Reply(_("Only an admin, in a private chat, can ask for names."), error=True)]
        return self._send(user, period, private, update_id, confidential=scope == "confidential")

    def _state_profile(
        self, user: dict[str, Any], name: str, private: bool, update_id: int | None
    ) -> list[Reply]:
        state = resolve_state(name) if name else None
        if state is None:
            return [Reply(_("Which State? For example /report state Burundi."), error=True)]
        today = self.service.today()
        label = _("{name}: the whole record to {date}").format(
            name=state.name, date=today.isoformat()
        )
        return self._build(user, RECORD_START, today, label, private, update_id, state=state.code)

    def _mandate_profile(
        self, user: dict[str, Any], name: str, private: bool, update_id: int | None
    ) -> list[Reply]:
        found = match_mandate(name) if name else []
        if len(found) != 1:
            return [Reply(_("Which mandate? For example /report mandate WGAD."), error=True)]
        today = self.service.today()
        label = _("{name}: the whole record to {date}").format(
            name=found[0].short_name, date=today.isoformat()
        )
        return self._build(user, RECORD_START, today, label, private, update_id,
                           mandate=found[0].short_name)  # fmt: skip

    def _send(
        self,
        user: dict[str, Any],
        period_text: str,
        private: bool,
        update_id: int | None,
        **scope: Any,
    ) -> list[Reply]:
        try:
            period = parse_period(period_text, self.service.today(), self.service.tz)
        except PeriodError as exc:
            return [Reply(str(exc), error=True)]
        return self._build(user, period.start, period.end, period.label, private, update_id,
                           **scope)  # fmt: skip

    def replayed(
        self, user: dict[str, Any], update_id: int | None, private: bool
    ) -> list[Reply] | None:
        """The report built for this very message or tap, built again, if it is that update
        delivered again after a restart (the process was killed before the report went out:
        the question it answered is gone from the session, which still names the update).
        None for any other update."""
        session = self.repo.get_session(user["id"]) or {}
        built = session.get(BUILT)
        if update_id is None or not isinstance(built, dict) or built.get("update") != update_id:
            return None
        scope = built["scope"]
        if scope.get("confidential") and not (user["role"] == "admin" and private):
            return [Reply(_("Only an admin, in a private chat, can ask for names."), error=True)]
        start, end = date.fromisoformat(built["start"]), date.fromisoformat(built["end"])
        return self._build(user, start, end, built["label"], private, update_id, **scope)

    def _build(
        self,
        user: dict[str, Any],
        start: date,
        end: date,
        label: str,
        private: bool,
        update_id: int | None,
        **scope: Any,
    ) -> list[Reply]:
        """The report; the session keeps what it was built from and for which update, so
        that the same update delivered again after a kill gets it (see `replayed`)."""
        built = {"update": update_id, "start": start.isoformat(), "end": end.isoformat(),
                 "label": label, "scope": scope}  # fmt: skip
        self._session(user, report=None, **{BUILT: built if update_id is not None else None})
        invitations = standing.invitations(self.repo)
        with self.repo.stepped_aside():  # seconds of reading: other users go on meanwhile
            report = compile_report(
                self.repo.iter_cases(), start, end, today=self.service.today(), label=label,
                rules=self.service.rules, overrides=self.service.overrides,
                registry=self.service.registry, standing_invitations=invitations,
                users=self.repo.list_users(), from_first_record=start == RECORD_START, **scope,
            )  # fmt: skip
            if report.confidential:
                record_confidential_request(self.repo, report, actor=user["id"], via="chat")
            files = report_files(report)
        return [Reply(summary_text(report), title=_("Report"), files=files)]

    def _ask(self, user: dict[str, Any], step: str, **extra: Any) -> None:
        self._session(user, report={"step": step, **extra})

    def _session(self, user: dict[str, Any], **changes: Any) -> None:
        """Change only these keys: the checklist the user is in stays where it was."""
        session = {**(self.repo.get_session(user["id"]) or {}), **changes}
        self.repo.put_session(user["id"], {k: v for k, v in session.items() if v is not None})

    # ---- /find and /export ------------------------------------------------------------
    def find(self, user: dict[str, Any], text: str, page: int, private: bool) -> Reply:
        if not text.strip():
            return Reply(_("What should I look for? e.g. /find Burundi, /find reprisal"),
                         error=True)  # fmt: skip
        with self.repo.stepped_aside():
            found = search(self.repo, text, user, private_chat=private,
                           registry=self.service.registry)  # fmt: skip
        self._session(user, find=text)
        title = _("Found for “{text}”").format(text=text[:40])
        return case_list(found, page, title, page_token="fp")

    def export(self, user: dict[str, Any], private: bool) -> list[Reply]:
        if user["role"] != "admin" or not private:
            text = _("Only an admin, in a private chat, can export the data.")
            return [Reply(text, error=True)]
        from workflows.records.export import export_json

        stream = io.BytesIO()
        with self.repo.stepped_aside():
            count = export_json(self.repo, stream, registry=self.service.registry,
                                actor=user["id"], now=self.service.clock.now())  # fmt: skip
        name = f"followup-export-{self.service.today().isoformat()}.json"
        attachment = Attachment(name, stream.getvalue(), "application/json")
        # English says "cases" even for one, as it always has; other languages agree in number.
        text = ngettext(
            "Export of {count} cases (no confidential answers).",
            "Export of {count} cases (no confidential answers).",
            count,
        ).format(count=count)
        return [Reply(text, files=[attachment])]


def report_files(report: Report) -> list[Attachment]:
    """The Word report, the CSV rows and the reply-rate chart, named after the period and
    the mandate or State of a profile."""
    stem = file_stem(report)
    files = []
    for suffix, mime, writer in (
        (".docx", DOCX, write_docx),
        (".csv", "text/csv", write_csv),
        ("-reply-rate.png", "image/png", write_chart),
    ):
        stream = io.BytesIO()
        writer(report, stream)
        files.append(Attachment(stem + suffix, stream.getvalue(), mime))
    return files
