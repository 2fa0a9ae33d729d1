"""Where things live in a data folder, and the on-disk shape of case files and the index.

Shared by the repository and the migrations so that both read and write the same format.
Case files and the index are TinyDB databases (a JSON object of tables of documents keyed
by a string doc id), so `TinyDB(path, storage=AtomicJSONStorage)` opens any of them. They
are written whole from memory through `storage.atomic`, not through TinyDB's table API:
the table API reads a file back before every write, which for the index would mean parsing
it on every new case just to replace it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeGuard

from storage.atomic import AtomicJSONStorage, atomic_write_bytes, dumps, read_json
from storage.repository import INDEX_FIELDS, Case, StorageError

log = logging.getLogger(__name__)

CASES_DIR = "cases"
FILES_DIR = "files"
INDEX_FILE = "index.json"
META_FILE = "meta.json"
SESSIONS_FILE = "sessions.json"
AUDIT_FILE = "audit.json"
PENDING_FILE = "index.pending"

CASE_TABLE = "case"
INDEX_TABLE = "cases"
SESSIONS_TABLE = "sessions"
AUDIT_TABLE = "audit"

#: A marker naming more cases than this says "all" instead (see `write_pending`).
PENDING_LIMIT = 1000
_PENDING_ALL = "all"

_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_SCALARS = (str, int, float, bool, type(None))


def is_case_id(value: object) -> TypeGuard[str]:
    """Case ids become file names, so only a safe alphabet is accepted (no `/`, no `..`)."""
    return isinstance(value, str) and _CASE_ID.fullmatch(value) is not None


def case_path(data_dir: Path, case_id: str) -> Path:
    if not is_case_id(case_id):
        raise ValueError(f"not a valid case id: {case_id!r}")
    return data_dir / CASES_DIR / f"{case_id}.json"


def read_case_file(path: Path) -> Case | None:
    """The one document of a case file, or None if the file is missing or empty."""
    data = AtomicJSONStorage(path).read()
    if data is None:
        return None
    table = data.get(CASE_TABLE)
    if not isinstance(table, dict) or len(table) != 1:
        raise StorageError(f"{path} should hold exactly one document in table {CASE_TABLE!r}")
    (case,) = table.values()
    if not isinstance(case, dict):
        raise StorageError(f"{path}: the case document is not a JSON object")
    return case


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
    ids = (name[: -len(".json")] for name in names if name.endswith(".json"))
    return sorted(case_id for case_id in ids if is_case_id(case_id))


def index_case_file(data_dir: Path, case_id: str) -> dict[str, Any] | None:
    """The index entry for a case as its file has it; None if there is no such file."""
    path = case_path(data_dir, case_id)
    case = read_case_file(path)
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


# The pending marker: ids whose index entry may lag behind their case file ------------------
#
# Only cases already in index.json need it: a case file that index.json lacks altogether is
# found at open by comparing the folder listing with the index.


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


def write_pending(data_dir: Path, case_ids: Iterable[str]) -> None:
    """Name the cases whose index entry may lag. Past `PENDING_LIMIT` ids the marker says
    "all" (every case file is re-read at open), so that a bulk change of many indexed cases
    does not rewrite an ever longer list on each save: once "all" is written, the caller
    need not rewrite the marker until it is cleared."""
    ids = sorted(case_ids)
    content = _PENDING_ALL if len(ids) > PENDING_LIMIT else ids
    atomic_write_bytes(data_dir / PENDING_FILE, dumps(content))


def clear_pending(data_dir: Path) -> None:
    """Remove the marker. Not fsynced: if the removal is lost, the next open re-checks a few
    cases for nothing."""
    try:
        os.unlink(data_dir / PENDING_FILE)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove %s: %s", data_dir / PENDING_FILE, exc.strerror)
