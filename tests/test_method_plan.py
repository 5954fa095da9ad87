"""One plan: fixes never undo each other, the dry run shows the plan per caption, and the
counts after applying come from a fresh check of what was written."""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine


def _trigger_set(root: Path) -> Path:
    """A kohya character set with a trigger and hair/eye colours on every image."""
    caps = {
        f"5_tk girl/{i:02d}.png": (
            f"tk, 1girl, solo, blue hair, long hair, red eyes, {'sitting' if i % 2 else 'smile'}"
        )
        for i in range(12)
    }
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "character"})
    return root


def test_constant_tags_never_name_the_trigger_or_what_the_merge_folds(tmp_path: Path) -> None:
    root = _trigger_set(tmp_path / "d")
    report = RulesEngine(Dataset.open(root)).check()
    pruned = {f.key.split(":", 1)[1] for f in report.find("tags.constant")}
    assert pruned == {"1girl", "solo"}  # not tk, not the hair and eye tags the merge folds
    assert report.find("tags.hair-unique") and report.find("tags.eyes-unique")


def test_dry_run_shows_the_plan_per_caption_and_fix_reports_a_fresh_count(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = _trigger_set(tmp_path / "d")
    before = rf.snapshot_bytes(root)
    res = lorapan_cmd("fix", root, "--dry-run")
    assert res.returncode == 0, res.stderr
    assert "the combined plan, per caption" in res.stdout
    # one group for all twelve captions: merged tags spelled as the dataset spells tags
    assert "+'blue tk hair'" in res.stdout and "+'red tk eyes'" in res.stdout
    assert "5_tk girl/00.png" in res.stdout
    assert rf.snapshot_bytes(root) == before
    res = lorapan_cmd("fix", root, "--json")
    out = json.loads(res.stdout)
    fresh = json.loads(lorapan_cmd("check", root, "--json").stdout)["counts"]
    assert out["remaining"] == fresh
    first = (root / "5_tk girl" / "00.txt").read_text()
    assert first.startswith("tk, anime screencap, ")
