"""Opening folders: pairing, orphans, kohya folders, odd names, unreadable captions."""

from __future__ import annotations

from conftest import write_dataset
from lorapan.core.dataset import Dataset
from lorapan.core.settings import load_settings, save_settings


def test_pairs_by_stem_and_lists_orphans_both_ways(tmp_path):
    write_dataset(tmp_path, {"a.png": "x, y", "b.PNG": None, "sub/c.JPG": "z"})
    (tmp_path / "lonely.txt").write_text("orphan")
    ds = Dataset.open(tmp_path)
    assert list(ds.items) == ["a.png", "b.PNG", "sub/c.JPG"]
    assert ds.items["a.png"].tags == ("x", "y")
    assert ds.images_without_caption == ["b.PNG"]
    assert ds.orphan_captions == ["lonely.txt"]
    assert ds.index.count("x") == 1 and ds.index.images("z") == {"sub/c.JPG"}


def test_natural_order_puts_2_before_10(tmp_path):
    write_dataset(tmp_path, {f"img{i}.png": "t" for i in (10, 2, 1)})
    assert list(Dataset.open(tmp_path).items) == ["img1.png", "img2.png", "img10.png"]


def test_kohya_folders_with_spaces_and_commas_and_ignored_siblings(tmp_path):
    write_dataset(
        tmp_path,
        {"10_gob goblin, v2/a.png": "t", "3_bg/b.png": "t", "extra/c.png": "t", "d.png": "t"},
    )
    ds = Dataset.open(tmp_path)
    folders = {f.path: (f.repeats, f.name, f.image_count) for f in ds.folders}
    assert folders == {"10_gob goblin, v2": (10, "gob goblin, v2", 1), "3_bg": (3, "bg", 1)}
    assert ds.items["10_gob goblin, v2/a.png"].folder.repeats == 10
    ignored = {f.path: f.image_count for f in ds.ignored_folders}
    assert ignored == {"": 1, "extra": 1}
    assert all("kohya ignores" in f.reason for f in ds.ignored_folders)


def test_odd_file_names(tmp_path):
    names = {
        "with space.png": "a",
        "ünïcödé 画像.webp": "b",
        "dots.in.name.jpeg": "c",
        "-dash.gif": "d",
    }
    write_dataset(tmp_path, names)
    ds = Dataset.open(tmp_path)
    assert sorted(ds.items) == sorted(names)
    assert all(ds.items[n].has_caption for n in names)


def test_caption_extension_setting_and_both_extensions(tmp_path):
    write_dataset(tmp_path, {"a.png": None, "b.png": None})
    (tmp_path / "a.caption").write_text("from caption")
    (tmp_path / "b.txt").write_text("from txt")
    (tmp_path / "b.caption").write_text("from caption")
    s = load_settings(tmp_path)
    s.caption_extension = ".caption"
    save_settings(tmp_path, s)
    ds = Dataset.open(tmp_path)
    assert ds.items["a.png"].tags == ("from caption",)
    assert ds.items["b.png"].tags == ("from caption",)
    assert ds.items["b.png"].extra_captions == ("b.txt",)


def test_non_utf8_and_multiline_captions_are_reported_and_read_only(tmp_path):
    write_dataset(tmp_path, {"a.png": "caf\xe9".encode("latin-1"), "b.png": "x\ny"})
    ds = Dataset.open(tmp_path)
    assert ds.items["a.png"].read_only
    assert "UTF-8" in dict(ds.unreadable_captions)["a.png"]
    assert ds.multiline_captions == ["b.png"]
    from lorapan.core.edits import TagChange

    res = ds.apply_changes([TagChange("a.png", (), ("new",))], "try")
    assert res.unreadable and not res.applied
    assert (tmp_path / "a.txt").read_bytes() == "caf\xe9".encode("latin-1")


def test_lorapan_state_folder_is_not_part_of_the_dataset(tmp_path):
    write_dataset(tmp_path, {"a.png": "x"})
    (tmp_path / ".lorapan").mkdir()
    (tmp_path / ".lorapan" / "thumb.png").write_bytes(b"")
    assert list(Dataset.open(tmp_path).items) == ["a.png"]


def test_images_added_later_join_their_kohya_folder_in_natural_order(tmp_path):
    write_dataset(tmp_path, {"5_a/img2.png": "x", "5_a/img10.png": "x"})
    ds = Dataset.open(tmp_path)
    write_dataset(tmp_path, {"5_a/img3.png": "x", "7_new folder/b.png": "y"})
    ds.refresh_paths(["5_a/img3.png", "5_a/img3.txt", "7_new folder/b.png"])
    assert list(ds.items) == ["5_a/img2.png", "5_a/img3.png", "5_a/img10.png", "7_new folder/b.png"]
    assert {f.path: (f.repeats, f.image_count) for f in ds.folders} == {
        "5_a": (5, 3),
        "7_new folder": (7, 1),
    }
    assert ds.items["7_new folder/b.png"].folder.repeats == 7
    (tmp_path / "7_new folder" / "b.png").unlink()
    ds.refresh_paths(["7_new folder/b.png"])
    assert [f.path for f in ds.folders] == ["5_a"]


def test_two_images_with_one_stem_both_appear_and_share_the_caption(tmp_path, lorapan_cmd):
    import json

    write_dataset(tmp_path, {"a.png": "x, y", "b.png": "z"})
    write_dataset(tmp_path / "tmp", {"a.jpg": None})
    (tmp_path / "tmp" / "a.jpg").rename(tmp_path / "a.jpg")
    ds = Dataset.open(tmp_path)
    assert list(ds.items) == ["a.jpg", "a.png", "b.png"]
    assert ds.items["a.jpg"].tags == ds.items["a.png"].tags == ("x", "y")
    assert ds.stem_collisions == [("a.jpg", "a.png", "a.txt")]
    (tmp_path / "a.txt").write_text("x, y, new")
    assert ds.refresh_paths(["a.txt"]) == {"a.jpg", "a.png"}
    assert ds.items["a.png"].tags == ("x", "y", "new")
    (tmp_path / "a.jpg").unlink()
    ds.refresh_paths(["a.jpg"])
    assert ds.stem_collisions == [] and ds.orphan_captions == []
    (tmp_path / "a.jpg").write_bytes((tmp_path / "a.png").read_bytes())
    info = json.loads(lorapan_cmd("info", tmp_path, "--json").stdout)
    assert info["shared_captions"] == [{"images": ["a.jpg", "a.png"], "caption": "a.txt"}]


def test_tag_index_follows_each_edit_without_a_rebuild(tmp_path, monkeypatch):
    from lorapan.core import edits
    from lorapan.core.tag_index import TagIndex

    write_dataset(tmp_path, {f"i{n}.png": "a, b" for n in range(5)})
    ds = Dataset.open(tmp_path)
    added: list[str] = []
    real_add, real_update = TagIndex.add_image, TagIndex.update_image
    monkeypatch.setattr(
        TagIndex,
        "add_image",
        lambda self, rel, tags: (added.append(rel), real_add(self, rel, tags)),
    )
    monkeypatch.setattr(
        TagIndex,
        "update_image",
        lambda self, rel, *tags: (added.append(rel), real_update(self, rel, *tags)),
    )
    tags = {r: it.tags for r, it in ds.items.items()}
    ds.apply_changes(edits.plan(tags, ["i2.png"], lambda t: edits.replace_tag(t, "b", "c")), "one")
    assert added == ["i2.png"]  # only the edited image was re-indexed
    assert ds.index.count("b") == 4 and ds.index.images("c") == {"i2.png"}
    assert ds.index.frequencies()[0] == ("a", 5)


def test_a_root_named_like_a_kohya_folder_is_one_until_it_holds_such_folders(tmp_path):
    root = tmp_path / "10_gob goblin"
    write_dataset(root, {"a.png": "x", "b.png": "y"})
    ds = Dataset.open(root)
    assert [(f.path, f.repeats, f.name, f.image_count) for f in ds.folders] == [
        ("", 10, "gob goblin", 2)
    ]
    assert ds.ignored_folders == [] and ds.items["b.png"].folder.repeats == 10
    write_dataset(root, {"3_bg/c.png": "z"})
    ds.refresh_paths(["3_bg/c.png"])
    assert [(f.path, f.image_count) for f in ds.folders] == [("3_bg", 1)]
    assert [(f.path, f.image_count) for f in ds.ignored_folders] == [("", 2)]
    assert ds.items["a.png"].folder is None


def test_the_command_line_parser_does_not_import_numpy():
    """Every command builds the parser: numpy and the analysis load only for commands
    that use them (they were about a fifth of `lorapan info` at 10k images)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom lorapan.main import build_parser\nbuild_parser()\n"
        "print(sorted(m for m in ('numpy', 'lorapan.core.analysis.imaging') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_a_caption_made_writable_after_it_was_read_can_be_edited(tmp_path):
    """chmod u+w changes no content, so nothing reads the caption again: the mode is
    checked once more before an edit is refused for it."""
    import os

    from lorapan.core.edits import TagChange

    root = write_dataset(tmp_path / "ds", {"a.png": "gob, solo"})
    caption = root / "a.txt"
    os.chmod(caption, 0o444)
    ds = Dataset.open(root)
    refused = ds.apply_changes([TagChange("a.png", ("gob", "solo"), ("gob", "solo", "x"))], "add x")
    assert refused.unreadable and "is read-only (mode 0444)" in refused.unreadable[0][1]
    os.chmod(caption, 0o644)
    done = ds.apply_changes([TagChange("a.png", ("gob", "solo"), ("gob", "solo", "x"))], "add x")
    assert done.applied == ["a.png"] and not done.unreadable
    assert caption.read_text() == "gob, solo, x"
