"""The style tag: asked for, not demanded, unless lorapan.toml states one."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.settings import load_settings


def _style(root: Path):
    report = RulesEngine(Dataset.open(root), live=False).check()
    return report.find("tags.style"), report


def test_a_tag_every_caption_carries_that_names_a_style_is_proposed(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps = {f"20_A/{i}.png": f"A_suit, spiderverse style, sleek suit, pose {i}" for i in range(6)}
    caps |= {
        f"20_B/{i}.png": f"B_suit, spiderverse style, spraypainted suit, pose {i}" for i in range(6)
    }
    root = rf.write_images(tmp_path / "s", caps)
    [f], report = _style(root)
    assert f.severity == "warning" and f.fix.settings == {"style_tag": "spiderverse style"}
    assert "anime screencap" not in f.message.split("proposed:")[1].split(")")[0]
    assert not report.find("tags.constant")  # the candidate is not pruned as constant
    assert lorapan_cmd("fix", root).returncode == 0  # a settings write needs --rule
    assert not load_settings(root).is_set("style_tag")
    lorapan_cmd("fix", root, "--rule", "tags.style")
    assert load_settings(root).style_tag == "spiderverse style"
    assert not _style(root)[0]


def test_anime_screencap_only_for_sets_that_look_anime_and_after_the_trigger(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps = {f"{i}.png": f"tk, 1girl, solo, smile {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "a", caps)
    [f], _ = _style(root)
    assert f.fix.settings == {"style_tag": "anime screencap"} and len(f.images) == 6
    lorapan_cmd("fix", root, "--rule", "tags.style")
    assert (root / "0.txt").read_text() == "tk, anime screencap, 1girl, solo, smile 0"

    caps = {f"{i}.png": f"oilz, painting, tree, river {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "o", caps)
    [f], _ = _style(root)
    assert f.severity == "warning" and f.fix is None and 'style_tag = ""' in f.message


def test_a_stated_style_tag_is_still_an_error_where_missing(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"tk, 1girl, smile {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "e", caps)
    rf.write_settings(root, {"kind": "character"})  # the fixtures state 'anime screencap'
    [f], _ = _style(root)
    assert f.severity == "error" and len(f.images) == 4
    rf.write_settings(root, {"kind": "character", "style_tag": ""})  # none, on purpose
    assert not _style(root)[0]


def test_a_style_set_is_not_asked_for_a_second_style_tag(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"itojunji style, a girl {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "i", caps)
    rf.write_settings(root, {"kind": "style", "style_tag": ""})
    root_unset = rf.write_images(tmp_path / "j", caps)
    (root_unset / "lorapan.toml").write_text('[dataset]\nkind = "style"\n')
    assert not _style(root)[0] and not _style(root_unset)[0]
