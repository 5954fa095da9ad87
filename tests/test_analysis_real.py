"""Blur and low-resolution verdicts on real datasets other people published.

The datasets are read in place from ``../shared/fixtures/real`` (analysis state
goes to a temp folder, nothing is written there). By eye every one of their
images is sharp; the calibration behind the thresholds is docs/calibration.md.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SHARED, run_lorapan
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.demo import write_demo
from lorapan.core.naming import IMAGE_EXTS
from PIL import Image, ImageFilter

REAL = SHARED / "fixtures" / "real"
DATASETS = sorted(p.name for p in REAL.iterdir() if p.is_dir()) if REAL.is_dir() else []
pytestmark = pytest.mark.skipif(not DATASETS, reason="no real datasets beside the checkout")


def _images(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_EXTS and ".lorapan" not in p.parts
    )


def _analyse(root: Path, state: Path, config: AnalysisConfig | None = None) -> dict:
    return Analyzer(root, state, config or AnalysisConfig(workers=1)).run(_images(root))


@pytest.mark.parametrize("name", DATASETS)
def test_no_image_of_a_real_dataset_is_called_blurry(name: str, tmp_path: Path) -> None:
    facts = _analyse(REAL / name, tmp_path / "state")
    assert facts and all(f.ok for f in facts.values())
    assert [rel for rel, f in facts.items() if f.blurry] == []


@pytest.mark.parametrize("name", DATASETS)
def test_blurred_copies_among_real_images_are_called_blurry(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(REAL / name, root)
    originals = _images(root)
    blurred = []
    for rel in originals[:: max(1, len(originals) // 3)][:3]:
        with Image.open(root / rel) as img:
            copy = img.convert("RGB")
        copy.thumbnail((1024, 1024))
        # sigma 5 px at 1024: out of focus at any size a LoRA trains at
        out = root / f"{Path(rel).stem}_blurred.png"
        copy.filter(ImageFilter.GaussianBlur(5)).save(out)
        blurred.append(out.name)
    facts = _analyse(root, tmp_path / "state")
    assert sorted(rel for rel, f in facts.items() if f.blurry) == sorted(blurred)


def test_flat_art_of_the_demo_is_sharp_and_its_blurred_image_is_not(tmp_path: Path) -> None:
    root = write_demo(tmp_path / "demo")
    facts = _analyse(root, tmp_path / "state")
    assert [rel for rel, f in facts.items() if f.blurry] == ["10_gob goblin/gob_006.jpg"]
    blurry = facts["10_gob goblin/gob_006.jpg"]
    # the verdict keeps its numbers: the width, the limit and the dataset's reference
    assert blurry.edge_width >= blurry.blur_limit > blurry.blur_reference > 0


def test_low_resolution_is_judged_against_the_training_resolution(tmp_path: Path) -> None:
    root = REAL / "itojunji-style"  # its own dataset.toml trains at 512
    at_1024 = _analyse(root, tmp_path / "a")
    assert [rel for rel, f in at_1024.items() if f.low_res] == ["images/2.png"]  # 570x342
    assert at_1024["images/2.png"].low_res_limit == 512
    at_512 = _analyse(root, tmp_path / "b", AnalysisConfig(training_resolution=512, workers=1))
    assert [rel for rel, f in at_512.items() if f.low_res] == []
    selfies = _analyse(REAL / "person-selfies", tmp_path / "c")
    assert [rel for rel, f in selfies.items() if f.low_res] == ["image_2.jpeg"]  # 236x576


def test_scan_takes_the_training_resolution_from_the_dataset_or_the_command_line(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ito"
    shutil.copytree(REAL / "itojunji-style", root)
    proc = run_lorapan("scan", root)
    assert "Low resolution, short side under 512px (half of 1024px training) (1)" in proc.stdout
    assert "images/2.png (570x342)" in proc.stdout
    proc = run_lorapan("scan", root, "--resolution", "512")
    assert "Low resolution" not in proc.stdout and proc.returncode == 0
    (root / "lorapan.toml").write_text("[training]\nresolution = 640\n")
    data = json.loads(run_lorapan("scan", root, "--json").stdout)
    assert data["summary"]["low_res"] == 0  # 342 >= 320
    assert {row["low_res_limit"] for row in data["images"]} == {320}
