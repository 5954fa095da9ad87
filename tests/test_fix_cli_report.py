"""What `lorapan fix` says it did is what it did: captions written (not planned), why
the rest were not, no kind pinned for captions it could not write, and a run that only
wrote lorapan.toml is a named, undoable edit."""

from __future__ import annotations

import os
from pathlib import Path

import rules_fixtures as rf

COUPLE = ["hug", "holding hands", "walking", "smile", "kiss", "running"]


def _couple(root: Path) -> Path:
    caps = {f"{i}.png": f"rin and haru, 1girl, 1boy, couple, {w}" for i, w in enumerate(COUPLE)}
    return rf.write_images(root, caps)


def test_read_only_captions_are_counted_as_not_written(tmp_path: Path, lorapan_cmd) -> None:
    root = _couple(tmp_path / "c")
    for txt in root.glob("*.txt"):
        os.chmod(txt, 0o444)
    res = lorapan_cmd("fix", root)
    assert "0 of 6 captions changed" in res.stdout, res.stdout
    assert "is read-only (mode 0444): make it writable" in res.stdout
    assert "undo with" not in res.stdout
    assert not (root / "lorapan.toml").exists()  # no kind pinned for captions not written


def test_a_run_that_only_sets_a_key_is_a_named_undoable_edit(tmp_path: Path, lorapan_cmd) -> None:
    caps = {f"12_trcn hat/{i}.png": f"trcn hat, hat, no humans, table {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "h", caps)
    res = lorapan_cmd("fix", root, "--rule", "tags.core")
    assert "lorapan.toml: set core_tag = 'trcn hat'" in res.stdout
    assert "nothing to fix" not in res.stdout and "undo with: " in res.stdout
    assert "fix tags.core" in lorapan_cmd("history", root).stdout
    assert lorapan_cmd("undo", root).returncode == 0
    assert not (root / "lorapan.toml").exists()
