"""The small interface that the domain (`workflows/`) uses to persist things.

The domain owns the *shape* of a case (a plain JSON-able dict); storage only
needs a handful of its top-level keys (see `INDEX_FIELDS`) to keep an index,
so that listing cases never has to open every case file.

Every method returns only after the change is durable on disk: a caller may
tell the user "saved" as soon as the call returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

Case = dict[str, Any]

#: Keys of a case copied into the index. A save that leaves these unchanged
#: rewrites the case's own file only, never the index. `next_alert` and `next_due`
#: (ISO dates or None) let reminder sweeps and digests open only the cases they need.
INDEX_FIELDS: tuple[str, ...] = (
    "id", "kind", "owner", "status", "reference", "label", "next_alert", "next_due",
)  # fmt: skip


class StorageError(RuntimeError):
    """A write could not be made durable; the previous state is intact."""


class ReadFailed(StorageError):
    """A file could not be read (an I/O error); nothing was changed."""


class DamagedFile(StorageError):
    """A file is there but does not hold what it should (truncated, not JSON, empty)."""


class DataDirLocked(StorageError):
    """Another process already owns the data folder."""


class Repository(Protocol):
    """Persistence used by the domain. One process owns it; see `storage.tinydb_repo`."""

    def locked(self) -> AbstractContextManager[None]:
        """Hold the in-process lock across a read-modify-write of several calls."""
        ...

    def stepped_aside(self) -> AbstractContextManager[None]:
        """Inside `locked()`: release the lock for long work that needs no exclusion."""
        ...

    # cases -----------------------------------------------------------------
    def new_case_id(self) -> str: ...

    def get_case(self, case_id: str) -> Case | None: ...

    def save_case(self, case: Case, *, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Write the whole case and append one audit entry to its history, atomically."""
        ...

    def list_cases(self, **where: Any) -> list[dict[str, Any]]:
        """Index entries (only `INDEX_FIELDS`) matching every `field=value` given."""
        ...

    def iter_cases(self) -> Iterator[Case]:
        """Every full case; for reports and sweeps, which read the whole set anyway."""
        ...

    def case_by_reference(self, reference: str) -> Case | None: ...

    def bulk(self) -> AbstractContextManager[None]:
        """Group many `save_case` calls (an import, demo data): each case is still durable
        when its save returns, but the index is written once, when the block exits. Optional
        to use; blocks may nest."""
        ...

    # users and roles -----------------------------------------------------------
    def get_user(self, user_id: str) -> dict[str, Any] | None: ...

    def put_user(self, user: dict[str, Any], *, actor: str) -> None: ...

    def delete_user(self, user_id: str, *, actor: str) -> None: ...

    def list_users(self) -> list[dict[str, Any]]: ...

    # per-user session (which case and checklist the user is in) -----------------
    def get_session(self, user_id: str) -> dict[str, Any] | None: ...

    def put_session(self, user_id: str, session: dict[str, Any] | None) -> None: ...

    # settings --------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any, *, actor: str) -> None: ...

    # audit log (changes that are not about one case; case changes live in the case) --
    def audit(self, *, actor: str, action: str, target: str, detail: dict[str, Any]) -> None: ...

    def audit_log(self) -> list[dict[str, Any]]: ...

    # files ----------------------------------------------------------------------
    def quarantined(self) -> list[str]:
        """Damaged files set aside in the data folder's quarantine/ folder, for the admins."""
        ...

    def files_dir(self) -> str:
        """Folder (owner-only) where attachments are kept."""
        ...

    def close(self) -> None: ...
