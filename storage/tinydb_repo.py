"""The repository on TinyDB: one file per case, a small index kept in memory, and users,
sessions and the global audit log each in a file of their own.

A data folder (folders 0o700, files 0o600, owned by one process at a time):

    .lock              flock held by the owning process (storage.lock)
    cases/<id>.json    one TinyDB database per case: table "case", one document
    index.json         TinyDB table "cases": only INDEX_FIELDS of each case
    index.journal      index entries changed since index.json was written (JSON Lines)
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
  for that are indexed and held in memory, with a dict from normalised reference to case
  for `case_by_reference`. A save that only adds answers does not touch the index at all.
- Index fields still change often: 6 of the 11 steps of the intake checklist create a case
  or set a label, a reference, a status or a reminder date. index.json is 1-2 MB at 10,000
  cases, and rewriting it on each such save cost 10-14 ms. So a save that changes the entry
  of a case in index.json first appends the new entry to `index.journal` (one line and one
  fdatasync, against two fsyncs for the case file), then writes the case file. index.json
  is rewritten from memory (only changed entries re-encoded) only when the journal lines
  and new cases it lacks reach `layout.JOURNAL_LIMIT` (1,000), at the end of a `bulk()`
  block, at close, and at open if the repair changed anything; each rewrite is durable
  before the journal is emptied or removed.
- The index is derived; the case files are the truth. At open the journal is replayed and
  the file of every case it names is re-read (its line may be ahead of the file: the kill
  came between the two writes; a torn last line, cut mid-append, is skipped but the ids in
  it are still re-read). Case files index.json lacks (a new case, a restore, a copy) are
  found by comparing the folder listing with the index, so a new case needs no journal line
  until index.json holds it. Then index.json is rewritten if anything changed, and only then
  the journal removed. A folder from older code may have an `index.pending` marker instead
  of a journal: the cases it names are re-read the same way, once, and the marker removed.
- Every chat message reads its user and session, and an answer may write the session, so
  those live in small files: users (with settings and the schema version) in meta.json,
  sessions in sessions.json. The global audit log only grows, so it has a file of its own,
  read only to append to it or list it. `put_session` writes only if the session changed.
- Those three files are read once and then served from memory (a write-through cache: every
  change is still written durably before the call returns; see storage.atomic). Since one
  process owns the folder, nothing else changes them behind its back. Lookups of a user or
  a session go by document id, not by scanning every document with a query. What leaves
  the repository is a deep copy, and what comes in is copied too, so no caller can change
  the cached data by keeping a reference; any error drops the caches.
- A change with a global audit entry (put_user, delete_user, set_setting) is two atomic
  writes, the audit entry first, then the change: a crash in between leaves an audit entry
  for a change that may not have happened, never a change that left no trace. (The same
  holds when the second write fails with a full disk: `StorageError` is raised and the
  entry stays.)
- Every file but the journal is written through `storage.atomic` (temp file, fsync, rename,
  fsync folder), so a kill at any instant leaves each file whole, old or new. The journal is
  appended to; a line cut short by a kill is skipped at open (see above).
- One process owns the folder (flock); inside it a fair reentrant lock (storage.fairlock)
  serialises callers. Case files are read from disk on every `get_case` (they are a few KB
  and in the page cache), so there is no cache to get out of step with the disk; a thread
  not holding the lock reads them without taking it (a rename replaces a file whole), so a
  report reading every case never holds up a save, and `stepped_aside()` lets a caller
  inside `locked()` release the lock for such long reading.
- A case file that does not parse is set aside in quarantine/ and reads as no case (one bad
  file must not stop every report and sweep); a damaged index.json or sessions.json is set
  aside and rebuilt from the case files, a damaged audit.json set aside and started afresh;
  a damaged meta.json stops the open (users, roles and settings cannot be rebuilt).
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import tinydb
from tinydb import TinyDB
from tinydb.table import Document, Table

from storage import layout, swap
from storage.atomic import AtomicJSONStorage, make_private_dirs, remove_temp_files
from storage.fairlock import FairLock
from storage.lock import DataDirLock
from storage.migrations import CaseUpgrade, migrate
from storage.repository import INDEX_FIELDS, Case, DamagedFile, StorageError

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


def _cached_db(path: Path) -> TinyDB:
    return TinyDB(path, storage=AtomicJSONStorage, cache=True)


def _doc_ids(table: Table, key: str) -> dict[str, int]:
    """Document id by key field, so that a lookup reads one document instead of all."""
    return {doc[key]: doc.doc_id for doc in table.all() if isinstance(doc.get(key), str)}


def _by_doc_id(table: Table, doc_ids: dict[str, int], key: str, value: str) -> Document | None:
    """The document whose `key` is `value`, read by its id from `_doc_ids` (and checked)."""
    doc_id = doc_ids.get(value)
    doc = table.get(doc_id=doc_id) if doc_id is not None else None
    return doc if doc is not None and doc.get(key) == value else None


def _has_role(user: Mapping[str, Any]) -> bool:
    if isinstance(user.get("role"), str):
        return True
    log.warning("user %s has no role in meta.json: treated as having no access", user.get("id"))
    return False


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
            try:
                return method(self, *args, **kwargs)
            except BaseException:
                self._forget_cached()  # TinyDB may have changed cached data before failing
                raise

    return cast(F, wrapper)


class TinyDBRepository:
    """Implements `storage.repository.Repository`. Open with `open_repository(data_dir)`."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = _utc_now,
        upgrades: Sequence[CaseUpgrade] | None = None,
    ) -> None:
        """Lock the folder, migrate it if needed and repair the index; `clock` must be aware.
        `upgrades` are the domain's case upgrades (see `storage.migrations`)."""
        self.data_dir = Path(data_dir).absolute()
        #: `layout.case_path` as text: a report reads every case file, and building each
        #: path with pathlib cost a third of the reading (bench/README.md).
        self._cases_prefix = os.path.join(self.data_dir, layout.CASES_DIR, "")
        self._clock = clock
        self._upgrades = upgrades
        self._lock = FairLock()
        self._closed = True
        swap.recover(self.data_dir)  # a restore cut between its two renames
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
        swap.clean_leftovers(self.data_dir)
        cases_dir = self.data_dir / layout.CASES_DIR
        make_private_dirs(cases_dir)
        for folder in (self.data_dir, cases_dir, self.data_dir / layout.FILES_DIR):
            if removed := remove_temp_files(folder):
                log.warning("removed %d unfinished temp file(s) from %s", removed, folder)
        set_aside = self._check_files()
        # Migrations write these files with storages of their own: no cache until they are done.
        with TinyDB(self.data_dir / layout.META_FILE, storage=AtomicJSONStorage) as meta:
            migrate(self.data_dir, meta, self._upgrades, self._clock)
        self._meta = _cached_db(self.data_dir / layout.META_FILE)
        self._users = _table(self._meta, "users")
        self._settings = _table(self._meta, "settings")
        self._sessions_db = _cached_db(self.data_dir / layout.SESSIONS_FILE)
        self._sessions_storage = cast(AtomicJSONStorage, self._sessions_db.storage)
        self._sessions = _table(self._sessions_db, layout.SESSIONS_TABLE)
        self._audit_db = _cached_db(self.data_dir / layout.AUDIT_FILE)
        self._audit = _table(self._audit_db, layout.AUDIT_TABLE)
        self._user_doc = _doc_ids(self._users, "id")
        self._session_doc = _doc_ids(self._sessions, "user_id")
        self._encoder = layout.IndexEncoder()
        index = layout.read_index(self.data_dir)
        if index is None:
            log.warning("the index has other fields than %s; rebuilding it", INDEX_FIELDS)
            index = layout.build_index(self.data_dir)
            layout.write_index(self.data_dir, index.values(), self._encoder)
        self._index = self._repair_index(index)
        # Cases in the in-memory index but not yet in index.json: they need no journal line,
        # the folder listing finds their files at open.
        self._unwritten: set[str] = set()
        self._journal = layout.IndexJournal(self.data_dir)
        self._bulk_depth = 0
        # case_by_reference: normalised reference -> ids holding it, in index order (the
        # first one wins, as a scan of the index would find it). Order = `_position`.
        self._position = {case_id: n for n, case_id in enumerate(self._index)}
        self._by_reference: dict[str, list[str]] = {}
        for case_id, entry in self._index.items():
            self._add_reference(case_id, entry)
        for name, moved_to in set_aside.items():
            detail = {"file": name, "set_aside_as": moved_to}
            self._add_audit("system", "damaged_file_set_aside", name, detail)
        if layout.SESSIONS_FILE in set_aside:
            self._rebuild_sessions()

    def _check_files(self) -> dict[str, str]:
        """Refuse a damaged meta.json (users, roles and settings cannot be rebuilt, and a new
        empty one would silently lock everyone out); set aside a damaged sessions.json,
        index.json or audit.json, which are rebuilt (sessions, index) or started afresh
        (audit, the old one kept in quarantine/). Returns {file: where it was moved}."""
        meta = self.data_dir / layout.META_FILE
        if why := layout.damaged(meta):
            raise StorageError(
                f"{why}. It holds the users, roles and settings, so the bot will not start "
                f"with a new one: restore it from a backup (python -m bot restore) or repair it"
            )
        moved = {}
        for name in (layout.SESSIONS_FILE, layout.INDEX_FILE, layout.AUDIT_FILE):
            path = self.data_dir / name
            if why := layout.damaged(path):
                target = layout.quarantine(self.data_dir, path, f"{why}; starting a new one")
                moved[name] = target.name
        return moved

    def _rebuild_sessions(self) -> None:
        """Sessions after sessions.json was lost: each owner back in the checklist they
        touched last (a session is only a position; the answers are in the cases)."""
        latest: dict[str, tuple[str, str, int]] = {}
        for case_id in list(self._index):
            case = self._read_case(case_id) or {}
            runs = case.get("runs") or []
            history = case.get("history") or [{}]
            at = str(history[-1].get("at", ""))
            for index, run in enumerate(runs):
                owner = case.get("owner")
                if not isinstance(owner, str) or run.get("status") != "in_progress":
                    continue
                if owner not in latest or latest[owner][0] < at:
                    latest[owner] = (at, case_id, index)
        for owner, (_, case_id, index) in sorted(latest.items()):
            self._put_session(owner, {"case": case_id, "run": index})
        log.warning("rebuilt %d session(s) from the case files", len(latest))

    def _repair_index(self, written: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The index of index.json made to agree with the case files after a crash, a restore
        or a copy, and made durable: the journal is replayed, then the file of every case it
        names (or a marker of older code names, or index.json lacks) is re-read and wins.
        index.json is rewritten if that changed anything, and only then the journal and
        the marker are removed."""
        index = dict(written)
        replayed, named = layout.read_journal(self.data_dir)
        for entry in replayed:
            index[entry["id"]] = entry
        on_disk = set(layout.case_ids_on_disk(self.data_dir))
        suspects = named | set(layout.read_pending(self.data_dir)) | (on_disk - index.keys())
        for case_id in index.keys() - on_disk:
            log.warning("case %s is indexed but has no file; dropping it from the index", case_id)
            del index[case_id]
        for case_id in sorted(suspects):
            found = layout.index_case_file(self.data_dir, case_id)
            if found is None:
                index.pop(case_id, None)
            elif index.get(case_id) != found:
                log.warning("re-indexed case %s from its file", case_id)
                index[case_id] = found
        if index != written or list(index) != list(written):
            layout.write_index(self.data_dir, index.values(), self._encoder)
        layout.remove_journal(self.data_dir)
        layout.clear_pending(self.data_dir)
        return index

    def _forget_cached(self) -> None:
        """Drop the cached files and the id maps: the next call reads the disk again."""
        for db in (self._meta, self._sessions_db, self._audit_db):
            cast(AtomicJSONStorage, db.storage).forget()
        for table in (self._users, self._settings, self._sessions, self._audit):
            table.clear_cache()
        self._user_doc = _doc_ids(self._users, "id")
        self._session_doc = _doc_ids(self._sessions, "user_id")

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat()

    # lifetime ------------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the in-process lock across a read-modify-write made of several calls."""
        with self._lock:
            yield

    def stepped_aside(self) -> AbstractContextManager[None]:
        """Let other threads use the repository while this one, inside `locked()`, does
        long work that needs no exclusion (building a report from reads): the lock is
        released for the block and taken back after it, in turn."""
        return self._lock.stepped_aside()

    def close(self) -> None:
        """Release the folder; further calls raise `StorageError`. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            if not self._index_lags() or self._compact():
                layout.remove_journal(self.data_dir)  # spares the next open the repair
            self._journal.close()
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

    def get_case(self, case_id: str) -> Case | None:
        """The case as its file holds it. A thread not holding the lock reads without taking
        it (files are replaced whole by renames), so reads never queue behind writes; one
        holding it reads under it, which is what makes its read-modify-write atomic."""
        if self._closed:
            raise StorageError(f"the repository on {self.data_dir} is closed")
        if not layout.is_case_id(case_id):
            return None
        if not self._lock.held():
            try:
                return layout.read_case_file(self._cases_prefix + case_id + layout.CASE_SUFFIX)
            except DamagedFile:
                pass  # set aside under the lock, below
        with self._lock:
            return self._read_case(case_id)

    def _read_case(self, case_id: str) -> Case | None:
        """The case file; a damaged one is set aside (quarantine/) and reads as no case, so
        that one bad file never stops what reads all of them (reports, sweeps, search)."""
        path = self._case_path(case_id)
        try:
            return layout.read_case_file(path)
        except DamagedFile as exc:
            layout.quarantine(self.data_dir, path, exc)
        old = self._index.pop(case_id, None)
        if old is not None:
            self._remove_reference(case_id, old)
        self._unwritten.discard(case_id)
        return None

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
        stored = self._read_case(case_id)
        history = (stored if stored is not None else case).get("history") or []
        record = {"at": self._now(), "actor": actor, "action": action, "detail": detail}
        doc = {**case, "history": [*history, record]}
        entry = layout.index_entry(doc, case_id)
        indexed = self._index.get(case_id)
        if indexed is not None and indexed != entry and case_id not in self._unwritten:
            if self._journal.torn:  # a failed append left a fragment it could not remove
                self._compact(strict=True)
            self._journal.append(entry)  # before the file: a crash leaves the case named
        try:
            layout.write_case_file(path, doc)
        except BaseException:
            self._resync_entry(case_id)  # the file may have been replaced all the same
            raise
        if indexed != entry:
            self._set_entry(case_id, entry)
        if self._index_lags() >= layout.JOURNAL_LIMIT and not self._bulk_depth:
            self._compact()

    def _set_entry(self, case_id: str, entry: dict[str, Any]) -> None:
        old = self._index.get(case_id)
        if old is None:
            self._position[case_id] = len(self._position)
            self._unwritten.add(case_id)
        else:
            self._remove_reference(case_id, old)
        self._index[case_id] = entry  # replaced, never mutated: see layout.IndexEncoder
        self._add_reference(case_id, entry)

    def _resync_entry(self, case_id: str) -> None:
        """After a failed case write, take the entry from whatever the file now holds."""
        try:
            entry = layout.index_case_file(self.data_dir, case_id)
        except Exception:  # the write's own error is the one worth raising
            return
        if entry is not None and entry != self._index.get(case_id):
            self._set_entry(case_id, entry)

    def _add_reference(self, case_id: str, entry: dict[str, Any]) -> None:
        if key := self._reference_key(entry):
            holders = self._by_reference.setdefault(key, [])
            holders.append(case_id)
            if len(holders) > 1:
                holders.sort(key=self._position.__getitem__)

    def _remove_reference(self, case_id: str, entry: dict[str, Any]) -> None:
        if key := self._reference_key(entry):
            holders = self._by_reference[key]
            holders.remove(case_id)
            if not holders:
                del self._by_reference[key]

    @staticmethod
    def _reference_key(entry: dict[str, Any]) -> str:
        reference = entry.get("reference")
        return _normalise_reference(reference) if isinstance(reference, str) else ""

    def _index_lags(self) -> int:
        """How many index changes index.json lacks (journal lines and unwritten new cases)."""
        return self._journal.lines + len(self._unwritten)

    def _compact(self, *, strict: bool = False) -> bool:
        """Write index.json from memory, then empty the journal. A failure is raised if
        `strict`, else logged: the cases are already durable, and the journal and the folder
        listing get the index repaired at the next open (or it is retried later)."""
        try:
            layout.write_index(self.data_dir, self._index.values(), self._encoder)
            self._unwritten.clear()
            self._journal.clear()
        except StorageError as exc:
            if strict:
                raise
            log.warning("%s; the index will be repaired at the next open", exc)
            return False
        return True

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Save many cases, writing index.json once when the block exits.

        Each save inside still writes its case file (and, for a case index.json holds, its
        journal line) durably before returning; only index.json (derived data) waits, even
        past `layout.JOURNAL_LIMIT`, and a crash inside the block is repaired at the next open
        (see the module docstring). Blocks may nest: index.json is written when the outermost
        one exits, also on an exception (the saves made are kept). The lock is not held across
        the block, so other threads keep working; their index changes wait for it too.
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
                    self._compact()

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
        """Every case, in index order. The lock is not held while a file is read (case files
        are replaced by atomic renames, so a read sees a whole file, old or new), even by a
        caller inside `locked()`: a report over every case never holds up other users. A
        caller that writes what it read must read it again under the lock first."""
        with self._lock:
            if self._closed:
                raise StorageError(f"the repository on {self.data_dir} is closed")
            case_ids = list(self._index)
        for case_id in case_ids:
            with self._lock.stepped_aside():
                case = self.get_case(case_id)
            if case is not None:
                yield case

    @_guarded
    def case_by_reference(self, reference: str) -> Case | None:
        """The case whose reference matches, ignoring case and runs of whitespace."""
        holders = self._by_reference.get(_normalise_reference(reference))
        return self.get_case(holders[0]) if holders else None

    # users and roles -----------------------------------------------------------------------

    @_guarded
    def get_user(self, user_id: str) -> dict[str, Any] | None:
        """The user, or None if unknown or if their record has no role (no access)."""
        doc = self._user(user_id)
        return copy.deepcopy(dict(doc)) if doc is not None and _has_role(doc) else None

    def _user(self, user_id: str) -> Document | None:
        return _by_doc_id(self._users, self._user_doc, "id", user_id)

    @_guarded
    def put_user(self, user: dict[str, Any], *, actor: str) -> None:
        """Add or replace a user; the audit entry is written first, then the user."""
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("user['id'] must be a non-empty string")
        new = copy.deepcopy(dict(user))
        old = self._user(user_id)
        before = dict(old) if old is not None else None
        self._add_audit(actor, "put_user", user_id, {"before": before, "after": new})
        if old is None:
            self._user_doc[user_id] = self._users.insert(new)
        else:
            self._users.update(_replace_with(new), doc_ids=[old.doc_id])

    @_guarded
    def delete_user(self, user_id: str, *, actor: str) -> None:
        """Remove a user and their session; nothing happens (and nothing is logged) if absent.

        The audit entry is written first, then the session is cleared, then the user removed:
        a crash part-way leaves at worst a user without a session (harmless), never a session
        that a user added again later with the same id would find."""
        old = self._user(user_id)
        if old is None:
            return
        self._add_audit(actor, "delete_user", user_id, {"before": dict(old)})
        self._put_session(user_id, None)
        self._users.remove(doc_ids=[old.doc_id])
        del self._user_doc[user_id]

    @_guarded
    def list_users(self) -> list[dict[str, Any]]:
        """Users with a role; a record without one (edited by hand) gives no access."""
        return [copy.deepcopy(dict(doc)) for doc in self._users.all() if _has_role(doc)]

    # sessions ------------------------------------------------------------------------------

    @_guarded
    def get_session(self, user_id: str) -> dict[str, Any] | None:
        doc = self._session(user_id)
        return copy.deepcopy(doc["session"]) if doc is not None else None

    def _session(self, user_id: str) -> Document | None:
        return _by_doc_id(self._sessions, self._session_doc, "user_id", user_id)

    @_guarded
    def put_session(self, user_id: str, session: dict[str, Any] | None) -> None:
        """Set or (with None) clear a user's session. Not audited: it is position, not data.
        Nothing is written if the stored session is already the same (as JSON)."""
        self._put_session(user_id, session)

    def _put_session(self, user_id: str, session: dict[str, Any] | None) -> None:
        with self._sessions_storage.batch():  # one read, at most one write
            old = self._session(user_id)
            if session is None:
                if old is not None:
                    self._sessions.remove(doc_ids=[old.doc_id])
            elif old is None:
                new = {"user_id": user_id, "session": copy.deepcopy(session)}
                inserted = self._sessions.insert(new)
            elif _as_json(old["session"]) != _as_json(session):
                self._sessions.update({"session": copy.deepcopy(session)}, doc_ids=[old.doc_id])
        # The write is durable now; only then do the id maps follow it.
        if session is None:
            self._session_doc.pop(user_id, None)
        elif old is None:
            self._session_doc[user_id] = inserted

    # settings ------------------------------------------------------------------------------

    @_guarded
    def get_setting(self, key: str, default: Any = None) -> Any:
        doc = self._settings.get(tinydb.where("key") == key)
        return copy.deepcopy(doc["value"]) if doc is not None else default

    @_guarded
    def set_setting(self, key: str, value: Any, *, actor: str) -> None:
        """Set a setting; the audit entry (old and new value) is written first, then the value."""
        old = self._settings.get(tinydb.where("key") == key)
        before = old["value"] if old is not None else None
        self._add_audit(actor, "set_setting", key, {"before": before, "after": value})
        value = copy.deepcopy(value)
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
        self._audit.insert({**record, "detail": copy.deepcopy(detail)})

    @_guarded
    def audit_log(self) -> list[dict[str, Any]]:
        """Every global audit entry, oldest first."""
        return [copy.deepcopy(dict(doc)) for doc in self._audit.all()]

    # files ---------------------------------------------------------------------------------

    @_guarded
    def quarantined(self) -> list[str]:
        return layout.quarantined(self.data_dir)

    @_guarded
    def files_dir(self) -> str:
        folder = self.data_dir / layout.FILES_DIR
        make_private_dirs(folder)
        return str(folder)


def open_repository(
    data_dir: str | os.PathLike[str], upgrades: Sequence[CaseUpgrade] | None = None
) -> TinyDBRepository:
    """Open (creating, migrating and repairing as needed) the data folder for this process.
    The program passes its case upgrades (`workflows.records.upgrade.open_data` does)."""
    return TinyDBRepository(data_dir, upgrades=upgrades)
