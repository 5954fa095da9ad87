"""Clone groups and pixel verdicts are cached by content beside the analysis."""

from __future__ import annotations

import shutil
from pathlib import Path

import imagegen as gen
import pytest
from lorapan.core.analysis import clones, pixel_match
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.clone_cache import CLONE_CACHE_NAME
from lorapan.core.analysis.clones import find_groups
from lorapan.core.analysis.facts import AnalysisConfig


def _dataset(root: Path) -> None:
    for seed in (1, 2):
        src = gen.flat_art((640, 480), seed=seed)
        gen.save(src, root / f"a{seed}.png")
        gen.save_recompressed(src, root / f"a{seed}_q60.jpg", quality=60)
        gen.save(gen.flipped(src), root / f"a{seed}_flip.png")
        gen.save(gen.grayscale(src), root / f"a{seed}_gray.png")
    for seed in (10, 11, 12):
        gen.save(gen.photo_like((640, 480), seed=seed), root / f"p{seed}.jpg", quality=90)


def _facts(root: Path) -> dict:
    rels = sorted(p.name for p in root.iterdir() if p.is_file())
    return Analyzer(root, root / ".lorapan").run(rels)


def _groups(root: Path) -> list:
    return find_groups(_facts(root), root=root, state_dir=root / ".lorapan")


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files the pixel check decodes."""
    seen: list[str] = []
    real = pixel_match.load_reduced

    def spy(path, *args, **kwargs):
        seen.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pixel_match, "load_reduced", spy)
    return seen


def _as_data(groups: list) -> list:
    return [(g.original, g.members, g.copy_of) for g in groups]


def test_a_second_grouping_with_nothing_changed_decodes_and_links_nothing(
    tmp_path: Path, decoded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _dataset(tmp_path)
    first = _groups(tmp_path)
    assert decoded and len(first) == 2
    assert (tmp_path / ".lorapan" / CLONE_CACHE_NAME).is_file()
    decoded.clear()

    def no_linking(*args, **kwargs):
        raise AssertionError("linked again although nothing changed")

    monkeypatch.setattr(clones, "link_near", no_linking)
    again = _groups(tmp_path)
    assert decoded == [] and _as_data(again) == _as_data(first)


def test_after_one_image_changes_only_its_pairs_are_checked_again(
    tmp_path: Path, decoded: list[str]
) -> None:
    _dataset(tmp_path)
    first = _groups(tmp_path)
    assert "a1_q60.jpg" in dict(first[0].members)
    decoded.clear()
    # re-encoded again: new bytes, the same picture; everything else keeps its content
    gen.save_recompressed(gen.flat_art((640, 480), seed=1), tmp_path / "a1_q60.jpg", quality=90)
    again = _groups(tmp_path)
    assert "a1_q60.jpg" in decoded
    assert not {"a2.png", "a2_q60.jpg", "a2_flip.png", "a2_gray.png"} & set(decoded)
    assert _as_data(again) == _as_data(find_groups(_facts(tmp_path), root=tmp_path))
    decoded.clear()
    # now a different picture: no hash is near it, so nothing is decoded, and it leaves
    gen.save_recompressed(gen.flat_art((640, 480), seed=7), tmp_path / "a1_q60.jpg", quality=60)
    changed = _groups(tmp_path)
    assert decoded == []
    assert "a1_q60.jpg" not in {rel for g in changed for rel in (g.original, *dict(g.members))}
    assert _as_data(changed) == _as_data(find_groups(_facts(tmp_path), root=tmp_path))


def test_thresholds_and_made_files_are_part_of_the_cached_answer(tmp_path: Path) -> None:
    _dataset(tmp_path)
    facts = _facts(tmp_path)
    state = tmp_path / ".lorapan"
    found = find_groups(facts, root=tmp_path, state_dir=state)
    assert found
    # hashes only, every pair within reach: one group of all, not the cached answer
    loose = AnalysisConfig(near_threshold=64, near_dhash_threshold=64)
    assert len(find_groups(facts, loose, state_dir=state)) == 1
    assert _as_data(find_groups(facts, root=tmp_path, state_dir=state)) == _as_data(found)
    made = {"a1_flip.png": {"source": "a1.png", "operation": "crop"}}
    labelled = find_groups(facts, root=tmp_path, provenance=made, state_dir=state)
    assert dict(next(g for g in labelled if g.original == "a1.png").members)["a1_flip.png"] == (
        "cropped"
    )


@pytest.mark.parametrize("damage", [b"not a database at all" * 40, b""])
def test_a_damaged_clone_cache_is_rebuilt(tmp_path: Path, damage: bytes) -> None:
    _dataset(tmp_path)
    expected = _as_data(find_groups(_facts(tmp_path), root=tmp_path))
    state = tmp_path / ".lorapan"
    state.mkdir(exist_ok=True)
    (state / CLONE_CACHE_NAME).write_bytes(damage)
    assert _as_data(_groups(tmp_path)) == expected
    assert _as_data(_groups(tmp_path)) == expected  # and read back from the rebuilt file


def test_a_cache_folder_that_cannot_hold_the_file_only_means_no_cache(tmp_path: Path) -> None:
    _dataset(tmp_path)
    expected = _as_data(find_groups(_facts(tmp_path), root=tmp_path))
    (tmp_path / ".lorapan" / CLONE_CACHE_NAME).mkdir(parents=True)  # a folder in its place
    assert _as_data(_groups(tmp_path)) == expected


def test_pixel_verdicts_are_kept_by_content_across_renames(
    tmp_path: Path, decoded: list[str]
) -> None:
    _dataset(tmp_path)
    _groups(tmp_path)
    decoded.clear()
    shutil.move(tmp_path / "a1_flip.png", tmp_path / "renamed_flip.png")
    groups = _groups(tmp_path)
    assert decoded == []  # the same contents: every verdict was known
    assert "renamed_flip.png" in {rel for g in groups for rel in dict(g.members)}
