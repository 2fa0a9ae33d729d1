"""Kill a writer at random moments; nothing it acknowledged may be lost.

Each cycle starts `crash_writer.py` on the same folder and kills it: half of the cycles with
SIGKILL after 5-150 ms of saving, the others by making it SIGKILL itself at a precise instant
(a journal line half-written, a line durable but its case file not yet written, index.json
rewritten but the journal not yet emptied). Before reopening, the folder as the kill left it
must already name every case whose index.json entry may be wrong: in index.journal, or by
being absent from index.json. Then the folder is opened here, which must work, and: every
acknowledged save is on disk, with its audit entry; every answer has its audit entry and
vice versa (a case and its history are written together); the index in memory and
index.json agree with the case files; the journal is gone. Some kills land inside a `bulk()`
block, where index.json is behind by design.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from storage import layout
from storage.tinydb_repo import TinyDBRepository, open_repository

ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("crash_writer.py")
CYCLES = 30
SEED = 20261128
# What kills the writer in each cycle: the parent after a random delay, or the writer itself.
MODES = ("random", "torn", "random", "appended", "random", "compacted")

Ack = tuple[str, int, str]  # case id, k, action


def read_into(fd: int, buffer: bytearray, deadline: float, until: bytes | None = None) -> bool:
    """Read from `fd` until the deadline, EOF (returns False) or `until` is in the buffer."""
    while (remaining := deadline - time.monotonic()) > 0:
        if until is not None and until in buffer:
            return True
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        buffer += chunk
    return True


def run_and_kill(
    data_dir: Path, start_k: int, kill: tuple[str, float | int], stderr_path: Path
) -> tuple[list[Ack], bool, str | None]:
    """The acknowledged saves, whether the kill landed inside a bulk() block, and which
    instant the writer killed itself at (None if the parent killed it). `kill` is ("random",
    delay in seconds) or (mode, n) for crash_writer.py."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mode, when = kill
    command = [sys.executable, str(WRITER), str(data_dir), str(start_k)]
    if mode != "random":
        command += [mode, str(when)]
    buffer = bytearray()
    with (
        open(stderr_path, "wb") as stderr,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env) as proc,
    ):
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        try:
            read_into(fd, buffer, time.monotonic() + 20, until=b"READY\n")
            assert b"READY\n" in buffer, stderr_path.read_text()
            if mode == "random":
                read_into(fd, buffer, time.monotonic() + float(when))
                assert proc.poll() is None, f"writer died by itself:\n{stderr_path.read_text()}"
            else:  # it kills itself; reads until EOF
                assert not read_into(fd, buffer, time.monotonic() + 20), "writer did not die"
        finally:
            proc.send_signal(signal.SIGKILL)
        read_into(fd, buffer, time.monotonic() + 20)  # acks already in the pipe count too
        assert proc.wait(20) == -signal.SIGKILL
    acks: list[Ack] = []
    in_bulk = False
    killed_at = None
    for line in bytes(buffer).decode().splitlines(keepends=True):
        if line.startswith("ACK ") and line.endswith("\n"):
            _, case_id, k, action = line.split()
            acks.append((case_id, int(k), action))
        elif line in ("BULK\n", "END\n"):
            in_bulk = line == "BULK\n"
        elif line.startswith("KILL "):
            killed_at = line.split()[1]
    assert killed_at == (None if mode == "random" else mode), stderr_path.read_text()
    return acks, in_bulk, killed_at


def check_as_left(data_dir: Path, killed_at: str | None) -> None:
    """Before any repair: every case whose entry in index.json differs from its file is named
    in the journal (or absent from index.json, for the folder listing to find)."""
    written = layout.read_index(data_dir)
    assert written is not None
    _, named = layout.read_journal(data_dir)
    on_disk = set(layout.case_ids_on_disk(data_dir))
    assert set(written) <= on_disk, "index.json names a case that has no file"
    for case_id in on_disk & set(written):
        actual = layout.index_case_file(data_dir, case_id)
        assert actual == written[case_id] or case_id in named, f"{case_id} lags, unnamed"
    journal = (data_dir / layout.JOURNAL_FILE).read_bytes() if killed_at else b""
    if killed_at == "torn":
        assert not journal.endswith(b"\n"), "the kill did not tear a line"
    elif killed_at == "appended":
        assert journal.endswith(b"\n") and named


def check(repo: TinyDBRepository, acks: list[Ack]) -> None:
    data_dir = repo.data_dir
    cases = {case["id"]: case for case in repo.iter_cases()}
    for case_id, k, action in acks:
        case = cases.get(case_id)
        assert case is not None, f"acknowledged case {case_id} (k={k}) is missing"
        assert k in {h["detail"]["k"] for h in case["history"]}, (case_id, k)
        if action == "answer":
            assert case["answers"].get(f"a{k}") == k, (case_id, k)
    for case_id, case in cases.items():
        logged = {f"a{h['detail']['k']}" for h in case["history"] if h["action"] == "answer"}
        assert logged == set(case["answers"]), f"answers and history disagree in {case_id}"
    expected = {case_id: layout.index_entry(case, case_id) for case_id, case in cases.items()}
    assert set(layout.case_ids_on_disk(data_dir)) == set(cases)
    assert {entry["id"]: entry for entry in repo.list_cases()} == expected
    assert layout.read_index(data_dir) == expected
    assert not (data_dir / layout.JOURNAL_FILE).exists()
    assert not (data_dir / layout.PENDING_FILE).exists()
    assert not [name for _, _, names in os.walk(data_dir) for name in names if ".tmp" in name]


def test_acknowledged_saves_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    open_repository(data_dir).close()
    acked: list[Ack] = []
    kills_in_bulk = 0
    kills: Counter[str | None] = Counter()
    for cycle in range(CYCLES):
        mode = MODES[cycle % len(MODES)]
        when = rng.uniform(0.005, 0.150) if mode == "random" else rng.randint(1, 8)
        stderr_path = tmp_path / f"writer-{cycle}.err"
        acks, in_bulk, killed_at = run_and_kill(
            data_dir, cycle * 1_000_000, (mode, when), stderr_path
        )
        acked.extend(acks)
        kills_in_bulk += in_bulk
        kills[killed_at] += 1
        check_as_left(data_dir, killed_at)
        repo = open_repository(data_dir)
        try:
            check(repo, acked)
        finally:
            repo.close()
    assert len(acked) > CYCLES * 5, "the writer hardly wrote anything; the test proves little"
    assert kills_in_bulk, "no kill landed inside a bulk() block"
    assert kills == {None: CYCLES // 2, "torn": 5, "appended": 5, "compacted": 5}
