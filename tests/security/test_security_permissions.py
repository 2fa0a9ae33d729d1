"""Owner-only files: the data folder and everything created in it, and what the command-line
tools write. The bot and the tools run with the usual umask (022), under which a plain
`open()` would create files readable by every user of the machine."""

from __future__ import annotations

import stat
import subprocess
import sys
import tarfile
from datetime import date
from pathlib import Path

from botapi_stub import BotApiStub
from fault_harness import ADMIN, ROOT, add_officers, seed_overdue_letters
from security_session import run_session

from storage import layout
from storage.lock import LOCK_FILE
from workflows.checklists.model import Registry


def modes(folder: Path) -> dict[str, int]:
    """Permission bits of the folder and of everything under it, by relative path."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def not_owner_only(folder: Path) -> dict[str, str]:
    wrong = {}
    for name, mode in modes(folder).items():
        expected = 0o700 if (folder / name).is_dir() else 0o600
        if mode != expected:
            wrong[name] = oct(mode)
    return wrong


async def test_the_data_folder_and_backups_are_owner_only(api: BotApiStub, tmp_path: Path) -> None:
    session = await run_session(api, tmp_path)

    names = set(modes(session.data))
    expected = {layout.META_FILE, layout.INDEX_FILE, layout.SESSIONS_FILE, layout.AUDIT_FILE,
                LOCK_FILE, layout.CASES_DIR, layout.FILES_DIR}  # fmt: skip
    assert expected <= names
    assert any(n.startswith(f"{layout.CASES_DIR}/") for n in names)
    assert any(n.startswith(f"{layout.FILES_DIR}/") for n in names)  # the letter
    assert not_owner_only(session.data) == {}

    backup = session.outputs["backup"]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    with tarfile.open(backup) as archive:
        assert {oct(m.mode) for m in archive.getmembers()} == {oct(0o600)}

    restored = tmp_path / "restored" / "data"  # parents created by the tool too
    done = subprocess.run(
        [sys.executable, "-m", "bot", "restore", str(backup), "--data-dir", str(restored),
         "--as", str(ADMIN)], cwd=ROOT, umask=0o022, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not_owner_only(restored) == {}
    assert stat.S_IMODE(restored.parent.stat().st_mode) == 0o700


def test_exported_files_are_owner_only(tmp_path: Path, registry: Registry) -> None:
    data = tmp_path / "data"
    add_officers(data, [201])
    seed_overdue_letters(data, registry, [201], 2, date.today())
    out = tmp_path / "out"
    out.mkdir()
    written = {}
    for name, args in {
        "export.json": ["export"],
        "report.docx": ["report", "--period", "this year", "--format", "docx"],
        "report.csv": ["report", "--period", "this year", "--format", "csv"],
    }.items():
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args, "--out", str(out / name), "--data-dir", str(data)],
            cwd=ROOT, umask=0o022, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        written[name] = oct(stat.S_IMODE((out / name).stat().st_mode))
    assert written == dict.fromkeys(written, oct(0o600))
