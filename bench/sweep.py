"""Benchmark: the reminder sweep over 10,000 cases (about ten years of a whole branch).

Run: .venv/bin/python bench/sweep.py [--cases 10000]

Builds a data folder of synthetic communications (replied about 65% of the time, most old
ones closed) and times:
  * the catch-up sweep at start-up, when every overdue case is due at once;
  * the periodic sweep as the bot runs it once caught up: `AlertService.pending()`, which
    reads the index and opens only the cases whose next reminder date has come;
  * a full evaluation of every deadline rule of every case, already in memory, for scale;
  * re-opening the folder (start-up catch-up starts from here).
Peak memory is reported with tracemalloc. Target: periodic sweep under 200 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.tinydb_repo import open_repository
from workflows.cases.service import CaseService, Clock
from workflows.checklists.model import Registry
from workflows.deadlines.alerts import AlertService
from workflows.deadlines.rules import deadlines

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
STATES = ["BDI", "CHN", "HND", "IRN", "MMR", "RUS", "TUR", "VEN", "EGY", "PHL"]
TYPES = ["AL", "AL", "AL", "UA", "UA", "OL", "JAL", "JUA", "JOL"]


def synthetic_case(rng: random.Random, number: int, case_id: str) -> dict[str, Any]:
    sent = date(2016, 12, 1) + timedelta(days=rng.randrange(3650))
    code = rng.choice(STATES)
    kind = rng.choice(TYPES)
    runs = [_run("communication_intake", comm_type=kind, date_sent=sent.isoformat(),
                 addressees=[{"code": code, "name": code, "kind": "state"}],
                 mandates=["WGAD", "SR HRDs"], reference=f"{kind} {code} {number}/{sent.year}",
                 summary="Synthetic allegation " * 8, themes=["hrd"])]  # fmt: skip
    if rng.random() < 0.65:
        replied = sent + timedelta(days=rng.randrange(20, 120))
        runs.append(_run("communication_reply", reply_date=replied.isoformat(),
                         reply_language="EN", reply_nature="substantive"))  # fmt: skip
    old = (NOW.date() - sent).days > 400
    if old and rng.random() < 0.9:
        runs.append(_run("communication_closure", closure_reason="answered",
                         closure_date=(sent + timedelta(days=400)).isoformat()))  # fmt: skip
    return {"id": case_id, "kind": "communication", "owner": str(rng.randrange(1, 30)),
            "status": "open", "reference": None, "label": "", "created_at": sent.isoformat(),
            "runs": runs, "files": []}  # fmt: skip


def _run(checklist: str, **answers: Any) -> dict[str, Any]:
    return {"checklist": checklist, "version": 1, "status": "done", "position": None,
            "answers": answers, "skipped": [], "pending": None}  # fmt: skip


def timed(fn: Any, repeat: int) -> tuple[float, float, Any]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), result


@dataclass(frozen=True)
class Figures:
    """What one sweep measurement found (times in ms, memory in MiB)."""

    cases: int
    due: int
    catch_up_ms: float
    peak_mib: float
    after: int
    p50_ms: float
    worst_ms: float
    full_p50_ms: float
    reopen_ms: float


def build(data: Path, cases: int, registry: Registry) -> None:
    """The synthetic data folder: `cases` communications and 29 officers."""
    rng = random.Random(1)
    repo = open_repository(data)
    service = CaseService(repo, registry, Clock(lambda: NOW))
    with repo.bulk():
        for number in range(cases):
            case = synthetic_case(rng, number + 1, repo.new_case_id())
            service.save(case, "bench", "seed", {})
    for user in range(1, 30):
        repo.put_user({"id": str(user), "role": "officer"}, actor="bench")
    repo.close()


def measure(data: Path, now: datetime, registry: Registry) -> Figures:
    """Re-open the folder, then time the catch-up sweep at `now`, the periodic sweep once
    every due reminder is claimed (this records them in the folder), and every rule."""
    start = time.perf_counter()
    repo = open_repository(data)
    reopen_ms = (time.perf_counter() - start) * 1000
    alerts = AlertService(CaseService(repo, registry, Clock(lambda: now)))
    tracemalloc.start()
    catch_up, _, due = timed(alerts.pending, 3)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    with repo.bulk():
        for outgoing in due:
            alerts.claim_outgoing(outgoing)
    p50, worst, after = timed(alerts.pending, 5)
    cases = list(repo.iter_cases())
    rules = alerts.service.rules
    full_p50, _, _ = timed(lambda: [deadlines(c, rules) for c in cases], 5)
    repo.close()
    due_count = sum(len(outgoing.claims) for outgoing in due)
    return Figures(len(cases), due_count, catch_up, peak, len(after), p50, worst, full_p50,
                   reopen_ms)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    registry = Registry.from_folder()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        build(data, args.cases, registry)
        f = measure(data, NOW, registry)
    print(f"cases: {args.cases}; reminders due at start-up: {f.due}")
    print(f"catch-up sweep at start-up (all {f.due} due): {f.catch_up_ms:.0f} ms, "
          f"peak {f.peak_mib:.1f} MiB")  # fmt: skip
    print(
        f"periodic sweep once caught up ({f.after} due): p50 {f.p50_ms:.1f} ms, "
        f"max {f.worst_ms:.1f} ms"
    )
    print(f"every rule of every case, in memory: p50 {f.full_p50_ms:.1f} ms")
    print(f"re-open the data folder: {f.reopen_ms:.0f} ms")
    print(f"target sweep < 200 ms: {'PASS' if f.p50_ms < 200 else 'FAIL'}")


if __name__ == "__main__":
    main()
