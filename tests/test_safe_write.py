"""Atomic writes keep the mode and never overwrite somebody else's change."""

from __future__ import annotations

import os
import stat

import pytest
from lorapan.core.safe_write import ConflictError, FileStamp, atomic_write


def test_write_keeps_mode_and_leaves_no_temp_file(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"old")
    os.chmod(p, 0o640)
    stamp, _ = FileStamp.read(p)
    atomic_write(p, b"new", expected=stamp)
    assert p.read_bytes() == b"new"
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_changed_on_disk_is_not_overwritten(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"read by us")
    stamp, _ = FileStamp.read(p)
    p.write_bytes(b"written by another program")
    with pytest.raises(ConflictError, match="changed on disk"):
        atomic_write(p, b"ours", expected=stamp)
    assert p.read_bytes() == b"written by another program"


def test_touch_without_content_change_is_not_a_conflict(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"same")
    stamp, _ = FileStamp.read(p)
    os.utime(p, ns=(1, 1))
    atomic_write(p, b"ours", expected=stamp)
    assert p.read_bytes() == b"ours"


def test_created_by_someone_else_is_a_conflict(tmp_path):
    p = tmp_path / "new.txt"
    missing = FileStamp.missing()
    p.write_bytes(b"theirs")
    with pytest.raises(ConflictError, match="created"):
        atomic_write(p, b"ours", expected=missing)
