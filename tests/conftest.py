"""Shared fixtures: a fresh data folder, the shipped checklists, a clock the test controls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from clocks import MovableClock

from storage.tinydb_repo import TinyDBRepository, open_repository
from workflows.cases.service import CaseService
from workflows.chat.conversation import Chat, Conversation
from workflows.checklists.model import Registry


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.from_folder()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[TinyDBRepository]:
    repository = open_repository(tmp_path / "data")
    yield repository
    repository.close()


@pytest.fixture
def service(repo: TinyDBRepository, registry: Registry, clock: MovableClock) -> CaseService:
    return CaseService(repo, registry, clock)


@pytest.fixture
def conversation(service: CaseService) -> Conversation:
    for user_id, role in (("1", "admin"), ("2", "officer"), ("3", "officer"), ("4", "viewer")):
        service.repo.put_user({"id": user_id, "role": role}, actor="test")
    return Conversation(service)


@pytest.fixture
def officer() -> Chat:
    return Chat(user_id="2")
