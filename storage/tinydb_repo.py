"""The repository on TinyDB: one file per case, a small index kept in memory, one meta file.

A data folder (folders 0o700, files 0o600, owned by one process at a time):

    .lock              flock held by the owning process (storage.lock)
    cases/<id>.json    one TinyDB database per case: table "case", one document
    index.json         TinyDB table "cases": only INDEX_FIELDS of each case
    index.pending      exists only while an index update may lag behind a case write
    meta.json          TinyDB tables users, sessions, settings, audit, schema
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
  owner), so a save that only adds answers does not touch index.json at all.
- The index is derived; the case files are the truth. Before a save that changes the index,
  `index.pending` names the case; it is removed once index.json is written. At open, the cases
  it names are re-read, and case files the index lacks (a restore, a copy) are found by
  comparing the folder listing with the index; only those files are read.
- Users, sessions, settings and the global audit log share meta.json, so a grant and its
  audit entry are one write (`AtomicJSONStorage.batch`). It is read from disk on each call;
  that stays cheap while the global audit log is small (case changes are audited in the
  case, not here).
- Every file is written through `AtomicJSONStorage` (temp file, fsync, rename, fsync folder),
  so a kill at any instant leaves each file whole, old or new.
- One process owns the folder (flock); inside it an RLock serialises callers. Case files are
  read from disk on every `get_case` (they are a few KB and in the page cache), so there is no
  cache to get out of step with the disk.
"""

from __future__ import annotations

import functools
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
        self._meta_storage = cast(AtomicJSONStorage, self._meta.storage)
        self._users = self._table("users")
        self._sessions = self._table("sessions")
        self._settings = self._table("settings")
        self._audit = self._table("audit")
        migrate(self.data_dir, self._meta)
        index = layout.read_index(self.data_dir)
        if index is None:
            log.warning("the index has other fields than %s; rebuilding it", INDEX_FIELDS)
            index = layout.build_index(self.data_dir)
            layout.write_index(self.data_dir, index.values())
        self._index = index
        self._pending: set[str] = set()
        self._repair_index()

    def _table(self, name: str) -> Table:
        # No query cache: a cached result could outlive a batch that was discarded.
        return self._meta.table(name, cache_size=0)

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
            layout.write_index(self.data_dir, self._index.values())
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
            self._closed = True
            self._meta.close()
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
        index_changes = self._index.get(case_id) != entry
        if index_changes:
            layout.write_pending(self.data_dir, self._pending | {case_id})
            self._pending.add(case_id)
        layout.write_case_file(path, doc)
        if index_changes:
            self._index[case_id] = entry
        if self._pending:
            self._write_index()

    def _write_index(self) -> None:
        """Write index.json and drop the marker. A failure is logged, not raised: the case
        itself is already durable and the marker gets the index repaired at the next open."""
        try:
            layout.write_index(self.data_dir, self._index.values())
        except StorageError as exc:
            log.warning("%s; the index will be repaired at the next open", exc)
            return
        self._pending.clear()
        layout.clear_pending(self.data_dir)

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
        """Add or replace a user; the change and its audit entry are one write."""
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("user['id'] must be a non-empty string")
        new = dict(user)
        with self._meta_storage.batch():
            old = self._users.get(tinydb.where("id") == user_id)
            if old is None:
                self._users.insert(new)
            else:
                self._users.update(_replace_with(new), doc_ids=[old.doc_id])
            before = dict(old) if old is not None else None
            self._add_audit(actor, "put_user", user_id, {"before": before, "after": new})

    @_guarded
    def delete_user(self, user_id: str, *, actor: str) -> None:
        """Remove a user and their session; nothing happens (and nothing is logged) if absent."""
        with self._meta_storage.batch():
            old = self._users.get(tinydb.where("id") == user_id)
            if old is None:
                return
            self._users.remove(doc_ids=[old.doc_id])
            self._sessions.remove(tinydb.where("user_id") == user_id)
            self._add_audit(actor, "delete_user", user_id, {"before": dict(old)})

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
        """Set or (with None) clear a user's session. Not audited: it is position, not data."""
        with self._meta_storage.batch():
            old = self._sessions.get(tinydb.where("user_id") == user_id)
            if session is None:
                if old is not None:
                    self._sessions.remove(doc_ids=[old.doc_id])
            elif old is None:
                self._sessions.insert({"user_id": user_id, "session": session})
            else:
                self._sessions.update({"session": session}, doc_ids=[old.doc_id])

    # settings ------------------------------------------------------------------------------

    @_guarded
    def get_setting(self, key: str, default: Any = None) -> Any:
        doc = self._settings.get(tinydb.where("key") == key)
        return doc["value"] if doc is not None else default

    @_guarded
    def set_setting(self, key: str, value: Any, *, actor: str) -> None:
        """Set a setting; the change and its audit entry (old and new value) are one write."""
        with self._meta_storage.batch():
            old = self._settings.get(tinydb.where("key") == key)
            if old is None:
                self._settings.insert({"key": key, "value": value})
            else:
                self._settings.update({"value": value}, doc_ids=[old.doc_id])
            before = old["value"] if old is not None else None
            self._add_audit(actor, "set_setting", key, {"before": before, "after": value})

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
