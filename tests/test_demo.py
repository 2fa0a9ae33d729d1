"""Demo data (`python -m bot demo`): deterministic, calibrated, consistent, and chat-shaped.

Calibration is checked on a two-year run against DESIGN.md "Scale"; what needs a longer
horizon (reports presented, recommendations followed up, cases closed) on a four-year run
built in memory. Rates are measured on letters sent at least 240 days before "today", whose
replies and follow-ups have had time to happen; the last months are still pending by design.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import run_cli
from bot.wiring import write_demo_folder as write_demo
from storage.repository import Case
from storage.tinydb_repo import open_repository
from workflows.checklists import engine
from workflows.checklists.answers import COMM_TYPES, AnswerContext
from workflows.checklists.model import Question, Registry
from workflows.deadlines.rules import answers_of, intake
from workflows.demo import Demo, DemoError, generate, windows
from workflows.reference.mandates import load_mandates
from workflows.report import compile_report

TODAY = date(2025, 6, 30)
EVENTS = ("reminder", "accepted", "postponed", "declined", "mh_accepted", "mh_declined")
PLACEHOLDER = re.compile(r"\[demo\] Person [0-9]{4}(; \[demo\] Person [0-9]{4})*")
REFERENCE = re.compile(r"(AL|UA|OL) ([A-Z]{3}) ([1-9][0-9]*)/([0-9]{4})")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo") / "data"
    write_demo(data, years=2, seed=3, today=TODAY)
    return data


@pytest.fixture(scope="module")
def cases(folder: Path) -> list[Case]:
    """The two-year run as stored, read back through a fresh open of the folder."""
    with open_repository(folder) as repo:
        return list(repo.iter_cases())


@pytest.fixture(scope="module")
def long_run() -> Demo:
    return generate(years=4, seed=11, today=TODAY)


def comms(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c["kind"] == "communication"]


def visits(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c["kind"] == "visit"]


def day(value: str) -> date:
    return date.fromisoformat(value)


def sent(case: Case) -> date:
    return day(intake(case)["date_sent"])


def mature(cases: list[Case]) -> list[Case]:
    return [c for c in comms(cases) if sent(c) <= TODAY - timedelta(days=240)]


# ---- determinism ------------------------------------------------------------------------------


def test_same_seed_same_cases_and_another_seed_other_cases() -> None:
    first = generate(years=1, seed=5, today=TODAY)
    again = generate(years=1, seed=5, today=TODAY)
    other = generate(years=1, seed=6, today=TODAY)
    assert json.dumps(first.cases) == json.dumps(again.cases)
    assert json.dumps(first.cases) != json.dumps(other.cases)
    assert {c["id"] for c in first.cases}.isdisjoint({c["id"] for c in other.cases})


def test_the_command_writes_the_same_bytes_as_the_function_and_refuses_a_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_cli, by_call = tmp_path / "cli", tmp_path / "call"
    argv = ["demo", "--years", "1", "--seed", "5", "--today", "2025-06-30"]
    assert run_cli([*argv, "--data-dir", str(by_cli)]) == 0
    line = capsys.readouterr().out
    assert re.search(r"[0-9,]+ communications to [0-9]+ States and [0-9]+ other actors", line)
    write_demo(by_call, years=1, seed=5, today=TODAY)
    names = sorted(p.name for p in (by_cli / "cases").iterdir())
    assert names == sorted(p.name for p in (by_call / "cases").iterdir())
    for name in names:
        assert (by_cli / "cases" / name).read_bytes() == (by_call / "cases" / name).read_bytes()
    assert run_cli([*argv, "--data-dir", str(by_cli)]) == 2
    assert "already holds" in capsys.readouterr().err
    with pytest.raises(DemoError):
        write_demo(by_call, years=1, seed=6, today=TODAY)


def test_spans_outside_the_calibration_are_refused(tmp_path: Path) -> None:
    assert run_cli(["demo", "--years", "0", "--data-dir", str(tmp_path / "d")]) == 2
    with pytest.raises(ValueError, match="before 2007"):
        generate(years=20, seed=1, today=date(2020, 1, 1))


# ---- calibration (DESIGN.md "Scale") ------------------------------------------------------------


def test_each_year_has_500_to_650_letters_to_about_120_states_and_25_to_75_others(
    cases: list[Case],
) -> None:
    for first, last in windows(TODAY, 2):
        year = [c for c in comms(cases) if first <= sent(c) <= last]
        actors = [a for c in year for a in intake(c)["addressees"]]
        assert 500 <= len(year) <= 650
        assert 105 <= len({a["code"] for a in actors if a["kind"] == "state"}) <= 135
        assert 25 <= len({a["name"] for a in actors if a["kind"] == "other"}) <= 75


def test_reply_rate_and_delays(cases: list[Case]) -> None:
    letters = mature(cases)
    replies = [answers_of(c, "communication_reply") for c in letters]
    assert 0.60 <= sum(bool(r) for r in replies) / len(letters) <= 0.70
    delays = [
        (day(r[0]["reply_date"]) - sent(c)).days for c, r in zip(letters, replies, strict=True) if r
    ]
    within = sum(d <= 60 for d in delays) / len(delays)
    assert 0.5 <= within <= 0.8  # many within the deadline ...
    assert max(delays) > 150  # ... and a tail


def test_about_a_third_get_follow_up_letters_or_statements(cases: list[Case]) -> None:
    letters = [c for c in mature(cases) if not c.get("follows")]
    kinds = [{a["action_type"] for a in answers_of(c, "communication_followup")} for c in letters]
    share = sum(bool(k & {"letter", "statement"}) for k in kinds) / len(letters)
    assert 0.30 <= share <= 0.36
    assert {"letter", "statement", "asg", "sg_report"} <= set().union(*kinds)


def test_follow_up_letters_are_linked_communications_with_their_own_reference(
    cases: list[Case],
) -> None:
    by_id = {c["id"]: c for c in comms(cases)}
    followups = [c for c in by_id.values() if c.get("follows")]
    assert followups
    for case in followups:
        original = by_id[case["follows"]]
        assert case["id"] in original["followups"]
        assert intake(case)["addressees"] == intake(original)["addressees"]
        assert sent(case) > sent(original)
        recorded = [a for a in answers_of(original, "communication_followup")
                    if a.get("followup_reference") == case["reference"]]  # fmt: skip
        assert [a["action_date"] for a in recorded] == [intake(case)["date_sent"]]
    sent_in_window = [c for c in comms(cases) if windows(TODAY, 2)[1][0] <= sent(c)]
    share = sum(bool(c.get("follows")) for c in sent_in_window) / len(sent_in_window)
    assert 0.12 <= share <= 0.35  # OHCHR: 187 of 526 in 2016


def test_one_letter_per_addressee_linked_as_a_group(cases: list[Case]) -> None:
    by_id = {c["id"]: c for c in comms(cases)}
    assert all(len(intake(c)["addressees"]) == 1 for c in by_id.values())
    groups = {tuple(c["group"]) for c in by_id.values() if c.get("group")}
    assert groups and all(len(group) >= 2 for group in groups)
    for group in groups:
        letters = [by_id[i] for i in group]
        assert len({intake(c)["addressees"][0]["name"] for c in letters}) == len(group)
        assert len({(intake(c)["summary"], intake(c)["date_sent"]) for c in letters}) == 1
        assert all(c["group"] == list(group) for c in letters)


def test_letters_and_replies_are_published(cases: list[Case]) -> None:
    letters = mature(cases)
    published = [c for c in letters if answers_of(c, "communication_published")]
    assert 0.85 <= len(published) / len(letters) <= 0.97
    for case in published:
        (answers,) = answers_of(case, "communication_published")
        assert (day(answers["letter_published"]) - sent(case)).days > 60
    replies = [a for c in letters for a in answers_of(c, "communication_reply")]
    public = [a for a in replies if a["reply_confidential"] is False]
    assert 0.9 <= sum("reply_published" in a for a in public) / len(public) <= 1.0
    assert not any("reply_published" in a for a in replies if a["reply_confidential"])
    assert {a["reply_nature"] for a in replies} == {
        "substantive", "partial", "acknowledgement", "rejection",
    }  # fmt: skip


def test_types_mandates_and_other_actors(cases: list[Case]) -> None:
    types = Counter(intake(c)["comm_type"] for c in comms(cases))
    assert set(types) == set(COMM_TYPES) == {"AL", "UA", "OL"}
    joint = [c for c in comms(cases) if len(intake(c)["mandates"]) >= 2]
    assert 0.6 <= len(joint) / types.total() <= 0.9  # joint: two or more mandates
    assert all(len(intake(c)["mandates"]) <= 6 for c in joint)
    others = [a for c in comms(cases) for a in intake(c)["addressees"] if a["kind"] == "other"]
    assert others and all(a["code"] == "OTH" for a in others)


def test_a_few_reprisal_cases_with_placeholder_names_only(cases: list[Case]) -> None:
    flagged = [c for c in comms(cases) if "reprisal" in (intake(c).get("themes") or [])]
    assert 10 <= len(flagged) <= 40
    names = [
        a["victims"] for c in cases for run in c["runs"] for a in [run["answers"]] if "victims" in a
    ]
    assert names and all(PLACEHOLDER.fullmatch(n) for n in names)


def test_two_to_three_requests_per_mandate_a_year_with_every_outcome(cases: list[Case]) -> None:
    for first, last in windows(TODAY, 2):
        existing = [m for m in load_mandates() if m.established <= last.year]
        made = [v for v in visits(cases) if first <= opened(v) <= last]
        assert 2 * len(existing) - 6 <= len(made) <= 3 * len(existing)
    events = {a["event"] for v in visits(cases) for a in answers_of(v, "visit_response")}
    assert {"reminder", "accepted", "postponed", "declined", "mh_accepted"} <= events
    assert events <= set(EVENTS)  # "no response" is never an event: it follows from the dates
    conducted = [a for v in visits(cases) for a in answers_of(v, "visit_conducted")]
    assert conducted and any(a.get("eom_statement") for a in conducted)
    assert any(answers_of(v, "visit_report") for v in visits(cases))


def opened(case: Case) -> date:
    """The day of the request, or of the State's invitation."""
    answers = intake(case)
    return day(answers.get("request_date") or answers["invited_on"])


def test_visits_go_through_every_stage(long_run: Demo) -> None:
    found = visits(long_run.cases)
    origins = Counter(intake(v)["origin"] for v in found)
    assert 0.02 <= origins["invitation"] / len(found) <= 0.12
    answers = {a["event"] for v in found for a in answers_of(v, "visit_response")}
    assert answers == set(EVENTS)
    conducted = [a for v in found for a in answers_of(v, "visit_conducted")]
    assert any(a.get("eom_recommendations") for a in conducted)
    refused = [a for a in conducted if a["tor_respected"] is False]
    assert 0.04 <= len(refused) / len(conducted) <= 0.25 and all(a["tor_refused"] for a in refused)
    drafts = [a for v in found for a in answers_of(v, "visit_draft")]
    assert any(a["gov_comments"] for a in drafts) and not all(a["gov_comments"] for a in drafts)
    kinds = {a["followup_kind"] for v in found for a in answers_of(v, "visit_followup")}
    assert kinds == {"report", "visit"}


def test_standing_invitations_are_kept_per_state_with_their_date(folder: Path) -> None:
    with open_repository(folder) as repo:
        standing = repo.get_setting("standing_invitations")
    assert 100 <= len(standing) <= 160  # about 128 of 195 States
    since = [day(record["since"]) for record in standing.values()]
    assert min(since) >= date(1999, 3, 1) and max(since) <= TODAY


def test_reprisals_are_raised_on_both_kinds_and_referred_only_with_consent(
    long_run: Demo,
) -> None:
    raised = [(c["kind"], a) for c in long_run.cases for a in answers_of(c, "reprisal")]
    assert {kind for kind, _ in raised} == {"communication", "visit"}
    for _, answers in raised:
        consented = answers["consent"] in ("named", "anonymous")
        assert consented or not ({"referrals", "sg_report", "consent_date"} & answers.keys())
    assert any("asg_on" in a for _, a in raised) and any("sg_report_on" in a for _, a in raised)


def test_the_longer_run_presents_reports_after_10_to_15_months_and_follows_up(
    long_run: Demo,
) -> None:
    delays = []
    for case in visits(long_run.cases):
        visited, reported = answers_of(case, "visit_conducted"), answers_of(case, "visit_report")
        for visit, report in zip(visited, reported[: len(visited)], strict=False):
            delays.append((day(report["presented_on"]) - day(visit["visited_to"])).days / 30.4)
    assert delays and min(delays) >= 9 and max(delays) <= 20
    assert sum(10 <= d <= 15.5 for d in delays) / len(delays) >= 0.6
    assert any(answers_of(v, "visit_recommendation") for v in visits(long_run.cases))
    reasons = {
        a["closure_reason"]
        for c in long_run.cases
        for checklist in ("communication_closure", "visit_closure")
        for a in answers_of(c, checklist)
    }
    assert {"answered", "no_reply", "completed", "declined", "withdrawn"} <= reasons


def test_a_few_states_never_reply(long_run: Demo) -> None:
    silent = set(long_run.non_cooperating)
    letters = [
        c
        for c in comms(long_run.cases)
        if intake(c)["addressees"][0]["code"] in silent
        and all(a["kind"] == "state" for a in intake(c)["addressees"])  # not a company's reply
    ]
    assert len(silent) >= 3 and letters
    assert not any(answers_of(c, "communication_reply") for c in letters)


# ---- consistency ------------------------------------------------------------------------------


def test_references_are_valid_unique_and_numbered_per_state_and_year(cases: list[Case]) -> None:
    references = [c["reference"] for c in comms(cases)]
    assert len(set(references)) == len(references)
    series: dict[tuple[str, int], list[int]] = {}
    for case in comms(cases):
        match = REFERENCE.fullmatch(case["reference"])
        assert match, case["reference"]
        kind, code, number, year = match.groups()
        assert kind == intake(case)["comm_type"]
        assert code == intake(case)["addressees"][0]["code"]
        assert int(year) == sent(case).year
        series.setdefault((code, int(year)), []).append(int(number))
    for numbers in series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_dates_follow_each_other(cases: list[Case]) -> None:
    for case in cases:
        dates = [d for run in case["runs"] for d in _dates(run["answers"])]
        assert all(d <= TODAY for d in dates), case["label"]
        first = _dates(case["runs"][0]["answers"])[0]
        assert all(d >= first for d in dates), case["label"]
        for closure in answers_of(case, f"{case['kind']}_closure"):
            assert day(closure["closure_date"]) == max(dates)
        stamps = [entry["at"] for entry in case["history"]]
        assert stamps == sorted(stamps) and case["created_at"] == stamps[0]
    for case in visits(cases):
        _visit_in_order(case)


def _dates(answers: dict[str, Any]) -> list[date]:
    keys = (
        "date_sent",
        "request_date",
        "invited_on",
        "reply_date",
        "action_date",
        "event_date",
        "visited_from",
        "visited_to",
        "announced_on",
        "eom_date",
        "presented_on",
        "draft_shared_on",
        "comments_on",
        "followup_date",
        "incident_date",
        "consent_date",
        "asg_on",
        "hc_on",
        "president_on",
        "sg_report_on",
        "assessed_on",
        "closure_date",
    )
    return [day(answers[k]) for k in keys if k in answers]


def _visit_in_order(case: Case) -> None:
    events = [day(a["event_date"]) for a in answers_of(case, "visit_response")]
    assert events == sorted(events), case["label"]
    agreed = [a for a in answers_of(case, "visit_response") if a.get("visit_start")]
    for visit in answers_of(case, "visit_conducted"):
        start, end = day(visit["visited_from"]), day(visit["visited_to"])
        assert day(agreed[-1]["visit_start"]) == start and day(agreed[-1]["event_date"]) < start
        assert day(visit["announced_on"]) <= start <= end
        assert visit.get("eom_date") in (None, visit["visited_to"])
        for report in answers_of(case, "visit_report"):
            assert day(report["presented_on"]) > end
            assert re.fullmatch(
                r"A/HRC/[0-9]{1,3}/[0-9]{1,3}/Add\.[0-9]{1,2}", report["report_symbol"]
            )


def test_users_and_owners(folder: Path, cases: list[Case]) -> None:
    with open_repository(folder) as repo:
        users = {u["id"]: u["role"] for u in repo.list_users()}
    assert Counter(users.values()) == {"admin": 1, "officer": 8, "viewer": 1}
    owners = Counter(c["owner"] for c in cases)
    assert set(owners) == {uid for uid, role in users.items() if role == "officer"}


# ---- what the chat would have produced ----------------------------------------------------------


def test_a_sample_replays_through_the_checklist_engine(
    cases: list[Case], registry: Registry
) -> None:
    """Typing each stored answer into the chat gives back exactly the stored run."""
    rng = random.Random(0)
    sample = rng.sample(comms(cases), 60) + rng.sample(visits(cases), 40)
    for case in sample:
        for index, run in enumerate(case["runs"]):
            names = {
                k: v
                for i, r in enumerate(case["runs"])
                if i != index
                for k, v in r["answers"].items()
            }
            assert _replay(registry, run, names) == run, (case["label"], run["checklist"])


def _replay(registry: Registry, run: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    checklist = registry.get(run["checklist"], run["version"])
    ctx = AnswerContext(today=TODAY, names=names)
    step = engine.start(checklist, ctx)
    while step.question is not None:
        question = step.question
        if question.id in run["answers"]:
            text = _typed(question, run["answers"][question.id])
            step = engine.handle(checklist, step.run, engine.Text(text), ctx)
            if step.run.get("pending"):  # an other actor: "Yes, record as other actor"
                step = engine.handle(checklist, step.run, engine.Pick("other"), ctx)
        else:
            step = engine.handle(checklist, step.run, engine.Skip(), ctx)
        assert not step.error, (question.id, step.notes)
    return engine.handle(checklist, step.run, engine.Pick(engine.SAVE), ctx).run


def _typed(question: Question, value: Any) -> str:
    """What an officer would type for a stored value."""
    match question.type:
        case "yesno":
            return "yes" if value else "no"
        case "actor":
            actors = value if isinstance(value, list) else [value]
            return ", ".join(a["code"] if a["kind"] == "state" else a["name"] for a in actors)
        case "mandate" | "multi":
            return ", ".join(value)
    return str(value)


# ---- the folder in use ------------------------------------------------------------------------


def test_the_folder_opens_and_the_report_compiles(folder: Path, cases: list[Case]) -> None:
    first = windows(TODAY, 2)[0][0]
    with open_repository(folder) as repo:
        assert len(repo.list_cases()) == len(cases)
        report = compile_report(repo.iter_cases(), first, TODAY, today=TODAY)
    figures = {f.key: f.value for s in report.sections for f in s.figures}
    assert figures["sent"] == len(comms(cases))
    requests = [v for v in visits(cases) if intake(v)["origin"] == "request"]
    assert figures["requests"] == len(requests)
    assert figures["state_invitations"] == len(visits(cases)) - len(requests)
    assert figures["conducted"] > 0 and figures["reports_presented"] > 0
    assert figures["flagged"] > 0


def test_no_reminder_floods_the_officers_on_the_first_morning(cases: list[Case]) -> None:
    """Overdue deadlines carry their latest reminder as sent, as a running bot leaves them."""
    due = [c["next_alert"] for c in cases if c.get("next_alert")]
    assert due and min(due) > TODAY.isoformat()
