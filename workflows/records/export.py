"""The full JSON export: every case, user and audit entry as one document.

For archiving or moving data to another tool. Confidential answers (names of victims) are
left out unless asked for; every export is audit-logged, saying which variant it was.
Backups of the whole data folder (a snapshot to restore from) are `storage.backup`.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import BinaryIO

from storage.repository import Repository
from workflows.checklists.model import Registry
from workflows.report.confidential import redacted

EXPORT_FORMAT = "followup-bot export"


def export_json(
    repo: Repository,
    stream: BinaryIO,
    *,
    registry: Registry,
    actor: str,
    now: datetime,
    confidential: bool = False,
) -> int:
    """Write the export to a binary stream; returns the number of cases. Audit-logged first,
    so even an interrupted confidential export is on record."""
    cases = [case if confidential else redacted(case, registry) for case in repo.iter_cases()]
    detail = {"cases": len(cases), "confidential": confidential}
    repo.audit(actor=actor, action="export", target="json", detail=detail)
    document = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "exported_at": now.isoformat(timespec="seconds"),
        "confidential": confidential,
        "cases": cases,
        "users": repo.list_users(),
        "audit": repo.audit_log(),
    }
    text = io.TextIOWrapper(stream, encoding="utf-8", write_through=True)
    try:
        json.dump(document, text, ensure_ascii=False, indent=1)
        text.write("\n")
        text.flush()
    finally:
        text.detach()
    return len(cases)
