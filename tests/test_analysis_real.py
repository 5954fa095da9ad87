"""Blur, low-resolution and clone verdicts on real datasets other people published.

The datasets are read in place from ``../shared/fixtures/real`` (analysis state
goes to a temp folder, nothing is written there). By eye every one of their
images is sharp; the calibration behind the thresholds is docs/calibration.md.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import SHARED, run_lorapan
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.clones import clone_count, find_groups
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.demo import write_demo
from lorapan.core.naming import IMAGE_EXTS
from PIL import Image, ImageDraw, ImageFilter

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


# ---- clone groups and labels -----------------------------------------------------------

TATTOO_PAIR = (
    "minimalist/8_minimalist/00023-0-50_minimalist.png",
    "minimalist/8_minimalist/00030-0-9_minimalist.png",
)


def _groups(root: Path, state: Path) -> list:
    facts = _analyse(root, state)
    return find_groups(facts, AnalysisConfig(), root=root)


@pytest.mark.parametrize("name", DATASETS)
def test_real_datasets_group_only_the_one_re_encoded_tattoo(name: str, tmp_path: Path) -> None:
    groups = _groups(REAL / name, tmp_path / "state")
    if name != "tattoo-styles":
        # spiderverse's 10 caption-identical pairs are different frames: no group
        assert groups == []
        return
    # 00023 and 00030 are one drawing stored twice: same size, every line where it was,
    # pixels within 28 levels (mean 0.06) along the lines only, a lossy re-encode's noise
    assert [sorted([g.original, *dict(g.members)]) for g in groups] == [list(TATTOO_PAIR)]
    assert [label for _rel, label in groups[0].members] == ["recompressed"]
    assert clone_count(groups) == 1


def _derived(root: Path, source: Path) -> None:
    with Image.open(source) as img:
        base = img.convert("RGB")
    base.thumbnail((1024, 1024))
    w, h = base.size
    base.save(root / "a.png")
    buf = io.BytesIO()
    base.save(buf, "JPEG", quality=60)
    (root / "a_q60.jpg").write_bytes(buf.getvalue())
    base.resize((w // 2, h // 2), Image.Resampling.LANCZOS).save(root / "a_half.png")
    for pct in (3, 6, 10):  # a crop at another scale with a changed region (an eye, a mouth)
        f = pct / 100
        crop = base.crop((round(w * f), round(h * f), round(w * (1 - f)), round(h * (1 - f))))
        crop = crop.resize((w, h), Image.Resampling.LANCZOS)
        ImageDraw.Draw(crop).ellipse((w * 0.42, h * 0.3, w * 0.5, h * 0.36), fill=(200, 80, 80))
        crop.save(root / f"a_zoom{pct}_changed.png")


@pytest.mark.parametrize(
    "source",
    [
        "aldar-kose/03.jpg",
        "spiderverse-suits/20_ITSV_MilesSuit/movie1_005.jpg",
        "armored-figure/30_images/img_000.png",
    ],
)
def test_changed_crops_are_never_clones_and_re_encodes_are(source: str, tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    _derived(root, REAL / source)
    groups = _groups(root, tmp_path / "state")
    labels = {rel: label for g in groups for rel, label in g.members}
    labels.update({g.original: "original" for g in groups})
    clones = {rel for g in groups for rel in g.clones}
    changed = {rel for rel in _images(root) if "changed" in rel}
    assert not clones & changed, labels
    assert {"a_q60.jpg", "a_half.png"} <= clones | {g.original for g in groups}
    assert clone_count(groups) == 2
