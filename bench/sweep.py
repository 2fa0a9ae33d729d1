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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from storage.tinydb_repo import open_repository
from workflows.alerts import AlertService
from workflows.cases import CaseService, Clock
from workflows.checklist import Registry
from workflows.deadlines import deadlines

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(1)
    registry = Registry.from_folder()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        repo = open_repository(data)
        service = CaseService(repo, registry, Clock(lambda: NOW))
        with repo.bulk():
            for number in range(args.cases):
                case = synthetic_case(rng, number + 1, repo.new_case_id())
                service.save(case, "bench", "seed", {})
        for user in range(1, 30):
            repo.put_user({"id": str(user), "role": "officer"}, actor="bench")
        repo.close()

        start = time.perf_counter()
        repo = open_repository(data)
        reopen_ms = (time.perf_counter() - start) * 1000
        alerts = AlertService(CaseService(repo, registry, Clock(lambda: NOW)))
        tracemalloc.start()
        catch_up, _, due = timed(alerts.pending, 3)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        with repo.bulk():
            for outgoing in due:
                alerts.claim(outgoing.case_id, outgoing.key)
        p50, worst, after = timed(alerts.pending, 5)
        cases = list(repo.iter_cases())
        rules = alerts.service.rules
        full_p50, _, _ = timed(lambda: [deadlines(c, rules) for c in cases], 5)
        repo.close()
    print(f"cases: {args.cases}; reminders due at start-up: {len(due)}")
    print(
        f"catch-up sweep at start-up (all {len(due)} due): {catch_up:.0f} ms, peak {peak:.1f} MiB"
    )
    print(f"periodic sweep once caught up ({len(after)} due): p50 {p50:.1f} ms, max {worst:.1f} ms")
    print(f"every rule of every case, in memory: p50 {full_p50:.1f} ms")
    print(f"re-open the data folder: {reopen_ms:.0f} ms")
    print(f"target sweep < 200 ms: {'PASS' if p50 < 200 else 'FAIL'}")


if __name__ == "__main__":
    main()
