"""Kill a restore at random instants: the data folder holds the old data or the new, whole.

A restore over a folder of a few cases brings in a backup of a few thousand. Each cycle
starts the restore in a child process and SIGKILLs it at a point of its progress, read from
the disk rather than guessed from the clock: at random moments of the unpacking (so many
staged case files), once everything is staged (opening the staged folder, the swap), and
once the swap has happened (the clean-up).
The folder, opened afterwards, must have either every old case or every restored one, never
a mix and never none; what the kill left beside it is gone after that open.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.backup import backup
from storage.tinydb_repo import open_repository

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = 5, 2500
CYCLES = 8
SEED = 20261201
RESTORE = (
    "import sys; from pathlib import Path; from storage.restore import restore; "
    "from workflows.records.upgrade import open_data; "
    "restore(Path(sys.argv[1]), Path(sys.argv[2]), actor='kill-test', open_folder=open_data, "
    "force=True)"
)


def _fill(data_dir: Path, count: int, prefix: str) -> None:
    repo = open_repository(data_dir)
    try:
        with repo.bulk():
            for n in range(count):
                case = {"id": f"{prefix}{n:06d}", "kind": "communication", "owner": "1",
                        "status": "open", "reference": f"AL BDI {n + 1}/2017",
                        "label": f"case {n}", "next_alert": None, "next_due": None,
                        "runs": [], "answers": {"n": n, "text": "x" * 200}}  # fmt: skip
                repo.save_case(case, actor="t", action="create", detail={})
    finally:
        repo.close()


def _ids(data_dir: Path) -> set[str]:
    repo = open_repository(data_dir)
    try:
        return {entry["id"] for entry in repo.list_cases()}
    finally:
        repo.close()


def _staged_cases(target: Path) -> int:
    """Case files in the restore's staging folder beside `target` (0 before it exists)."""
    for staging in target.parent.glob(f".{target.name}.restore-*"):
        with contextlib.suppress(FileNotFoundError):  # renamed away meanwhile
            return len(os.listdir(staging / "cases"))
    return 0


def _until(process: subprocess.Popen[bytes], reached: Callable[[], bool]) -> None:
    """Wait for the restore to get so far (or to end): a step of another process, so this
    polls the disk; bounded, so a restore that stalls fails the test."""
    pause = threading.Event()
    for _ in range(24_000):
        if reached() or process.poll() is not None:
            return
        pause.wait(0.005)
    raise AssertionError("the restore made no progress in 120 s")


def _restore(archive: Path, target: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", RESTORE, str(archive), str(target)],
        cwd=ROOT, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("restore-kill")
    source, old = base / "source", base / "old"
    _fill(source, NEW, "cnew")
    _fill(old, OLD, "cold")
    repo = open_repository(source)
    try:
        backup(repo, base / "backup.tar.gz", now=datetime(2026, 12, 1, tzinfo=UTC))
    finally:
        repo.close()
    return base / "backup.tar.gz", old


def test_a_restore_killed_at_any_instant_leaves_the_old_data_or_the_new(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    archive, old = folders
    old_ids = _ids(old)
    target = tmp_path / "live"
    shutil.copytree(old, target)
    assert _restore(archive, target).wait(timeout=120) == 0
    new_ids = _ids(target)
    assert len(new_ids) == NEW

    rng = random.Random(SEED)
    outcomes = []
    for cycle in range(CYCLES):
        shutil.rmtree(target)
        shutil.copytree(old, target)
        process = _restore(archive, target)
        if cycle < CYCLES - 2:  # spread over the unpacking
            staged = int(NEW * (cycle + rng.random()) / (CYCLES - 2))
            _until(process, lambda n=staged: _staged_cases(target) >= n)
        elif cycle == CYCLES - 2:  # all staged: opening it, or swapping it in
            _until(process, lambda: _staged_cases(target) >= NEW)
        else:  # swapped: cleaning up what it replaced
            _until(process, lambda: any(target.parent.glob(f".{target.name}.replaced-*")))
        process.kill()
        process.wait()
        found = _ids(target)
        assert found in (old_ids, new_ids), f"cycle {cycle}: {len(found)} cases"
        outcomes.append(found == new_ids)
        assert [p.name for p in tmp_path.iterdir() if p.name != "live"] == []
    assert not all(outcomes), "no kill landed before the swap"
