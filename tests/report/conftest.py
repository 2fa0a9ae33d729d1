"""Data folders holding the report fixture's cases, shared by the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture import copy_of, fill


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture cases saved once per module; tests work on copies (`data_dir`)."""
    return fill(tmp_path_factory.mktemp("template") / "data")


@pytest.fixture
def data_dir(template_dir: Path, tmp_path: Path) -> Path:
    return copy_of(template_dir, tmp_path / "data")
