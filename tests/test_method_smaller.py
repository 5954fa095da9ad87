"""Identical captions, bundles of one-image 'subjects', sample prompts by kind and from
the trigger, and orphans whose names differ by a trailing dot."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.training.prompts import flexibility_prompts, prompt_subject


def _report(root: Path):
    return RulesEngine(Dataset.open(root), live=False).check()


def test_identical_long_or_prose_captions_on_different_images_are_advice(tmp_path: Path) -> None:
    long = "tk, spiderverse style, leaping toward the camera with one hand extended forward."
    caps = {"a.png": long, "b.png": long, "c.png": "tk, smile", "d.png": "tk, smile"}
    [f] = _report(rf.write_images(tmp_path / "i", caps)).find("captions.identical")
    assert f.severity == "advice" and f.images == ["a.png", "b.png"]  # short tags are fine


def test_a_flipped_copy_keeps_its_pictures_caption_without_advice(tmp_path: Path) -> None:
    """A flip of one picture rightly shares its caption; a third, different picture with
    the same caption is still named (once per picture, not once per copy)."""
    from types import SimpleNamespace

    long = "tk, spiderverse style, leaping toward the camera with one hand extended forward."
    root = rf.write_images(tmp_path / "f", {"a.png": long, "b.png": long, "c.png": long})
    flip = SimpleNamespace(members=[("a.png", "original"), ("b.png", "flipped")])

    def identical(groups: list) -> list[list[str]]:
        engine = RulesEngine(Dataset.open(root), live=False, clone_groups=groups)
        return [f.images for f in engine.check().find("captions.identical")]

    assert identical([flip]) == [["a.png", "c.png"]]
    (root / "c.txt").write_text("tk, smile")
    assert identical([flip]) == [] and identical([]) == [["a.png", "b.png"]]


def test_a_bundle_of_one_image_subjects_is_not_accepted(tmp_path: Path) -> None:
    caps = {f"bg_{i:03d}.png": f"BG-{i:03d}, no humans, scenery" for i in range(12)}
    root = rf.write_images(tmp_path / "b", caps)
    rf.write_settings(root, {"kind": "bundle-backgrounds"})
    found = _report(root).find("bundle.per-subject")
    assert len(found) == 1 and "start one caption each" in found[0].message


def test_sample_prompts_start_with_the_trigger_and_suit_the_kind(tmp_path: Path) -> None:
    caps = {f"5_tk girl/{i}.png": f"tk, 1girl, solo, smile {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "k", caps)
    assert prompt_subject(Dataset.open(root)) == "tk"
    tagged = {f"{i}.png": f"1girl, solo, smile {i}" for i in range(4)}  # a WD14 run, no name
    assert prompt_subject(Dataset.open(rf.write_images(tmp_path / "w", tagged))) == ""
    character = flexibility_prompts("tk", "character", {"sitting": 3})
    assert all(p.startswith("tk, ") for p in character) and "sitting" not in character[0]
    scenes = flexibility_prompts("bg focus", "background", {"night": 2})
    assert scenes[0].startswith("bg focus, 1girl running, ")
    assert not any(" eating" in p.split(" --")[0].split(", ")[-1] for p in scenes if "rain" in p)
    assert all("beach" not in p for p in scenes)  # a background is the place itself
    assert "broken" in " ".join(flexibility_prompts("chair (object) focus", "asset", {}))
    assert "alien creature" in flexibility_prompts("ink style", "style", {})[0]


def test_an_orphan_pair_that_differs_by_a_trailing_dot_is_named_with_the_rename(
    tmp_path: Path,
) -> None:
    root = rf.write_images(tmp_path / "p", {"image_1.jpeg": "tk, selfie", "image_3..jpeg": None})
    (root / "image_3.txt").write_text("tk, beside a lake")
    found = {f.key: f for f in _report(root).find("pair.orphans")}
    rename = f"mv {root / 'image_3..jpeg'} {root / 'image_3.jpeg'}"
    assert rename in found["pair.orphans:captions"].message
    assert rename in found["pair.orphans:no-caption"].message
