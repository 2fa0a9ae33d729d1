"""Import reports every problem of every row in one run, and `--columns` says what a column
needs (issue 14, item 10)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from storage.tinydb_repo import TinyDBRepository
from workflows.checklists.model import Registry
from workflows.records.spreadsheet_import import import_file


def test_every_problem_of_every_row_at_once(
    repo: TinyDBRepository, registry: Registry, tmp_path: Path
) -> None:
    repo.put_user({"id": "101", "role": "officer"}, actor="test")
    path = tmp_path / "letters.csv"
    path.write_text(
        "kind,owner,comm_type,addressees,date_sent,mandates,reference,summary\n"
        "communication,999,AL,Burundi,,,,\n"  # unknown owner and four required columns empty
        "communication,101,AL,Burundi,31/02/2017,WGAD,,Detention\n"  # bad date, no reference
        "communication,101,AL,Burundi,15/03/2017,WGAD,AL BDI 1/2017,Detention\n",
        encoding="utf-8",
    )
    result = import_file(path, repo, registry, actor="test", today=date(2018, 2, 1),
                         now=datetime(2018, 2, 1, tzinfo=UTC), tz="Europe/Zurich")  # fmt: skip
    assert [label for _, label in result.imported] == ["AL BDI 1/2017"]
    first, second = (str(p) for p in result.problems)
    assert first.startswith("line 2: owner 999 is not an officer or admin of the bot; ")
    for column in ("date_sent", "mandates", "reference", "summary"):
        assert f"{column} is required" in first
    assert second.startswith("line 3: date_sent: ") and "reference is required" in second
    assert "summary is required" not in second


def test_columns_marks_required_columns_and_allowed_values(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "import", "--columns", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    comm_type = next(line for line in out.splitlines() if line.strip().startswith("comm_type"))
    assert "[required]" in comm_type and "(values: AL, UA, OL" in comm_type
    themes = next(line for line in out.splitlines() if line.strip().startswith("themes "))
    assert "[required" not in themes and "values: " in themes
    reply = next(line for line in out.splitlines() if line.strip().startswith("reply_date"))
    assert "[required with this section]" in reply
