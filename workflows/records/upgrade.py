"""Bringing cases written by older versions to today's model (data folder schema 3):
communications here, visits in `workflows.records.visit_upgrade`.

Storage applies these once, crash-safely, when a folder is opened (`storage.migrations`):
each is a pure function from every case of the folder to every case after the change, and
must be idempotent (a folder restored from a plain copy of the case files has no schema
version and is upgraded again). The program opens its folder with `open_data`.

What changes for communications (issue 10, OHCHR's practice):

- Types JAL/JUA/JOL become AL/UA/OL; "joint" follows from the two or more mandates, and a
  case whose old type said joint keeps `joint: true` (some name one mandate only). The
  reference is rewritten the same way and the old one kept in `aliases`, so `/case` and
  `/find` still find "JAL IRN 1/2017".
- A letter to several addressees becomes one communication per addressee, even one an
  officer is editing (a draft never saved is split when it is saved). The addressee whose
  series the reference is in (else the first) keeps the case (its id, reference, replies,
  follow-up, files and history, untouched); each other
  addressee gets a case of its own with the next number in its series for the year and the
  old reference as an alias, linked to the others in `group`. A reply recorded before the
  upgrade did not say who replied: it stays with the first letter, and each new letter says
  so in its audit entry so that staff can check. The new letters carry `reply_unknown`
  (as do follow-up letters below): the old record never said whether they were answered,
  so they do not count towards naming a State as persistently non-cooperating.
- A follow-up action "letter" becomes a follow-up communication of its own (its reference
  as recorded if it is a valid, unused one, else the next number in the series), linked both
  ways (`follows`, `followups`); the action itself stays in the case as it was recorded.
- Publication was not recorded before: reminders to publish letters and replies whose
  deadline had already passed at the upgrade are dismissed (with that reason), so an upgrade
  does not flood officers with years of reminders; the deadlines still count in reports. So
  are the reply and follow-up reminders already due on the letters the upgrade made
  (`reply_unknown`). Deadlines follow the admin's per-mandate rules, read from the folder.
- Standing invitations answered on version-1 visit requests become the per-State setting,
  once (`lift_standing_invitations`, after the folder is open).
- A damaged case file is set aside in quarantine/ as every read does; the rest upgrade.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from storage.migrations import UPGRADE_NOTE, CaseUpgrade, peek_setting
from storage.repository import Case, Repository
from storage.tinydb_repo import TinyDBRepository
from workflows.cases import standing
from workflows.cases.references import JOINT_TYPES, Reference, parse_reference, series_of
from workflows.cases.service import (
    COMMUNICATION_INTAKE,
    FOLLOWUP,
    OVERRIDES,
    CaseService,
    Clock,
    derive,
    derived_id,
    followup_case,
)
from workflows.checklists.model import Registry
from workflows.deadlines import reminders
from workflows.deadlines.rules import Rules, deadlines, load_rules, rules_for
from workflows.records.visit_upgrade import upgrade_visit_case
from workflows.reference.dates import DEFAULT_TZ, parse_iso, today_in

PUBLICATION_RULES = ("letter_publication", "reply_publication")
UPGRADE_REASON = "publication was not recorded before the upgrade to one letter per addressee"
REPLY_RULES = ("reply", "urgent_check", "followup_letter")
MADE_REASON = "letter made by the upgrade from an older record, which never said if it was answered"
#: Setting saying the standing invitations of version-1 visit requests were lifted.
STANDING_LIFTED = "standing_invitations_lifted"


def open_data(
    data_dir: str | os.PathLike[str],
    *,
    clock: Clock | None = None,
    registry: Registry | None = None,
    rules: Rules | None = None,
    tz: str = DEFAULT_TZ,
) -> TinyDBRepository:
    """Open the program's data folder, upgrading its cases first if it needs it, and finish
    any split into one letter per addressee that a killed process left half done."""
    clock = clock or Clock()
    registry = registry or Registry.from_folder()
    rules = rules or load_rules()
    today = today_in(tz, clock.now())
    overrides = peek_setting(Path(data_dir), OVERRIDES, {}) or {}
    upgrades = case_upgrades(registry, rules, today, overrides)
    repo = TinyDBRepository(data_dir, clock=clock.now, upgrades=upgrades)
    lift_standing_invitations(repo)
    CaseService(repo, registry, clock, tz, rules).finish_splits()
    return repo


def lift_standing_invitations(repo: Repository) -> None:
    """Version-1 visit requests asked per request whether the State had a standing
    invitation; those answers become the per-State setting once (audited), merged under
    what is recorded already. A second setting says it was done, so a standing invitation
    removed later with /standing is not lifted back; a crash between the two writes only
    repeats the merge, which changes nothing the second time."""
    if repo.get_setting(STANDING_LIFTED) is not None:
        return
    with repo.stepped_aside():
        lifted = standing.from_cases(c for c in repo.iter_cases() if c.get("kind") == "visit")
    known = standing.invitations(repo)
    merged = {**lifted, **known}
    if merged != known:
        repo.set_setting(standing.SETTING, merged, actor="upgrade")
    repo.set_setting(STANDING_LIFTED, {"lifted": sorted(lifted.keys() - known.keys())},
                     actor="upgrade")  # fmt: skip


def case_upgrades(
    registry: Registry, rules: Rules, today: date, overrides: Mapping[str, Any] | None = None
) -> tuple[CaseUpgrade, ...]:
    """Every upgrade to schema 3, in order; the last recomputes what is derived (with the
    admin's per-mandate rule `overrides`, as the running bot does), so another domain's
    upgrade goes before it (a per-case function through `each_case`)."""
    intake_version = registry.latest(COMMUNICATION_INTAKE).version
    return (
        each_case(joint_types),
        one_letter_per_addressee,
        lambda cases: followup_letters(cases, intake_version),
        each_case(upgrade_visit_case),
        rederived(registry, rules, today, overrides or {}),
    )


def each_case(upgrade: Callable[[Case], Case]) -> CaseUpgrade:
    """A folder-wide upgrade from a function of one case (the common shape)."""
    return lambda cases: [upgrade(case) for case in cases]


# ---- types ----------------------------------------------------------------------------------
def joint_types(case: Case) -> Case:
    """JAL/JUA/JOL -> AL/UA/OL in the type and the reference; the old reference an alias."""
    if case.get("kind") != "communication" or not case.get("runs"):
        return case
    answers = case["runs"][0]["answers"]
    old_type = answers.get("comm_type")
    if old_type in JOINT_TYPES:
        answers["comm_type"] = JOINT_TYPES[old_type]
        case["joint"] = True  # "joint" no longer in the type, and may be one mandate named
        _note(case, types=f"{old_type} -> {answers['comm_type']}")
    reference = parse_reference(str(answers.get("reference") or ""))
    if reference is not None and reference.type in JOINT_TYPES:
        answers["reference"] = str(_retyped(reference))
        _alias(case, str(reference))
    return case


def _retyped(reference: Reference) -> Reference:
    return Reference(reference.current_type, reference.series, reference.number, reference.year)


# ---- one letter per addressee ---------------------------------------------------------------
class _Numbers:
    """Next free number per series and year, from every reference already in the folder."""

    def __init__(self, cases: list[Case]) -> None:
        self._highest: dict[tuple[str, int], int] = {}
        for case in cases:
            for text in _references_in(case):
                self.take(text)

    def take(self, text: str) -> bool:
        """Count `text` as used; False if it is not a reference."""
        reference = parse_reference(text)
        if reference is None:
            return False
        key = (reference.series, reference.year)
        self._highest[key] = max(self._highest.get(key, 0), reference.number)
        return True

    def next(self, kind: str, series: str, year: int) -> str:
        number = self._highest.get((series, year), 0) + 1
        self._highest[(series, year)] = number
        return f"{kind} {series} {number}/{year}"


def _references_in(case: Case) -> list[str]:
    found = [str(case.get("reference") or ""), *(case.get("aliases") or [])]
    for run in case.get("runs") or []:
        for key in ("reference", "followup_reference"):
            if run["answers"].get(key):
                found.append(str(run["answers"][key]))
    return found


def one_letter_per_addressee(cases: list[Case]) -> list[Case]:
    """Each communication to several addressees becomes one per addressee (see the module
    docstring). New numbers are given in order of date sent, then case id."""
    numbers = _Numbers(cases)
    existing = {case["id"] for case in cases}
    added: list[Case] = []
    for case in sorted(cases, key=_sent_then_id):
        added += _split(case, numbers, existing)
    return [*cases, *added]


def _sent_then_id(case: Case) -> tuple[str, str]:
    runs = case.get("runs") or []
    sent = runs[0]["answers"].get("date_sent") if runs else None
    return (str(sent or ""), str(case["id"]))


def _split(case: Case, numbers: _Numbers, existing: set[str]) -> list[Case]:
    """A saved letter (even one an officer is editing now) to several addressees. The
    addressee whose series the reference is in keeps this case and the reference (JAL IRN
    1/2017 to Türkiye and Iran: Iran keeps it); the others get the next numbers. A draft
    never saved is left whole: saving it asks one reference per addressee."""
    runs = case.get("runs") or []
    saved = runs and (runs[0]["status"] == "done" or case.get("status") in ("open", "closed"))
    if case.get("kind") != "communication" or not saved:
        return []
    answers = runs[0]["answers"]
    actors = answers.get("addressees") or []
    reference = parse_reference(str(answers.get("reference") or ""))
    if len(actors) < 2 or reference is None:
        return []
    keeper = next((a for a in actors if series_of(a) == reference.series), actors[0])
    old = (case.get("aliases") or [str(reference)])[0]
    letters: list[Case] = []
    ids = [case["id"]]
    for position, actor in enumerate(actors, start=1):
        letter_id = derived_id(case["id"], f"addressee:{position}")
        if actor is keeper or letter_id in existing:
            continue
        ids.append(letter_id)
        given = numbers.next(reference.current_type, series_of(actor), reference.year)
        letters.append(_letter(case, letter_id, actor, given, old))
    answers["addressees"] = [keeper]
    group = list(dict.fromkeys([*(case.get("group") or []), *ids]))
    for letter in [case, *letters]:
        letter["group"] = group
    _note(case, split_into=ids[1:], replies_stay_here=bool(runs[1:]))
    return letters


def _letter(case: Case, letter_id: str, actor: dict[str, str], reference: str, old: str) -> Case:
    """Another addressee's letter: the intake and any closure; replies and follow-up stay
    with the first letter, since the old record did not say whose they were."""
    runs = case["runs"]
    closures = [r for r in runs[1:] if r["checklist"] == "communication_closure"]
    kept = [runs[0], *(r for r in closures if r["status"] == "done")]
    letter = copy.deepcopy({**case, "runs": kept})
    letter["runs"][0].update(status="done", position=None, pending=None)  # saved before
    letter["runs"][0]["answers"].update(addressees=[actor], reference=reference)
    letter.update(
        id=letter_id, reference=reference, label=reference, aliases=[old], reply_unknown=True
    )
    for key in ("followups", "reminders", "seen", UPGRADE_NOTE):
        letter.pop(key, None)
    letter[UPGRADE_NOTE] = {
        "split_from": case["id"],
        "note": f"one letter per addressee; replies and follow-up recorded before the upgrade "
        f"stay with {case['id']}: check whether {actor.get('name')} replied",
    }
    return letter


# ---- follow-up letters ----------------------------------------------------------------------
def followup_letters(cases: list[Case], intake_version: int) -> list[Case]:
    """Each follow-up action "letter" as a follow-up communication of its own."""
    numbers = _Numbers(cases)
    taken = {str(ref) for case in cases if (ref := parse_reference(str(case.get("reference"))))}
    existing = {case["id"] for case in cases}
    added: list[Case] = []
    for case in sorted(cases, key=_sent_then_id):
        if case.get("kind") != "communication" or not case.get("runs"):
            continue
        for index, run in enumerate(case["runs"]):
            if run["checklist"] != FOLLOWUP or run["status"] != "done":
                continue
            action = run["answers"]
            letter_id = derived_id(case["id"], f"followup:{index}")
            if action.get("action_type") != "letter" or not action.get("action_date"):
                continue
            if letter_id not in existing:
                reference = _followup_reference(case, action, numbers, taken)
                taken.add(reference)
                letter = followup_case(
                    case, letter_id, {**action, "followup_reference": reference}, intake_version
                )
                typed = str(action.get("followup_reference") or "")
                if typed and typed != reference:
                    letter["aliases"] = [typed]
                letter["reply_unknown"] = True
                if case.get("joint"):
                    letter["joint"] = True
                letter[UPGRADE_NOTE] = {"followup_of": case["id"], "run": index}
                added.append(letter)
                existing.add(letter_id)
            if letter_id not in (case.get("followups") or []):
                case["followups"] = [*(case.get("followups") or []), letter_id]
                _note(case, followups=case["followups"])
    return [*cases, *added]


def _followup_reference(
    case: Case, action: dict[str, Any], numbers: _Numbers, taken: set[str]
) -> str:
    """The reference recorded for the follow-up letter if it is a valid, unused one in the
    addressee's series; otherwise the next number in that series for the year sent."""
    answers = case["runs"][0]["answers"]
    actors = answers.get("addressees") or []
    series = series_of(actors[0]) if actors else "OTH"
    year = parse_iso(action["action_date"]).year
    typed = parse_reference(str(action.get("followup_reference") or ""))
    if typed is not None and typed.series == series and str(_retyped(typed)) not in taken:
        return str(_retyped(typed))
    kind = JOINT_TYPES.get(answers.get("comm_type", "AL"), answers.get("comm_type", "AL"))
    return numbers.next(kind, series, year)


# ---- derived fields -------------------------------------------------------------------------
def rederived(
    registry: Registry, rules: Rules, today: date, overrides: Mapping[str, Any]
) -> CaseUpgrade:
    """Label, reference, status and reminder dates recomputed for the new model (the new
    publication deadlines move `next_alert`), each case under its mandates' rules, after
    the reminders already due that the old records could not have answered are dismissed
    (see the module docstring)."""

    def upgrade(cases: list[Case]) -> list[Case]:
        for case in cases:
            case_rules = rules_for(case, rules, overrides)
            if case.get("kind") == "communication" and case.get("runs"):
                _dismiss_old(case, case_rules, today)
            derive(case, registry, case_rules)
        return cases

    return upgrade


def _dismiss_old(case: Case, rules: Rules, today: date) -> None:
    """Publication was never recorded; a letter the upgrade made (`reply_unknown`) never
    had its reply or follow-up recorded: their reminders already due are dismissed, so
    the first sweep after the upgrade does not send years of them."""
    for deadline in deadlines(case, rules):
        if deadline.rule in PUBLICATION_RULES:
            reason = UPGRADE_REASON
        elif case.get("reply_unknown") and deadline.rule in REPLY_RULES:
            reason = MADE_REASON
        else:
            continue
        dismissed = reminders.reminder_state(case)["dismissed"].get(deadline.rule)
        if deadline.due < today and not deadline.met and dismissed != deadline.due.isoformat():
            reminders.dismiss(case, deadline, reason, "system")


# ---- helpers --------------------------------------------------------------------------------
def _alias(case: Case, reference: str) -> None:
    if reference not in (case.get("aliases") or []):
        case["aliases"] = [*(case.get("aliases") or []), reference]


def _note(case: Case, **what: Any) -> None:
    case[UPGRADE_NOTE] = {**(case.get(UPGRADE_NOTE) or {}), **what}
