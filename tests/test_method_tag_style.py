"""Tags lorapan writes follow the dataset's tag style; triggers and kaomoji never change."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.augment.tagging import copy_tags
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import anchor_of, restyle
from lorapan.core.rules import fixes
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.settings import Settings
from test_method_anchor import _fix_everything


def test_inserted_tags_are_spelled_like_an_underscore_dataset(tmp_path: Path) -> None:
    caps = {
        f"{i}.png": f"Yanagise Eika, long_hair, red_eyes, looking_at_viewer, x{i}" for i in range(5)
    }
    root = rf.write_images(tmp_path / "u", caps)
    rf.write_settings(root, {"kind": "character"})  # style 'anime screencap' stated
    _fix_everything(root)
    first = (root / "0.txt").read_text()
    # the trigger keeps its spaces; what lorapan wrote uses underscores like the rest
    assert first.startswith("Yanagise Eika, anime_screencap, ")
    # the guide's <colour>_<name>_eyes, the name as written, joined in the set's style
    assert "red_Yanagise_Eika_eyes" in first
    engine = RulesEngine(Dataset.open(root), live=False)
    lowq = fixes.lowq_add_fn(engine.ctx, anchor_of(engine.dataset))
    assert lowq(("Yanagise Eika", "anime_screencap", "smile"))[:5] == (
        "Yanagise Eika",
        "anime_screencap",
        "low_quality",
        "blurry",
        "worst_quality",
    )


def test_a_space_dataset_gets_spaces_and_the_trigger_keeps_its_underscore(tmp_path: Path) -> None:
    caps = {
        f"30_images/{i}.png": f"M1N2N3Z4_K, solo, red eyes, simple background, x{i}"
        for i in range(5)
    }
    root = rf.write_images(tmp_path / "s", caps)
    rf.write_settings(root, {"kind": "character"})
    _fix_everything(root)
    tags = Dataset.open(root).items["30_images/0.png"].tags
    assert tags[:2] == ("M1N2N3Z4_K", "anime screencap")
    assert "red M1N2N3Z4_K eyes" in tags


def test_restyle_never_rewrites_the_trigger_or_a_kaomoji(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"Yanagise Eika, long hair, ^_^, x{i}" for i in range(3)}
    anchor = anchor_of(Dataset.open(rf.write_images(tmp_path / "k", caps)))
    assert restyle(("Yanagise Eika", "long hair", "^_^"), "underscores", anchor) == (
        "Yanagise Eika",
        "long_hair",
        "^_^",
    )


def test_augment_tags_follow_the_source_captions_style() -> None:
    made = copy_tags(("tk", "long_hair", "red_eyes"), Settings(), extra=["low quality", "blurry"])
    assert made[-2:] == ("low_quality", "blurry")
