"""Caption files as kohya reads them: every extension reported, disagreeing pairs
flagged, the choice written as caption_extension and used for the kohya dataset TOML."""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.settings import load_settings


def oil_style_set(root: Path, n: int = 6) -> Path:
    """The issue's style set with both .txt (tags) and .cap (BLIP sentences) per image."""
    caps = {f"10_oilz/{i:02d}.png": f"oilz style, tree, river, boat {i}" for i in range(n)}
    rf.write_images(root, caps)
    for i in range(n):
        (root / "10_oilz" / f"{i:02d}.cap").write_text(
            f"a painting of a boat on a river under a tree, number {i}"
        )
    return root


def test_both_extensions_are_reported_and_the_disagreement_is_an_error_until_chosen(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = oil_style_set(tmp_path / "oil")
    info = json.loads(lorapan_cmd("info", root, "--json").stdout)
    assert info["caption_extensions"] == {".cap": 6, ".txt": 6}
    assert ".cap ×6, .txt ×6" in lorapan_cmd("check", root).stdout
    [f] = RulesEngine(Dataset.open(root), live=False).check().find("pair.caption-files")
    assert f.severity == "error" and len(f.images) == 6 and ".txt ≠ " in f.message
    assert f.fix.settings == {"caption_extension": ".txt"}
    lorapan_cmd("fix", root, "--rule", "pair.caption-files")
    assert load_settings(root).is_set("caption_extension")
    [f] = RulesEngine(Dataset.open(root), live=False).check().find("pair.caption-files")
    assert f.severity == "warning" and f.fix is None  # chosen: the .cap files stay unread


def test_the_chosen_extension_is_read_and_goes_into_the_kohya_dataset_toml(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = oil_style_set(tmp_path / "oil")
    (root / "lorapan.toml").write_text('[dataset]\ncaption_extension = ".cap"\n')
    ds = Dataset.open(root)
    assert ds.items["10_oilz/00.png"].tags[0].startswith("a painting of a boat")
    out = json.loads(lorapan_cmd("train", root, "--dry-run", "--json").stdout)
    assert 'caption_extension = ".cap"' in out["dataset_config"]


def test_captions_only_in_another_extension_would_train_without_caption(tmp_path: Path) -> None:
    root = rf.write_images(tmp_path / "c", {f"{i}.png": None for i in range(3)})
    for i in range(3):
        (root / f"{i}.caption").write_text(f"tk, smile {i}")
    report = RulesEngine(Dataset.open(root), live=False).check()
    [f] = [f for f in report.find("pair.caption-files") if f.key == "pair.caption-files:other"]
    assert f.severity == "error" and f.fix.settings == {"caption_extension": ".caption"}
