"""Images kohya never reads or reads wrong: a .gif (sd-scripts globs .png, .jpg, .jpeg,
.webp and .bmp), 16-bit grayscale (its convert("RGB") clips it to white), and a
truncated JPEG whose header still reads. The check says so, and the training plan
leaves them out of the steps instead of counting them."""

from __future__ import annotations

import json
from pathlib import Path

import imagegen as gen
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.inputs import load_inputs

CAPTION = "kai, 1boy, solo, smile"


def _set(root: Path) -> Path:
    folder = root / "10_kai"
    for i in range(6):
        gen.save(gen.flat_art((512, 512), seed=i), folder / f"s{i}.png")
    gen.flat_art((256, 256), seed=9).save(folder / "anim.gif")
    gen.write_png16_gray(folder / "gray16.png", gen.flat_art((512, 512), seed=7))
    gen.write_truncated(folder / "cut.jpg", gen.flat_art((512, 512), seed=8))
    for img in folder.iterdir():
        img.with_suffix(".txt").write_text(CAPTION)
    (root / "lorapan.toml").write_text('[dataset]\nkind = "character"\ncore_tag = "kai"\n')
    ds = Dataset.open(root)
    Analyzer(ds.root, ds.state_dir, AnalysisConfig(workers=1)).run(list(ds.items))
    return root


def test_check_names_what_kohya_skips_or_whitens(tmp_path: Path) -> None:
    ds = Dataset.open(_set(tmp_path / "d"))
    report = RulesEngine(ds, live=False, **load_inputs(ds).engine_kwargs()).check()
    found = {f.key: f for f in report.find("kohya.image-format")}
    assert found["kohya.image-format:ext"].images == ["10_kai/anim.gif"]
    assert ".gif ×1" in found["kohya.image-format:ext"].message
    assert found["kohya.image-format:mode"].images == ["10_kai/gray16.png"]
    assert "nearly white" in found["kohya.image-format:mode"].message
    assert "2 images kohya cannot read left out" in report.readiness.summary  # gif, cut.jpg


def test_the_plan_counts_only_what_kohya_trains(tmp_path: Path, lorapan_cmd) -> None:
    root = _set(tmp_path / "d")
    out = lorapan_cmd("train", root, "--dry-run", "--json", "--force")
    plan = json.loads(out.stdout)
    assert plan["steps"]["images"] == 7  # six PNGs and the 16-bit one; not the gif nor cut.jpg
    text = lorapan_cmd("train", root, "--dry-run", "--force")
    both = text.stdout + text.stderr
    assert "1 unreadable image(s), e.g." in both and "cut.jpg" in both
    assert "1 image(s) in a format kohya does not read" in both
