"""A hand-checked data set for the report tests: 45 communications and 8 visits.

One letter per addressee, as OHCHR records them: #5, once a joint letter to Myanmar and a
company, is #5 (Myanmar) and #35 (the company), linked as a group. Follow-up letters are
communications of their own, linked to the letter they follow up: #36 (follows #1), #37
(#16), #38 (P2) and P7 (P4). "Joint" is two or more mandates; references say AL, UA or OL.

Every case is written out literally so that the expected figures in test_report_figures.py
can be worked out by hand from this file alone (the comments there show the working). The
report period is 2017 and "today" is 1 February 2018, so every 2017 reply deadline except
those of late-2017 letters has passed.

Built in code (not stored JSON) so a reader sees the answers next to the case they belong to.
`fill` and `copy_of` put the same cases in a data folder. (Not a conftest.py: one here
would shadow tests/conftest.py, which other test modules import as `conftest`.)
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from storage.lock import LOCK_FILE
from storage.tinydb_repo import open_repository

TODAY = date(2018, 2, 1)
START, END = date(2017, 1, 1), date(2017, 12, 31)
OFFICER_A, OFFICER_B, ADMIN_ID = "101", "102", "1"
#: Names in confidential answers: none may appear in a default report.
VICTIMS = ("Jean Ndayizeye", "María Dolores Cruz", "Berta Cáceres-Test", "Ana Souza", "Li Wei")

_STATE_NAMES = {
    "BDI": "Burundi", "MMR": "Myanmar", "CHN": "China", "EGY": "Egypt", "TUR": "Türkiye",
    "BRA": "Brazil", "IND": "India", "MEX": "Mexico", "CIV": "Côte d'Ivoire",
    "PHL": "Philippines", "RUS": "Russian Federation", "HND": "Honduras", "COL": "Colombia",
    "GBR": "United Kingdom", "IRN": "Iran", "VNM": "Viet Nam", "SAU": "Saudi Arabia",
}  # fmt: skip
_MANDATES = {"AL": ["WGAD"], "UA": ["SR HRDs"], "OL": ["SR Torture"]}
JOINT_MANDATES = ["WGAD", "SR HRDs"]
ACME = "Société Minière Acmé"
TOTAL = "Total Énergies SE"


def state(code: str) -> dict[str, str]:
    return {"code": code, "name": _STATE_NAMES[code], "kind": "state"}


def other(name: str) -> dict[str, str]:
    return {"code": "OTH", "name": name, "kind": "other"}


#: The checklist versions the fixture's answers follow (reprisal actions are version 1's).
_VERSIONS = {"communication_intake": 2, "communication_reply": 2, "communication_published": 1}


def run(checklist: str, **answers: Any) -> dict[str, Any]:
    return {
        "checklist": checklist,
        "version": _VERSIONS.get(checklist, 1),
        "status": "done",
        "position": None,
        "answers": answers,
        "skipped": [],
        "pending": None,
    }


def communication(
    number: int,
    reference: str,
    sent: str,
    *,
    to: list[dict[str, str]] | None = None,
    reply: str | None = None,
    actions: tuple[tuple[str, str], ...] = (),
    themes: tuple[str, ...] = (),
    victims: str | None = None,
    owner: str = OFFICER_A,
    closed: str | None = None,
    joint: bool = False,
    published: str | None = None,
    reply_published: str | None = None,
    links: dict[str, Any] | None = None,
) -> dict[str, Any]:
    comm_type, code, _ = reference.split(" ")
    intake: dict[str, Any] = {
        "comm_type": comm_type,
        "addressees": to or [state(code)],
        "date_sent": sent,
        "mandates": JOINT_MANDATES if joint else _MANDATES[comm_type],
        "reference": reference,
        "summary": f"Allegations in communication {reference}.",
    }
    if themes:
        intake["themes"] = list(themes)
    if victims:
        intake["victims"] = victims
    runs = [run("communication_intake", **intake)]
    if reply:
        published_on = {"reply_published": reply_published} if reply_published else {}
        runs.append(run("communication_reply", reply_date=reply, reply_language="EN",
                        reply_nature="substantive", reply_confidential=False,
                        **published_on))  # fmt: skip
    if published:
        runs.append(run("communication_published", letter_published=published))
    for action_type, action_date in actions:
        # Consent to be named is asked only for the SG report; only the PHL person gave it.
        extra = {"consent": "PHL" in reference} if action_type == "sg_report" else {}
        runs.append(run("communication_followup", action_type=action_type,
                        action_date=action_date, **extra))  # fmt: skip
    if closed:
        runs.append(run("communication_closure", closure_reason="answered", closure_date=closed))
    return {
        **(links or {}),
        "id": f"c{number:010d}",
        "kind": "communication",
        "owner": owner,
        "status": "closed" if closed else "open",
        "reference": reference,
        "label": reference,
        "created_at": f"{sent}T09:00:00+00:00",
        "runs": runs,
        "files": [],
        "history": [],
    }


def cid(number: int) -> str:
    return f"c{number:010d}"


def _communications() -> list[dict[str, Any]]:
    b = OFFICER_B
    c = communication
    return [
        # --- 2016: outside the period; P2, P4, P5 fall in the previous joint report's
        #     window (sent 1 Jun-30 Nov 2016, March 2017 session), P6 just after it.
        c(101, "AL CHN 1/2016", "2016-03-10", reply="2016-04-20", closed="2016-05-01"),  # P1
        c(102, "AL CHN 5/2016", "2016-07-05", themes=("reprisal",), victims="Li Wei",
          actions=(("letter", "2017-01-20"), ("asg", "2017-02-01")),
          links={"followups": [cid(38)]}),  # P2
        c(103, "UA EGY 3/2016", "2016-08-15", reply="2016-09-01", closed="2016-10-01"),  # P3
        c(104, "UA TUR 2/2016", "2016-10-30", joint=True, actions=(("letter", "2016-12-15"),),
          links={"followups": [cid(107)]}),  # P4
        c(105, "OL BRA 1/2016", "2016-11-30", owner=b),  # P5
        c(106, "AL IND 2/2016", "2016-12-01", owner=b),  # P6
        # --- 2017: the 38 communications of the period, numbered 1-38 in the tests.
        c(1, "AL BDI 1/2017", "2017-02-10", actions=(("letter", "2017-05-15"),),
          links={"followups": [cid(36)]}),
        c(2, "UA BDI 2/2017", "2017-05-03", themes=("reprisal", "hrd"), victims=VICTIMS[0]),
        c(3, "AL BDI 3/2017", "2017-09-20", joint=True, actions=(("statement", "2018-01-05"),)),
        c(4, "OL OTH 1/2017", "2017-04-12", to=[other(ACME)], reply="2017-05-30"),
        c(5, "OL MMR 1/2017", "2017-07-01", joint=True, links={"group": [cid(5), cid(35)]}),
        c(6, "AL CHN 1/2017", "2017-01-16", reply="2017-03-01", reply_published="2017-03-02",
          published="2017-03-20"),
        c(7, "AL CHN 2/2017", "2017-03-06", reply="2017-06-20", themes=("reprisal",),
          actions=(("sg_report", "2017-08-01"),)),
        c(8, "UA CHN 3/2017", "2017-08-08", actions=(("statement", "2017-08-20"),)),
        c(9, "UA EGY 1/2017", "2017-01-25", joint=True, reply="2017-02-10"),
        c(10, "AL EGY 2/2017", "2017-06-14", reply="2017-08-13"),
        c(11, "OL EGY 3/2017", "2017-11-02"),
        c(12, "AL TUR 1/2017", "2017-02-02", reply="2017-03-20"),
        c(13, "AL TUR 2/2017", "2017-10-10", joint=True, reply="2017-12-20"),
        c(14, "UA BRA 1/2017", "2017-03-15", reply="2017-04-01"),
        c(15, "AL BRA 2/2017", "2017-12-28"),
        c(16, "AL IND 1/2017", "2017-04-04", actions=(("letter", "2017-07-10"),),
          links={"followups": [cid(37)]}),
        c(17, "AL IND 2/2017", "2017-08-30", joint=True, reply="2017-09-15"),
        c(18, "OL MEX 1/2017", "2017-05-22", reply="2017-07-01", owner=b),
        c(19, "UA MEX 2/2017", "2017-12-05", joint=True, reply="2017-12-22", owner=b),
        c(20, "AL CIV 1/2017", "2017-06-01", reply="2017-09-01", owner=b),
        c(21, "UA PHL 1/2017", "2017-02-20", themes=("reprisal",), victims=VICTIMS[1], owner=b,
          actions=(("asg", "2017-03-10"), ("sg_report", "2017-06-15"))),
        c(22, "AL PHL 2/2017", "2017-07-19", reply="2017-08-01", owner=b),
        c(23, "OL RUS 1/2017", "2017-03-30", joint=True, reply="2017-05-29", owner=b),
        c(24, "AL RUS 2/2017", "2017-09-01", owner=b),
        c(25, "AL HND 1/2017", "2017-01-10", reply="2017-02-01", owner=b,
          published="2017-03-15"),
        c(26, "UA HND 2/2017", "2017-06-06", reply="2017-06-10", themes=("hrd",),
          victims=VICTIMS[2], owner=b),
        c(27, "AL COL 1/2017", "2017-04-18", joint=True, reply="2017-07-18", owner=b),
        c(28, "AL COL 2/2017", "2017-10-02", reply="2017-11-20", owner=b),
        c(29, "OL GBR 1/2017", "2017-05-05", reply="2017-06-01", owner=b),
        c(30, "UA IRN 1/2017", "2017-08-21", joint=True, owner=b),
        c(31, "AL IRN 2/2017", "2017-11-15", owner=b),
        c(32, "AL VNM 1/2017", "2017-03-03", reply="2017-04-28", owner=b),
        c(33, "UA SAU 1/2017", "2017-12-10", owner=b),
        c(34, "OL OTH 2/2017", "2017-10-20", to=[other("SOCIETE MINIERE ACME")], owner=b),
        # #5's letter to the company: same allegations, its own reference, no reply.
        c(35, "OL OTH 3/2017", "2017-07-01", joint=True, to=[other(TOTAL)],
          links={"group": [cid(5), cid(35)]}),
        # Follow-up letters: #36 follows #1, #37 follows #16 (answered), #38 follows P2.
        c(36, "AL BDI 4/2017", "2017-05-15", links={"follows": cid(1)}),
        c(37, "AL IND 3/2017", "2017-07-10", reply="2017-08-01", links={"follows": cid(16)}),
        c(38, "AL CHN 4/2017", "2017-01-20", links={"follows": cid(102)}),
        # P7: P4's follow-up letter, sent in December 2016.
        c(107, "UA TUR 3/2016", "2016-12-15", joint=True, links={"follows": cid(104)}),
    ]  # fmt: skip


def visit(
    number: int,
    code: str,
    requested: str,
    *,
    mandates: tuple[str, ...] = ("WGAD",),
    standing: bool = False,
    reprisal: bool = False,
    timeframe: str | None = None,
    events: tuple[dict[str, Any], ...] = (),
    conducted: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
    owner: str = OFFICER_A,
    closed: str | None = None,
) -> dict[str, Any]:
    intake: dict[str, Any] = {
        "state": state(code),
        "mandates": list(mandates),
        "request_date": requested,
        "standing_invitation": standing,
        "reprisal": reprisal,
    }
    if timeframe:
        intake["timeframe"] = timeframe
    runs = [run("visit_request", **intake)]
    runs += [run("visit_response", **event) for event in events]
    if conducted:
        runs.append(run("visit_conducted", **conducted))
    if report:
        runs.append(run("visit_report", **report))
    if closed:
        runs.append(run("visit_closure", closure_reason="declined", closure_date=closed))
    return {
        "id": f"v{number:010d}",
        "kind": "visit",
        "owner": owner,
        "status": "closed" if closed else "open",
        "reference": None,
        "label": f"Visit to {_STATE_NAMES[code]}",
        "created_at": f"{requested}T09:00:00+00:00",
        "runs": runs,
        "files": [],
        "history": [],
    }


def event(kind: str, on: str, **extra: Any) -> dict[str, Any]:
    return {"event": kind, "event_date": on, **extra}


def _visits() -> list[dict[str, Any]]:
    b = OFFICER_B
    return [
        # V1 Honduras: visited May 2016, report presented 13 months later (June 2017).
        visit(1, "HND", "2015-06-01", mandates=("SR HRDs",), events=(
            event("accepted", "2015-09-01"),
            event("agreed", "2016-01-15", visit_start="2016-05-02", visit_end="2016-05-12"),
        ), conducted={"visited_from": "2016-05-02", "visited_to": "2016-05-12",
                      "announced_on": "2016-04-20", "eom_statement": True,
                      "eom_date": "2016-05-12", "reprisal_during": False},
           report={"report_symbol": "A/HRC/35/23/Add.1", "session": 35,
                   "presented_on": "2017-06-13"}),
        # V2 Brazil: requested, answered and visited in 2017, with reprisal allegations.
        visit(2, "BRA", "2017-02-01", mandates=("SR HRDs",), standing=True,
              timeframe="second half of 2017", events=(
            event("acknowledged", "2017-03-01"),
            event("accepted", "2017-04-10"),
            event("agreed", "2017-06-01", visit_start="2017-11-06", visit_end="2017-11-17",
                  event_notes="Dates agreed for November"),
        ), conducted={"visited_from": "2017-11-06", "visited_to": "2017-11-17",
                      "announced_on": "2017-09-15", "eom_statement": True,
                      "eom_date": "2017-11-17", "reprisal_during": True,
                      "victims": VICTIMS[3]}),
        # V3 Myanmar: requested in 2017 with a reprisal concern; no response at all.
        visit(3, "MMR", "2017-03-15", reprisal=True),
        # V4 Egypt: requested in 2017, reminded, then declined.
        visit(4, "EGY", "2017-05-10", events=(
            event("reminder", "2017-08-10"),
            event("declined", "2017-09-01", event_notes="Not convenient"),
        )),
        # V5 China: requested in 2016, a reminder, never answered: outstanding.
        visit(5, "CHN", "2016-04-01", mandates=("SR HRDs",), owner=b,
              events=(event("reminder", "2016-10-01"),)),
        # V6 Türkiye: accepted in 2016, postponed in 2017: still outstanding.
        visit(6, "TUR", "2015-11-20", owner=b, events=(
            event("accepted", "2016-02-01"),
            event("postponed", "2017-03-05", event_notes="Postponed to 2018"),
        )),
        # V7 India: declined in 2015 and closed; nothing in 2017.
        visit(7, "IND", "2014-05-05", owner=b, closed="2015-02-01",
              events=(event("declined", "2015-01-10"),)),
        # V8 Mexico: requested 2016, visited April 2017 on 14 days' notice, no report yet.
        visit(8, "MEX", "2016-09-01", standing=True, timeframe="first half of 2017", owner=b,
              events=(
            event("accepted", "2016-11-15"),
            event("agreed", "2017-01-10", visit_start="2017-04-03", visit_end="2017-04-13",
                  event_notes="Visit planned April 2017"),
        ), conducted={"visited_from": "2017-04-03", "visited_to": "2017-04-13",
                      "announced_on": "2017-03-20", "eom_statement": False,
                      "reprisal_during": False}),
    ]  # fmt: skip


def cases() -> list[dict[str, Any]]:
    """A fresh copy each time (tests may change one)."""
    return _communications() + _visits()


# ---- the same cases in a data folder ------------------------------------------------------


def fill(folder: Path) -> Path:
    """Save the users and the 53 cases in a new data folder (about a second: one fsync per
    save), so test modules build it once and copy it per test with `copy_of`."""
    repo = open_repository(folder)
    try:
        repo.put_user({"id": ADMIN_ID, "role": "admin"}, actor="test")
        for user_id in (OFFICER_A, OFFICER_B):
            repo.put_user({"id": user_id, "role": "officer"}, actor="test")
        for case in cases():
            repo.save_case(case, actor="test", action="create", detail={})
    finally:
        repo.close()
    return folder


def copy_of(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, ignore=shutil.ignore_patterns(LOCK_FILE))
    return target


# ---- version-2 visits and the reprisal checklist (issue 10) -------------------------------
# Kept apart from cases() so the figures above stay as worked out; test_visits_v2.py works
# out its own. Two States are stored under the names an older version wrote ("Syria",
# "Turkey"): reports must show the UN names all the same.
V2_VICTIMS = ("Ayşe Tanrikulu-Test", "Kim Chol-Test")
STANDING = {"TUR": {"since": "2001-03-01"}, "GBR": {"since": "2001-03-29"}}


def versioned(checklist: str, version: int, **answers: Any) -> dict[str, Any]:
    return {**run(checklist, **answers), "version": version}


def response(kind: str, on: str, **extra: Any) -> dict[str, Any]:
    return versioned("visit_response", 2, event=kind, event_date=on, **extra)


def reprisal(on: str, consent: str, outcome: str, **extra: Any) -> dict[str, Any]:
    return versioned("reprisal", 1, incident="Questioned by police after a meeting",
                     incident_date=on, consent=consent, outcome=outcome, **extra)  # fmt: skip


def visit_v2(
    number: int,
    actor: dict[str, str],
    *,
    requested: str | None = None,
    invited: str | None = None,
    later: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    intake: dict[str, Any] = {
        "origin": "invitation" if invited else "request",
        "state": actor,
        "mandates": ["WGAD"],
    }
    intake |= {"request_date": requested} if requested else {"invited_on": invited}
    return {
        "id": f"w{number:010d}",
        "kind": "visit",
        "owner": OFFICER_A,
        "status": "open",
        "reference": None,
        "label": f"Visit to {actor['name']}",
        "created_at": f"{requested or invited}T09:00:00+00:00",
        "runs": [versioned("visit_request", 2, **intake), *later],
        "files": [],
        "history": [],
    }


def visits_v2() -> list[dict[str, Any]]:
    """Seven version-2 visits (W1-W7) and one communication with a reprisal (C1)."""
    syria = {"code": "SYR", "name": "Syria", "kind": "state"}
    turkey = {"code": "TUR", "name": "Turkey", "kind": "state"}
    letter = communication(201, "AL BDI 9/2017", "2017-08-01")
    letter["runs"].append(reprisal(
        "2017-08-15", "anonymous", "resolved", consent_date="2017-08-20", referrals=["hc"],
        hc_on="2017-08-25", sg_report="submitted", sg_report_on="2017-09-01"))  # fmt: skip
    return [
        # W1 Syria: requested March 2016, two reminders, never answered.
        visit_v2(1, syria, requested="2016-03-01", later=(
            response("reminder", "2016-09-01"), response("reminder", "2017-02-01"))),
        # W2 Türkiye (standing invitation since 2001): accepted with dates, visited on 34
        # days' notice, terms of reference breached, draft shared and commented, a reprisal.
        visit_v2(2, turkey, requested="2017-02-01", later=(
            response("accepted", "2017-04-01", dates_agreed=True, visit_start="2017-09-04",
                     visit_end="2017-09-15"),
            versioned("visit_conducted", 2, visited_from="2017-09-04", visited_to="2017-09-15",
                      announced_on="2017-08-01", eom_statement=True, eom_date="2017-09-15",
                      eom_recommendations=True, tor_respected=False,
                      tor_refused=["movement", "contact"]),
            versioned("visit_draft", 1, draft_shared_on="2017-11-20", gov_comments=True,
                      comments_on="2017-12-15"),
            reprisal("2017-09-20", "named", "ongoing", victims=V2_VICTIMS[0],
                     consent_date="2017-09-25", referrals=["asg", "president"],
                     asg_on="2017-09-28", president_on="2017-10-02", sg_report="included",
                     sg_report_on="2018-01-10"),
        )),
        # W3 Iran: requested, then postponed.
        visit_v2(3, state("IRN"), requested="2017-03-10", later=(
            response("postponed", "2017-06-01"),)),
        # W4 Bolivia's own invitation, accepted by the mandate holder; visited on 12 days'
        # notice with the terms of reference respected.
        visit_v2(4, {"code": "BOL", "name": "Bolivia", "kind": "state"}, invited="2017-01-15",
                 later=(
            response("mh_accepted", "2017-02-01", dates_agreed=False),
            versioned("visit_conducted", 2, visited_from="2017-05-02", visited_to="2017-05-12",
                      announced_on="2017-04-20", eom_statement=True, eom_date="2017-05-12",
                      eom_recommendations=False, tor_respected=True),
        )),
        # W5 the United Kingdom's invitation, declined by the mandate holder.
        visit_v2(5, state("GBR"), invited="2017-06-01", later=(
            response("mh_declined", "2017-07-01"),)),
        # W6 DPRK: declined; a reprisal whose person did not consent (so no referral).
        visit_v2(6, {"code": "PRK", "name": "North Korea", "kind": "state"},
                 requested="2017-04-01", later=(
            response("declined", "2017-05-01"),
            reprisal("2017-06-01", "refused", "unknown", victims=V2_VICTIMS[1]),
        )),
        # W7 Honduras: visited 2015, reported 2016; a follow-up report and visit in 2017.
        visit_v2(7, state("HND"), requested="2014-01-10", later=(
            response("accepted", "2014-06-01", dates_agreed=False),
            versioned("visit_conducted", 2, visited_from="2015-03-02", visited_to="2015-03-10",
                      announced_on="2015-01-10", eom_statement=False, tor_respected=True),
            versioned("visit_report", 2, report_symbol="A/HRC/31/57/Add.3", session=31,
                      presented_on="2016-03-15"),
            versioned("visit_followup", 1, followup_kind="report", followup_date="2017-06-15",
                      followup_symbol="A/HRC/35/45/Add.1"),
            versioned("visit_followup", 1, followup_kind="visit", followup_date="2017-10-02"),
        )),
        letter,
    ]  # fmt: skip
