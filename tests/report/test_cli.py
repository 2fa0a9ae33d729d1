"""The data tools from the command line: `run_cli([...])`, and one real `python -m bot`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from fixture import ADMIN_ID, VICTIMS

from bot.cli import run_cli
from storage.tinydb_repo import open_repository

ROOT = Path(__file__).resolve().parents[2]
YEAR_2017 = ["--from", "2017-01-01", "--to", "2017-12-31"]


def cli(data_dir: Path, *args: str | Path) -> int:
    command, *rest = [str(a) for a in args]
    return run_cli([command, "--data-dir", str(data_dir), *rest])


def test_report_summary_to_standard_output(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(data_dir, "report", *YEAR_2017) == 0
    out = capsys.readouterr().out
    assert "Follow-up report: 1 January 2017 \N{EN DASH} 31 December 2017" in out
    assert "Communications sent (one per addressee): 38" in out
    assert not any(name in out for name in VICTIMS)


def test_report_as_docx_for_one_state(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "burundi.docx"
    assert cli(data_dir, "report", "--period", "2017", "--state", "Burundi",
               "--format", "docx", "--out", out) == 0  # fmt: skip
    document = Document(str(out))
    assert "Scope: all mandates; Burundi (BDI)" in [p.text for p in document.paragraphs]
    assert "Communications sent (one per addressee): 4" in [p.text for p in document.paragraphs]
    assert document.tables


def test_state_profile_into_a_folder_is_named_for_the_state(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No period: Burundi's whole record, from its first letter (#1, 10 February 2017) to
    # today; the file takes the period and the State's code as its name.
    folder = tmp_path / "out"
    folder.mkdir()
    assert cli(data_dir, "report", "--state", "Burundi", "--format", "csv", "--out", folder) == 0
    (written,) = folder.iterdir()
    assert written.name.startswith("followup-report-2017-02-10-")
    assert written.name.endswith("-BDI.csv")
    assert "Burundi: the whole record" in capsys.readouterr().err
    assert cli(data_dir, "report", "--mandate", "WGAD", "--period", "2017", "--format", "docx",
               "--out", folder) == 0  # fmt: skip
    assert (folder / "followup-report-2017-01-01-2017-12-31-WGAD.docx").exists()


def test_report_csv_and_chart(data_dir: Path, tmp_path: Path) -> None:
    assert cli(data_dir, "report", *YEAR_2017, "--mandate", "WGAD", "--format", "csv",
               "--out", tmp_path / "r.csv") == 0  # fmt: skip
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert cli(data_dir, "report", *YEAR_2017, "--format", "png", "--chart-by", "month",
               "--out", tmp_path / "r.png") == 0  # fmt: skip
    assert (tmp_path / "r.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "Atlantis", "--period", "2017"], "not a State I know"),
        (["--mandate", "rapporteur", "--period", "2017"], "exactly one mandate"),
        (["--period", "someday"], "could not read"),
        (["--from", "2017-12-31", "--to", "2017-01-01"], "--to is before --from"),
        (["--period", "2017", "--confidential"], "needs --as USER_ID of an admin"),
        (["--period", "2017", "--confidential", "--as", "101"], "of an admin"),
    ],
)
def test_report_refusals(
    data_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert cli(data_dir, "report", *args) == 2
    assert message in capsys.readouterr().err


def test_confidential_report_is_audit_logged(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "confidential.docx"
    assert cli(data_dir, "report", "--period", "2017", "--confidential", "--as", ADMIN_ID,
               "--format", "docx", "--out", out) == 0  # fmt: skip
    text = "\n".join(c.text for t in Document(str(out)).tables for r in t.rows for c in r.cells)
    assert VICTIMS[0] in text
    repo = open_repository(data_dir)
    try:
        entry = repo.audit_log()[-1]
    finally:
        repo.close()
    assert (entry["actor"], entry["action"]) == (ADMIN_ID, "report_confidential")
    assert entry["detail"]["period"] == "2017"


def test_a_folder_in_use_is_refused(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = open_repository(data_dir)
    try:
        assert cli(data_dir, "report", "--period", "2017") == 2
    finally:
        repo.close()
    assert "already in use" in capsys.readouterr().err


def test_import_export_backup_restore(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "more.csv"
    sheet.write_text(
        "kind,owner,comm_type,addressees,date_sent,mandates,reference,summary\n"
        "communication,101,AL,Chile,2017-06-01,WGAD,AL CHL 1/2017,Protest\n"
        "communication,101,AL,Chile,2017-06-01,WGAD,AL CHL 2/2017,\n",
        encoding="utf-8",
    )
    assert cli(data_dir, "import", sheet) == 1  # one row lacks its summary
    out = capsys.readouterr().out
    assert "1 imported" in out and "line 3: summary is required" in out
    assert cli(data_dir, "import", sheet) == 1
    assert "0 imported, 1 already there" in capsys.readouterr().out

    assert cli(data_dir, "export", "--out", tmp_path / "export.json") == 0
    assert '"AL CHL 1/2017"' in (tmp_path / "export.json").read_text("utf-8")

    archive = tmp_path / "backup.tar.gz"
    assert cli(data_dir, "backup", "--out", archive) == 0
    assert "Backed up 54 cases" in capsys.readouterr().out
    restored = tmp_path / "restored"
    assert cli(restored, "restore", archive) == 0
    assert cli(restored, "restore", archive) == 2  # not over data without --force
    assert "already holds data" in capsys.readouterr().err
    assert cli(restored, "restore", archive, "--force") == 0


def test_python_m_bot_report_in_a_real_process(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--data-dir", str(data_dir), *YEAR_2017,
         "--format", "csv", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Côte d'Ivoire" in data.decode("utf-8-sig")
