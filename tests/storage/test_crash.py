"""Kill a writer at random moments; nothing it acknowledged may be lost.

Each cycle starts `crash_writer.py` on the same folder, lets it save for 5-150 ms after it is
ready, SIGKILLs it, then opens the folder here and checks that: it opens; every acknowledged
save is on disk, with its audit entry; every answer has its audit entry and vice versa (a
case and its history are written together); the index agrees with the case files. Some kills
land inside a `bulk()` block, where index.json is behind by design.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage import layout
from storage.tinydb_repo import TinyDBRepository, open_repository

ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("crash_writer.py")
CYCLES = 25
SEED = 20261128

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
    data_dir: Path, start_k: int, delay: float, stderr_path: Path
) -> tuple[list[Ack], bool]:
    """The acknowledged saves, and whether the kill landed inside a bulk() block."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(WRITER), str(data_dir), str(start_k)]
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
            read_into(fd, buffer, time.monotonic() + delay)
            assert proc.poll() is None, f"writer died by itself:\n{stderr_path.read_text()}"
        finally:
            proc.send_signal(signal.SIGKILL)
        read_into(fd, buffer, time.monotonic() + 20)  # acks already in the pipe count too
        assert proc.wait(20) == -signal.SIGKILL
    acks: list[Ack] = []
    in_bulk = False
    for line in bytes(buffer).decode().splitlines(keepends=True):
        if line.startswith("ACK ") and line.endswith("\n"):
            _, case_id, k, action = line.split()
            acks.append((case_id, int(k), action))
        elif line in ("BULK\n", "END\n"):
            in_bulk = line == "BULK\n"
    return acks, in_bulk


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
    assert not (data_dir / layout.PENDING_FILE).exists()
    assert not [name for _, _, names in os.walk(data_dir) for name in names if ".tmp" in name]


def test_acknowledged_saves_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    open_repository(data_dir).close()
    acked: list[Ack] = []
    kills_in_bulk = 0
    for cycle in range(CYCLES):
        delay = rng.uniform(0.005, 0.150)
        stderr_path = tmp_path / f"writer-{cycle}.err"
        acks, in_bulk = run_and_kill(data_dir, cycle * 1_000_000, delay, stderr_path)
        acked.extend(acks)
        kills_in_bulk += in_bulk
        repo = open_repository(data_dir)
        try:
            check(repo, acked)
        finally:
            repo.close()
    assert len(acked) > CYCLES * 5, "the writer hardly wrote anything; the test proves little"
    assert kills_in_bulk, "no kill landed inside a bulk() block"
