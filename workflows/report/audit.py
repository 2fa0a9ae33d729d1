"""The audit record of a request for the confidential variant of a report.

One function so that every transport (the CLI now, Telegram's /report later) writes the
same entry: who asked, for which period and scope, and through what.
"""

from __future__ import annotations

from storage.repository import Repository
from workflows.report.model import Report

ACTION = "report_confidential"


def record_confidential_request(repo: Repository, report: Report, *, actor: str, via: str) -> None:
    """Call before the confidential report leaves the process (sent, written, printed)."""
    detail = {
        "period": report.label,
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "mandate": report.scope.mandate,
        "state": report.scope.state,
        "via": via,
    }
    repo.audit(actor=actor, action=ACTION, target="report", detail=detail)
