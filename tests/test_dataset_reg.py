"""Regularisation (class) folders are kept out of the dataset the method judges.

Real files on generated DreamBooth-style sets (``reg_sets``): the dataset, ``info``,
``check`` and ``fix`` through the real ``lorapan`` entry point.
"""

from __future__ import annotations

import json

import pytest
from lorapan.core.dataset import Dataset
from lorapan.core.dataset.reg import is_reg_name
from reg_sets import class_images, sks_layout, train_images, write_settings


def test_class_images_are_apart_from_the_training_images(tmp_path):
    root = sks_layout(tmp_path / "ds", train=6, reg=12, captioned=8)
    (root / "reg" / "1_man" / "stray.txt").write_text("man\n")  # no image of its stem
    ds = Dataset.open(root)
    assert len(ds.items) == 6 and all(r.startswith("img/3_gob/") for r in ds.items)
    assert ds.images_without_caption == [] and ds.orphan_captions == []
    assert [f.path for f in ds.folders] == ["img/3_gob"]
    assert ds.ignored_folders == []  # reg/ is not "a folder kohya ignores"
    [reg] = ds.reg_folders
    assert (reg.path, reg.repeats, reg.class_token) == ("reg/1_man", 1, "man")
    assert (len(reg.images), reg.captioned, reg.uncaptioned) == (12, 8, 4)
    assert list(reg.images) == sorted(reg.images)  # the order sd-scripts globs them in
    assert set(ds.reg_items) == set(reg.images)
    assert ds.index.count("man") == 0  # the tag index holds the training captions only


@pytest.mark.parametrize(
    "name",
    [
        "reg",
        "REG",
        "regs",
        "regularization",
        "Regularisation",
        "class",
        "classes",
        "reg_images",
        "Class Images",
        "regularization-data",
        "reg_imgs",
        "class_set",
    ],
)
def test_folder_names_that_mark_class_images(name):
    assert is_reg_name(name)


@pytest.mark.parametrize("name", ["img", "regal", "classic", "train", "10_reg", "my reg"])
def test_folder_names_that_do_not(name):
    assert not is_reg_name(name)


def test_only_a_top_level_folder_marks_class_images(tmp_path):
    root = tmp_path / "ds"
    train_images(root / "img" / "3_gob")
    class_images(root / "Regularization Images" / "woman", 3)
    class_images(root / "img" / "reg", 2)  # nested: a subject folder that happens to be called so
    write_settings(root)
    ds = Dataset.open(root)
    assert [(f.path, f.repeats, f.class_token) for f in ds.reg_folders] == [
        ("Regularization Images/woman", 1, "woman")
    ]
    assert sum(1 for r in ds.items if r.startswith("img/reg/")) == 2


def test_lorapan_toml_names_the_class_folders_instead(tmp_path):
    root = tmp_path / "ds"
    train_images(root / "img" / "3_gob")
    class_images(root / "priors" / "2_man", 4)
    class_images(root / "class" / "1_gob", 3)  # named nothing: data here
    write_settings(root, {"reg_folders": ["priors"]})
    ds = Dataset.open(root)
    assert [(f.path, f.repeats, f.class_token) for f in ds.reg_folders] == [
        ("priors/2_man", 2, "man")
    ]
    assert ds.reg_folders[0].source == "named in lorapan.toml [dataset] reg_folders"
    assert sum(1 for r in ds.items if r.startswith("class/")) == 3
    write_settings(root, {"reg_folders": []})
    ds = Dataset.open(root)
    assert ds.reg_folders == [] and len(ds.items) == 6 + 4 + 3
    class_images(root / "priors" / "2_man" / "close-ups", 2)  # below a named N_class root
    write_settings(root, {"reg_folders": ["priors/2_man"]})
    assert [(f.path, f.repeats, f.class_token) for f in Dataset.open(root).reg_folders] == [
        ("priors/2_man", 2, "man"),
        ("priors/2_man/close-ups", 2, "man"),
    ]


def test_a_bad_reg_folders_setting_is_refused_with_its_key(tmp_path, lorapan_cmd):
    root = sks_layout(tmp_path / "ds", dataset={"reg_folders": ["../elsewhere"]})
    res = lorapan_cmd("info", root)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "reg_folders" in res.stderr and "../elsewhere" in res.stderr


def test_info_shows_class_images_apart(tmp_path, lorapan_cmd):
    root = sks_layout(tmp_path / "ds", train=6, reg=12, captioned=8)
    res = lorapan_cmd("info", root)
    assert res.returncode == 0, res.stdout + res.stderr  # uncaptioned class images are normal
    assert "6 images, 6 captions" in res.stdout
    [line] = [ln for ln in res.stdout.splitlines() if "regularisation:" in ln]
    assert "12 class images in reg/1_man (1 repeat, class 'man', 4 uncaptioned)" in line
    assert "found by the folder name 'reg'" in line and "6 training images" in line
    assert "without caption" not in res.stdout
    out = json.loads(lorapan_cmd("info", root, "--json").stdout)
    assert out["images"] == 6 and out["images_without_caption"] == []
    assert out["reg_folders"] == [
        {
            "path": "reg/1_man",
            "repeats": 1,
            "class_token": "man",
            "images": 12,
            "captioned": 8,
            "source": "found by the folder name 'reg'",
        }
    ]


def test_check_is_not_blocked_by_uncaptioned_class_images(tmp_path, lorapan_cmd):
    root = sks_layout(tmp_path / "ds", train=6, reg=12, captioned=0)
    res = lorapan_cmd("check", root)
    assert res.returncode == 0, res.stdout
    lines = res.stdout.splitlines()
    assert sum("regularisation:" in ln for ln in lines) == 1
    assert "kept out of the rules, counts and fixes" in res.stdout
    assert "pair.orphans" not in res.stdout and "reg/1_man/man_" not in res.stdout
    out = json.loads(lorapan_cmd("check", root, "--json").stdout)
    assert out["readiness"]["images"] == 6 and out["readiness"]["reg_images"] == 12
    assert [f["path"] for f in out["reg_folders"]] == ["reg/1_man"]
    assert not any("reg/" in img for f in out["findings"] for img in f["images"])


def test_the_kind_and_core_tag_are_read_from_the_training_images(tmp_path, lorapan_cmd):
    """No core tag set: the class folder is not a second subject, and tags.core asks for
    the training images' trigger (the reviewer's --kind character run counted 90)."""
    root = tmp_path / "ds"
    train_images(root / "img" / "15_sks man", 6, tags="sks man, 1boy, solo, smile")
    class_images(root / "reg" / "1_man", 12, captioned=8)
    out = json.loads(lorapan_cmd("check", root, "--json").stdout)
    assert out["kind"]["kind"] == "character"
    assert out["readiness"]["images"] == 6
    [core] = [f for f in out["findings"] if f["rule"] == "tags.core"]
    assert "'sks man'" in core["message"]
    forced = json.loads(lorapan_cmd("check", root, "--kind", "character", "--json").stdout)
    assert forced["readiness"]["images"] == 6
    assert any(f["rule"] == "tags.core" for f in forced["findings"])


def test_fix_never_writes_into_class_folders(tmp_path, lorapan_cmd):
    root = tmp_path / "ds"
    train_images(root / "img" / "3_gob", tags="anime screencap, solo, standing, smile")
    reg = class_images(root / "reg" / "1_man", 6, captioned=3)
    write_settings(root)
    before = {p.name: p.read_bytes() for p in (root / "reg" / "1_man").iterdir()}
    res = lorapan_cmd("fix", root, "--rule", "tags.core")
    assert res.returncode in (0, 1), res.stderr
    train_caps = sorted((root / "img" / "3_gob").glob("*.txt"))
    assert all(p.read_text().startswith("gob goblin, ") for p in train_caps)
    after = {p.name: p.read_bytes() for p in (root / "reg" / "1_man").iterdir()}
    assert after == before  # no caption made, none changed, byte for byte
    assert len(reg) == 6


def test_a_class_folder_without_captions_or_class_token_is_pointed_out(tmp_path, lorapan_cmd):
    root = tmp_path / "ds"
    train_images(root / "img" / "3_gob")
    class_images(root / "reg", 5)  # images right in reg/, no caption at all
    write_settings(root)
    ds = Dataset.open(root)
    [reg] = ds.reg_folders
    assert (reg.path, reg.repeats, reg.class_token, reg.captioned) == ("reg", 1, "", 0)
    res = lorapan_cmd("check", root)
    assert res.returncode == 0, res.stdout
    assert "reg (1 repeat, no class token, 5 uncaptioned)" in res.stdout
    assert "! reg: 5 class images without caption and no class token" in res.stdout


def test_a_set_without_class_folders_reads_as_before(tmp_path, lorapan_cmd):
    root = tmp_path / "ds"
    train_images(root / "img" / "3_gob")
    write_settings(root)
    ds = Dataset.open(root)
    assert ds.reg_folders == [] and ds.reg_items == {} and len(ds.items) == 6
    res = lorapan_cmd("check", root)
    assert "regularisation" not in res.stdout
    assert json.loads(lorapan_cmd("info", root, "--json").stdout)["reg_folders"] == []


def test_class_images_changed_on_disk_follow_apart(tmp_path):
    root = sks_layout(tmp_path / "ds", train=6, reg=4, captioned=0)
    ds = Dataset.open(root)
    class_images(root / "reg" / "1_man", 6, captioned=6)  # two more, every one captioned now
    news = [f"reg/1_man/man_{i:04d}.{ext}" for i in range(6) for ext in ("png", "txt")]
    assert ds.refresh_paths(news) == set()  # no image of the dataset proper changed
    assert len(ds.items) == 6 and ds.orphan_captions == []
    [reg] = ds.reg_folders
    assert (len(reg.images), reg.captioned) == (6, 6)
    (root / "reg" / "1_man" / "man_0005.png").unlink()
    ds.refresh_paths(["reg/1_man/man_0005.png"])
    assert len(ds.reg_folders[0].images) == 5 and len(ds.items) == 6


def _as_reopened(ds: Dataset) -> tuple:
    """What a user sees of the split: the dataset's images, its orphans, the class folders."""
    folders = [(f.path, len(f.images), f.captioned) for f in ds.reg_folders]
    return sorted(ds.items), sorted(ds.orphan_captions), folders, ds.index.count("man")


def test_editing_reg_folders_while_open_moves_images_as_a_reopen_would(tmp_path):
    """The app reads lorapan.toml again when it changes: a new reg_folders takes effect
    then (the last session's note: it needed a reopen), both ways."""
    from lorapan.core.settings_live import reload_settings

    root = tmp_path / "ds"
    train_images(root / "img" / "3_gob")
    class_images(root / "priors" / "2_man", 4, captioned=2)
    (root / "priors" / "2_man" / "stray.txt").write_text("man\n")  # no image of its stem
    write_settings(root, {"reg_folders": []})  # priors/ is data, by name and by setting
    ds = Dataset.open(root)
    heard: list[set[str]] = []
    ds.subscribe(lambda rels, reason: heard.append(set(rels)))
    assert len(ds.items) == 10 and "priors/2_man/stray.txt" in ds.orphan_captions

    write_settings(root, {"reg_folders": ["priors"]})
    result = reload_settings(ds)
    assert result.regrouped and "[dataset] reg_folders" in result.changed
    assert _as_reopened(ds) == _as_reopened(Dataset.open(root))
    assert len(ds.items) == 6 and ds.orphan_captions == []
    assert heard and {r for r in heard[-1] if r.startswith("priors/")} == {
        f"priors/2_man/man_{i:04d}.png" for i in range(4)
    }  # the list drops them

    write_settings(root, {"reg_folders": []})
    assert reload_settings(ds).regrouped
    assert _as_reopened(ds) == _as_reopened(Dataset.open(root))
    assert "priors/2_man/stray.txt" in ds.orphan_captions and ds.reg_folders == []
