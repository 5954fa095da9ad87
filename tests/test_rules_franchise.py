"""Other characters' and franchises' names (``tags.franchise-name``, core/rules/franchise.py).

The guide's blacklist removes franchise character names ("kaito (vocaloid)", "archer
(fate)", ... "GONNA ADD MORE IF THERE ARE CHARACTER NAMES"). lorapan recognises them as a
booru writes them: ``name (series)``, and the series such a tag names. Every dataset here
is written by the test.
"""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report

FERN = "fern (sousou no frieren)"


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def scraped(root: Path, kind: str = "character", **settings: object) -> Path:
    """A character set a booru scraper wrote: other characters and the series on some."""
    extras = [
        [FERN, "sousou no frieren", "2girls"],
        ["bow (weapon)", "holding bow (weapon)", "sousou no frieren"],
        ["hatsune miku (cosplay)", "cosplay"],
        ["smile"],
    ]
    caps = {
        f"{i:02d}.png": ", ".join(
            ["zk1", rf.STYLE_TAG, "solo", "looking at viewer", *extras[i % 4]]
        )
        for i in range(24)
    }
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": kind, "core_tag": "zk1", **settings})
    return root


def test_other_characters_and_their_series_are_found_by_shape(tmp_path: Path) -> None:
    [f] = check(scraped(tmp_path / "set")).find("tags.franchise-name")
    assert f.severity == "warning"
    assert set(f.details) == {FERN, "sousou no frieren", "hatsune miku (cosplay)"}
    assert len(f.images) == 18  # 6 with fern, 6 with the series alone, 6 with the cosplay
    assert "'sousou no frieren' ×12" in f.message
    assert f.fix is not None and f.fix.label == "remove 3 franchise names"


def test_the_subjects_own_name_and_allowed_tags_stay(tmp_path: Path) -> None:
    root = scraped(tmp_path / "own")
    rf.write_settings(
        root,
        {"kind": "character", "core_tag": FERN},
        {"rules": {"blacklist_allow": ["hatsune miku (cosplay)"]}},
    )
    [f] = check(root).find("tags.franchise-name")
    assert set(f.details) == {"sousou no frieren"}


def test_kinds_without_the_character_blacklist_are_left_alone(tmp_path: Path) -> None:
    assert not check(scraped(tmp_path / "bg", kind="background")).find("tags.franchise-name")


def test_the_fix_removes_them_and_undo_brings_them_back(tmp_path: Path, lorapan_cmd) -> None:
    root = scraped(tmp_path / "fix")
    before = rf.snapshot_bytes(root)
    out = lorapan_cmd("fix", root, "--rule", "tags.franchise-name")
    assert out.returncode == 0, out.stderr
    text = (root / "00.png").with_suffix(".txt").read_text()
    assert FERN not in text and "sousou no frieren" not in text and "2girls" in text
    assert "bow (weapon)" in (root / "01.txt").read_text()
    assert "cosplay" in (root / "02.txt").read_text().split(", ")
    assert not check(root).find("tags.franchise-name")
    assert lorapan_cmd("undo", root).returncode == 0
    after = rf.snapshot_bytes(root)
    assert {k: v for k, v in after.items() if k.endswith(".txt")} == {
        k: v for k, v in before.items() if k.endswith(".txt")
    }
