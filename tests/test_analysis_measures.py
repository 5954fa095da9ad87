"""Sharpness, grayscale and low-resolution flags with the default thresholds."""

from __future__ import annotations

from pathlib import Path

import imagegen as gen
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.measure import _percentile

SIZES = [(1024, 768), (1600, 1200), (768, 1024)]


@pytest.mark.parametrize("family", ["photo", "flat"])
@pytest.mark.parametrize("size", SIZES)
def test_blurred_copy_is_flagged_and_sharp_original_is_not(
    tmp_path: Path, family: str, size: tuple[int, int]
) -> None:
    maker = gen.photo_like if family == "photo" else gen.flat_art
    names = []
    for seed in range(3):
        src = maker(size, seed=seed)
        # the blur is a fixed share of the picture, as when a small image is upscaled:
        # sigma 4 px at 1024 (3 px is at the edge of what is flagged, docs/calibration.md)
        radius = 4 * max(size) / 1024
        gen.save(src, tmp_path / f"sharp{seed}.png")
        gen.save(src, tmp_path / f"sharp{seed}.jpg", quality=80)
        gen.save(gen.blurred(src, radius), tmp_path / f"blur{seed}.png")
        gen.save(gen.blurred(src, radius), tmp_path / f"blur{seed}.jpg", quality=80)
        names += [f"sharp{seed}.png", f"sharp{seed}.jpg", f"blur{seed}.png", f"blur{seed}.jpg"]
    facts = Analyzer(tmp_path, tmp_path / ".lorapan").run(names)
    flagged = {rel for rel, f in facts.items() if f.blurry}
    assert flagged == {n for n in names if n.startswith("blur")}


def test_sharpness_orders_increasing_blur(tmp_path: Path) -> None:
    src = gen.flat_art((1024, 768), seed=9)
    names = []
    for radius in (0, 1, 2, 4, 8):
        name = f"r{radius}.png"
        gen.save(gen.blurred(src, radius) if radius else src, tmp_path / name)
        names.append(name)
    facts = Analyzer(tmp_path, tmp_path / ".lorapan").run(names)
    scores = [facts[n].sharpness for n in names]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)


def test_grayscale_detection(tmp_path: Path) -> None:
    photo = gen.photo_like((640, 480), seed=3)
    gen.save(photo, tmp_path / "colour.jpg", quality=85)
    gen.save(photo.convert("L"), tmp_path / "gray_l.png")
    # gray pixels stored as RGB JPEG: chroma noise must not make it "colour"
    gen.save(photo.convert("L").convert("RGB"), tmp_path / "gray_rgb.jpg", quality=70)
    gen.save(
        gen.colour_shifted(photo.convert("L").convert("RGB"), (1.0, 1.0, 0.8)),
        tmp_path / "sepia.png",
    )
    facts = Analyzer(tmp_path, tmp_path / ".lorapan").run(
        ["colour.jpg", "gray_l.png", "gray_rgb.jpg", "sepia.png"]
    )
    assert {rel for rel, f in facts.items() if f.grayscale} == {"gray_l.png", "gray_rgb.jpg"}


def test_low_resolution_flag_uses_the_short_side(tmp_path: Path) -> None:
    gen.save(gen.flat_art((1200, 400), seed=1), tmp_path / "banner.png")  # short side 400
    gen.save(gen.flat_art((700, 600), seed=2), tmp_path / "ok.png")
    facts = Analyzer(tmp_path, tmp_path / ".lorapan").run(["banner.png", "ok.png"])
    assert facts["banner.png"].low_res and not facts["ok.png"].low_res
    assert facts["banner.png"].aspect == pytest.approx(3.0)


@given(st.lists(st.integers(0, 255), min_size=1, max_size=400), st.sampled_from([50.0, 99.0]))
def test_histogram_percentile_equals_numpy(values: list[int], q: float) -> None:
    """The grayscale test reads its percentile from a histogram; it must be numpy's value."""
    histogram = np.bincount(values, minlength=256).tolist()
    assert _percentile(histogram, q) == pytest.approx(np.percentile(values, q))
