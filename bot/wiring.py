"""The one place the program's domain objects are built, for the bot, the console and every
command-line tool: checklists, deadline rules, the data folder (opened and upgraded) and the
case service over it.

Why one place: each entry point used to load its own checklists and open the folder its own
way (some with the checklists they had loaded, some with a second copy), so a change to how
the folder is opened had to be made several times and could be missed in one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.settings import Settings
from storage import restore
from storage.tinydb_repo import TinyDBRepository
from workflows.cases.service import CaseService
from workflows.checklists.model import Registry
from workflows.deadlines.rules import Rules, load_rules
from workflows.demo import Summary, generate, write_demo
from workflows.records.upgrade import open_data


@dataclass(frozen=True)
class Domain:
    """Everything a transport or a command needs, opened together and closed together."""

    settings: Settings
    registry: Registry
    rules: Rules
    repo: TinyDBRepository
    service: CaseService


def registry() -> Registry:
    """The shipped checklists (checked at load: a broken file stops the program here)."""
    return Registry.from_folder()


@contextmanager
def opened(settings: Settings) -> Iterator[Domain]:
    """Open the data folder with the program's checklists and rules; always release it."""
    checklists, rules = registry(), load_rules()
    repo = open_data(settings.data_dir, registry=checklists, rules=rules, tz=settings.timezone)
    try:
        service = CaseService(repo, checklists, tz=settings.timezone, rules=rules)
        yield Domain(settings, checklists, rules, repo, service)
    finally:
        repo.close()


def restore_backup(archive: Path, settings: Settings, *, actor: str, force: bool) -> int:
    """Restore into the configured folder, opening the restored copy as `opened` would."""

    def open_folder(folder: Path) -> TinyDBRepository:
        return open_data(folder, tz=settings.timezone)

    return restore.restore(
        archive, settings.data_dir, actor=actor, open_folder=open_folder, force=force
    )


def write_demo_folder(
    data_dir: Path, *, years: int, seed: int, today: date, actor: str | None = None
) -> Summary:
    """Generate the demo and store it through the repository, its clock pinned to the demo's
    "now" so the same seed and day give the same bytes."""
    demo = generate(years=years, seed=seed, today=today)
    repo = TinyDBRepository(data_dir, clock=lambda: demo.now)
    try:
        return write_demo(repo, demo, actor=actor) if actor else write_demo(repo, demo)
    finally:
        repo.close()
