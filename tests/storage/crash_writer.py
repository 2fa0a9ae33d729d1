"""Child process for test_crash.py: saves cases in a loop until it is killed.

Usage: python crash_writer.py DATA_DIR START_K [MODE N]

`ACK <case_id> <k> <action>` is printed and flushed only after `save_case` has returned, the
same rule the bot follows before telling a user "saved". About half of the saves happen
inside `repo.bulk()` blocks (index.json written once per block), between `BULK` and `END`
lines, so that the parent can tell whether the kill landed inside a block. Most saves change
an index field (journal lines), and index.json is compacted every 5 index changes instead of
1,000, so that kills land in appends and compactions often.

Without MODE the parent SIGKILLs this process at a random moment. With MODE the process
SIGKILLs itself at the N-th occurrence of a precise instant, after printing `KILL <MODE>`:

- `torn`: half-way through writing a journal line (the line is left torn);
- `appended`: after a journal line is durable, before the case file is written;
- `compacted`: after index.json is rewritten, before the journal is emptied.

Either way the parent then checks that every acknowledged write survived.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from storage import layout
from storage.atomic import dumps
from storage.tinydb_repo import TinyDBRepository, open_repository

COMPACT_EVERY = 5


def save_one(repo: TinyDBRepository, ids: list[str], k: int) -> None:
    if len(ids) < 20 or k % 10 == 0:
        action = "create"
        case: dict[str, Any] = {"id": repo.new_case_id(), "kind": "communication"}
        case.update(owner="u0")
        case.update(status="open", reference=f"REF {k}", label=None, answers={})
    else:
        action = "answer"
        found = repo.get_case(ids[k % len(ids)])
        assert found is not None
        case = found
        case["answers"][f"a{k}"] = k
        if k % 2 == 0:  # index-changing saves: a journal line each
            case["label"] = f"label {k}"
        if k % 7 == 0:
            case["status"] = "review" if case["status"] == "open" else "open"
        if k % 11 == 0:
            case["owner"] = f"u{k % 3}"
    repo.save_case(case, actor="writer", action=action, detail={"k": k})
    if action == "create":
        ids.append(case["id"])
    print(f"ACK {case['id']} {k} {action}", flush=True)


def kill_at(mode: str, n: int) -> None:
    """Patch the storage layer so that this process kills itself at the n-th `mode` instant."""
    seen = 0

    def due() -> bool:
        nonlocal seen
        seen += 1
        if seen == n:
            print(f"KILL {mode}", flush=True)
        return seen == n

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    append = layout.IndexJournal.append
    write_index = layout.write_index

    def torn_append(journal: layout.IndexJournal, entry: dict[str, Any]) -> None:
        if due():
            fd = journal._fd if journal._fd is not None else journal._open()
            line = dumps(entry) + b"\n"
            os.write(fd, line[: len(line) // 2])
            die()
        append(journal, entry)

    def append_then_die(journal: layout.IndexJournal, entry: dict[str, Any]) -> None:
        append(journal, entry)
        if due():
            die()

    def write_index_then_die(*args: Any) -> None:
        write_index(*args)
        if due():
            die()

    patches: dict[str, tuple[object, str, Callable[..., None]]] = {
        "torn": (layout.IndexJournal, "append", torn_append),
        "appended": (layout.IndexJournal, "append", append_then_die),
        "compacted": (layout, "write_index", write_index_then_die),
    }
    target, name, replacement = patches[mode]
    setattr(target, name, replacement)


def main() -> None:
    data_dir, k = sys.argv[1], int(sys.argv[2])
    layout.JOURNAL_LIMIT = COMPACT_EVERY
    repo = open_repository(data_dir)
    if len(sys.argv) > 3:
        kill_at(sys.argv[3], int(sys.argv[4]))
    ids = [entry["id"] for entry in repo.list_cases()]
    print("READY", flush=True)
    while True:
        if k // 10 % 2:  # half of the saves in blocks of 10 inside bulk()
            print("BULK", flush=True)
            with repo.bulk():
                for _ in range(10):
                    k += 1
                    save_one(repo, ids, k)
            print("END", flush=True)
        else:
            k += 1
            save_one(repo, ids, k)


if __name__ == "__main__":
    main()
