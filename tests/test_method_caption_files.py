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


def test_a_mix_of_txt_and_caption_files_is_renamed_and_undo_renames_back(
    tmp_path: Path, lorapan_cmd
) -> None:
    """Most captions are .txt, a few only .caption: kohya reads one extension, so those
    images would train uncaptioned. The fix renames their files (one undoable run); the
    same run's other fixes wait for the renamed files."""
    caps = {f"{i}.png": f"tk, 1girl, solo, smile {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "m", caps)
    for i in (4, 5):
        (root / f"{i}.txt").rename(root / f"{i}.caption")
    (root / "0.txt").write_text("tk, 1girl, solo, smile, smile\n")  # a duplicate to fix
    original = {p.name: p.read_bytes() for p in root.iterdir() if p.suffix in (".txt", ".caption")}
    report = RulesEngine(Dataset.open(root), live=False).check()
    [f] = [f for f in report.find("pair.caption-files") if f.key == "pair.caption-files:other"]
    assert f.images == ["4.png", "5.png"] and f.fix is not None and f.fix.renames
    dry = lorapan_cmd("fix", root, "--dry-run")
    assert "would rename 4.caption to 4.txt" in dry.stdout, dry.stdout
    assert sorted(p.name for p in root.glob("*.caption")) == ["4.caption", "5.caption"]
    res = lorapan_cmd("fix", root)
    assert res.returncode in (0, 1) and "Traceback" not in res.stderr  # 1: errors remain
    assert "2 images now have their caption in the extension kohya reads" in res.stdout
    assert not list(root.glob("*.caption"))
    assert (root / "4.txt").read_bytes() == original["4.caption"]
    assert (root / "0.txt").read_text() == "tk, 1girl, solo, smile\n"  # the other fix ran
    report = RulesEngine(Dataset.open(root), live=False).check()
    assert not report.find("pair.caption-files")
    assert lorapan_cmd("undo", root).returncode == 0
    back = {p.name: p.read_bytes() for p in root.iterdir() if p.suffix in (".txt", ".caption")}
    assert back == original  # names and bytes


def test_the_apps_fix_renames_and_keeps_the_open_dataset_in_step(tmp_path: Path) -> None:
    """The app applies a finding's fix through the engine on its open dataset: after the
    rename the image reads its .txt, and undo brings the .caption back."""
    caps = {f"{i}.png": f"tk, 1girl, solo, smile {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "m", caps)
    (root / "3.txt").rename(root / "3.caption")
    engine = RulesEngine(Dataset.open(root), live=False)
    [f] = [f for f in engine.check().find("pair.caption-files")]
    outcome = engine.apply_fix(f)
    assert outcome.result is not None and outcome.result.applied == ["3.png"]
    item = engine.dataset.items["3.png"]
    assert item.caption_file == "3.txt" and item.tags[-1] == "smile 3"
    assert not engine.check().find("pair.caption-files")
    engine.dataset.undo()
    assert engine.dataset.items["3.png"].caption_file == "3.caption"
    assert (root / "3.caption").exists() and not (root / "3.txt").exists()
