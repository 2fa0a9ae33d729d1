"""Schema versions of a data folder, and the steps that bring an old folder up to date.

The version lives in `meta.json`, table `schema`, one document `{"version": N}`; a folder
without it is version 0. Step n turns version n into n + 1; the version is written after each
step, so a crash part-way re-runs only the unfinished step (steps are idempotent).

Version 3 changes what cases *mean* (one letter per addressee, follow-up letters as cases),
which only the domain knows: storage must not import it, so the caller passes the domain's
`CaseUpgrade` functions (see `workflows.records.upgrade`) and this module applies them once, crash-
safely (see `_v2_to_v3`). A folder that holds cases and needs them is refused without them.

A folder written by a newer program is refused, never downgraded: the old code would not
know what the new fields mean and could silently drop them on the next save.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from storage.atomic import (
    AtomicJSONStorage,
    atomic_write_bytes,
    dumps,
    fdatasync,
    fsync_dir,
    make_private_dirs,
    write_all,
)
from storage.layout import (
    AUDIT_FILE,
    AUDIT_TABLE,
    CASE_TABLE,
    CASES_DIR,
    META_FILE,
    SESSIONS_FILE,
    SESSIONS_TABLE,
    build_index,
    case_ids_on_disk,
    case_path,
    is_case_id,
    quarantine,
    read_case_file,
    write_index,
)
from storage.repository import Case, DamagedFile, StorageError

log = logging.getLogger(__name__)

SCHEMA_TABLE = "schema"

Migration = Callable[[Path], None]
#: A domain upgrade of every case of a folder, pure: all the cases in (sorted by id), all the
#: cases out. It may change cases and add new ones, never drop one (every id that came in
#: must come out) nor rename one; it must give the same result for the same input, since a
#: crash makes it run again on the same cases. A case may carry a dict under `UPGRADE_NOTE`
#: saying what was done to it: it becomes the detail of the case's audit entry.
CaseUpgrade = Callable[[list[Case]], list[Case]]
UPGRADE_NOTE = "_upgrade"
STAGING_DIR = "upgrade-3"
_READY = "READY"


def _v0_to_v1(data_dir: Path) -> None:
    """Index the case files of a folder that has none (new, or restored from a plain copy)."""
    write_index(data_dir, build_index(data_dir).values())


def _v1_to_v2(data_dir: Path) -> None:
    """Move the sessions and the global audit log out of meta.json into files of their own.

    meta.json is read on every message (users) but the audit log in it only grows. Crash-safe:
    sessions.json and audit.json are written first and meta.json is rewritten without the two
    tables last, so until that rename meta.json still holds everything. A re-run after a
    crash merges instead of appending, so an entry already moved is not moved twice.
    """
    meta_storage = AtomicJSONStorage(data_dir / META_FILE)
    meta = meta_storage.read() or {}
    moves = ((SESSIONS_FILE, SESSIONS_TABLE, _session_key), (AUDIT_FILE, AUDIT_TABLE, _same_doc))
    for file_name, table, key in moves:
        docs = _table_docs(meta, table, META_FILE)
        if not docs:
            continue
        target = AtomicJSONStorage(data_dir / file_name)
        present = target.read() or {}
        merged = _merge(docs, _table_docs(present, table, file_name), key)
        if merged != present.get(table):  # equal when a re-run finds it already moved
            target.write({**present, table: merged})
    moved = (SESSIONS_TABLE, AUDIT_TABLE)
    if any(table in meta for table in moved):
        meta_storage.write({name: docs for name, docs in meta.items() if name not in moved})


def _table_docs(data: dict[str, Any], table: str, file_name: str) -> list[dict[str, Any]]:
    docs = data.get(table) or {}
    if not isinstance(docs, dict) or not all(isinstance(doc, dict) for doc in docs.values()):
        raise StorageError(f"{file_name}: table {table!r} is not a table of documents")
    return list(docs.values())


def _session_key(doc: dict[str, Any]) -> str:
    return json.dumps(doc.get("user_id"))


def _same_doc(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True)


def _merge(
    first: Iterable[dict[str, Any]], then: Iterable[dict[str, Any]], key: Callable[[Any], str]
) -> dict[str, dict[str, Any]]:
    """`first` in order, then the documents of `then` whose key `first` lacks; doc ids 1..n."""
    docs = list(first)
    keys = {key(doc) for doc in docs}
    docs += [doc for doc in then if key(doc) not in keys]
    return {str(doc_id): doc for doc_id, doc in enumerate(docs, start=1)}


def _v2_to_v3(
    data_dir: Path, upgrades: Sequence[CaseUpgrade] | None, clock: Callable[[], datetime]
) -> None:
    """Apply the domain's case upgrades to every case, all or nothing, crash-safely.

    Phase 1 reads every case file, applies the upgrades in order and writes each changed or
    new case into `upgrade-3/`, then the marker `upgrade-3/READY`; the case files are not
    touched, so a crash here just starts phase 1 again from the same cases. Phase 2 (once
    the marker exists) moves each staged file over `cases/` by rename; a crash here resumes
    phase 2 with the files still staged. The version is written after phase 2 and the staging
    folder removed only then (`clear_staging`), so every case is upgraded exactly once.
    """
    staging = data_dir / STAGING_DIR
    if not (staging / _READY).exists():
        case_ids = case_ids_on_disk(data_dir)
        if case_ids and upgrades is None:
            raise StorageError(
                f"data folder {data_dir} must be upgraded to schema version 3 by the program "
                "(its cases change shape); open it with `python -m bot`, not the bare storage"
            )
        _stage(data_dir, staging, case_ids, upgrades or (), clock)
    _move_staged(data_dir, staging)
    write_index(data_dir, build_index(data_dir).values())


def _stage(
    data_dir: Path,
    staging: Path,
    case_ids: list[str],
    upgrades: Sequence[CaseUpgrade],
    clock: Callable[[], datetime],
) -> None:
    shutil.rmtree(staging, ignore_errors=True)  # an unfinished phase 1 starts again
    make_private_dirs(staging)
    before: dict[str, Case] = {}
    for case_id in case_ids:
        path = case_path(data_dir, case_id)
        try:
            case = read_case_file(path)
        except DamagedFile as exc:  # set aside, as every other read does: the rest go on
            quarantine(data_dir, path, exc)
            continue
        if case is not None:
            before[case_id] = case
    cases = json.loads(json.dumps(list(before.values())))  # the upgrades get their own copy
    for upgrade in upgrades:
        cases = upgrade(cases)
    after = _checked(before, cases)
    at = clock().astimezone(UTC).isoformat()
    changed = 0
    for case_id, case in after.items():
        note = case.pop(UPGRADE_NOTE, None)
        if before.get(case_id) == case:
            continue
        record = {"at": at, "actor": "system", "action": "upgrade",
                  "detail": {"schema": 3, **(note or {})}}  # fmt: skip
        history = [*(case.get("history") or []), record]
        _write_staged(staging / f"{case_id}.json", {**case, "history": history})
        changed += 1
    fsync_dir(staging)  # every staged file is on disk before the marker says so
    atomic_write_bytes(staging / _READY, b"%d\n" % changed)
    log.info("upgrade to schema 3: %d of %d case files staged", changed, len(after))


def _write_staged(path: Path, case: Case) -> None:
    """A staged case file, as `write_case_file` would write it. No temp file and rename: a
    staging folder without its marker is thrown away whole, so a half-written file there is
    harmless, and one fsync per file (not two) counts when thousands of cases change."""
    data = dumps({CASE_TABLE: {"1": case}})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        write_all(fd, data)
        fdatasync(fd)
    finally:
        os.close(fd)


def _checked(before: dict[str, Case], cases: list[Case]) -> dict[str, Case]:
    """The upgraded cases by id, once it is sure none was lost or doubled."""
    after: dict[str, Case] = {}
    for case in cases:
        case_id = case.get("id") if isinstance(case, dict) else None
        if not is_case_id(case_id) or case_id in after:
            raise StorageError(
                f"the upgrade to schema 3 made a bad or repeated case id {case_id!r}"
            )
        after[case_id] = case
    if lost := sorted(before.keys() - after.keys()):
        raise StorageError(f"the upgrade to schema 3 would lose cases {lost}; nothing changed")
    return after


def _move_staged(data_dir: Path, staging: Path) -> None:
    cases_dir = data_dir / CASES_DIR
    if not staging.exists():
        return
    for name in sorted(os.listdir(staging)):
        if name.endswith(".json") and is_case_id(name[: -len(".json")]):
            os.replace(staging / name, cases_dir / name)
    fsync_dir(cases_dir)


def clear_staging(data_dir: Path) -> None:
    """Remove what an upgrade staged, once the version that records it is written."""
    shutil.rmtree(data_dir / STAGING_DIR, ignore_errors=True)


def peek_setting(data_dir: Path, key: str, default: Any = None) -> Any:
    """A setting of a folder not opened yet (`default` if there is no meta.json yet). The
    domain's upgrade needs some (per-mandate deadline rules) before the folder is opened,
    since opening is what upgrades it; meta.json is replaced whole, so this read is safe."""
    try:
        meta = AtomicJSONStorage(data_dir / META_FILE).read() or {}
    except DamagedFile:
        return default  # opening the folder refuses it, with its own message
    table = meta.get("settings") or {}
    docs = table.values() if isinstance(table, dict) else []
    found = next((d for d in docs if isinstance(d, dict) and d.get("key") == key), None)
    return found["value"] if found is not None else default


CURRENT_VERSION = 3


def schema_version(meta: TinyDB) -> int:
    docs = meta.table(SCHEMA_TABLE, cache_size=0).all()
    if not docs:
        return 0
    version = docs[0].get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise StorageError(f"meta.json has an invalid schema version: {version!r}")
    return version


def _set_version(meta: TinyDB, version: int) -> None:
    storage = meta.storage
    assert isinstance(storage, AtomicJSONStorage)
    table = meta.table(SCHEMA_TABLE, cache_size=0)
    with storage.batch():
        table.truncate()
        table.insert({"version": version})


def migrate(
    data_dir: Path,
    meta: TinyDB,
    upgrades: Sequence[CaseUpgrade] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[int]:
    """Bring the folder to `CURRENT_VERSION`; return the versions reached, in order.

    `upgrades` are the domain's case upgrades for version 3; None means the caller has none,
    which is fine for a new or empty folder and refused for one with cases to upgrade.
    """
    steps: tuple[Migration, ...] = (
        _v0_to_v1,
        _v1_to_v2,
        lambda folder: _v2_to_v3(folder, upgrades, clock),
    )
    assert len(steps) == CURRENT_VERSION
    version = schema_version(meta)
    if version > CURRENT_VERSION:
        raise StorageError(
            f"data folder {data_dir} has schema version {version}, but this program only "
            f"knows up to version {CURRENT_VERSION}; run a newer release (data is never "
            "downgraded)"
        )
    reached: list[int] = []
    for step in range(version, CURRENT_VERSION):
        log.info("migrating %s from schema version %d to %d", data_dir, step, step + 1)
        steps[step](data_dir)
        _set_version(meta, step + 1)
        reached.append(step + 1)
    clear_staging(data_dir)
    return reached
