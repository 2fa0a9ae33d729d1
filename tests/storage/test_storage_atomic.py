"""AtomicJSONStorage: whole-file replace, owner-only modes, clean failure."""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from pathlib import Path

import pytest
from tinydb import TinyDB

import storage.atomic as atomic
from storage.atomic import AtomicJSONStorage, read_json, remove_temp_files
from storage.repository import DamagedFile, StorageError


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


def test_round_trip_compact_utf8_and_private_modes(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "db.json"
    AtomicJSONStorage(path).write({"t": {"1": {"name": "São Tomé, Genève"}}})
    assert AtomicJSONStorage(path).read() == {"t": {"1": {"name": "São Tomé, Genève"}}}
    assert path.read_bytes() == '{"t":{"1":{"name":"São Tomé, Genève"}}}'.encode()
    assert mode(path) == 0o600
    assert mode(tmp_path / "a") == 0o700
    assert mode(tmp_path / "a" / "b") == 0o700


def test_missing_or_empty_reads_as_none_and_creates_nothing(tmp_path: Path) -> None:
    assert AtomicJSONStorage(tmp_path / "nope" / "db.json").read() is None
    assert not (tmp_path / "nope").exists()
    (tmp_path / "empty.json").write_bytes(b"")
    assert AtomicJSONStorage(tmp_path / "empty.json").read() is None


def test_corrupt_file_is_a_clear_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(b'{"t": {"1": ')
    with pytest.raises(StorageError, match="not valid JSON"):
        read_json(path)
    path.write_bytes(b"[1, 2]")
    with pytest.raises(StorageError, match="not a JSON object"):
        AtomicJSONStorage(path).read()


def test_works_as_tinydb_storage(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = TinyDB(path, storage=AtomicJSONStorage)
    db.table("things").insert({"x": 1})
    db.close()
    db = TinyDB(path, storage=AtomicJSONStorage)
    assert db.table("things").all() == [{"x": 1}]
    db.close()


@pytest.mark.parametrize("target", ["replace", "fsync"])
def test_failed_write_keeps_old_content_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"t": {"1": {"v": "old"}}})

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, target, disk_full)
    with pytest.raises(StorageError, match=r"disk is full.*previous version is intact"):
        storage.write({"t": {"1": {"v": "new"}}})
    monkeypatch.undo()
    assert storage.read() == {"t": {"1": {"v": "old"}}}
    assert leftovers(tmp_path) == []


def test_read_only_file_system_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*args: object, **kwargs: object) -> int:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(StorageError, match="read-only"):
        AtomicJSONStorage(tmp_path / "db.json").write({})


def test_interrupt_also_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        AtomicJSONStorage(tmp_path / "db.json").write({})
    assert leftovers(tmp_path) == []


def test_batch_makes_one_write_and_discards_on_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[Path] = []
    real = atomic.atomic_write_bytes

    def counting(path: Path, data: bytes) -> None:
        writes.append(path)
        real(path, data)

    monkeypatch.setattr(atomic, "atomic_write_bytes", counting)
    path = tmp_path / "db.json"
    db = TinyDB(path, storage=AtomicJSONStorage)
    storage = db.storage
    assert isinstance(storage, AtomicJSONStorage)
    with storage.batch():
        db.table("a").insert({"x": 1})
        db.table("b").insert({"y": 2})
        assert db.table("a").all() == [{"x": 1}]
    assert len(writes) == 1
    with pytest.raises(ZeroDivisionError), storage.batch():
        db.table("a").insert({"x": 2})
        _ = 1 / 0
    assert len(writes) == 1
    assert db.table("a").all() == [{"x": 1}]
    with pytest.raises(RuntimeError, match="re-entrant"), storage.batch(), storage.batch():
        pass
    db.close()


def test_remove_temp_files(tmp_path: Path) -> None:
    (tmp_path / ".db.json.abc.tmp").write_bytes(b"half")
    (tmp_path / "db.json").write_bytes(b"{}")
    assert remove_temp_files(tmp_path) == 1
    assert os.listdir(tmp_path) == ["db.json"]
    assert remove_temp_files(tmp_path / "missing") == 0


def test_files_the_standard_parser_reads_still_read(tmp_path: Path) -> None:
    """Files are parsed by orjson; what it refuses (NaN, integers past 64 bits, a lone
    surrogate) is read by the standard parser as before, and damage is still damage."""
    path = tmp_path / "odd.json"
    path.write_bytes(b'{"n": NaN, "big": 123456789012345678901234567890, "s": "\\ud800"}')
    data = read_json(path)
    assert math.isnan(data["n"])
    assert data["big"] == 123456789012345678901234567890 and data["s"] == "\ud800"
    sample = {"name": "Côte d'Ivoire", "n": [1, 2.5, -0.0, None, True], "e": {}, "1e3": 1e300}
    path.write_bytes(json.dumps(sample, ensure_ascii=False).encode())
    assert read_json(path) == sample
    path.write_bytes(b'{"a": ')
    with pytest.raises(DamagedFile):
        read_json(path)
