"""Edits: untouched files stay byte-identical, conflicts are reported, undo works."""

from __future__ import annotations

import codecs

from conftest import write_dataset
from hypothesis import given
from hypothesis import strategies as st
from lorapan.core import edits
from lorapan.core.captions import norm_tag
from lorapan.core.dataset import Dataset
from lorapan.core.tag_diff import TagDiff, tag_diff


def _tags(ds):
    return {r: it.tags for r, it in ds.items.items()}


def test_edit_writes_only_changed_captions_and_keeps_their_conventions(tmp_path):
    write_dataset(
        tmp_path,
        {"a.png": codecs.BOM_UTF8 + b"x, y\r\n", "b.png": b"x, smile", "c.png": b"z,w\nline two\n"},
    )
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.txt")}
    ds = Dataset.open(tmp_path)
    changes = edits.plan(_tags(ds), ds.items, lambda t: edits.add_tag(t, "smile"))
    assert [c.relpath for c in changes] == ["a.png", "c.png"]
    res = ds.apply_changes(changes, "add smile")
    assert res.ok and res.applied == ["a.png", "c.png"]
    assert (tmp_path / "a.txt").read_bytes() == codecs.BOM_UTF8 + b"x, y, smile\r\n"
    assert (tmp_path / "b.txt").read_bytes() == before["b.txt"]
    assert (tmp_path / "c.txt").read_bytes() == b"z,w,smile\nline two\n"
    assert ds.index.count("smile") == 3


def test_replace_with_itself_keeps_the_tag():
    assert edits.replace_tag(("a", "b"), "b", "b") == ("a", "b")
    assert edits.replace_tag(("a", "b"), "a", "b") == ("b",)
    assert edits.replace_tag(("long_hair",), "long hair", "green_gob_hair") == ("green_gob_hair",)


def test_replace_renames_every_occurrence_in_place():
    tags = ("red hair", "solo", "red hair", "solo", "Solo", "so_lo")
    assert edits.replace_tag(tags, "solo", "solo person") == (
        "red hair", "solo person", "red hair", "solo person", "solo person", "so_lo",
    )  # fmt: skip
    # a respelling reaches every spelling of the tag; "so_lo" is "so lo", another tag
    assert edits.replace_tag(tags, "SOLO", "solo")[1:] == (
        "solo",
        "red hair",
        "solo",
        "solo",
        "so_lo",
    )
    # renaming onto a tag already there drops the old one (no duplicate is made)
    assert edits.replace_tag(tags, "solo", "red hair") == ("red hair", "red hair", "so_lo")


def test_outside_change_between_read_and_write_is_a_conflict(tmp_path):
    write_dataset(tmp_path, {"a.png": "x", "b.png": "x"})
    ds = Dataset.open(tmp_path)
    (tmp_path / "a.txt").write_text("changed by another tool")
    res = ds.apply_changes(
        edits.plan(_tags(ds), ds.items, lambda t: edits.add_tag(t, "new")), "add new"
    )
    assert res.applied == ["b.png"]
    assert [r for r, _ in res.conflicts] == ["a.png"]
    assert (tmp_path / "a.txt").read_text() == "changed by another tool"


def test_undo_and_redo_restore_bytes_and_survive_a_restart(tmp_path):
    write_dataset(tmp_path, {"a.png": b"x, y\r\n", "b.png": None})
    original = (tmp_path / "a.txt").read_bytes()
    ds = Dataset.open(tmp_path)
    ds.apply_changes(edits.plan(_tags(ds), ds.items, lambda t: edits.add_tag(t, "new")), "add new")
    assert (tmp_path / "b.txt").read_bytes() == b"new"  # caption created for b.png
    ds2 = Dataset.open(tmp_path)  # a new process would see the same journal
    res = ds2.undo()
    assert res is not None and sorted(res.applied) == ["a.png", "b.png"]
    assert (tmp_path / "a.txt").read_bytes() == original
    assert not (tmp_path / "b.txt").exists()
    assert ds2.index.count("new") == 0
    Dataset.open(tmp_path).redo()
    assert (tmp_path / "a.txt").read_bytes() == b"x, y, new\r\n"


def test_a_new_edit_after_undo_discards_redo(tmp_path):
    write_dataset(tmp_path, {"a.png": "x"})
    ds = Dataset.open(tmp_path)
    ds.apply_changes(edits.plan(_tags(ds), ds.items, lambda t: edits.add_tag(t, "one")), "one")
    ds.undo()
    ds.apply_changes(edits.plan(_tags(ds), ds.items, lambda t: edits.add_tag(t, "two")), "two")
    assert ds.redo() is None
    assert (tmp_path / "a.txt").read_text() == "x, two"


def test_undo_refuses_a_file_changed_since(tmp_path):
    write_dataset(tmp_path, {"a.png": "x"})
    ds = Dataset.open(tmp_path)
    ds.apply_changes(edits.plan(_tags(ds), ds.items, lambda t: edits.add_tag(t, "one")), "one")
    (tmp_path / "a.txt").write_text("edited elsewhere")
    res = ds.undo()
    assert res is not None and res.conflicts and not res.applied
    assert (tmp_path / "a.txt").read_text() == "edited elsewhere"


def test_undo_of_created_images_drops_them_from_the_view(tmp_path):
    write_dataset(tmp_path, {"a.png": "x"})
    ds = Dataset.open(tmp_path)
    png = (tmp_path / "a.png").read_bytes()
    ds.journal.run("make copy", [("b.png", None, png), ("b.txt", None, b"x, copy")])
    ds.refresh_paths(["b.png", "b.txt"])
    assert list(ds.items) == ["a.png", "b.png"] and ds.index.count("copy") == 1
    res = ds.undo()
    assert res is not None and not (tmp_path / "b.png").exists()
    assert list(ds.items) == ["a.png"] and ds.index.count("copy") == 0
    ds.redo()
    assert list(ds.items) == ["a.png", "b.png"] and ds.items["b.png"].tags == ("x", "copy")


def test_two_edits_of_one_shared_caption_are_one_write_and_one_undo(tmp_path):
    write_dataset(tmp_path, {"a.png": "x, y"})
    (tmp_path / "a.jpg").write_bytes((tmp_path / "a.png").read_bytes())
    original = (tmp_path / "a.txt").read_bytes()
    ds = Dataset.open(tmp_path)
    seen = []
    ds.subscribe(lambda rels, why: seen.append(rels))
    changes = [
        edits.TagChange("a.jpg", ("x", "y"), ("x", "y", "one")),
        edits.TagChange("a.png", ("x", "y"), ("y", "two")),
    ]
    res = ds.apply_changes(changes, "both")
    assert res.ok and res.applied == ["a.jpg"]
    assert (tmp_path / "a.txt").read_text() == "y, one, two"
    assert seen[-1] == {"a.jpg", "a.png"}
    assert ds.items["a.png"].tags == ds.items["a.jpg"].tags == ("y", "one", "two")
    ds.undo()
    assert (tmp_path / "a.txt").read_bytes() == original


def _reference_diff(before: tuple[str, ...], after: tuple[str, ...]) -> TagDiff:
    """The plain definition of a report's diff, tag by tag (the oracle)."""
    old, new = [norm_tag(t) for t in before], [norm_tag(t) for t in after]

    def once(tags, keys, other):
        seen: dict[str, str] = {}
        for t, k in zip(tags, keys, strict=True):
            if k not in other:
                seen.setdefault(k, t)
        return list(seen.values())

    def spellings(tags, keys):
        out: dict[str, list[str]] = {}
        for t, k in zip(tags, keys, strict=True):
            if t not in out.setdefault(k, []):
                out[k].append(t)
        return out

    was, now = spellings(before, old), spellings(after, new)
    renamed = []
    for key, spelled in was.items():
        written = now.get(key)
        if written and not set(spelled) & set(written):
            renamed += [(t, written[min(n, len(written) - 1)]) for n, t in enumerate(spelled)]

    def order(keys, other):
        return list(dict.fromkeys(k for k in keys if k in other))

    return TagDiff(
        added=once(after, new, set(old)),
        removed=once(before, old, set(new)),
        renamed=renamed,
        reordered=order(old, set(new)) != order(new, set(old)),
        repeats=sum(k in set(old) for k in new) - sum(k in set(new) for k in old),
    )


_tag_lists = st.lists(
    st.sampled_from(["a", "A", "b", "long_hair", "long hair", "c", "d"]), max_size=8
)


@given(_tag_lists, _tag_lists, st.data())
def test_the_report_diff_matches_its_plain_definition(before, after, data):
    cut = data.draw(st.integers(0, len(before)))
    for b, a in ((before, after), (before, before[:cut] + after + before[cut:])):
        assert tag_diff(tuple(b), tuple(a)) == _reference_diff(tuple(b), tuple(a))


def test_a_bulk_edit_keeps_each_captions_mode_whatever_the_umask(tmp_path):
    """Temp files take the caption's mode at creation when the umask allows it, and by
    ``fchmod`` when it would take bits off (0666 under umask 022, 0644 under 077)."""
    import os
    import stat

    modes = [0o600, 0o640, 0o644, 0o664, 0o666]
    write_dataset(tmp_path, {f"{n:02d}.png": f"t{n}" for n in range(20)})  # > 16: one sync
    for n in range(20):
        os.chmod(tmp_path / f"{n:02d}.txt", modes[n % 5])
    write_dataset(tmp_path, {"new.png": None})  # a caption created by the edit: 0644
    for mask, tag in ((0o022, "one"), (0o077, "two")):
        old = os.umask(mask)
        try:
            ds = Dataset.open(tmp_path)
            changes = edits.plan(_tags(ds), ds.items, lambda t, tag=tag: edits.add_tag(t, tag))
            assert ds.apply_changes(changes, f"add {tag}").ok
        finally:
            os.umask(old)
        for n in range(20):
            assert stat.S_IMODE((tmp_path / f"{n:02d}.txt").stat().st_mode) == modes[n % 5]
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
