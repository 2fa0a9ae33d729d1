"""Benchmark: "save one answer" with 100 and 10,000 cases, ours against TinyDB's default.

Run from the project root:  .venv/bin/python bench/storage_save.py

One "save one answer" is what the bot does when a user answers a question: read the case,
set one answer, save the case (durably). Ours keeps one file per case (storage.tinydb_repo);
the baseline is `TinyDB(path)` with its default JSONStorage and every case as a document of
one table, so each save rewrites the whole data set. The target: our p50 at 10,000 cases
within 2x of our p50 at 100 cases. Folders are built in a temp dir and deleted afterwards.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinydb import TinyDB

from storage import layout
from storage.tinydb_repo import TinyDBRepository, open_repository

#: Makes the n-th case with a given id; `make_case` by default, demo cases in `python -m bench`.
MakeCase = Callable[[str, int, random.Random], dict[str, Any]]
Row = tuple[str, int, int, float, float]  # what, cases, runs, p50 ms, p99 ms

SIZES = (100, 10_000)
ITERATIONS = 300
BASELINE_ITERATIONS = {100: 300, 10_000: 30}
NEW_CASE_ITERATIONS = 30
WARMUP = 10
SEED = 20261128
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def make_case(case_id: str, n: int, rng: random.Random) -> dict[str, Any]:
    """A case of about 2.5 KB: three checklist runs of ~15 answers, deadlines, a history."""

    def iso(minutes: int) -> str:
        return (START + timedelta(minutes=minutes)).isoformat()

    def answers(count: int) -> dict[str, Any]:
        return {
            f"q{i}": {"value": rng.choice(["yes", "no", "2026-03-14", "Brazil", "AL BRA 3/2026"])}
            | {"at": iso(rng.randrange(100_000)), "by": f"u{n % 40}"}
            for i in range(1, count + 1)
        }

    return {
        "id": case_id,
        "kind": rng.choice(["communication", "visit"]),
        "owner": f"u{n % 40}",
        "status": rng.choice(["open", "open", "review", "closed"]),
        "reference": f"AL BRA {n}/2026",
        "label": f"Follow-up to communication {n} on housing",
        "runs": [
            {"checklist": "communication", "version": 2, "position": "q15", "answers": answers(15)},
            {"checklist": "follow-up", "version": 1, "position": "q12", "answers": answers(12)},
        ],
        "deadlines": {"reply_due": "2027-01-27", "report_due": "2027-03-01"},
        "reminders_sent": [f"{case_id}:reply_due:7d"],
        "history": [
            {"at": iso(0), "actor": f"u{n % 40}", "action": "create", "detail": {}},
        ],
    }


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


def p50_p99(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples) * 1000, percentile(samples, 99)


def timed(fn: Callable[[], None], iterations: int) -> list[float]:
    for _ in range(min(WARMUP, iterations)):
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def timed_interleaved(fns: Sequence[Callable[[], None]], iterations: int) -> list[list[float]]:
    """Time several workloads in turn, so that both sizes see the same disk weather (fsync
    latency on a shared VM drifts by 2x over a minute; measuring one size after the other
    would compare the drift, not the sizes)."""
    for _ in range(WARMUP):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for i in range(iterations):
        order = list(enumerate(fns))
        if i % 2:
            order.reverse()
        for k, fn in order:
            start = time.perf_counter()
            fn()
            samples[k].append(time.perf_counter() - start)
    return samples


def build_ours(
    folder: Path, n: int, rng: random.Random, make: MakeCase = make_case
) -> tuple[list[str], float, float]:
    """Write n case files as a plain copy would leave them, then open: migration 0->1 indexes
    them (and 2->3 reads them once more, with no case upgrades to apply: they are written in
    today's shape). Returns the ids, the first open (indexing) time and a normal open time."""
    cases_dir = folder / layout.CASES_DIR
    folder.mkdir(mode=0o700)
    cases_dir.mkdir(mode=0o700)
    ids = [f"c{i:010x}" for i in range(n)]
    for i, case_id in enumerate(ids):
        doc = {layout.CASE_TABLE: {"1": make(case_id, i, rng)}}
        (cases_dir / f"{case_id}.json").write_text(json.dumps(doc, separators=(",", ":")))
    os.sync()  # measure our writes, not the write-back of the set-up
    start = time.perf_counter()
    open_repository(folder, upgrades=()).close()
    first_open = time.perf_counter() - start
    start = time.perf_counter()
    open_repository(folder).close()
    return ids, first_open, time.perf_counter() - start


def save_answer_ours(repo: TinyDBRepository, ids: list[str], rng: random.Random) -> None:
    case = repo.get_case(rng.choice(ids))
    assert case is not None
    question = f"q{rng.randrange(1, 16)}"
    case["runs"][0]["answers"][question] = {"value": "yes", "at": START.isoformat(), "by": "u1"}
    repo.save_case(case, actor="u1", action="answer", detail={"question": question})


def new_case_ours(repo: TinyDBRepository, rng: random.Random, make: MakeCase = make_case) -> None:
    case = make(repo.new_case_id(), rng.randrange(10_000), rng)
    repo.save_case(case, actor="u1", action="create", detail={})


def bench_baseline(
    path: Path,
    n: int,
    rng: random.Random,
    make: MakeCase = make_case,
    iterations: int | None = None,
) -> list[float]:
    db = TinyDB(path)
    table = db.table("cases")
    table.insert_multiple(make(f"c{i:010x}", i, rng) for i in range(n))
    os.sync()

    def save_answer() -> None:
        doc_id = rng.randrange(1, n + 1)
        case = table.get(doc_id=doc_id)
        assert case is not None and not isinstance(case, list)
        question = f"q{rng.randrange(1, 16)}"
        runs = case["runs"]
        runs[0]["answers"][question] = {"value": "yes", "at": START.isoformat(), "by": "u1"}
        table.update({"runs": runs}, doc_ids=[doc_id])

    try:
        return timed(save_answer, iterations or BASELINE_ITERATIONS[n])
    finally:
        db.close()


def measure(
    sizes: Sequence[int] = SIZES,
    *,
    make: MakeCase = make_case,
    iterations: int = ITERATIONS,
    new_case_iterations: int = NEW_CASE_ITERATIONS,
    baseline_iterations: dict[int, int] | None = None,
) -> tuple[list[Row], list[str]]:
    """Every measurement of this benchmark: the table's rows, and a line per folder opened."""
    baseline = baseline_iterations or BASELINE_ITERATIONS
    rng = random.Random(SEED)
    rows: list[Row] = []
    opens: list[str] = []

    def record(what: str, n: int, samples: list[float]) -> None:
        rows.append((what, n, len(samples), *p50_p99(samples)))

    with tempfile.TemporaryDirectory(prefix="storage-bench-") as tmp, ExitStack() as stack:
        repos: dict[int, tuple[TinyDBRepository, list[str]]] = {}
        for n in sizes:
            folder = Path(tmp) / f"ours-{n}"
            ids, first_open, open_time = build_ours(folder, n, rng, make)
            size = sum(f.stat().st_size for f in (folder / "cases").iterdir()) / n / 1024
            opens.append(
                f"{n:>6} cases: first open (index built) {first_open * 1000:.0f} ms, "
                f"later open {open_time * 1000:.0f} ms, mean case file {size:.1f} KB"
            )
            repos[n] = (stack.enter_context(open_repository(folder)), ids)
        saves = [partial(save_answer_ours, repo, ids, rng) for repo, ids in repos.values()]
        news = [partial(new_case_ours, repo, rng, make) for repo, _ in repos.values()]
        for n, samples in zip(sizes, timed_interleaved(saves, iterations), strict=True):
            record("ours: save one answer", n, samples)
        for n, samples in zip(sizes, timed_interleaved(news, new_case_iterations), strict=True):
            record("ours: new case (index rewrite)", n, samples)
        stack.close()
        for n in sizes:
            path = Path(tmp) / f"tinydb-{n}.json"
            samples = bench_baseline(path, n, rng, make, baseline.get(n))
            record("TinyDB default: save one answer", n, samples)
    return rows, opens


def main() -> None:
    rows, opens = measure()

    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(*opens, sep="\n")
    print()
    print(f"| {'what':<32} | {'cases':>6} | {'runs':>4} | {'p50 ms':>8} | {'p99 ms':>8} |")
    print(f"|{'-' * 34}|{'-' * 7}:|{'-' * 5}:|{'-' * 9}:|{'-' * 9}:|")
    for what, n, runs, p50, p99 in rows:
        print(f"| {what:<32} | {n:>6} | {runs:>4} | {p50:>8.2f} | {p99:>8.2f} |")
    small, large = (p50 for what, _, _, p50, _ in rows if what == "ours: save one answer")
    verdict = "met" if large <= 2 * small else "NOT met"
    print()
    print(f"target (ours: 10,000-case p50 <= 2 x 100-case p50): {verdict}")
    print(f"  {large:.2f} ms vs {small:.2f} ms, ratio {large / small:.2f}")


if __name__ == "__main__":
    main()
