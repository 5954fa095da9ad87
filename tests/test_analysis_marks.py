"""Clone marks: what the reviewer says about each image of a clone group."""

from __future__ import annotations

import shutil
from pathlib import Path

import imagegen as gen
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.clones import CloneGroup, find_groups
from lorapan.core.analysis.marks import clone_marks


def test_clones_name_their_original_and_the_original_counts_them():
    group = CloneGroup(
        "10_a/orig.png",
        [("10_a/big.png", "resized"), ("b/same.png", "identical"), ("10_a/flip.png", "flipped")],
    )
    assert clone_marks([group]) == {
        "10_a/big.png": "resized clone of orig.png",
        "b/same.png": "identical clone of orig.png",
        "10_a/orig.png": "original of 2 clone(s)",
    }


def test_a_group_of_altered_copies_only_is_not_marked():
    group = CloneGroup("orig.png", [("flip.png", "flipped"), ("gray.png", "grayscale")])
    assert clone_marks([group]) == {}
    assert clone_marks([]) == {}


def test_marks_of_a_real_analysis(tmp_path: Path):
    src = gen.flat_art((512, 384), seed=5)
    gen.save(src, tmp_path / "orig.png")
    shutil.copyfile(tmp_path / "orig.png", tmp_path / "copy.png")
    gen.save(gen.resized(src, 0.5), tmp_path / "small.png")
    gen.save(gen.flipped(src), tmp_path / "mirror.png")
    gen.save(gen.flat_art((512, 384), seed=40), tmp_path / "other.png")
    rels = sorted(p.name for p in tmp_path.glob("*.png"))
    facts = Analyzer(tmp_path, tmp_path / ".lorapan").run(rels)
    marks = clone_marks(find_groups(facts, root=tmp_path))
    original = next(rel for rel, text in marks.items() if text.startswith("original of"))
    assert marks[original] == "original of 2 clone(s)"
    clones = {rel: text for rel, text in marks.items() if rel != original}
    assert set(clones) | {original} == {"orig.png", "copy.png", "small.png"}
    assert all(text.endswith(f"clone of {original}") for text in clones.values())
    assert "mirror.png" not in marks and "other.png" not in marks
