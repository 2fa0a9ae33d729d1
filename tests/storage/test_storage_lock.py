"""One writer per data folder, across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.tinydb_repo import open_repository

ROOT = Path(__file__).resolve().parents[2]

TRY_OPEN = """
import sys
from storage.repository import DataDirLocked
from storage.tinydb_repo import open_repository
try:
    repo = open_repository(sys.argv[1])
except DataDirLocked as exc:
    print("LOCKED", exc)
    sys.exit(3)
repo.close()
print("OPENED")
"""


def try_open(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", TRY_OPEN, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_second_process_is_refused_until_the_first_closes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    repo = open_repository(data_dir)
    try:
        refused = try_open(data_dir)
        assert refused.returncode == 3, refused.stderr
        message = refused.stdout.strip()
        assert message == (
            f"LOCKED data folder {data_dir} is already in use by process {os.getpid()}; "
            "stop it first or choose another data folder"
        )
    finally:
        repo.close()
    opened = try_open(data_dir)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "OPENED"
