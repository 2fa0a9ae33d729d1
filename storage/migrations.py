"""Schema versions of a data folder, and the steps that bring an old folder up to date.

The version lives in `meta.json`, table `schema`, one document `{"version": N}`; a folder
without it is version 0. `MIGRATIONS[n]` turns version n into n + 1; the version is written
after each step, so a crash part-way re-runs only the unfinished step (steps are idempotent).

A folder written by a newer program is refused, never downgraded: the old code would not
know what the new fields mean and could silently drop them on the next save.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from tinydb import TinyDB

from storage.atomic import AtomicJSONStorage
from storage.layout import build_index, write_index
from storage.repository import StorageError

log = logging.getLogger(__name__)

SCHEMA_TABLE = "schema"

Migration = Callable[[Path], None]


def _v0_to_v1(data_dir: Path) -> None:
    """Index the case files of a folder that has none (new, or restored from a plain copy)."""
    write_index(data_dir, build_index(data_dir).values())


MIGRATIONS: tuple[Migration, ...] = (_v0_to_v1,)
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
