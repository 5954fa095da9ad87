"""A checklist tick is an edit: undo and redo walk ticks and caption edits in order.

Real files, the real journal and real `lorapan` subprocesses; the app's side (space
in the rules sidebar, then ``u``) is in ``test_app_checklist_undo.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.checklist import tick
from lorapan.core.dataset import Dataset
from lorapan.core.settings import load_settings

#: A user's own lorapan.toml: a comment and a key order tomli-w would not write.
USERS_TOML = b"""# my notes: the goblin set, second pass
[dataset]
kind = "character"
style_tag = "anime screencap"

[checklist]
view-back = true   # checked by eye on 12 May
"""


def dataset(tmp_path: Path) -> Path:
    root = rf.character(tmp_path / "c")
    (root / "lorapan.toml").write_bytes(USERS_TOML)
    return root


def test_cli_tick_is_undone_byte_for_byte_in_order_with_a_caption_edit(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = dataset(tmp_path)
    caption = (root / "img000.txt").read_bytes()
    assert lorapan_cmd("checklist", root, "--tick", "lateral-sides").returncode == 0
    ticked = (root / "lorapan.toml").read_bytes()
    assert load_settings(root).checklist == {"view-back": True, "lateral-sides": True}
    assert lorapan_cmd("edit", root, "--add", "night sky", "-q", "name:img000.png").returncode == 0

    res = lorapan_cmd("undo", root)  # the last step first: the caption edit
    assert res.returncode == 0 and "1 image changed" in res.stdout
    assert (root / "img000.txt").read_bytes() == caption
    assert (root / "lorapan.toml").read_bytes() == ticked

    res = lorapan_cmd("undo", root, "--json")  # then the tick
    assert res.returncode == 0
    out = json.loads(res.stdout)
    assert out["label"] == "undo: tick lateral-sides" and out["settings"] is True
    assert out["applied"] == []  # lorapan.toml is no image
    assert (root / "lorapan.toml").read_bytes() == USERS_TOML  # the comments too

    res = lorapan_cmd("redo", root)
    assert res.returncode == 0 and "redo: tick lateral-sides: lorapan.toml changed" in res.stdout
    assert (root / "lorapan.toml").read_bytes() == ticked


def test_undo_leaves_a_lorapan_toml_changed_since_alone(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    result = tick(ds, {"lateral-sides": True})
    assert result.settings and ds.settings.checklist["lateral-sides"] is True
    edited = (root / "lorapan.toml").read_bytes() + b'\n[notes]\ntext = "by hand"\n'
    (root / "lorapan.toml").write_bytes(edited)  # another editor, after the tick

    undone = ds.undo()
    assert undone is not None and not undone.settings
    assert [r for r, _ in undone.conflicts] == ["lorapan.toml"]
    assert (root / "lorapan.toml").read_bytes() == edited


def test_undo_of_a_tick_takes_the_settings_in_use_back(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    assert tick(ds, {"view-back": True}).unchanged == 1  # already so: no step
    assert ds.journal.transactions() == []
    tick(ds, {"view-back": False})
    assert ds.settings.checklist["view-back"] is False
    assert ds.undo().settings
    assert ds.settings.checklist["view-back"] is True  # in memory, not only on disk
    assert ds.redo().settings
    assert ds.settings.checklist["view-back"] is False


def test_a_lorapan_png_never_takes_lorapan_toml_for_its_caption(tmp_path: Path) -> None:
    root = dataset(tmp_path)
    rf.write_images(root, {"lorapan.png": "gob, solo"})
    ds = Dataset.open(root)
    tick(ds, {"lateral-sides": True})
    assert ds.items["lorapan.png"].tags == ("gob", "solo")
    undone = ds.undo()
    assert undone.applied == [] and undone.settings
    assert ds.items["lorapan.png"].tags == ("gob", "solo")


def test_a_fixs_setting_and_captions_are_one_undo(tmp_path: Path, lorapan_cmd) -> None:
    """`fix --rule tags.core` writes core_tag to lorapan.toml and puts it first in every
    caption: one `lorapan undo` restores both, the file byte for byte (comments kept)."""
    caps = {f"10_eika/{i}.png": f"1girl, solo, eika, smile {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "k", caps)
    toml = b'# my notes\n[dataset]\nkind = "character"\n\n[training]\nnetworkDim = 32\n'
    (root / "lorapan.toml").write_bytes(toml)
    captions = {p.name: p.read_bytes() for p in root.glob("*/*.txt")}
    res = lorapan_cmd("fix", root, "--rule", "tags.core")
    assert res.returncode in (0, 1), res.stderr
    assert load_settings(root).core_tag == "eika"
    assert (root / "10_eika" / "0.txt").read_text().startswith("eika, 1girl")
    assert lorapan_cmd("undo", root).returncode == 0
    assert (root / "lorapan.toml").read_bytes() == toml
    assert {p.name: p.read_bytes() for p in root.glob("*/*.txt")} == captions
    assert lorapan_cmd("redo", root).returncode == 0
    assert load_settings(root).core_tag == "eika"
