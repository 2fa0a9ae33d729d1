"""The console chat as a user runs it: a real `python -m bot --console` process."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

COMMUNICATION = [
    "/new", "1", "1", "Burundi", "15/03/2017", "WGAD", "1", "A <b>test</b> & more",
    "/skip", "/skip", "1",
]  # fmt: skip
VISIT = [
    "/new", "2", "1", "Honduras", "SR HRDs", "3 Jan 2017", "/skip", "/skip", "1",
]  # fmt: skip


def run_console(data_dir: Path, lines: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--console", "--data-dir", str(data_dir)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_piped_console_logs_a_communication_and_a_visit(tmp_path: Path) -> None:
    out = run_console(tmp_path / "data", COMMUNICATION + VISIT + ["/cases"])
    assert out.count("Checklist saved.") == 2
    assert "AL BDI 1/2017 · Burundi · Sun 14 May 2017, " in out  # real clock: days vary
    assert "Visit to Honduras (SR HRDs) · Wed 3 Jan 2018, " in out
    assert "Saved: A <b>test</b> & more" in out


def test_console_killed_mid_checklist_resumes_at_the_same_question(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with console_process(data) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(("\n".join(COMMUNICATION[:5]) + "\n").encode())
        process.stdin.flush()
        read_until(process.stdout, "Saved: Wed 15 Mar 2017")
        os.kill(process.pid, signal.SIGKILL)
    out = run_console(data, ["/resume"])
    assert "Question 4 of 8 · New communication" in out
    assert "Which mandate(s) sent it?" in out
    finished = run_console(data, ["/resume", *COMMUNICATION[5:]])
    assert "Checklist saved." in finished and "AL BDI 1/2017" in finished


def read_until(stream: IO[bytes], marker: str, timeout: float = 30.0) -> str:
    """Read the child's raw output until `marker` appears (bounded; never sleeps)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {marker!r}; got {seen[-500:]!r}"
        ready, _, _ = select.select([stream], [], [], remaining)
        if ready:
            chunk = os.read(stream.fileno(), 65536)
            assert chunk, f"console exited early; got {seen[-500:]!r}"
            seen += chunk
    return seen.decode()


@contextmanager
def console_process(data: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A console child with raw pipes, always reaped, even when the test fails."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--console", "--data-dir", str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


def test_second_process_on_the_same_folder_is_refused_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with console_process(data) as holder:
        assert holder.stdout is not None
        read_until(holder.stdout, "Your role")
        second = subprocess.run(
            [sys.executable, "-m", "bot", "--console", "--data-dir", str(data)],
            input="",
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert second.returncode == 2
    assert second.stderr.startswith("Cannot start:") and str(data) in second.stderr
