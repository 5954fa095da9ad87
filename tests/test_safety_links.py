"""Links and read-only captions (issue 13.4), as docs/safety.md promises them.

- a symlinked caption whose target is inside the dataset is written through: the
  link stays a link, undo restores the target's bytes;
- a symlink to a file outside the dataset is read-only, with a message;
- a hard-linked caption is read-only (an atomic replace would split it silently);
- a caption without write permission (0444) is reported, never rewritten.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import write_dataset
from lorapan.core.dataset import Dataset
from lorapan.main import main

ORIGINAL = b"x, y\n"


@pytest.fixture
def root(tmp_path):
    return write_dataset(tmp_path / "ds", {"a.png": None, "b.png": "b, y"})


def _edit(root, capsys, *extra: str) -> tuple[int, str]:
    code = main(["edit", str(root), "--add", "new", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_link_inside_the_dataset_is_written_through_and_undo_restores_it(root, capsys):
    (root / "store").mkdir()
    target = root / "store" / "a-caption.dat"
    target.write_bytes(ORIGINAL)
    (root / "a.txt").symlink_to("store/a-caption.dat")
    code, _ = _edit(root, capsys)
    assert code == 0
    assert os.path.islink(root / "a.txt")
    assert target.read_bytes() == b"x, y, new\n"
    assert main(["undo", str(root)]) == 0
    assert os.path.islink(root / "a.txt") and target.read_bytes() == ORIGINAL
    assert main(["redo", str(root)]) == 0
    assert os.path.islink(root / "a.txt") and target.read_bytes() == b"x, y, new\n"
    assert not list((root / "store").glob(".lorapan-tmp-*"))


def test_a_link_to_a_file_outside_is_read_only_with_a_message(root, tmp_path, capsys):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(ORIGINAL)
    (root / "a.txt").symlink_to(outside)
    ds = Dataset.open(root)
    assert ds.items["a.png"].tags == ("x", "y")  # still read
    assert "outside the dataset" in dict(ds.read_only_captions)["a.png"]
    code, text = _edit(root, capsys)
    assert code == 1
    assert "a.png" in text and "outside the dataset" in text
    assert outside.read_bytes() == ORIGINAL and os.path.islink(root / "a.txt")
    assert (root / "b.txt").read_bytes() == b"b, y, new"  # the rest is edited


def test_a_hard_linked_caption_is_read_only_and_stays_linked(root, tmp_path, capsys):
    (root / "a.txt").write_bytes(ORIGINAL)
    os.link(root / "a.txt", tmp_path / "backup.txt")
    code, text = _edit(root, capsys)
    assert code == 1 and "hard-linked" in text
    assert os.stat(root / "a.txt").st_nlink == 2
    assert (tmp_path / "backup.txt").read_bytes() == ORIGINAL == (root / "a.txt").read_bytes()


def test_a_caption_without_write_permission_is_reported_not_rewritten(root, capsys):
    cap = root / "a.txt"
    cap.write_bytes(ORIGINAL)
    cap.chmod(0o444)
    assert main(["info", str(root), "--json"]) in (0, 1)
    info = json.loads(capsys.readouterr().out)
    assert info["read_only_captions"] == [
        {"image": "a.png", "reason": "is read-only (mode 0444): make it writable to edit it"}
    ]
    code, text = _edit(root, capsys)
    assert code == 1 and "read-only (mode 0444)" in text
    assert cap.read_bytes() == ORIGINAL and (cap.stat().st_mode & 0o777) == 0o444


def test_undo_leaves_a_caption_made_read_only_since(root, capsys):
    code, _ = _edit(root, capsys)
    assert code == 0
    cap = root / "b.txt"
    cap.chmod(0o444)
    assert main(["undo", str(root)]) == 1
    assert "read-only" in capsys.readouterr().out
    assert cap.read_bytes() == b"b, y, new"
