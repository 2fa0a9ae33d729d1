"""Demo reprisal checklists, raised from a communication or a visit.

Calibration (invented, plausible): consent to a referral is given in about two cases out of
three, half of them without being named; without consent nothing is referred. Most
consented cases go to the ASG, fewer to the High Commissioner or the President of the
Council; about half are submitted for the Secretary-General's annual report, most of those
included. Outcomes are mostly unknown or ongoing. Dates after "today" have not happened: the
answers stop at what was known then. Names are placeholders (texts.placeholder_names).
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from workflows.demo import texts
from workflows.demo.timeline import after

INCIDENTS = (
    "Summoned and questioned by the security services about contacts with the mandate holder.",
    "Travel ban imposed after the person met the mandate holder.",
    "Threats received by telephone after the communication was made public.",
    "Arrested shortly after providing information to the Special Procedures.",
    "Family members visited by the police and warned.",
    "Office searched and computers seized after the visit.",
)
REFERRALS = {"asg": 0.75, "hc": 0.35, "president": 0.25}


def reprisal_answers(
    rng: random.Random, happened: date, today: date
) -> tuple[date, dict[str, Any]]:
    """(day it was logged, the answers) of one reprisal that happened on `happened`."""
    answers: dict[str, Any] = {
        "incident": rng.choice(INCIDENTS),
        "incident_date": happened.isoformat(),
    }
    if rng.random() < 0.7:
        answers["victims"] = texts.placeholder_names(rng)
    consent = rng.choices(("named", "anonymous", "refused", "pending"), (0.35, 0.3, 0.15, 0.2))
    answers["consent"] = consent[0]
    last = happened
    if answers["consent"] in ("named", "anonymous"):
        last = consented = min(after(happened, 3, 30, rng), today)
        answers["consent_date"] = consented.isoformat()
        chosen = [to for to, chance in REFERRALS.items() if rng.random() < chance]
        answers["referrals"] = chosen or ["none"]
        for to in chosen:
            on = min(after(consented, 2, 30, rng), today)
            answers[f"{to}_on"], last = on.isoformat(), max(last, on)
        answers["sg_report"] = rng.choices(("no", "submitted", "included"), (0.5, 0.1, 0.4))[0]
        if answers["sg_report"] != "no":
            on = min(after(consented, 10, 90, rng), today)
            answers["sg_report_on"], last = on.isoformat(), max(last, on)
    outcomes = ("unknown", "ongoing", "resolved", "worsened")
    answers["outcome"] = rng.choices(outcomes, (0.4, 0.3, 0.2, 0.1))[0]
    return last, answers
