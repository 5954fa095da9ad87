"""Clone groups on generated copies: each kind of copy gets the right label."""

from __future__ import annotations

import shutil
from pathlib import Path

import imagegen as gen
import pytest
from lorapan.core.analysis import clones
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.clones import CLONE_LABELS, clone_count, find_groups


def _scan(root: Path) -> dict:
    rels = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    rels = [r for r in rels if not r.startswith(".lorapan")]
    return Analyzer(root, root / ".lorapan").run(rels)


def _labels(groups) -> dict[str, tuple[str, str]]:
    """relpath -> (original, label) for every copy."""
    return {rel: (g.original, label) for g in groups for rel, label in g.members}


@pytest.fixture(params=["photo", "flat"])
def family(request) -> str:
    return request.param


def _source(family: str, seed: int = 3):
    maker = gen.photo_like if family == "photo" else gen.flat_art
    return maker((1024, 768), seed)


def _write_copies(root: Path, family: str) -> None:
    src = _source(family)
    gen.save(src, root / "orig.png")
    shutil.copyfile(root / "orig.png", root / "same.png")
    gen.save_recompressed(src, root / "recompressed.jpg", quality=60)
    gen.save(gen.resized(src, 0.5), root / "resized.png")
    gen.save(gen.colour_shifted(src), root / "colour.png")
    gen.save(gen.grayscale(src), root / "gray.png")
    gen.save(gen.flipped(src), root / "flipped.png")
    gen.save(gen.cropped(src, (0.1, 0.1, 0.9, 0.9)), root / "crop_centre.png")
    gen.save(gen.cropped(src, (0.125, 0.0, 0.875, 1.0)), root / "crop_square.png")
    gen.save(gen.blurred(src, 3), root / "blurred.png")
    # unrelated pictures of the same family must stay out of the group
    maker = gen.photo_like if family == "photo" else gen.flat_art
    for seed in (10, 11, 12):
        gen.save(maker((1024, 768), seed), root / f"other{seed}.png")


@pytest.mark.parametrize("check", ["hashes", "pixels"])
@pytest.mark.parametrize("crop_search", ["exhaustive", "banded"])
def test_each_copy_is_labelled_by_how_it_differs(
    tmp_path: Path, family: str, crop_search: str, check: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if crop_search == "banded":  # the index large datasets use must find these crops too
        monkeypatch.setattr(clones, "EXHAUSTIVE_CROP_LIMIT", 0)
    _write_copies(tmp_path, family)
    # "pixels": candidate pairs are confirmed on thumbnails read from the dataset folder
    groups = find_groups(_scan(tmp_path), root=tmp_path if check == "pixels" else None)
    labels = _labels(groups)
    assert {g.original for g in groups} == {"orig.png"}
    assert labels == {
        "same.png": ("orig.png", "identical"),
        "recompressed.jpg": ("orig.png", "recompressed"),
        "resized.png": ("orig.png", "resized"),
        "colour.png": ("orig.png", "colour-shifted"),
        "gray.png": ("orig.png", "grayscale"),
        "flipped.png": ("orig.png", "flipped"),
        "crop_centre.png": ("orig.png", "cropped"),
        "crop_square.png": ("orig.png", "cropped"),
        "blurred.png": ("orig.png", "altered"),
    }


def test_clone_count_counts_only_unaltered_copies(tmp_path: Path) -> None:
    _write_copies(tmp_path, "flat")
    groups = find_groups(_scan(tmp_path))
    assert clone_count(groups) == 3
    assert sorted(groups[0].clones) == ["recompressed.jpg", "resized.png", "same.png"]
    assert {"identical", "resized", "recompressed"} == CLONE_LABELS


def test_original_is_found_whichever_file_comes_first(tmp_path: Path) -> None:
    src = _source("photo", seed=5)
    # The smaller copy sorts first by name; the original is still the large one.
    gen.save(gen.resized(src, 0.4), tmp_path / "a_small.png")
    gen.save(
        gen.cropped(src, (0.1, 0.1, 0.9, 0.9)).resize((1200, 900)), tmp_path / "b_crop_big.png"
    )
    gen.save(src, tmp_path / "z_source.png")
    groups = find_groups(_scan(tmp_path))
    assert len(groups) == 1
    assert groups[0].original == "z_source.png"
    assert dict(groups[0].members) == {"a_small.png": "resized", "b_crop_big.png": "cropped"}


def test_distinct_images_form_no_groups(tmp_path: Path) -> None:
    for seed in range(6):
        gen.save(gen.photo_like((640, 480), seed), tmp_path / f"photo{seed}.jpg", quality=90)
        gen.save(gen.flat_art((640, 480), seed), tmp_path / f"art{seed}.png")
    assert find_groups(_scan(tmp_path)) == []


def test_unreadable_files_are_left_out_of_groups(tmp_path: Path) -> None:
    src = _source("flat")
    gen.save(src, tmp_path / "a.png")
    gen.save(src, tmp_path / "b.png")
    gen.write_empty(tmp_path / "empty.png")
    gen.write_empty(tmp_path / "empty2.png")
    groups = find_groups(_scan(tmp_path))
    assert [(g.original, g.members) for g in groups] == [("a.png", [("b.png", "identical")])]


def test_dhash_keeps_apart_unrelated_art_whose_phashes_are_close(tmp_path: Path) -> None:
    from lorapan.core.analysis.measure import hamming

    # Two unrelated generated pictures that pHash alone would call near-duplicates.
    gen.save(gen.flat_art((384, 512), seed=36), tmp_path / "a36.png")
    gen.save(gen.flat_art((512, 384), seed=134), tmp_path / "a134.png")
    facts = _scan(tmp_path)
    a, b = facts["a36.png"], facts["a134.png"]
    assert hamming(a.phash, b.phash) <= 10 or hamming(a.phash_flip, b.phash) <= 10
    assert find_groups(facts) == []
