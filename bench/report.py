"""Benchmark: the standardised report over 10,000 communications and 1,000 visits.

Run from the project root:  .venv/bin/python bench/report.py

Builds the cases in memory (deterministic seed; dates spread over 2010-2025, ~120 States,
40 other actors, replies ~65%, follow-up letters, reprisal flags with victims' names,
visits with responses, visits conducted and reports) and times, over the whole span so every
case is in every table:
  * compile_report (the figures; target < 1 s),
  * write_docx (target < 3 s), write_csv, write_chart, summary_text,
  * a one-year report (2024) for scale.
Timings are the median of 5 runs (3 for the .docx) without tracemalloc. Memory: the peak
of Python objects allocated by one compile (tracemalloc), and how far the process's maximum
RSS rose above its level once the cases were built, over all the runs (this includes the
.docx XML, which lxml allocates in C where tracemalloc cannot see it).
"""

from __future__ import annotations

import io
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflows.checklists.model import Registry
from workflows.deadlines.rules import load_rules
from workflows.reference.actors import states
from workflows.report import compile_report, summary_text
from workflows.report.chart import write_chart
from workflows.report.csv_writer import write_csv
from workflows.report.docx_writer import write_docx

SEED = 20261128
COMMUNICATIONS, VISITS = 10_000, 1_000
FIRST, LAST = date(2010, 1, 1), date(2025, 12, 31)
TODAY = date(2026, 11, 28)
TYPES = ["AL"] * 4 + ["UA"] * 3 + ["OL"] + ["JAL"] * 2 + ["JUA"] * 2 + ["JOL"]
MANDATES = ["WGAD", "SR HRDs", "SR Torture", "SR Expression", "WGEID", "SR Migrants"]
EVENTS = ["acknowledged", "accepted", "proposed", "agreed", "declined", "postponed"]


def run(checklist: str, **answers: Any) -> dict[str, Any]:
    return {"checklist": checklist, "version": 1, "status": "done", "position": None,
            "answers": answers, "skipped": [], "pending": None}  # fmt: skip


def iso(day: date) -> str:
    return day.isoformat()


def communication(rng: random.Random, n: int, actors: list[dict[str, str]]) -> dict[str, Any]:
    sent = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days))
    comm_type = rng.choice(TYPES)
    to = [rng.choice(actors[:120])] if rng.random() < 0.93 else [rng.choice(actors[120:])]
    if comm_type.startswith("J") and rng.random() < 0.2:
        to.append(rng.choice(actors[120:]))
    reference = f"{comm_type} {to[0]['code']} {n}/{sent.year}"
    themes = rng.sample(["reprisal", "hrd", "gender", "children", "detention"], rng.randrange(3))
    intake: dict[str, Any] = {
        "comm_type": comm_type, "addressees": to, "date_sent": iso(sent),
        "mandates": rng.sample(MANDATES, 2 if comm_type.startswith("J") else 1),
        "reference": reference, "summary": f"Allegations concerning case {n}.", "themes": themes,
    }  # fmt: skip
    if "reprisal" in themes or "hrd" in themes:
        intake["victims"] = f"Person {n}"
    runs = [run("communication_intake", **intake)]
    if rng.random() < 0.65:
        replied = sent + timedelta(days=rng.randrange(5, 150))
        runs.append(run("communication_reply", reply_date=iso(replied), reply_language="EN",
                        reply_nature="substantive", reply_confidential=False))  # fmt: skip
    elif rng.random() < 0.5:
        letter = sent + timedelta(days=rng.randrange(61, 200))
        runs.append(run("communication_followup", action_type="letter", action_date=iso(letter)))
    if "reprisal" in themes and rng.random() < 0.5:
        runs.append(run("communication_followup", action_type="asg",
                        action_date=iso(sent + timedelta(days=30))))  # fmt: skip
    closed = sent < date(2024, 1, 1) and rng.random() < 0.8
    if closed:
        runs.append(run("communication_closure", closure_reason="answered",
                        closure_date=iso(sent + timedelta(days=200))))  # fmt: skip
    return {"id": f"c{n:010d}", "kind": "communication", "owner": str(100 + n % 25),
            "status": "closed" if closed else "open", "reference": reference,
            "label": reference, "created_at": f"{iso(sent)}T09:00:00+00:00", "runs": runs,
            "files": [], "history": []}  # fmt: skip


def visit(rng: random.Random, n: int, actors: list[dict[str, str]]) -> dict[str, Any]:
    requested = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days))
    state = rng.choice(actors[:120])
    runs = [run("visit_request", state=state, mandates=[rng.choice(MANDATES)],
                request_date=iso(requested), standing_invitation=rng.random() < 0.6,
                reprisal=rng.random() < 0.05, timeframe="within two years")]  # fmt: skip
    day = requested
    for _ in range(rng.randrange(4)):
        day += timedelta(days=rng.randrange(20, 200))
        runs.append(run("visit_response", event=rng.choice(EVENTS), event_date=iso(day),
                        event_notes="Note"))  # fmt: skip
    if rng.random() < 0.4:
        start = day + timedelta(days=rng.randrange(60, 300))
        end = start + timedelta(days=10)
        runs.append(run("visit_conducted", visited_from=iso(start), visited_to=iso(end),
                        announced_on=iso(start - timedelta(days=rng.randrange(5, 90))),
                        eom_statement=True, eom_date=iso(end), reprisal_during=False))  # fmt: skip
        if rng.random() < 0.7:
            presented = end + timedelta(days=rng.randrange(240, 480))
            runs.append(run("visit_report", report_symbol=f"A/HRC/{n % 60}/1/Add.1",
                            session=n % 60, presented_on=iso(presented)))  # fmt: skip
    return {"id": f"v{n:010d}", "kind": "visit", "owner": str(100 + n % 25), "status": "open",
            "reference": None, "label": f"Visit to {state['name']}",
            "created_at": f"{iso(requested)}T09:00:00+00:00", "runs": runs, "files": [],
            "history": []}  # fmt: skip


def dataset() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    actors = [{"code": s.code, "name": s.name, "kind": "state"} for s in states()[:120]]
    actors += [{"code": "OTH", "name": f"Compañía {i} S.A.", "kind": "other"} for i in range(40)]
    comms = [communication(rng, n, actors) for n in range(1, COMMUNICATIONS + 1)]
    return comms + [visit(rng, n, actors) for n in range(1, VISITS + 1)]


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), result


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@dataclass
class Figures:
    rows: list[tuple[str, float, str]]  # what, median seconds, target
    report: Any
    docx_bytes: int
    peak_bytes: int  # Python objects allocated by one compile (tracemalloc)
    rss_peak_mb: float  # the process's maximum RSS after every run


def measure(
    cases: list[dict[str, Any]],
    first: date = FIRST,
    last: date = LAST,
    today: date = TODAY,
    year: int = 2024,
) -> Figures:
    """Time compiling and writing the report of [first, last] (every case) and of `year`."""
    rules, registry = load_rules(), Registry.from_folder()

    def compile_all(start: date = first, end: date = last) -> Any:
        return compile_report(cases, start, end, today=today, rules=rules, registry=registry)

    compile_all()  # warm-up: imports, caches of State and mandate tables
    rows: list[tuple[str, float, str]] = []
    seconds, report = timed(compile_all, 5)
    rows.append((f"compile_report, {first.year}-{last.year} (all cases)", seconds, "< 1 s"))
    docx_seconds, _ = timed(lambda: write_docx(report, io.BytesIO()), 3)
    rows.append(("write_docx", docx_seconds, "< 3 s"))
    rows.append(("write_csv", timed(lambda: write_csv(report, io.BytesIO()), 5)[0], ""))
    rows.append(
        ("write_chart (by State)", timed(lambda: write_chart(report, io.BytesIO()), 5)[0], "")
    )
    rows.append(("summary_text", timed(lambda: summary_text(report), 5)[0], ""))
    one_year = lambda: compile_all(date(year, 1, 1), date(year, 12, 31))  # noqa: E731
    rows.append((f"compile_report, {year} only", timed(one_year, 5)[0], ""))

    stream = io.BytesIO()
    write_docx(report, stream)
    rss_peak = max_rss_mb()
    tracemalloc.start()
    compile_all()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Figures(rows, report, len(stream.getvalue()), peak, rss_peak)


def main() -> None:
    cases = dataset()
    rss_cases = max_rss_mb()
    figures = measure(cases)
    report, peak, rss_peak = figures.report, figures.peak_bytes, figures.rss_peak_mb

    print(f"Python {platform.python_version()}, {platform.machine()}, {len(cases):,} cases "
          f"({COMMUNICATIONS:,} communications, {VISITS:,} visits)")  # fmt: skip
    print(f"report: {len(report.records.rows):,} rows in the CSV, "
          f"{sum(len(t.rows) for s in report.sections for t in s.tables):,} table rows in the "
          f".docx ({figures.docx_bytes / 1e6:.1f} MB), summary "
          f"{len(summary_text(report))} characters")  # fmt: skip
    print()
    print("| what                                    | median s | target |")
    print("|-----------------------------------------|---------:|--------|")
    for what, value, target in figures.rows:
        print(f"| {what:<39} | {value:8.3f} | {target:<6} |")
    print()
    print(f"peak Python memory of one compile (tracemalloc): {peak / 2**20:.0f} MiB")
    print(
        f"max RSS: {rss_cases:.0f} MiB with the cases built, {rss_peak:.0f} MiB after "
        f"every run above (+{rss_peak - rss_cases:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
