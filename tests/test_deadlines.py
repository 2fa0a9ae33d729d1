"""Deadline rules and the reminder ladder, table-tested on real dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from workflows.deadlines.reminders import (
    current_rung,
    dismiss,
    mark_sent,
    next_alert,
    next_due,
    rung_offset,
    snooze,
    sweep,
    upcoming,
)
from workflows.deadlines.rules import (
    Rules,
    add_months,
    deadlines,
    load_rules,
    non_cooperating_states,
    notice_days,
    rules_for,
)
from workflows.reference.dates import today_in

RULES = load_rules()
BDI = {"code": "BDI", "name": "Burundi", "kind": "state"}


def run(checklist: str, **answers: Any) -> dict[str, Any]:
    return {"checklist": checklist, "version": 1, "status": "done", "answers": answers}


def communication(
    case_id: str,
    sent: str,
    comm_type: str = "AL",
    *later: dict[str, Any],
    to: dict = BDI,
    published: bool = True,
) -> dict[str, Any]:
    """A letter; `published` (the default, so ladders of the other rules read alone) records
    the letter as published, which meets its publication deadline."""
    intake = run("communication_intake", comm_type=comm_type, date_sent=sent, addressees=[to],
                 mandates=["WGAD"])  # fmt: skip
    done = [run("communication_published", letter_published=sent)] if published else []
    return {"id": case_id, "kind": "communication", "owner": "7", "status": "open",
            "reference": f"{comm_type} BDI {case_id}/2017",
            "runs": [intake, *done, *later]}  # fmt: skip


def visit(*later: dict[str, Any], requested: str = "2016-01-10") -> dict[str, Any]:
    intake = run("visit_request", state=BDI, request_date=requested, mandates=["SR HRDs"])
    return {"id": "v1", "kind": "visit", "owner": "7", "status": "open", "runs": [intake, *later]}


def due(case: dict[str, Any]) -> dict[str, tuple[date, bool]]:
    return {d.rule: (d.due, d.met) for d in deadlines(case, RULES)}


def test_shipped_rules_are_the_documented_defaults() -> None:
    assert Rules() == RULES


@pytest.mark.parametrize(
    ("sent", "reply_due"),
    [
        ("2017-03-15", date(2017, 5, 14)),
        ("2016-01-01", date(2016, 3, 1)),  # leap year: 29 Feb counts
        ("2017-01-01", date(2017, 3, 2)),
        ("2016-12-31", date(2017, 3, 1)),  # across the year end
    ],
)
def test_reply_due_sixty_days_after_sending(sent: str, reply_due: date) -> None:
    assert due(communication("1", sent))["reply"] == (reply_due, False)


def test_urgent_appeal_gets_an_early_check_and_follow_up_letter_is_suggested() -> None:
    rules = due(communication("1", "2017-03-15", "UA"))
    assert due(communication("1", "2017-03-15", "JUA"))["urgent_check"] == rules["urgent_check"]
    assert rules["urgent_check"] == (date(2017, 3, 22), False)
    assert rules["followup_letter"] == (date(2017, 6, 13), False)
    assert "urgent_check" not in due(communication("1", "2017-03-15", "AL"))


def test_a_reply_meets_every_communication_deadline() -> None:
    case = communication(
        "1", "2017-03-15", "UA", run("communication_reply", reply_date="2017-04-01")
    )
    assert all(met for _, met in due(case).values())


def test_letter_published_when_the_reply_period_ends_and_a_reply_when_received() -> None:
    """OHCHR publishes letters once the 60-day period has passed, replies as soon as received
    (unless the addressee asked for confidentiality)."""
    case = communication("1", "2017-03-15", "AL", published=False)
    assert due(case)["letter_publication"] == (date(2017, 5, 14), False)
    assert "reply_publication" not in due(case)
    case["runs"].append(run("communication_reply", reply_date="2017-04-01",
                            reply_confidential=False))  # fmt: skip
    case["runs"].append(run("communication_reply", reply_date="2017-04-20",
                            reply_confidential=True))  # fmt: skip
    found = [(d.rule, d.due, d.met) for d in deadlines(case, RULES) if "publication" in d.rule]
    assert found == [
        ("letter_publication", date(2017, 5, 14), False),
        ("reply_publication", date(2017, 4, 1), False),
    ]
    case["runs"][1]["answers"]["reply_published"] = "2017-04-03"
    case["runs"].append(run("communication_published", letter_published="2017-05-16"))
    assert all(met for rule, (_, met) in due(case).items() if "publication" in rule)


def test_letters_an_upgrade_made_do_not_count_towards_non_cooperation() -> None:
    """Three unanswered letters due: Burundi is named; if one is another addressee's letter
    split off by the upgrade (its reply was never recorded either way), it is not."""
    letters = [communication(str(n), f"2017-0{n}-01") for n in (1, 2, 3)]
    assert non_cooperating_states(letters, date(2017, 12, 1), RULES) == {
        "BDI": ["AL BDI 1/2017", "AL BDI 2/2017", "AL BDI 3/2017"]
    }
    letters[1]["reply_unknown"] = True
    assert non_cooperating_states(letters, date(2017, 12, 1), RULES) == {}


def test_a_letter_and_its_follow_up_letters_count_once_towards_non_cooperation() -> None:
    """Worked by hand, today 5 Dec 2017, N = 3. Letter 1 (due 11 Mar) unanswered, with
    follow-up letters 2 and 3 (due 9 Jun, 8 Sep): one matter, so one unanswered entry, not
    three; Burundi is not named."""
    letters = [communication(str(n), f"2017-{m}-10") for n, m in ((1, "01"), (2, "04"),
                                                                  (3, "07"))]  # fmt: skip
    letters[1]["follows"] = letters[2]["follows"] = "1"
    today = date(2017, 12, 5)
    assert non_cooperating_states(letters, today, RULES) == {}
    # a reply recorded on the first letter, after both follow-up letters, answers the matter;
    # with one new unanswered letter (due 9 Oct) that is two entries, one answered: not named
    letters[0]["runs"].append(run("communication_reply", reply_date="2017-09-01"))
    fresh = communication("4", "2017-08-10")
    assert non_cooperating_states([*letters, fresh], today, RULES) == {}
    # a reply on a follow-up letter (not on the first) answers the chain as well
    del letters[0]["runs"][-1]
    letters[2]["runs"].append(run("communication_reply", reply_date="2017-10-01"))
    others = [communication(str(n), f"2017-0{n}-01") for n in (5, 6)]
    assert non_cooperating_states([*letters, *others], today, RULES) == {}
    # three separate unanswered matters, one of them with follow-up letters: named, each
    # matter once, under the reference of the letter that started it, at its latest
    # deadline (8 Sep, after letters 5 and 6, due 30 Jun and 31 Jul)
    del letters[2]["runs"][-1]
    assert non_cooperating_states([*letters, *others], today, RULES) == {
        "BDI": ["AL BDI 5/2017", "AL BDI 6/2017", "AL BDI 1/2017"]
    }


def test_changing_the_date_sent_moves_the_deadline() -> None:
    case = communication("1", "2017-03-15")
    case["runs"][0]["answers"]["date_sent"] = "2017-04-15"
    assert due(case)["reply"][0] == date(2017, 6, 14)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2016, 2, 29), 12, date(2017, 2, 28)),
        (date(2016, 2, 29), 48, date(2020, 2, 29)),
        (date(2017, 1, 31), 1, date(2017, 2, 28)),
        (date(2016, 5, 12), 12, date(2017, 5, 12)),
        (date(2016, 11, 30), 24, date(2018, 11, 30)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_visit_deadlines_follow_the_visit() -> None:
    assert due(visit())["visit_no_response"] == (date(2017, 1, 10), False)
    acknowledged = run("visit_response", event="acknowledged", event_date="2016-03-01")
    assert due(visit(acknowledged))["visit_no_response"][1] is True
    reminder_only = run("visit_response", event="reminder", event_date="2016-03-01")
    assert due(visit(reminder_only))["visit_no_response"][1] is False
    conducted = run("visit_conducted", visited_from="2016-05-02", visited_to="2016-05-12",
                    announced_on="2016-04-20")  # fmt: skip
    rules = due(visit(conducted))
    assert rules["visit_report"] == (date(2017, 5, 12), False)
    assert rules["recommendations"] == (date(2018, 5, 12), False)
    assert notice_days(visit(conducted)) == 12
    reported = run("visit_report", presented_on="2017-06-13")
    assert due(visit(conducted, reported))["visit_report"][1] is True


def test_closed_cases_have_no_deadlines() -> None:
    case = communication("1", "2017-03-15")
    case["status"] = "closed"
    assert deadlines(case, RULES) == []


def test_per_mandate_override_takes_the_most_generous_value() -> None:
    case = communication("1", "2017-03-15")
    case["runs"][0]["answers"]["mandates"] = ["WGAD", "SR HRDs"]
    rules = rules_for(case, RULES, {"WGAD": {"reply_days": 90}, "SR HRDs": {"reply_days": 75}})
    assert rules.reply_days == 90
    assert rules_for(case, RULES, {"SR Torture": {"reply_days": 30}}) == RULES


def test_three_consecutive_unanswered_letters_flag_non_cooperation() -> None:
    today = date(2018, 1, 1)
    cases = [communication(str(i), f"2017-0{i}-01") for i in (1, 2, 3)]
    assert non_cooperating_states(cases, today, RULES) == {
        "BDI": ["AL BDI 1/2017", "AL BDI 2/2017", "AL BDI 3/2017"]
    }
    cases[1]["runs"].append(run("communication_reply", reply_date="2017-03-01"))
    assert non_cooperating_states(cases, today, RULES) == {}
    cases.append(communication("4", "2017-05-01"))
    assert non_cooperating_states(cases, date(2017, 6, 1), RULES) == {}  # 4th not yet due


def test_other_actors_are_never_counted_as_non_cooperating_states() -> None:
    shell = {"code": "OTH", "name": "Shell plc", "kind": "other"}
    cases = [communication(str(i), f"2017-0{i}-01", to=shell) for i in (1, 2, 3)]
    assert non_cooperating_states(cases, date(2018, 1, 1), RULES) == {}


@pytest.mark.parametrize(
    ("instant", "local_day"),
    [
        (datetime(2017, 3, 25, 22, 59, tzinfo=UTC), date(2017, 3, 25)),  # 23:59 CET
        (datetime(2017, 3, 25, 23, 0, tzinfo=UTC), date(2017, 3, 26)),  # 00:00 CET
        (datetime(2017, 3, 26, 21, 59, tzinfo=UTC), date(2017, 3, 26)),  # 23:59 CEST after DST
        (datetime(2017, 3, 26, 22, 0, tzinfo=UTC), date(2017, 3, 27)),  # 00:00 CEST
        (datetime(2017, 10, 29, 22, 30, tzinfo=UTC), date(2017, 10, 29)),  # 23:30 CET after DST
    ],
)
def test_the_due_day_is_the_local_day_across_daylight_saving(
    instant: datetime, local_day: date
) -> None:
    case = communication("1", "2017-01-25")  # reply due 26 March 2017, the DST change
    today = today_in("Europe/Geneva", instant)
    assert today == local_day
    reminders = sweep([case], today, lambda c: RULES)
    assert bool(reminders) is (local_day >= date(2017, 3, 26))


@pytest.mark.parametrize(
    ("repeat", "every", "days", "rung"),
    [
        ((7,), 7, 0, 0), ((7,), 7, 6, 0), ((7,), 7, 7, 1), ((7,), 7, 30, 4),
        ((3, 4), 14, 2, 0), ((3, 4), 14, 3, 1), ((3, 4), 14, 7, 2), ((3, 4), 14, 20, 2),
        ((3, 4), 14, 21, 3), ((), 10, 25, 2),
    ],
)  # fmt: skip
def test_ladder_rungs(repeat: tuple[int, ...], every: int, days: int, rung: int) -> None:
    rules = Rules(repeat_after_days=repeat, then_every_days=every)
    assert current_rung(rules, days) == rung
    assert rung_offset(rules, rung) <= days < rung_offset(rules, rung + 1)


def test_sweep_is_idempotent_and_catches_up_with_only_the_latest_rung() -> None:
    case = communication("1", "2017-03-15")  # reply due 14 May, follow-up letter 13 June
    first = sweep([case], date(2017, 5, 14), lambda c: RULES)
    assert [(r.deadline.rule, r.rung) for r in first] == [("reply", 0)]
    mark_sent(case, first[0].key, "2017-05-14T08:00:00+00:00")
    assert sweep([case], date(2017, 5, 14), lambda c: RULES) == []
    assert sweep([case], date(2017, 5, 20), lambda c: RULES) == []
    assert [r.rung for r in sweep([case], date(2017, 5, 21), lambda c: RULES)] == [1]
    late = sweep([case], date(2017, 6, 20), lambda c: RULES)  # bot was down for a month
    assert sorted((r.deadline.rule, r.rung) for r in late) == [("followup_letter", 1), ("reply", 5)]


def test_snooze_delays_and_dismiss_stops_the_ladder() -> None:
    case = communication("1", "2017-03-15")
    reply = next(d for d in deadlines(case, RULES) if d.rule == "reply")
    snooze(case, reply, date(2017, 5, 21))
    assert sweep([case], date(2017, 5, 20), lambda c: RULES) == []
    assert [r.rung for r in sweep([case], date(2017, 5, 21), lambda c: RULES)] == [0]
    dismiss(case, reply, "State replied by phone", "7")
    assert sweep([case], date(2017, 5, 30), lambda c: RULES) == []
    overdue, soon = upcoming([case], date(2017, 6, 10), 7, lambda c: RULES)
    assert overdue == [] and [d.rule for _, d in soon] == ["followup_letter"]


def test_next_alert_is_the_next_day_a_sweep_has_something_to_send() -> None:
    case = communication("1", "2017-03-15", "JUA")  # early check 22 Mar, reply 14 May
    assert next_alert(case, RULES) == date(2017, 3, 22)
    assert next_due(case, RULES) == date(2017, 3, 22)
    for reminder in sweep([case], date(2017, 5, 14), lambda c: RULES):
        mark_sent(case, reminder.key, "2017-05-14T08:00:00+00:00")
    # early check: catch-up sent rung 7 (22 Mar + 53 days), next rung on 17 May; reply: 21 May
    assert next_alert(case, RULES) == date(2017, 5, 17)
    for day in range(14, 40):
        today = date(2017, 5, 1) + timedelta(days=day)
        if sweep([case], today, lambda c: RULES):
            assert today >= next_alert(case, RULES)
            for reminder in sweep([case], today, lambda c: RULES):
                mark_sent(case, reminder.key, today.isoformat())
        else:
            assert today < next_alert(case, RULES)
    case["runs"].append(run("communication_reply", reply_date="2017-06-20"))
    assert next_alert(case, RULES) is None and next_due(case, RULES) is None
