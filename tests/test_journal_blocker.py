"""The entry that stops an undo or a redo is the one the journal's error names."""

from __future__ import annotations

import pytest
from conftest import write_dataset
from journal_craft import craft, write_op
from lorapan.core.dataset import Dataset
from lorapan.core.journal import JournalError
from lorapan.core.journal_blocker import blocking_entry


def test_nothing_blocks_a_healthy_journal(tmp_path):
    ds = Dataset.open(write_dataset(tmp_path / "ds", {"a.png": "x"}))
    assert blocking_entry(ds.journal, "undo") is None
    assert blocking_entry(ds.journal, "redo") is None


def test_an_unreadable_entry_blocks_undo(tmp_path):
    root = write_dataset(tmp_path / "ds", {"a.png": "x"})
    folder = root / ".lorapan" / "journal"
    folder.mkdir(parents=True)
    (folder / "00000001-00000000aa.json").write_text('{"ops": 5}')
    ds = Dataset.open(root)
    entry = blocking_entry(ds.journal, "undo")
    assert entry is not None and entry.id == "00000000aa"
    with pytest.raises(JournalError, match="00000000aa"):
        ds.undo()
    ds.journal.skip(entry)
    assert blocking_entry(ds.journal, "undo") is None and ds.undo() is None


def test_an_entry_without_its_pack_blocks_undo_then_redo(tmp_path):
    root = write_dataset(tmp_path / "ds", {"a.png": "x, y"})
    txn = craft(root, 1, "applied", [write_op("a.txt", b"old", b"x, y")], [b"old", b"x, y"])
    ds = Dataset.open(root)
    assert blocking_entry(ds.journal, "undo") is None
    (root / ".lorapan" / "journal" / f"{txn}.pack.json").unlink()
    entry = blocking_entry(ds.journal, "undo")
    assert entry is not None and entry.id == txn
    craft(root, 1, "undone", [write_op("a.txt", b"old", b"x, y")], txn_id=txn)
    (root / ".lorapan" / "journal" / f"{txn}.pack.json").unlink()
    again = Dataset.open(root)
    redo = blocking_entry(again.journal, "redo")
    assert redo is not None and redo.id == txn
