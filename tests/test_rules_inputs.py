"""Rules fed by real caches: the image analyzer (blur, unreadable, clones) and the tagger."""

from __future__ import annotations

from pathlib import Path

import imagegen as gen
import pytest
import rules_fixtures as rf
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.inputs import load_inputs
from lorapan.core.tagger import service
from lorapan.core.tagger.model import TaggerModel
from onnx_models import make_model_dir
from PIL import Image

CORE = "gob focus, anime screencap"


def _scan(root: Path) -> None:
    ds = Dataset.open(root)
    Analyzer(ds.root, ds.state_dir, AnalysisConfig(workers=1)).run(list(ds.items))


def _engine(root: Path) -> RulesEngine:
    ds = Dataset.open(root)
    return RulesEngine(ds, **load_inputs(ds).engine_kwargs())


def test_analysis_cache_feeds_quality_unreadable_and_clone_rules(tmp_path: Path) -> None:
    root = tmp_path / "d"
    for i in range(8):
        gen.save(gen.flat_art((1024, 1024), seed=i), root / f"s{i}.png")
        (root / f"s{i}.txt").write_text(f"{CORE}, blurry" if i == 1 else CORE)
    gen.save(gen.blurred(gen.flat_art((1024, 1024), seed=20), 8), root / "soft.png")
    (root / "soft.txt").write_text(CORE)
    gen.write_truncated(root / "broken.jpg", gen.flat_art((256, 256), seed=3))
    (root / "broken.txt").write_text(CORE)
    gen.save(gen.flat_art((1024, 1024), seed=0), root / "copy.png")  # identical clone of s0
    (root / "copy.txt").write_text(CORE)
    gen.save(gen.grayscale(gen.flat_art((1024, 1024), seed=2)), root / "gray.png")
    (root / "gray.txt").write_text(CORE)
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    before = _engine(root).check()
    assert before.find("quality.lowq-tag")[0].key.endswith("needs-scan")
    _scan(root)
    report = _engine(root).check()
    low = {f.key: f for f in report.find("quality.lowq-tag")}
    assert low["quality.lowq-tag:missing"].images == ["soft.png"]
    assert low["quality.lowq-tag:misplaced"].images == ["s1.png"]
    assert report.find("image.unreadable")[0].images == ["broken.jpg"]
    clones = report.find("clones.ratio")[0]
    assert clones.severity == "error" and set(clones.images) & {"copy.png", "s0.png"}
    altered = report.find("altered.kinds")[0]
    assert "grayscale" in altered.message
    assert not [f for f in report.findings if f.key.endswith("needs-scan")]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TaggerModel:
    return TaggerModel.open(make_model_dir(tmp_path_factory.mktemp("models")))


def test_inconsistent_uses_cached_tagger_scores_and_fix_adds_them(
    tmp_path: Path, model: TaggerModel
) -> None:
    root = tmp_path / "t"
    root.mkdir()
    caps = {}
    for i in range(20):
        colour = (255, 0, 0) if i < 3 else (0, 0, 255)
        Image.new("RGB", (32, 32), colour).save(root / f"{i:02d}.png")
        caps[i] = "gob focus, anime screencap" + (", red" if i == 0 else "")
        (root / f"{i:02d}.txt").write_text(caps[i])
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    engine = _engine(root)
    assert engine.check().find("tags.inconsistent")[0].key.endswith("needs-tagger")
    ds = Dataset.open(root)
    service.predict(ds, model, list(ds.items), service.tag_options(ds))
    engine = _engine(root)
    f = engine.check().find("tags.inconsistent")[0]
    # red seen on 3 images (< 15): the two captions without it are reported; blue (17) is not
    assert f.images == ["01.png", "02.png"] and "red" in f.details and "blue" not in f.details
    engine.apply_fix(f)
    assert (root / "01.txt").read_text() == "gob focus, anime screencap, red"
    assert not engine.check().find("tags.inconsistent")


def test_a_style_that_tags_nothing_is_not_told_to_add_what_the_tagger_saw(
    tmp_path: Path, model: TaggerModel
) -> None:
    """The guide: a style dataset tags everything or nothing. Captions of only the core
    tag are the 'nothing' way, so the tagger's rare elements are not 'missing' there."""
    root = tmp_path / "s"
    root.mkdir()
    for i in range(20):
        colour = (255, 0, 0) if i < 3 else (0, 0, 255)
        Image.new("RGB", (32, 32), colour).save(root / f"{i:02d}.png")
        (root / f"{i:02d}.txt").write_text("zk style")
    (root / "19.txt").write_text("zk style, blue, sky")  # one image tagged: its gaps count
    rf.write_settings(root, {"kind": "style", "core_tag": "zk style"})
    ds = Dataset.open(root)
    service.predict(ds, model, list(ds.items), service.tag_options(ds))
    report = _engine(root).check()
    flagged = {r for f in report.find("tags.inconsistent") for r in f.images}
    assert not flagged & {f"{i:02d}.png" for i in range(19)}  # the untagged ones
    assert report.find("style.tag-all-or-none")  # the mix is still named


def test_rules_judge_size_at_the_datasets_training_resolution(tmp_path: Path) -> None:
    root = tmp_path / "d"
    for i in range(3):
        gen.save(gen.flat_art((400, 400), seed=i), root / f"s{i}.png")
        (root / f"s{i}.txt").write_text(CORE)
    _scan(root)
    assert _engine(root).check().find("quality.lowq-tag")  # 400 px is under half of 1024
    (root / "lorapan.toml").write_text("[training]\nresolution = 768\n")
    assert not _engine(root).check().find("quality.lowq-tag")  # and not under half of 768


def test_rules_read_back_the_clone_grouping_the_scan_cached(
    tmp_path: Path, lorapan_cmd, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "d"
    art = gen.flat_art((640, 640), seed=1)
    gen.save(art, root / "a.png")
    gen.save(gen.resized(art, 0.9), root / "b.png")
    for stem in "ab":
        (root / f"{stem}.txt").write_text(CORE)
    assert lorapan_cmd("scan", root).returncode == 0  # groups and caches them
    from lorapan.core.analysis import clones

    def regroup(*_a, **_k):
        raise AssertionError("grouped again instead of reading the cache")

    monkeypatch.setattr(clones, "_find", regroup)
    groups = load_inputs(Dataset.open(root)).clone_groups
    assert groups is not None and [g.original for g in groups] == ["a.png"]
    assert (
        RulesEngine(
            Dataset.open(root), live=False, **load_inputs(Dataset.open(root)).engine_kwargs()
        )
        .check()
        .find("clones.ratio")
    )
