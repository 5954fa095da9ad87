"""Readiness predicts the plan `lorapan train --dry-run` prints: same repeats, same steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rules_fixtures as rf
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.rules import image_reads
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.inputs import load_inputs
from PIL import Image

CORE = "gob focus, anime screencap"
# Portrait, landscape and square sizes: kohya puts them in different buckets.
SIZES = [(832, 1216)] * 7 + [(1216, 832)] * 5 + [(1024, 1024)] * 4 + [(640, 1536)] * 3


def _dataset(root: Path, folders: dict[str, int], training: dict | None = None) -> Path:
    i = 0
    for folder, count in folders.items():
        (root / folder).mkdir(parents=True)
        for _ in range(count):
            size = SIZES[i % len(SIZES)]
            fmt = "JPEG" if i % 4 == 1 else "PNG"  # JPEGs: sizes from headers, never the cache
            ext = ".jpg" if fmt == "JPEG" else ".png"
            Image.new("RGB", size, (i * 9 % 255, 60, 90)).save(root / folder / f"{i}{ext}", fmt)
            (root / folder / f"{i}.txt").write_text(CORE)
            i += 1
    extra = {"training": training} if training else None
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"}, extra)
    return root


@pytest.fixture(autouse=True)
def user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user config with a [training] layer both sides must honour."""
    path = tmp_path / "config.toml"
    path.write_text("[training]\nmaxTrainEpochs = 3\n")
    monkeypatch.setenv("LORAPAN_CONFIG_DIR", str(tmp_path))
    return path


def _dry_run(lorapan_cmd, root: Path) -> dict:
    res = lorapan_cmd("train", root, "--dry-run", "--json")
    assert res.stdout, res.stderr
    return json.loads(res.stdout)["steps"]


def _readiness(root: Path):
    ds = Dataset.open(root)
    return RulesEngine(ds, live=False, **load_inputs(ds).engine_kwargs()).check().readiness


def test_non_square_images_with_a_target_override_match_train_dry_run(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = _dataset(tmp_path / "d", {"10_gob": 38}, {"targetSteps": 600})
    r = _readiness(root)
    steps = _dry_run(lorapan_cmd, root)
    assert (r.num_repeats, r.predicted_steps) == (steps["num_repeats"], steps["total_steps"])
    assert (r.steps_per_epoch, r.epochs) == (steps["steps_per_epoch"], steps["epochs"])
    assert r.target_steps == 600 and r.epochs == 3  # lorapan.toml and user config both count
    assert f"numRepeats {r.repeats} → {steps['total_steps']} steps" in r.summary
    assert "square" not in r.summary


def test_weighted_kohya_folders_match_train_dry_run(tmp_path: Path, lorapan_cmd) -> None:
    root = _dataset(tmp_path / "d", {"4_gob": 21, "8_gob closeups": 9}, {"targetSteps": 600})
    r = _readiness(root)
    steps = _dry_run(lorapan_cmd, root)
    assert r.num_repeats == steps["num_repeats"] and len(r.num_repeats) == 2
    assert r.predicted_steps == steps["total_steps"]
    assert r.steps_per_epoch == steps["steps_per_epoch"]


def test_sizes_come_from_the_analysis_cache_without_opening_cached_files(
    tmp_path: Path, lorapan_cmd, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _dataset(tmp_path / "d", {"10_gob": 16}, {"targetSteps": 600})
    ds = Dataset.open(root)
    Analyzer(ds.root, ds.state_dir, AnalysisConfig(workers=1)).run(list(ds.items))
    opened: list[str] = []
    real = image_reads.read_header  # every header a check opens (sizes, kohya.* rules)

    def counting(path: str):  # noqa: ANN202
        opened.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(image_reads, "read_header", counting)
    r = _readiness(root)
    # Sizes come from the cache (the stored size); a JPEG's header is read for its EXIF
    # orientation (kohya.orientation), which the cache does not keep; no PNG is opened.
    assert opened and all(name.endswith(".jpg") for name in opened)
    assert r.predicted_steps == _dry_run(lorapan_cmd, root)["total_steps"]
    assert r.num_repeats == _dry_run(lorapan_cmd, root)["num_repeats"]


def test_live_engine_reads_a_size_once_and_again_only_when_the_file_changes(
    tmp_path: Path, lorapan_cmd, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _dataset(tmp_path / "d", {"10_gob": 12}, {"targetSteps": 600})
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    before = engine.check().readiness
    opened: list[str] = []
    real = image_reads.read_header
    monkeypatch.setattr(
        image_reads, "read_header", lambda p: opened.append(Path(p).name) or real(p)
    )
    rel = "10_gob/0.png"
    tags = ds.items[rel].tags
    ds.apply_changes([TagChange(rel, tags, (*tags, "smile"))], "edit")
    assert engine.check().readiness.num_repeats == before.num_repeats and opened == []
    # Replace every portrait with a landscape of another size: buckets (and repeats) change.
    for item in ds.items.values():
        with Image.open(item.image_path) as im:
            portrait = im.size[1] > im.size[0]
        if portrait:
            Image.new("RGB", (1536, 640), (1, 2, 3)).save(item.image_path, im.format)
    ds.refresh_paths(list(ds.items))
    after = engine.check().readiness
    assert opened and after.num_repeats == _dry_run(lorapan_cmd, root)["num_repeats"]
    assert after.steps_per_epoch == _dry_run(lorapan_cmd, root)["steps_per_epoch"]
    Image.new("RGB", (832, 1216)).save(root / "10_gob" / "new.png")
    (root / "10_gob" / "new.txt").write_text(CORE)
    ds.refresh_paths(["10_gob/new.png", "10_gob/new.txt"])
    grown = engine.check().readiness
    assert grown.images == 13 and grown.num_repeats == _dry_run(lorapan_cmd, root)["num_repeats"]


def test_training_override_in_lorapan_toml_reaches_readiness_after_settings_change(
    tmp_path: Path,
) -> None:
    root = _dataset(tmp_path / "d", {"10_gob": 12})
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    assert engine.check().readiness.target_steps == 1120  # the characters preset
    ds.settings.set_section("training", {"targetSteps": 300})
    engine.settings_changed()
    assert engine.check().readiness.target_steps == 300
    ds.settings.set_section("training", {"targetSteps": "many"})
    engine.settings_changed()
    r = engine.check().readiness
    assert r.plan_error and "targetSteps" in r.summary  # said, not raised
    ds.settings.set_section("training", {"preset": "nonexistent"})
    engine.settings_changed()
    assert "no preset 'nonexistent'" in engine.check().readiness.summary


def test_flat_dataset_says_which_folder_to_make(tmp_path: Path) -> None:
    root = rf.write_images(tmp_path / "flat", {f"{i}.png": CORE for i in range(5)})
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    r = _readiness(root)
    assert not r.in_folders and r.repeats
    from lorapan.core.training.folders import folder_advice

    assert f"{r.repeats}_<name>" in r.summary  # the same words lorapan train prints
    assert folder_advice(r.num_repeats, in_kohya_folders=False) in r.summary


def test_a_target_inside_an_epoch_says_where_it_ends(tmp_path: Path) -> None:
    """Whole repeats rarely land on the step target, so kohya runs one more, partial epoch:
    "1118/epoch × 2 → 1120 steps" read as twice the steps; the summary says where it ends."""
    root = _dataset(tmp_path / "d", {"10_gob": 13}, {"targetSteps": 1120, "maxTrainEpochs": 1})
    r = _readiness(root)
    assert r.predicted_steps == 1120
    assert r.steps_per_epoch * r.epochs != r.predicted_steps  # 13 images: no whole epochs
    into = r.predicted_steps - r.steps_per_epoch * (r.epochs - 1)
    assert f"ends it {into} step" in r.summary and f"into epoch {r.epochs}" in r.summary
    assert f"/epoch × {r.epochs}" not in r.summary
