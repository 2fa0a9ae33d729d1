"""Schema versions of a data folder, and the steps that bring an old folder up to date.

The version lives in `meta.json`, table `schema`, one document `{"version": N}`; a folder
without it is version 0. `MIGRATIONS[n]` turns version n into n + 1; the version is written
after each step, so a crash part-way re-runs only the unfinished step (steps are idempotent).

A folder written by a newer program is refused, never downgraded: the old code would not
know what the new fields mean and could silently drop them on the next save.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from storage.atomic import AtomicJSONStorage
from storage.layout import (
    AUDIT_FILE,
    AUDIT_TABLE,
    META_FILE,
    SESSIONS_FILE,
    SESSIONS_TABLE,
    build_index,
    write_index,
)
from storage.repository import StorageError

log = logging.getLogger(__name__)

SCHEMA_TABLE = "schema"

Migration = Callable[[Path], None]


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


MIGRATIONS: tuple[Migration, ...] = (_v0_to_v1, _v1_to_v2)
CURRENT_VERSION = len(MIGRATIONS)


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


def migrate(data_dir: Path, meta: TinyDB) -> list[int]:
    """Bring the folder to `CURRENT_VERSION`; return the versions reached, in order."""
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
        MIGRATIONS[step](data_dir)
        _set_version(meta, step + 1)
        reached.append(step + 1)
    return reached
