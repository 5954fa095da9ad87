"""Clone groups on generated copies: each kind of copy gets the right label."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import imagegen as gen
import pytest
from conftest import run_lorapan
from lorapan.core import demo, provenance
from lorapan.core.analysis import clone_links, clones
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.clones import CLONE_LABELS, clone_count, find_groups
from lorapan.core.demo import write_demo


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
        monkeypatch.setattr(clone_links, "EXHAUSTIVE_CROP_LIMIT", 0)
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


def test_of_identical_files_the_plain_name_is_the_original(tmp_path: Path) -> None:
    """'sneaker_02 - Copy.png' sorts before 'sneaker_02.png'; the copy is still the one
    named as the copy (and set aside first), with or without a copy word."""
    src = _source("photo", seed=7)
    gen.save(src, tmp_path / "sneaker_02.png")
    shutil.copyfile(tmp_path / "sneaker_02.png", tmp_path / "sneaker_02 - Copy.png")
    gen.save(_source("flat", seed=8), tmp_path / "DSC04100.png")
    shutil.copyfile(tmp_path / "DSC04100.png", tmp_path / "DSC04100-2.png")
    groups = {g.original: dict(g.members) for g in find_groups(_scan(tmp_path))}
    assert groups == {
        "sneaker_02.png": {"sneaker_02 - Copy.png": "identical"},
        "DSC04100.png": {"DSC04100-2.png": "identical"},
    }


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


# ---- flat art that shares a layout: hashes propose, the pixel check decides ----------


def _byte_copies(root: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """(first, [(copy, "identical")]) for every set of byte-identical images under root."""
    by_bytes: dict[bytes, list[str]] = {}
    for p in sorted(root.rglob("*.*")):
        if p.suffix in (".png", ".jpg") and ".lorapan" not in p.parts:
            by_bytes.setdefault(p.read_bytes(), []).append(p.relative_to(root).as_posix())
    return sorted(
        (rels[0], [(r, "identical") for r in rels[1:]])
        for rels in by_bytes.values()
        if len(rels) > 1
    )


def test_demo_dataset_groups_only_its_byte_identical_copies(tmp_path: Path) -> None:
    root = write_demo(tmp_path / "demo")
    expected = _byte_copies(root)
    assert len(expected) == 2  # the demo's two clones
    facts = _scan(root)
    # hashes alone link look-alike scenes (a different pose, a back view, another room)
    assert len(find_groups(facts)) > len(expected)
    groups = find_groups(facts, root=root)
    assert sorted((g.original, g.members) for g in groups) == expected


def _scene(pose: str, view: str = "front", shirt: str = "red shirt", place: str = "day"):
    return demo.draw_scene(demo.Scene(view, "full body", pose, place, shirt), random.Random(1))


def test_lookalike_scenes_are_not_flipped_or_colour_shifted_copies(tmp_path: Path) -> None:
    # One layout (sky, grass, a small figure in the middle), different pictures.
    gen.save(_scene("standing"), tmp_path / "a_standing.png")
    gen.save(_scene("arms up"), tmp_path / "b_arms_up.png")
    gen.save(_scene("standing", view="back"), tmp_path / "c_back.png")
    gen.save(_scene("arms up", shirt="yellow shirt", place="sunset"), tmp_path / "d_sunset.png")
    gen.save(_scene("waving", shirt="blue shirt"), tmp_path / "e_waving.png")
    gen.save(_scene("standing", view="side"), tmp_path / "f_side.png")
    facts = _scan(tmp_path)
    hash_labels = {label for g in find_groups(facts) for _rel, label in g.members}
    assert hash_labels, "hashes alone should propose these as copies"
    assert find_groups(facts, root=tmp_path) == []


def test_real_copies_of_flat_scenes_are_still_found(tmp_path: Path) -> None:
    src = _scene("waving", shirt="blue shirt")
    gen.save(src, tmp_path / "a.png")
    gen.save(gen.flipped(src), tmp_path / "a_flip.png")
    gen.save(gen.colour_shifted(src), tmp_path / "a_colour.png")
    gen.save(gen.grayscale(src), tmp_path / "a_gray.png")
    gen.save_recompressed(src, tmp_path / "a_small.jpg", quality=90)
    gen.save(_scene("arms up", shirt="blue shirt"), tmp_path / "other.png")
    groups = find_groups(_scan(tmp_path), root=tmp_path)
    assert [(g.original, dict(g.members)) for g in groups] == [
        (
            "a.png",
            {
                "a_colour.png": "colour-shifted",
                "a_flip.png": "flipped",
                "a_gray.png": "grayscale",
                "a_small.jpg": "recompressed",
            },
        )
    ]


# ---- clones inside a group of altered copies, and files lorapan made ------------------


@pytest.mark.parametrize("check", ["hashes", "pixels"])
def test_copies_of_an_altered_copy_are_clones_of_it(tmp_path: Path, check: str) -> None:
    src = _source("flat", seed=4)
    gen.save(src, tmp_path / "a.png")
    gen.save(gen.grayscale(src), tmp_path / "b_gray.png")
    shutil.copyfile(tmp_path / "b_gray.png", tmp_path / "c_gray_copy.png")
    gen.save(gen.resized(gen.grayscale(src), 0.5), tmp_path / "d_gray_small.png")
    groups = find_groups(_scan(tmp_path), root=tmp_path if check == "pixels" else None)
    assert len(groups) == 1 and groups[0].original == "a.png"
    assert dict(groups[0].members) == {
        "b_gray.png": "grayscale",
        "c_gray_copy.png": "identical",
        "d_gray_small.png": "resized",
    }
    assert groups[0].copy_of == {"c_gray_copy.png": "b_gray.png", "d_gray_small.png": "b_gray.png"}
    assert clone_count(groups) == 2
    member = {m["relpath"]: m for m in groups[0].to_dict()["members"]}
    assert member["c_gray_copy.png"]["of"] == "b_gray.png" and "of" not in member["b_gray.png"]


def _lorapan(*args: str) -> subprocess.CompletedProcess[str]:
    return run_lorapan(*args)


def test_augmented_files_are_labelled_from_provenance_and_the_real_clone_is_kept(
    tmp_path: Path,
) -> None:
    root = write_demo(tmp_path / "demo")
    folder = "10_gob goblin"
    made = _lorapan(
        "augment", str(root), f"{folder}/gob_001.png",
        "--crops", "grid:2x2;centre", "--alter", "grayscale,flip",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    records = provenance.load(root)
    assert f"{folder}/gob_001__flip.png" in records
    facts = _scan(root)
    groups = find_groups(facts, root=root)
    group = next(g for g in groups if f"{folder}/gob_039.png" in dict(g.members))
    labels = dict(group.members)
    assert group.original == f"{folder}/gob_001.png"
    assert labels[f"{folder}/gob_039.png"] == "identical"
    for rel, record in records.items():  # every made file, by how it was made
        expected = clones.MADE_LABELS.get(record["operation"], "altered")
        assert labels[rel] == expected, rel
    assert labels[f"{folder}/gob_001__flip.png"] == "flipped"
    assert labels[f"{folder}/gob_001__gray.png"] == "grayscale"
    assert sorted(r for g in groups for r in g.clones) == [
        f"{folder}/gob_039.png",
        f"{folder}/gob_040.png",
    ]
    # provenance given directly works without the pixel check too
    by_hash = find_groups(facts, provenance=records)
    assert {r for g in by_hash for r in g.clones} >= {f"{folder}/gob_039.png"}
    assert not {r for g in by_hash for r in g.clones} & set(records)
    # and the rule a user runs still reports the real clone
    check = _lorapan("check", str(root), "--rule", "clones.ratio", "--json")
    finding = next(f for f in json.loads(check.stdout)["findings"] if f["rule"] == "clones.ratio")
    assert f"{folder}/gob_039.png" in finding["images"]
