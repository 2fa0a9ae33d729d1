"""Child process for test_crash.py: saves cases in a loop until it is killed.

Usage: python crash_writer.py DATA_DIR START_K

`ACK <case_id> <k> <action>` is printed and flushed only after `save_case` has returned, the
same rule the bot follows before telling a user "saved". About half of the saves happen
inside `repo.bulk()` blocks (index.json written once per block), between `BULK` and `END`
lines, so that the parent can tell whether the kill landed inside a block. The parent SIGKILLs this
process at a random moment and then checks that every acknowledged write survived.
"""

from __future__ import annotations

import sys
from typing import Any

from storage.tinydb_repo import TinyDBRepository, open_repository


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
        if k % 7 == 0:  # index-changing saves exercise the pending marker
            case["status"] = "review" if case["status"] == "open" else "open"
        if k % 11 == 0:
            case["owner"] = f"u{k % 3}"
    repo.save_case(case, actor="writer", action=action, detail={"k": k})
    if action == "create":
        ids.append(case["id"])
    print(f"ACK {case['id']} {k} {action}", flush=True)


def main() -> None:
    data_dir, k = sys.argv[1], int(sys.argv[2])
    repo = open_repository(data_dir)
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
