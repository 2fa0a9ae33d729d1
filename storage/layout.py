"""Where things live in a data folder, and the on-disk shape of case files and the index.

Shared by the repository and the migrations so that both read and write the same format.
Case files and the index are TinyDB databases (a JSON object of tables of documents keyed
by a string doc id), so `TinyDB(path, storage=AtomicJSONStorage)` opens any of them. They
are written whole from memory through `storage.atomic`, not through TinyDB's table API:
the table API reads a file back before every write, which for the index would mean parsing
it on every new case just to replace it. The index journal is the one file that is appended
to instead (JSON Lines, see `IndexJournal`).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeGuard

from storage.atomic import (
    AtomicJSONStorage,
    atomic_write_bytes,
    dumps,
    fdatasync,
    fsync_dir,
    make_private_dirs,
    read_json,
    reason,
    write_all,
)
from storage.repository import INDEX_FIELDS, Case, DamagedFile, StorageError

log = logging.getLogger(__name__)

CASES_DIR = "cases"
FILES_DIR = "files"
INDEX_FILE = "index.json"
META_FILE = "meta.json"
SESSIONS_FILE = "sessions.json"
AUDIT_FILE = "audit.json"
#: A case file's name is its id and this suffix.
CASE_SUFFIX = ".json"
JOURNAL_FILE = "index.journal"
PENDING_FILE = "index.pending"  # written by older code; read once at open
QUARANTINE_DIR = "quarantine"
#: Where the command-line tools and the console write their outputs (reports, exports,
#: backups) inside the data folder; a backup never holds it.
EXPORTS_DIR = "exports"

CASE_TABLE = "case"
INDEX_TABLE = "cases"
SESSIONS_TABLE = "sessions"
AUDIT_TABLE = "audit"

#: index.json is rewritten (the journal compacted) once this many index changes have
#: accumulated since it was last written; `bulk()` defers even that to the end of the block.
JOURNAL_LIMIT = 1000
_PENDING_ALL = "all"

_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_SCALARS = (str, int, float, bool, type(None))


def is_case_id(value: object) -> TypeGuard[str]:
    """Case ids become file names, so only a safe alphabet is accepted (no `/`, no `..`)."""
    return isinstance(value, str) and _CASE_ID.fullmatch(value) is not None


def case_path(data_dir: Path, case_id: str) -> Path:
    if not is_case_id(case_id):
        raise ValueError(f"not a valid case id: {case_id!r}")
    return data_dir / CASES_DIR / f"{case_id}{CASE_SUFFIX}"


def read_case_file(path: str | os.PathLike[str]) -> Case | None:
    """The one document of a case file, or None if there is no such file; `DamagedFile` if
    it is empty or not a case (case files are written whole, so that is damage, not a
    write in progress). Read as `AtomicJSONStorage.read` reads a file (same checks, same
    messages) without making the storage object: a report reads every case file."""
    data = read_json(path)
    if data is None:
        if os.path.exists(path):
            raise DamagedFile(f"{path} is empty")
        return None
    if not isinstance(data, dict):
        raise DamagedFile(f"{path} is not a TinyDB database (not a JSON object)")
    table = data.get(CASE_TABLE)
    if not isinstance(table, dict) or len(table) != 1:
        raise DamagedFile(f"{path} should hold exactly one document in table {CASE_TABLE!r}")
    (case,) = table.values()
    if not isinstance(case, dict):
        raise DamagedFile(f"{path}: the case document is not a JSON object")
    return case


def quarantine(data_dir: Path, path: Path, why: object) -> Path:
    """Move a damaged file into `quarantine/` (kept for a person to look at, never deleted),
    named after where it was and when; one log line says so. Returns the new path."""
    folder = data_dir / QUARANTINE_DIR
    make_private_dirs(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.relative_to(data_dir).as_posix().replace('/', '_')}.{stamp}"
    try:
        os.replace(path, target)
        fsync_dir(path.parent)
        fsync_dir(folder)
    except OSError as exc:
        raise StorageError(f"could not set aside damaged {path}: {reason(exc)}") from exc
    log.error("set aside damaged file %s as %s: %s", path.name, target.relative_to(data_dir), why)
    return target


def quarantined(data_dir: Path) -> list[str]:
    """Names of the files set aside so far, oldest name first."""
    try:
        return sorted(os.listdir(data_dir / QUARANTINE_DIR))
    except FileNotFoundError:
        return []


def damaged(path: Path) -> DamagedFile | None:
    """Why a whole-file JSON database (meta, sessions, index, audit) is damaged, or None if
    it is missing or sound. Empty counts as damaged: these files are only written whole."""
    try:
        data = read_json(path)
    except DamagedFile as exc:
        return exc
    if data is None and path.exists():
        return DamagedFile(f"{path} is empty")
    if data is not None and not isinstance(data, dict):
        return DamagedFile(f"{path} does not hold a TinyDB database (not a JSON object)")
    return None


def write_case_file(path: Path, case: Case) -> None:
    """Replace the case file; the same bytes TinyDB would write for one document, doc id 1."""
    AtomicJSONStorage(path).write({CASE_TABLE: {"1": case}})


def index_entry(case: Case, case_id: str) -> dict[str, Any]:
    """The index's copy of a case: `INDEX_FIELDS` only, the id taken from the file name."""
    entry: dict[str, Any] = {}
    for field in INDEX_FIELDS:
        value = case_id if field == "id" else case.get(field)
        if not isinstance(value, _SCALARS):
            raise TypeError(f"case field {field!r} is indexed and must be a JSON scalar")
        entry[field] = value
    return entry


def read_index(data_dir: Path) -> dict[str, dict[str, Any]] | None:
    """Index entries by case id, in the order written (creation order); None if the entries
    carry other fields than `INDEX_FIELDS` (the code changed them), so it must be rebuilt."""
    data = AtomicJSONStorage(data_dir / INDEX_FILE).read() or {}
    table = data.get(INDEX_TABLE) or {}
    entries: dict[str, dict[str, Any]] = {}
    for doc in table.values():
        if not isinstance(doc, dict) or tuple(doc) != INDEX_FIELDS:
            return None
        if is_case_id(doc["id"]):
            entries[doc["id"]] = doc
    return entries


class IndexEncoder:
    """Encodes index.json, re-encoding only the entries that changed since the last call.

    Encoding 10,000 entries from scratch takes about 20 ms; joining the pieces kept from the
    previous call takes about 4. A piece is reused while its entry is the same object at the
    same position, so the caller must replace an entry to change it, never mutate it in place.
    """

    def __init__(self) -> None:
        self._pieces: dict[str, tuple[dict[str, Any], int, bytes]] = {}

    def encode(self, entries: Iterable[dict[str, Any]]) -> bytes:
        """The same bytes as `dumps({INDEX_TABLE: {"1": entry, ...}})`."""
        pieces: dict[str, tuple[dict[str, Any], int, bytes]] = {}
        for doc_id, entry in enumerate(entries, start=1):
            key = entry["id"]
            kept = self._pieces.get(key)
            if kept is None or kept[0] is not entry or kept[1] != doc_id:
                kept = (entry, doc_id, b'"%d":%s' % (doc_id, dumps(entry)))
            pieces[key] = kept
        self._pieces = pieces
        body = b",".join(piece for _, _, piece in pieces.values())
        return b"{%s:{%s}}" % (dumps(INDEX_TABLE), body)


def write_index(
    data_dir: Path, entries: Iterable[dict[str, Any]], encoder: IndexEncoder | None = None
) -> None:
    """Replace index.json; pass the same `encoder` each time to re-encode only what changed."""
    atomic_write_bytes(data_dir / INDEX_FILE, (encoder or IndexEncoder()).encode(entries))


def case_ids_on_disk(data_dir: Path) -> list[str]:
    """Ids of the case files present, sorted; temp files and strays are ignored."""
    try:
        names = os.listdir(data_dir / CASES_DIR)
    except FileNotFoundError:
        return []
    ids = (name[: -len(CASE_SUFFIX)] for name in names if name.endswith(CASE_SUFFIX))
    return sorted(case_id for case_id in ids if is_case_id(case_id))


def index_case_file(data_dir: Path, case_id: str) -> dict[str, Any] | None:
    """The index entry for a case as its file has it; None if there is no such file, or if
    it was damaged (then it is set aside in quarantine/ and the case is left out)."""
    path = case_path(data_dir, case_id)
    try:
        case = read_case_file(path)
    except DamagedFile as exc:
        quarantine(data_dir, path, exc)
        return None
    if case is None:
        return None
    try:
        return index_entry(case, case_id)
    except TypeError as exc:
        raise StorageError(f"{path}: {exc}") from exc


def build_index(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Index every case file from scratch (a restore, or a folder from before the index)."""
    entries: dict[str, dict[str, Any]] = {}
    for case_id in case_ids_on_disk(data_dir):
        entry = index_case_file(data_dir, case_id)
        if entry is not None:
            entries[case_id] = entry
    return entries


# The journal: index entries changed since index.json was written -------------------------
#
# index.journal holds one JSON line per index change of a case that index.json already holds:
# the case's new entry, appended and fsynced before the case file is written. So at any
# instant every case whose entry in index.json may differ from its file is named in the
# journal (or, for a case index.json lacks altogether, found by the folder listing).


_JOURNAL_ID = re.compile(rb'"id":"([A-Za-z0-9][A-Za-z0-9_-]{0,63})"')


def read_journal(data_dir: Path) -> tuple[list[dict[str, Any]], set[str]]:
    """The entries of index.journal in order, and every case id the journal names.

    A line that does not parse (a torn last line: the writer was killed mid-append, so that
    case file was not written either) or does not hold a current entry is not replayed, but
    any case id it still shows is named, so that its file is re-read all the same."""
    try:
        with open(data_dir / JOURNAL_FILE, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return [], set()
    except OSError as exc:
        log.warning("could not read %s (%s); re-checking every case", JOURNAL_FILE, reason(exc))
        return [], set(case_ids_on_disk(data_dir))
    entries: list[dict[str, Any]] = []
    named: set[str] = set()
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if isinstance(entry, dict) and tuple(entry) == INDEX_FIELDS and is_case_id(entry["id"]):
            entries.append(entry)
            named.add(entry["id"])
            continue
        salvaged = {m.decode() for m in _JOURNAL_ID.findall(line)}
        log.warning("ignored a damaged line of %s (naming %s)", JOURNAL_FILE, salvaged or "none")
        named |= {case_id for case_id in salvaged if is_case_id(case_id)}
    return entries, named


def remove_journal(data_dir: Path) -> None:
    """Delete index.journal, once index.json is durable. Not fsynced: a journal that comes
    back after a power cut only makes the next open re-read the cases it names."""
    _remove_quietly(data_dir / JOURNAL_FILE)


class IndexJournal:
    """index.journal, open for appending from the first index change until `close()`.

    `append` returns once the line is durable (fdatasync). If an append fails, the journal is
    truncated back to its last whole line; if even that fails, `torn` is set and the owner
    must write index.json and `clear()` the journal before appending again (a fragment left
    in the middle would hide the line after it)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / JOURNAL_FILE
        self.lines = 0
        self.torn = False
        self._fd: int | None = None
        self._size = 0
        self._cut = False  # the file ends without a newline: start the next line on a new one

    def append(self, entry: dict[str, Any]) -> None:
        """Append one entry durably, or raise `StorageError` leaving the journal as it was."""
        if self.torn:
            raise StorageError(f"{self.path} ends with a torn line; compact it first")
        line = dumps(entry) + b"\n"
        try:
            fd = self._fd if self._fd is not None else self._open()
            if self._cut:
                line = b"\n" + line
            write_all(fd, line)
            fdatasync(fd)
        except OSError as exc:
            self._undo()
            raise StorageError(f"could not save {self.path}: {reason(exc)}") from exc
        self._size += len(line)
        self._cut = False
        self.lines += 1

    def _open(self) -> int:
        """Open (normally: create) the file. One still there is appended to, not truncated:
        its lines still count (whatever left it), and a torn last line is ended first."""
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        fd = os.open(self.path, flags, 0o600)
        try:
            size = os.fstat(fd).st_size
            cut = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
            fsync_dir(self.path.parent)  # a new file must itself survive a power cut
        except OSError:
            os.close(fd)
            raise
        self._fd, self._size, self._cut = fd, size, cut
        self.lines = 1 if size else 0  # enough for the owner to compact it in time
        return fd

    def _undo(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            self.torn = True

    def clear(self) -> None:
        """Empty the journal; call only once index.json holds every entry it names."""
        if self._fd is None:
            self.lines, self.torn = 0, False
            return
        try:
            os.ftruncate(self._fd, 0)
            fdatasync(self._fd)  # once per compaction: a stale journal could lose nothing,
        except OSError as exc:  # but should not make the next open re-read for nothing
            self.torn = True
            raise StorageError(f"could not empty {self.path}: {reason(exc)}") from exc
        self._size = self.lines = 0
        self.torn = False

    def close(self) -> None:
        """Close the file (leaving it on disk)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


# The pending marker of older code ----------------------------------------------------------
#
# Before the journal, a save that changed the entry of a case in index.json first named the
# case in index.pending (a JSON list of ids, or "all"). A folder last written by that code
# may still have one: the cases it names are re-read once at open, then it is removed.


def read_pending(data_dir: Path) -> list[str]:
    """Ids listed in the marker; every case id if it says "all" or cannot be read."""
    try:
        data = read_json(data_dir / PENDING_FILE)
    except StorageError as exc:
        log.warning("%s; re-checking every case", exc)
        return case_ids_on_disk(data_dir)
    if data is None:
        return []
    if data == _PENDING_ALL:
        return case_ids_on_disk(data_dir)
    if not isinstance(data, list):
        log.warning("%s is not a list; re-checking every case", data_dir / PENDING_FILE)
        return case_ids_on_disk(data_dir)
    return [case_id for case_id in data if is_case_id(case_id)]


def clear_pending(data_dir: Path) -> None:
    """Remove the marker, once index.json is durable."""
    _remove_quietly(data_dir / PENDING_FILE)


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove %s: %s", path, reason(exc))
