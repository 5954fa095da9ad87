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


def test_person_counts_say_which_tagger_ran_and_a_medium_tag_names_the_look(
    tmp_path: Path,
) -> None:
    """WD14 writes '1girl' on photos and 3D renders too: alone it proposes the guide's
    tag with that caveat; a medium tag on nearly every caption is the set's look, and one
    on a third of them stops the anime guess."""
    people = {f"{i}.png": f"tk, 1girl, solo, smile {i}" for i in range(6)}
    [f], _ = _style(rf.write_images(tmp_path / "p", people))
    assert f.fix.settings == {"style_tag": "anime screencap"}
    assert (
        "'1girl' on 6/6 captions only shows an anime tagger ran" in f.message
        and "3d render" in f.message
    )

    coloured = {
        rel: cap + (", anime coloring" if i < 2 else "")
        for i, (rel, cap) in enumerate(people.items())
    }
    [f], _ = _style(rf.write_images(tmp_path / "c", coloured))
    assert "the tags look anime ('anime coloring' on 2/6" in f.message

    rendered = {f"{i}.png": f"tk, 1girl, 3d, solo, smile {i}" for i in range(6)}
    [f], _ = _style(rf.write_images(tmp_path / "r", rendered))
    assert f.fix.settings == {"style_tag": "3d"} and "names the images' medium" in f.message

    half = {
        rel: cap + (", realistic" if i % 2 else "") for i, (rel, cap) in enumerate(people.items())
    }
    [f], _ = _style(rf.write_images(tmp_path / "h", half))
    assert f.fix is None and f.key == "tags.style:unset"
