"""Fixes: applied through the journal, the finding is gone after, undo restores every byte."""

from __future__ import annotations

from pathlib import Path

import pytest
import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.fixes import apply_fix, compose
from lorapan.core.settings import load_settings


def keys(engine: RulesEngine) -> set[str]:
    return {f.key for f in engine.check().findings}


def get(engine: RulesEngine, key: str):
    return next(f for f in engine.check().findings if f.key == key)


FIXABLE = [
    "tags.core:missing",
    "tags.core:not-first",
    "tags.style:missing",
    "tags.blacklist",
    "tags.duplicate",
    "tags.hair-unique",
    "tags.eyes-unique",
    "pair.orphans:no-caption",
]


@pytest.mark.parametrize("style", ["spaces", "underscores"])
@pytest.mark.parametrize("key", FIXABLE)
def test_fix_removes_the_finding_and_undo_restores_bytes(
    tmp_path: Path, key: str, style: str
) -> None:
    root = rf.character(tmp_path / "c", clean=False, style=style)
    before = rf.snapshot_bytes(root)
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    finding = get(engine, key)
    preview = finding.fix.plan(ds)
    assert preview and {c.relpath for c in preview} <= set(finding.images)
    assert rf.snapshot_bytes(root) == before  # planning writes nothing
    outcome = engine.apply_fix(finding)
    assert outcome.result is not None and outcome.result.ok
    assert key not in keys(engine)  # live engine saw the edit
    assert key not in keys(RulesEngine(Dataset.open(root)))  # and so does a fresh check
    ds.undo()
    assert rf.snapshot_bytes(root) == before
    assert key in keys(engine)


def test_hair_merge_builds_unique_tag_and_drops_other_peoples(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c", clean=False, style="underscores")
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    engine.apply_fix(get(engine, "tags.hair-unique"))
    assert (root / "img000.txt").read_text() == (
        "gob_goblin_with_third_eye_focus, anime_screencap, green_gob_hair, red_eyes, "
        "muscular, smile, smile"
    )
    # another person's black hair goes too; one unique tag where the hair tags were
    assert (root / "img003.txt").read_text() == (
        "gob_goblin_with_third_eye_focus, 2boys, green_gob_hair, blue_eyes"
    )


def test_eyes_merge_uses_the_dominant_colour(tmp_path: Path) -> None:
    caps = {
        f"{i}.png": f"gob focus, anime screencap, {'red eyes' if i < 3 else 'blue eyes'}"
        for i in range(4)
    }
    root = rf.write_images(tmp_path / "e", caps)
    rf.write_settings(root, {"kind": "character", "name": "Gob", "core_tag": "gob focus"})
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    engine.apply_fix(get(engine, "tags.eyes-unique"))
    # spelled as the dataset writes tags (spaces) with the name as the user wrote it
    assert {(root / f"{i}.txt").read_text() for i in range(4)} == {
        "gob focus, anime screencap, red Gob eyes"
    }


def test_couple_hair_tags_are_reported_without_a_guess(tmp_path: Path) -> None:
    root = rf.write_images(
        tmp_path / "c",
        {"a.png": "gob and mira couple focus, anime screencap, red hair, black hair"},
    )
    rf.write_settings(
        root, {"kind": "couple", "name": "gob and mira", "core_tag": "gob and mira couple focus"}
    )
    f = get(RulesEngine(Dataset.open(root)), "tags.hair-unique")
    assert f.fix is None and "by hand" in f.message


def test_core_proposal_fix_writes_settings_and_captions(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"tk, smile, anime screencap, x{i}" for i in range(10)}
    caps["3.png"] = "smile, tk, anime screencap"
    root = rf.write_images(tmp_path / "k", caps)
    rf.write_settings(root, {"kind": "character", "name": ""})
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    f = get(engine, "tags.core:unset")
    assert f.fix.settings == {"core_tag": "tk"}  # the first field of 9 in 10 captions
    engine.apply_fix(f)
    assert load_settings(root).core_tag == "tk"
    assert "tags.core:unset" not in keys(engine)
    assert (root / "3.txt").read_text() == "tk, smile, anime screencap"
    assert not [k for k in keys(engine) if k.startswith("tags.core")]


def test_compose_plans_several_fixes_as_one_undoable_edit(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c", clean=False)
    before = rf.snapshot_bytes(root)
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    report = engine.check()
    fixes = [
        f.fix
        for f in report.findings
        if f.fix is not None and f.severity == "error" and not f.fix.settings
    ]
    changes, steps = compose(ds, fixes)
    assert len({c.relpath for c in changes}) == len(changes)  # one change per image
    result = ds.apply_changes(changes, "fix all")
    assert result.ok
    left = {f.rule_id for f in engine.check().findings if f.severity == "error"}
    assert left <= {"caption.empty", "pair.orphans"}  # empty caption and stray file need a person
    ds.undo()
    assert rf.snapshot_bytes(root) == before


def test_lowq_fix_adds_after_core_and_style(tmp_path: Path) -> None:
    from types import SimpleNamespace

    root = rf.write_images(
        tmp_path / "q",
        {
            "a.png": "gob focus, anime screencap, smile",
            "b.png": "gob focus, anime screencap, blurry, smile",
        },
    )
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    ds = Dataset.open(root)
    facts = {
        "a.png": SimpleNamespace(blurry=True, low_res=False, error_kind=None),
        "b.png": SimpleNamespace(blurry=False, low_res=False, error_kind=None),
    }
    engine = RulesEngine(ds, facts=facts, clone_groups=[])
    missing = get(engine, "quality.lowq-tag:missing")
    misplaced = get(engine, "quality.lowq-tag:misplaced")
    assert missing.images == ["a.png"] and misplaced.images == ["b.png"]
    engine.apply_fix(missing)
    engine.apply_fix(misplaced)
    assert (
        root / "a.txt"
    ).read_text() == "gob focus, anime screencap, low quality, blurry, worst quality, smile"
    assert (root / "b.txt").read_text() == "gob focus, anime screencap, smile"
    assert not [k for k in keys(engine) if k.startswith("quality.lowq-tag")]


def test_lowq_fix_never_takes_the_first_field_without_an_anchor(tmp_path: Path) -> None:
    """No core tag set and no shared first tag: each caption's own first field is what
    keep_tokens = 1 holds (a trigger leading a sentence, say), so it stays first."""
    from types import SimpleNamespace

    root = rf.write_images(
        tmp_path / "q",
        {
            "a.png": "a photo of ohwx woman beside a lake",
            "b.png": "ohwx woman at home, smile",
            "c.png": "solo, ohwx woman in a park",
        },
    )
    ds = Dataset.open(root)
    sharp = SimpleNamespace(blurry=False, low_res=False, error_kind=None)
    facts = {rel: sharp for rel in ds.items} | {
        "a.png": SimpleNamespace(blurry=True, low_res=False, error_kind=None),
        "c.png": SimpleNamespace(blurry=True, low_res=False, error_kind=None),
    }
    engine = RulesEngine(ds, facts=facts, clone_groups=[])
    engine.apply_fix(get(engine, "quality.lowq-tag:missing"))
    assert (root / "a.txt").read_text() == (
        "a photo of ohwx woman beside a lake, low quality, blurry, worst quality"
    )
    assert (root / "c.txt").read_text() == (
        "solo, low quality, blurry, worst quality, ohwx woman in a park"
    )
    # after a sentence the three are still read as tags: the fix resolves its finding
    assert not [k for k in keys(engine) if k.startswith("quality.lowq-tag")]


def test_lowq_tags_after_a_sentence_on_a_sharp_image_are_flagged_as_tags(tmp_path: Path) -> None:
    """In a set that mixes sentences and tags, on one caption of eight (too few to be a
    tag many captions share) 'low quality' after a sentence would read as its clause; it is the method's own tag, so it is
    flagged on a sharp image like the other two."""
    from types import SimpleNamespace

    caps = {f"{i}.png": f"ohwx woman, smile, pose {i}" for i in range(4)}
    caps |= {f"s{i}.png": f"a photo of ohwx woman sitting in a cafe {i}" for i in range(3)}
    caps["a.png"] = "a photo of ohwx woman beside a lake, low quality, blurry, worst quality"
    root = rf.write_images(tmp_path / "s", caps)
    ds = Dataset.open(root)
    sharp = SimpleNamespace(blurry=False, low_res=False, error_kind=None)
    engine = RulesEngine(ds, facts={rel: sharp for rel in ds.items}, clone_groups=[])
    [misplaced] = [f for f in engine.check().findings if f.key == "quality.lowq-tag:misplaced"]
    assert misplaced.images == ["a.png"] and "'low quality' ×1" in misplaced.message
    engine.apply_fix(misplaced)
    assert (root / "a.txt").read_text() == "a photo of ohwx woman beside a lake"


def test_fix_of_a_caption_changed_on_disk_is_refused(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c", clean=False)
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    f = get(engine, "tags.blacklist")
    (root / "img000.txt").write_text("gob goblin with third eye focus, muscular, edited elsewhere")
    outcome = apply_fix(ds, f.fix)
    assert outcome.result is not None and outcome.result.conflicts
    assert (root / "img000.txt").read_text().endswith("edited elsewhere")
