"""The live engine: after edits, its report equals a full re-check; listeners are told."""

from __future__ import annotations

import random
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange, add_tag, remove_tag
from lorapan.core.rules.engine import RulesEngine

EDIT_TAGS = [
    "muscular", "smile", "long hair", "green hair", "from behind", "anime screencap",
    "gob goblin with third eye focus", "straight-on", "red eyes", "1boy", "eye focus",
]  # fmt: skip


def summary(engine: RulesEngine) -> list[tuple]:
    r = engine.check()
    return [(f.key, f.severity, tuple(f.images), f.message) for f in r.findings] + [
        (c.id, c.count, tuple(c.images)) for c in r.coverage
    ]


def test_incremental_report_equals_full_recheck_after_random_edits(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c", clean=False)
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    rng = random.Random(7)
    rels = [r for r, it in ds.items.items() if it.has_caption]
    for step in range(60):
        rel = rng.choice(rels)
        tags = ds.items[rel].tags
        tag = rng.choice(EDIT_TAGS)
        after = (
            remove_tag(tags, tag)
            if tag in tags and rng.random() < 0.5
            else add_tag(tags, tag, rng.randint(0, len(tags)))
        )
        ds.apply_changes([TagChange(rel, tags, after)], f"edit {step}")
        if step % 10 == 9:
            assert summary(engine) == summary(RulesEngine(Dataset.open(root), live=False))
        if step % 15 == 14:
            ds.undo()
    assert summary(engine) == summary(RulesEngine(Dataset.open(root), live=False))


def test_listener_gets_a_report_after_each_edit_and_undo(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c")
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    reports = []
    engine.subscribe(reports.append)
    tags = ds.items["img001.png"].tags
    ds.apply_changes([TagChange("img001.png", tags, (*tags, "muscular"))], "add")
    assert reports[-1].find("tags.blacklist")[0].images == ["img001.png"]
    ds.undo()
    assert not reports[-1].find("tags.blacklist") and len(reports) == 2


def test_outside_change_and_new_image_are_picked_up(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c")
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    (root / "img002.txt").write_text("gob goblin with third eye focus, anime screencap, pectorals")
    rf.write_images(root / "new", {"n.png": "smile"})
    ds.refresh_paths(["img002.txt", "new/n.png", "new/n.txt"])
    report = engine.check()
    assert report.find("tags.blacklist")[0].images == ["img002.png"]
    assert "new/n.png" in next(f for f in report.findings if f.key == "tags.core:missing").images
    assert report.readiness.images == 61


def test_ticking_a_manual_item_clears_it(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c")
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    assert engine.check().find("coverage.lateral-sides")
    ds.settings.tick("lateral-sides")
    engine.settings_changed()
    report = engine.check()
    assert not report.find("coverage.lateral-sides")
    assert next(c for c in report.coverage if c.id == "lateral-sides").ticked


def test_images_coming_and_going_update_in_place_and_equal_a_full_recheck(
    tmp_path: Path, monkeypatch
) -> None:
    root = rf.character(tmp_path / "c", clean=False)
    ds = Dataset.open(root)
    rels = list(ds.items)
    rng = random.Random(11)
    # Synthetic tagger scores: a few rare elements, so tags.inconsistent follows the set too.
    scores = {r: {"smile": 0.9, rng.choice(["scar", "hat", "rain"]): 0.8} for r in rels}
    engine = RulesEngine(ds, scores=scores)
    engine.check()
    rebuilds = []
    real = engine.rebuild
    monkeypatch.setattr(engine, "rebuild", lambda: rebuilds.append(1) or real())
    names = iter(range(1000))
    for step in range(24):
        present = list(ds.items)
        if step % 3 == 0:
            victim = rng.choice(present)
            (root / victim).unlink()
            ds.refresh_paths([victim])
        else:
            rel = f"{'sub/' if step % 2 else ''}n{next(names):03d}.png"
            tags = rng.choice(EDIT_TAGS)
            rf.write_images(root, {rel: f"gob goblin with third eye focus, {tags}"})
            ds.refresh_paths([rel, rel[:-4] + ".txt"])
        if step % 4 == 3:
            scores = {r: s for r, s in scores.items() if r in ds.items}
            fresh = RulesEngine(Dataset.open(root), live=False, scores=scores)
            assert summary(engine) == summary(fresh)
            assert engine.check().readiness.to_dict() == fresh.check().readiness.to_dict()
    assert rebuilds == []  # every change was applied in place
