"""A caption edited as text: written as typed through the journal (one undo), nothing
written when nothing changed, conflicts refused, read-only captions left alone."""

from __future__ import annotations

import codecs

import pytest
from conftest import write_dataset
from lorapan.core.caption_text import caption_text, opened_bytes, write_caption_text
from lorapan.core.captions import CaptionDecodeError
from lorapan.core.dataset import Dataset

PROSE = "A young man rides a horse across the steppe, smiling, in a felt hat."


def _open(tmp_path, captions):
    return Dataset.open(write_dataset(tmp_path / "ds", captions))


def test_edited_text_is_written_as_typed_and_one_undo_restores_the_bytes(tmp_path):
    ds = _open(tmp_path, {"a.png": "aldar, steppe, horse", "b.png": "aldar"})
    heard: list[set[str]] = []
    ds.subscribe(lambda rels, reason: heard.append(rels))
    item = ds.items["a.png"]
    opened = opened_bytes(item)
    assert caption_text(item) == "aldar, steppe, horse"
    text = f"aldar, {PROSE}\nsecond line kept by hand\n"
    result = write_caption_text(ds, "a.png", opened, text)
    assert result.applied == ["a.png"] and result.ok
    assert (ds.root / "a.txt").read_text(encoding="utf-8") == text
    assert ds.items["a.png"].tags == ("aldar", PROSE.split(",")[0], "smiling", "in a felt hat.")
    assert {"a.png"} in heard
    ds.undo()
    assert (ds.root / "a.txt").read_bytes() == b"aldar, steppe, horse"
    assert (ds.root / "b.txt").read_bytes() == b"aldar"


def test_unchanged_text_writes_nothing(tmp_path):
    ds = _open(tmp_path, {"a.png": "aldar, steppe\r\n"})
    before = ds.journal.transactions()
    item = ds.items["a.png"]
    result = write_caption_text(ds, "a.png", opened_bytes(item), caption_text(item))
    assert result.unchanged == 1 and not result.applied
    assert ds.journal.transactions() == before
    assert (ds.root / "a.txt").read_bytes() == b"aldar, steppe\r\n"


def test_a_byte_order_mark_is_kept_and_line_ends_are_written_as_given(tmp_path):
    ds = _open(tmp_path, {"a.png": codecs.BOM_UTF8 + b"aldar, steppe\r\n"})
    item = ds.items["a.png"]
    assert caption_text(item) == "aldar, steppe\r\n"
    write_caption_text(ds, "a.png", opened_bytes(item), "aldar, horse\r\n")
    assert (ds.root / "a.txt").read_bytes() == codecs.BOM_UTF8 + b"aldar, horse\r\n"


def test_an_outside_write_after_opening_is_a_conflict_and_is_kept(tmp_path):
    ds = _open(tmp_path, {"a.png": "aldar, steppe"})
    opened = opened_bytes(ds.items["a.png"])
    (ds.root / "a.txt").write_text("written by a tagger script")  # not seen by ds yet
    result = write_caption_text(ds, "a.png", opened, "aldar, horse")
    assert not result.applied and result.conflicts
    assert (ds.root / "a.txt").read_text() == "written by a tagger script"


def test_a_caption_reloaded_since_opening_is_a_conflict(tmp_path):
    ds = _open(tmp_path, {"a.png": "aldar, steppe"})
    opened = opened_bytes(ds.items["a.png"])
    (ds.root / "a.txt").write_text("aldar, yurt")
    ds.reload(["a.png"])
    result = write_caption_text(ds, "a.png", opened, "aldar, horse")
    assert result.conflicts == [("a.png", "the caption changed since it was opened")]
    assert (ds.root / "a.txt").read_text() == "aldar, yurt"


def test_an_image_without_caption_gets_one_and_undo_removes_it(tmp_path):
    ds = _open(tmp_path, {"a.png": None})
    item = ds.items["a.png"]
    assert opened_bytes(item) is None and caption_text(item) == ""
    assert write_caption_text(ds, "a.png", None, "").unchanged == 1
    result = write_caption_text(ds, "a.png", None, "aldar, steppe")
    assert result.applied == ["a.png"]
    assert ds.items["a.png"].tags == ("aldar", "steppe")
    ds.undo()
    assert not (ds.root / "a.txt").exists()


def test_a_caption_that_is_not_utf8_is_not_edited_as_text(tmp_path):
    ds = _open(tmp_path, {"a.png": "ald\xe4r".encode("latin-1")})
    item = ds.items["a.png"]
    with pytest.raises(CaptionDecodeError):
        caption_text(item)
    result = write_caption_text(ds, "a.png", opened_bytes(item), "aldar")
    assert result.unreadable and not result.applied
    assert (ds.root / "a.txt").read_bytes() == "ald\xe4r".encode("latin-1")


def test_a_caption_lorapan_must_not_write_is_refused_with_its_reason(tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("aldar, shared")
    ds_root = write_dataset(tmp_path / "ds", {"a.png": None, "b.png": "aldar"})
    (ds_root / "a.txt").symlink_to(outside)  # a caption that lives outside the dataset
    (ds_root / "b.txt").chmod(0o444)
    ds = Dataset.open(ds_root)
    for rel in ("a.png", "b.png"):
        item = ds.items[rel]
        result = write_caption_text(ds, rel, opened_bytes(item), "aldar, horse")
        assert result.unreadable and not result.applied, rel
    assert outside.read_text() == "aldar, shared"
    assert (ds_root / "b.txt").read_text() == "aldar"
