"""The journal stays cheap to open and keeps its undo depth (issue 17).

Counted, not timed: the journal's store counts every file and byte it reads.
"""

from __future__ import annotations

import json

import pytest
from conftest import write_dataset
from journal_craft import craft, write_op
from lorapan.commands.info import summary
from lorapan.core import edits
from lorapan.core.dataset import Dataset
from lorapan.core.journal import compact


def _bulk_edit(ds: Dataset, tag: str) -> None:
    tags = {r: it.tags for r, it in ds.items.items()}
    res = ds.apply_changes(edits.plan(tags, ds.items, lambda t: edits.add_tag(t, tag)), tag)
    assert res.ok and res.applied


def _captions(root) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("*.txt"))}


def _journal_bytes(root) -> int:
    return sum(p.stat().st_size for p in (root / ".lorapan" / "journal").iterdir() if p.is_file())


def test_info_reads_no_journal_file_after_many_bulk_edits(tmp_path):
    root = write_dataset(tmp_path / "ds", {f"i{n:03d}.png": f"t{n}, common" for n in range(100)})
    ds = Dataset.open(root)
    summary(ds)
    assert ds.journal.store.stats.files == 0  # no journal yet
    for n in range(18):
        _bulk_edit(ds, f"edit{n}")
    assert _journal_bytes(root) > 18 * 100 * 50  # what the first format parsed at every open
    fresh = Dataset.open(root)
    info = summary(fresh)  # what `lorapan info --json` computes
    assert info["interrupted_edits"] == []
    assert (fresh.journal.store.stats.files, fresh.journal.store.stats.bytes) == (0, 0)
    # An interrupted entry is found by its marker: one small state file is read.
    fresh.journal.begin("crashed", [("i000.txt", (root / "i000.txt").read_bytes(), b"x")])
    again = Dataset.open(root)
    assert summary(again)["interrupted_edits"] == ["crashed"]
    assert again.journal.store.stats.files == 1 and again.journal.store.stats.bytes < 512


def test_undo_reaches_the_last_entries_and_older_ones_fold(tmp_path, monkeypatch):
    monkeypatch.setattr(compact, "UNDO_DEPTH", 5)
    root = write_dataset(tmp_path / "ds", {"a.png": "a", "b.png": "b"})
    ds = Dataset.open(root)
    states = [_captions(root)]
    for n in range(8):
        _bulk_edit(ds, f"e{n}")
        states.append(_captions(root))
    journal = Dataset.open(root).journal
    assert [t.seq for t in journal.transactions()] == [4, 5, 6, 7, 8]
    assert [r["seq"] for r in journal.history()] == [1, 2, 3]
    assert len(list((root / ".lorapan" / "journal").glob("*.pack"))) == 5
    for n in range(8, 3, -1):
        assert ds.undo().ok
        assert _captions(root) == states[n - 1]  # byte-exact at every step
    assert ds.undo() is None  # the folded ones are history, not undo
    for n in range(4, 9):
        assert ds.redo().ok and _captions(root) == states[n]


def test_a_byte_budget_folds_sooner_but_keeps_the_minimum(tmp_path, monkeypatch):
    monkeypatch.setattr(compact, "MAX_BYTES", 1)
    root = write_dataset(tmp_path / "ds", {"a.png": "a"})
    ds = Dataset.open(root)
    for n in range(compact.MIN_DEPTH + 3):
        _bulk_edit(ds, f"e{n}")
    assert len(ds.journal.transactions()) == compact.MIN_DEPTH


def test_discarded_redo_folds_at_once(tmp_path):
    root = write_dataset(tmp_path / "ds", {"a.png": "a"})
    ds = Dataset.open(root)
    _bulk_edit(ds, "one")
    ds.undo()
    _bulk_edit(ds, "two")
    assert [(t.seq, t.state) for t in ds.journal.transactions()] == [(2, "applied")]
    assert [(r["seq"], r["state"]) for r in ds.journal.history()] == [(1, "discarded")]


def test_a_first_format_journal_is_read_then_rewritten(tmp_path):
    root = write_dataset(tmp_path / "ds", {"a.png": "a", "b.png": "b"})
    old, new = b"before", b"a"
    craft(root, 1, "applied", [write_op("a.txt", old, new)], [old, new], legacy=True)
    pending = craft(
        root, 2, "pending", [write_op("b.txt", b"b", b"b2")], [b"b", b"b2"], legacy=True
    )
    ds = Dataset.open(root)
    [crashed] = ds.journal.incomplete()  # no markers yet: every state is read
    assert crashed.id == pending
    ds.recover(finish=True)  # commits nothing new; an edit does:
    _bulk_edit(ds, "x")
    folder = root / ".lorapan" / "journal"
    state = json.loads((folder / "00000001-0000000001.json").read_text())
    assert "ops" not in state and state["files"] == 1  # small now
    assert (folder / "0000000001.ops.json").exists() and (folder / "format-2").exists()
    for _ in range(3):
        assert ds.undo().ok
    assert _captions(root) == {"a.txt": old, "b.txt": b"b"}


@pytest.mark.parametrize("depth", [compact.UNDO_DEPTH])
def test_the_documented_depth(depth):
    assert (depth, compact.MIN_DEPTH) == (50, 10)  # docs/safety.md states these figures


def test_a_broken_entry_does_not_stop_folding(tmp_path, monkeypatch):
    monkeypatch.setattr(compact, "UNDO_DEPTH", 3)
    root = write_dataset(tmp_path / "ds", {"a.png": "a"})
    folder = root / ".lorapan" / "journal"
    folder.mkdir(parents=True)
    (folder / "00000001-00000000aa.json").write_text("null")
    ds = Dataset.open(root)
    for n in range(6):
        _bulk_edit(ds, f"e{n}")
    assert [t.seq for t in ds.journal.transactions()] == [5, 6, 7]
    assert [b.seq for b in ds.journal.broken()] == [1]
