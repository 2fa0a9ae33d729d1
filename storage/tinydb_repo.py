"""The repository on TinyDB: one file per case, a small index kept in memory, and users,
sessions and the global audit log each in a file of their own.

A data folder (folders 0o700, files 0o600, owned by one process at a time):

    .lock              flock held by the owning process (storage.lock)
    cases/<id>.json    one TinyDB database per case: table "case", one document
    index.json         TinyDB table "cases": only INDEX_FIELDS of each case
    index.pending      exists only while an indexed case's entry may lag behind its file
    meta.json          TinyDB tables users, settings, schema (small, rarely written)
    sessions.json      TinyDB table sessions: where each user is in which checklist
    audit.json         TinyDB table audit: the global audit log (only grows)
    files/             attachments

Why this shape:

- Saving an answer must cost the same with 100 cases as with 10,000. TinyDB keeps a database
  in one JSON document and rewrites all of it on each change, so one database for every case
  makes each answer cost as much as the whole data set (bench/README.md has the numbers).
  With a file per case, an answer rewrites one small file.
- A case carries its own audit trail (`history`) and both go to disk in one atomic rename:
  the change and the record of who made it are durable together or not at all. The stored
  history is authoritative, so a caller holding a stale copy cannot drop earlier entries.
- Listing cases (mine, open, by reference) must not open every file, so the few fields used
  for that are indexed and held in memory. They change rarely (a new case, a status, a new
  owner), so a save that only adds answers does not touch index.json at all. index.json is
  rewritten whole from memory; only the entries that changed are re-encoded.
- The index is derived; the case files are the truth. At open, case files the index lacks
  (a new case whose index write was cut short, a restore, a copy) are found by comparing the
  folder listing with the index, and only those files are read; so a new case needs no more
  than its own file. A save that changes the entry of a case already in index.json first
  names the case in `index.pending`, which is removed once index.json is written; at open
  the cases it names are re-read. `bulk()` writes index.json once at the end of a block
  instead of after each save; the same two rules repair a crash inside the block.
- Every chat message reads its user and session, and an answer may write the session, so
  those live in small files: users (with settings and the schema version) in meta.json,
  sessions in sessions.json. The global audit log only grows, so it has a file of its own,
  read only to append to it or list it. Files are read from disk on each call (no cache).
  `put_session` writes only if the session changed.
- A change with a global audit entry (put_user, delete_user, set_setting) is two atomic
  writes, the audit entry first, then the change: a crash in between leaves an audit entry
  for a change that may not have happened, never a change that left no trace. (The same
  holds when the second write fails with a full disk: `StorageError` is raised and the
  entry stays.)
- Every file is written through `storage.atomic` (temp file, fsync, rename, fsync folder),
  so a kill at any instant leaves each file whole, old or new.
- One process owns the folder (flock); inside it an RLock serialises callers. Case files are
  read from disk on every `get_case` (they are a few KB and in the page cache), so there is no
  cache to get out of step with the disk.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import tinydb
from tinydb import TinyDB
from tinydb.table import Table

from storage import layout
from storage.atomic import AtomicJSONStorage, make_private_dirs, remove_temp_files
from storage.lock import DataDirLock
from storage.migrations import migrate
from storage.repository import INDEX_FIELDS, Case, StorageError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _normalise_reference(reference: str) -> str:
    return " ".join(reference.split()).casefold()


def _as_json(value: Any) -> str:
    """Exact comparison of JSON values: `1 == True` and `1 == 1.0` in Python, not in JSON."""
    return json.dumps(value, sort_keys=True)


def _table(db: TinyDB, name: str) -> Table:
    # No query cache: a cached result could outlive a batch that was discarded.
    return db.table(name, cache_size=0)


def _replace_with(new: dict[str, Any]) -> Callable[[MutableMapping[str, Any]], None]:
    """A TinyDB updater that replaces a document (plain `update` would keep removed keys)."""

    def replace(doc: MutableMapping[str, Any]) -> None:
        doc.clear()
        doc.update(new)

    return replace


def _guarded(method: F) -> F:
    """Run the method under the repository's lock, and only while it is open."""

    @functools.wraps(method)
    def wrapper(self: TinyDBRepository, /, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._closed:
                raise StorageError(f"the repository on {self.data_dir} is closed")
            return method(self, *args, **kwargs)

    return cast(F, wrapper)


class TinyDBRepository:
    """Implements `storage.repository.Repository`. Open with `open_repository(data_dir)`."""

    def __init__(
        self, data_dir: str | os.PathLike[str], *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        """Lock the folder, migrate it if needed and repair the index; `clock` must be aware."""
        self.data_dir = Path(data_dir).absolute()
        self._clock = clock
        self._lock = threading.RLock()
        self._closed = True
        make_private_dirs(self.data_dir)
        if (mode := self.data_dir.stat().st_mode) & 0o077:
            log.warning(
                "data folder %s is open to other users (mode %o); run chmod 700 on it",
                self.data_dir,
                mode & 0o777,
            )
        self._flock = DataDirLock(self.data_dir)
        self._flock.acquire()
        try:
            self._open()
        except BaseException:
            self._flock.release()
            raise
        self._closed = False

    def _open(self) -> None:
        cases_dir = self.data_dir / layout.CASES_DIR
        make_private_dirs(cases_dir)
        for folder in (self.data_dir, cases_dir, self.data_dir / layout.FILES_DIR):
            if removed := remove_temp_files(folder):
                log.warning("removed %d unfinished temp file(s) from %s", removed, folder)
        self._meta = TinyDB(self.data_dir / layout.META_FILE, storage=AtomicJSONStorage)
        self._users = _table(self._meta, "users")
        self._settings = _table(self._meta, "settings")
        migrate(self.data_dir, self._meta)
        self._sessions_db = TinyDB(self.data_dir / layout.SESSIONS_FILE, storage=AtomicJSONStorage)
        self._sessions_storage = cast(AtomicJSONStorage, self._sessions_db.storage)
        self._sessions = _table(self._sessions_db, layout.SESSIONS_TABLE)
        self._audit_db = TinyDB(self.data_dir / layout.AUDIT_FILE, storage=AtomicJSONStorage)
        self._audit = _table(self._audit_db, layout.AUDIT_TABLE)
        self._encoder = layout.IndexEncoder()
        index = layout.read_index(self.data_dir)
        if index is None:
            log.warning("the index has other fields than %s; rebuilding it", INDEX_FIELDS)
            index = layout.build_index(self.data_dir)
            layout.write_index(self.data_dir, index.values(), self._encoder)
        self._index = index
        # Cases whose entry in index.json may be stale; the marker on disk names them all
        # (or says "all", past layout.PENDING_LIMIT).
        self._pending: set[str] = set()
        # Cases in the in-memory index but not yet in index.json (no marker needed).
        self._unwritten: set[str] = set()
        self._bulk_depth = 0
        self._repair_index()

    def _repair_index(self) -> None:
        """Make the index agree with the case files after a crash, a restore or a copy."""
        on_disk = set(layout.case_ids_on_disk(self.data_dir))
        suspects = set(layout.read_pending(self.data_dir)) | (on_disk - self._index.keys())
        changed = False
        for case_id in self._index.keys() - on_disk:
            log.warning("case %s is indexed but has no file; dropping it from the index", case_id)
            del self._index[case_id]
            changed = True
        for case_id in sorted(suspects):
            entry = layout.index_case_file(self.data_dir, case_id)
            if entry is None:
                changed |= self._index.pop(case_id, None) is not None
            elif self._index.get(case_id) != entry:
                log.warning("re-indexed case %s from its file", case_id)
                self._index[case_id] = entry
                changed = True
        if changed:
            layout.write_index(self.data_dir, self._index.values(), self._encoder)
        layout.clear_pending(self.data_dir)

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat()

    # lifetime ------------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the in-process lock across a read-modify-write made of several calls."""
        with self._lock:
            yield

    def close(self) -> None:
        """Release the folder; further calls raise `StorageError`. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            if self._index_lags():
                self._write_index()  # spares the next open the repair
            self._closed = True
            for db in (self._meta, self._sessions_db, self._audit_db):
                db.close()
            self._flock.release()

    def __enter__(self) -> TinyDBRepository:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # cases ---------------------------------------------------------------------------------

    @_guarded
    def new_case_id(self) -> str:
        """`c` + 10 hex digits: short enough to type or read out, 2**40 values."""
        while True:
            case_id = "c" + uuid.uuid4().hex[:10]
            if case_id not in self._index and not self._case_path(case_id).exists():
                return case_id

    def _case_path(self, case_id: str) -> Path:
        return layout.case_path(self.data_dir, case_id)

    @_guarded
    def get_case(self, case_id: str) -> Case | None:
        if not layout.is_case_id(case_id):
            return None
        return layout.read_case_file(self._case_path(case_id))

    @_guarded
    def save_case(self, case: Case, *, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Write the case with one more history entry, in one atomic write.

        The history on disk wins over the caller's copy (which may be stale); only a case that
        was never saved keeps the history it comes with. The caller's dict is not modified.
        """
        case_id = case.get("id")
        if not layout.is_case_id(case_id):
            raise ValueError(f"case['id'] is not a valid case id: {case_id!r}")
        path = self._case_path(case_id)
        stored = layout.read_case_file(path)
        history = (stored if stored is not None else case).get("history") or []
        record = {"at": self._now(), "actor": actor, "action": action, "detail": detail}
        doc = {**case, "history": [*history, record]}
        entry = layout.index_entry(doc, case_id)
        indexed = self._index.get(case_id)
        if indexed is not None and indexed != entry and case_id not in self._unwritten:
            self._mark_pending(case_id)
        layout.write_case_file(path, doc)
        if indexed != entry:
            self._index[case_id] = entry  # replaced, never mutated: see layout.IndexEncoder
            if indexed is None:
                self._unwritten.add(case_id)
        if self._index_lags() and not self._bulk_depth:
            self._write_index()

    def _mark_pending(self, case_id: str) -> None:
        """Name the case in the marker before its file changes an entry index.json holds."""
        if case_id in self._pending:
            return
        if len(self._pending) <= layout.PENDING_LIMIT:  # beyond, the marker says "all"
            layout.write_pending(self.data_dir, self._pending | {case_id})
        self._pending.add(case_id)

    def _index_lags(self) -> bool:
        return bool(self._pending or self._unwritten)

    def _write_index(self) -> None:
        """Write index.json and drop the marker. A failure is logged, not raised: the cases
        are already durable, and the marker and the folder listing get the index repaired at
        the next open (or it is retried on the next save)."""
        try:
            layout.write_index(self.data_dir, self._index.values(), self._encoder)
        except StorageError as exc:
            log.warning("%s; the index will be repaired at the next open", exc)
            return
        self._pending.clear()
        self._unwritten.clear()
        layout.clear_pending(self.data_dir)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Save many cases, writing index.json once when the block exits, not after each save.

        Each save inside still writes its case file durably before returning; only the index
        (derived data) waits, and a crash inside the block is repaired at the next open (see
        the module docstring). Blocks may nest: the index is written when the outermost one
        exits, also on an exception (the saves made are kept). The lock is not held across
        the block, so other threads keep working; their saves meanwhile are deferred too.
        """
        with self._lock:
            if self._closed:
                raise StorageError(f"the repository on {self.data_dir} is closed")
            self._bulk_depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._bulk_depth -= 1
                if not self._bulk_depth and not self._closed and self._index_lags():
                    self._write_index()

    @_guarded
    def list_cases(self, **where: Any) -> list[dict[str, Any]]:
        """Copies of the index entries whose fields equal every `field=value` given."""
        unknown = where.keys() - set(INDEX_FIELDS)
        if unknown:
            raise ValueError(f"not index fields: {sorted(unknown)}; use {INDEX_FIELDS}")
        items = where.items()
        return [
            dict(entry)
            for entry in self._index.values()
            if all(entry.get(field) == value for field, value in items)
        ]

    def iter_cases(self) -> Iterator[Case]:
        """Every case, in index order. The lock is taken per case, not across the iteration,
        so a slow consumer (a report being written) does not block saves."""
        with self._lock:
            case_ids = list(self._index)
        for case_id in case_ids:
            case = self.get_case(case_id)
            if case is not None:
                yield case

    @_guarded
    def case_by_reference(self, reference: str) -> Case | None:
        """The case whose reference matches, ignoring case and runs of whitespace."""
        wanted = _normalise_reference(reference)
        if not wanted:
            return None
        for case_id, entry in self._index.items():
            ref = entry.get("reference")
            if isinstance(ref, str) and _normalise_reference(ref) == wanted:
                return self.get_case(case_id)
        return None

    # users and roles -----------------------------------------------------------------------

    @_guarded
    def get_user(self, user_id: str) -> dict[str, Any] | None:
        doc = self._users.get(tinydb.where("id") == user_id)
        return dict(doc) if doc is not None else None

    @_guarded
    def put_user(self, user: dict[str, Any], *, actor: str) -> None:
        """Add or replace a user; the audit entry is written first, then the user."""
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("user['id'] must be a non-empty string")
        new = dict(user)
        old = self._users.get(tinydb.where("id") == user_id)
        before = dict(old) if old is not None else None
        self._add_audit(actor, "put_user", user_id, {"before": before, "after": new})
        if old is None:
            self._users.insert(new)
        else:
            self._users.update(_replace_with(new), doc_ids=[old.doc_id])

    @_guarded
    def delete_user(self, user_id: str, *, actor: str) -> None:
        """Remove a user and their session; nothing happens (and nothing is logged) if absent.

        The audit entry is written first, then the session is cleared, then the user removed:
        a crash part-way leaves at worst a user without a session (harmless), never a session
        that a user added again later with the same id would find."""
        old = self._users.get(tinydb.where("id") == user_id)
        if old is None:
            return
        self._add_audit(actor, "delete_user", user_id, {"before": dict(old)})
        self._put_session(user_id, None)
        self._users.remove(doc_ids=[old.doc_id])

    @_guarded
    def list_users(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self._users.all()]

    # sessions ------------------------------------------------------------------------------

    @_guarded
    def get_session(self, user_id: str) -> dict[str, Any] | None:
        doc = self._sessions.get(tinydb.where("user_id") == user_id)
        return doc["session"] if doc is not None else None

    @_guarded
    def put_session(self, user_id: str, session: dict[str, Any] | None) -> None:
        """Set or (with None) clear a user's session. Not audited: it is position, not data.
        Nothing is written if the stored session is already the same (as JSON)."""
        self._put_session(user_id, session)

    def _put_session(self, user_id: str, session: dict[str, Any] | None) -> None:
        with self._sessions_storage.batch():  # one read, at most one write
            old = self._sessions.get(tinydb.where("user_id") == user_id)
            if session is None:
                if old is not None:
                    self._sessions.remove(doc_ids=[old.doc_id])
            elif old is None:
                self._sessions.insert({"user_id": user_id, "session": session})
            elif _as_json(old["session"]) != _as_json(session):
                self._sessions.update({"session": session}, doc_ids=[old.doc_id])

    # settings ------------------------------------------------------------------------------

    @_guarded
    def get_setting(self, key: str, default: Any = None) -> Any:
        doc = self._settings.get(tinydb.where("key") == key)
        return doc["value"] if doc is not None else default

    @_guarded
    def set_setting(self, key: str, value: Any, *, actor: str) -> None:
        """Set a setting; the audit entry (old and new value) is written first, then the value."""
        old = self._settings.get(tinydb.where("key") == key)
        before = old["value"] if old is not None else None
        self._add_audit(actor, "set_setting", key, {"before": before, "after": value})
        if old is None:
            self._settings.insert({"key": key, "value": value})
        else:
            self._settings.update({"value": value}, doc_ids=[old.doc_id])

    # audit ---------------------------------------------------------------------------------

    @_guarded
    def audit(self, *, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self._add_audit(actor, action, target, detail)

    def _add_audit(self, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        record = {"at": self._now(), "actor": actor, "action": action, "target": target}
        self._audit.insert({**record, "detail": detail})

    @_guarded
    def audit_log(self) -> list[dict[str, Any]]:
        """Every global audit entry, oldest first."""
        return [dict(doc) for doc in self._audit.all()]

    # files ---------------------------------------------------------------------------------

    @_guarded
    def files_dir(self) -> str:
        folder = self.data_dir / layout.FILES_DIR
        make_private_dirs(folder)
        return str(folder)


def open_repository(data_dir: str | os.PathLike[str]) -> TinyDBRepository:
    """Open (creating, migrating and repairing as needed) the data folder for this process."""
    return TinyDBRepository(data_dir)
