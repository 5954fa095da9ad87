"""After lorapan writes captions, its view is what reading the folder again gives.

The dataset adopts the bytes the journal just wrote instead of reading every caption
back (issue 17: that re-read was the largest step of a 10k bulk edit). Whatever the
edit, undo or redo, the view must equal a fresh open of the folder, field by field,
and the watcher must still tell our writes from outside ones.
"""

from __future__ import annotations

import codecs

from conftest import write_dataset
from lorapan.core import edits
from lorapan.core.dataset import Dataset
from lorapan.core.watch import DatasetWatcher

CAPTIONS = {
    "a.png": codecs.BOM_UTF8 + b"x, y\r\nsecond line\r\n",
    "a.jpg": None,  # shares a.txt with a.png
    "b.png": b"x,\tsmile",
    "sub/c.png": None,  # no caption yet: --add makes one
    "sub/d.png": b"z, w\n",
}


def view(ds: Dataset) -> dict:
    """Everything a re-read decides about each image, and the index and owners."""
    items = {
        rel: (
            it.caption_file,
            it.tags,
            it.caption.raw if it.caption else None,
            it.caption_error,
            it.write_block,
            it.stamp.exists,
            it.stamp.sha256,
            it.extra_captions,
        )
        for rel, it in ds.items.items()
    }
    owners = {
        it.caption_rel: ds.caption_owners.images_of(it.caption_rel)
        for it in ds.items.values()
        if it.caption_rel
    }
    return {"items": items, "tags": sorted(ds.index.frequencies()), "owners": owners}


def _edit(ds: Dataset, fn) -> None:
    current = {r: it.tags for r, it in ds.items.items()}
    res = ds.apply_changes(edits.plan(current, current, fn), "edit")
    assert res.ok and res.applied


def test_the_view_after_edits_undo_and_redo_is_a_fresh_read(tmp_path) -> None:
    root = write_dataset(tmp_path / "ds", CAPTIONS)
    ds = Dataset.open(root)
    _edit(ds, lambda t: edits.add_tag(t, "new tag"))
    assert view(ds) == view(Dataset.open(root))
    assert ds.items["a.jpg"].tags == ds.items["a.png"].tags == ("x", "y", "new tag")
    assert ds.items["sub/c.png"].caption_file == "c.txt"
    _edit(ds, lambda t: edits.replace_tag(t, "x", "ex"))
    assert view(ds) == view(Dataset.open(root))
    assert ds.undo() is not None
    assert view(ds) == view(Dataset.open(root))
    assert ds.undo() is not None  # back to no caption for c.png: its file is deleted
    assert ds.items["sub/c.png"].caption_file is None
    assert view(ds) == view(Dataset.open(root))
    assert ds.redo() is not None
    assert view(ds) == view(Dataset.open(root))


def test_the_watcher_still_takes_adopted_captions_for_our_own(tmp_path) -> None:
    root = write_dataset(tmp_path / "ds", CAPTIONS)
    ds = Dataset.open(root)
    watcher = DatasetWatcher(ds)  # not started: in_line is what it asks of each path
    _edit(ds, lambda t: edits.add_tag(t, "ours"))
    with ds.lock:
        assert all(watcher.in_line(r) for r in ("a.txt", "b.txt", "sub/c.txt", "sub/d.txt"))
    (root / "b.txt").write_bytes(b"x, smile, theirs")
    with ds.lock:
        assert not watcher.in_line("b.txt")


def test_written_captions_keep_their_mode_and_leave_no_temp_files(tmp_path) -> None:
    root = write_dataset(tmp_path / "ds", CAPTIONS)
    (root / "b.txt").chmod(0o640)
    ds = Dataset.open(root)
    _edit(ds, lambda t: edits.add_tag(t, "new tag"))
    assert (root / "b.txt").stat().st_mode & 0o777 == 0o640
    assert (root / "sub" / "c.txt").stat().st_mode & 0o777 == 0o644  # created by the edit
    assert not [p for p in root.rglob(".lorapan-tmp-*")]


def test_a_one_shot_write_lands_on_disk_and_the_next_edit_is_followed_again(tmp_path) -> None:
    """``keep_in_step=False`` (``lorapan edit``, which exits after its report) writes
    the same files; the dataset's next ordinary edit is taken into memory as before."""
    root = write_dataset(tmp_path / "ds", CAPTIONS)
    ds = Dataset.open(root)
    current = {r: it.tags for r, it in ds.items.items()}
    plan = edits.plan(current, current, lambda t: edits.add_tag(t, "once"))
    assert ds.apply_changes(plan, "one shot", keep_in_step=False).applied
    fresh = Dataset.open(root)
    assert all("once" in it.tags for it in fresh.items.values())
    _edit(fresh, lambda t: edits.add_tag(t, "again"))
    assert view(fresh) == view(Dataset.open(root))
    # the one-shot dataset itself: what it writes next (an undo) is followed again
    ds.reload(list(ds.items))
    assert ds.undo() is not None
    assert view(ds) == view(Dataset.open(root))
