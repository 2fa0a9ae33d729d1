"""Attachments: supporting documents kept in the data folder, owner-only.

Files are stored under their SHA-256 (so the same document sent twice is kept once) and
written like everything else, through `atomic_write_bytes`; the metadata returned is what
the case records: original name, size, type, checksum, who sent it and when.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.atomic import atomic_write_bytes, reason
from storage.repository import ReadFailed


def _holds(path: Path, digest: str) -> bool:
    """Whether `path` exists with exactly the content named by `digest`."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() == digest
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ReadFailed(f"could not read {path}: {reason(exc)}") from exc


def store_file(
    files_dir: str | Path, name: str, data: bytes, mime: str, sent_by: str, at: datetime
) -> dict[str, Any]:
    """Write `data` durably (or raise StorageError) and return the metadata to record."""
    digest = hashlib.sha256(data).hexdigest()
    target = Path(files_dir) / digest
    if not _holds(target, digest):  # absent, or damaged: the same document sent again mends it
        atomic_write_bytes(target, data)
    return {
        "name": Path(name).name or "document",
        "size": len(data),
        "mime": mime,
        "sha256": digest,
        "sent_by": sent_by,
        "at": at.astimezone(UTC).isoformat(timespec="seconds"),
    }
