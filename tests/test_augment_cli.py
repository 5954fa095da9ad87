"""`lorapan augment` as a user runs it: real subprocesses on a generated dataset."""

from __future__ import annotations

import json

import imagegen as gen


def make_dataset(root):
    root.mkdir(parents=True, exist_ok=True)
    gen.save(gen.flat_art((1024, 768), seed=7), root / "gob.png")
    (root / "gob.txt").write_text("gob goblin focus, anime screencap, 1boy, smile\n")


def listing(root):
    return sorted(p.name for p in root.iterdir() if p.name != ".lorapan")


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, lorapan_cmd):
    make_dataset(tmp_path)
    before = listing(tmp_path)
    proc = lorapan_cmd("augment", tmp_path, "gob.png", "--crops", "grid", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "gob__crop-g2x2-1.png  512x384" in proc.stdout
    assert "caption: gob goblin focus, anime screencap, 1boy, smile" in proc.stdout
    assert "gob__gray.png" in proc.stdout and "monochrome, greyscale" in proc.stdout
    assert "crossover" in proc.stdout  # the flat background is noticed
    # four crops, one altered clone of each (in turn), the source's grayscale copy
    assert "gob__crop-g2x2-1__rot8ccw.png" in proc.stdout
    assert "gob__crop-g2x2-4__tint-ff9a3c.png" in proc.stdout
    assert "9 image(s) would be made" in proc.stdout
    assert listing(tmp_path) == before


def test_make_then_undo_removes_every_new_file(tmp_path, lorapan_cmd):
    make_dataset(tmp_path)
    before = listing(tmp_path)
    proc = lorapan_cmd(
        "augment", tmp_path, str(tmp_path / "gob.png"), "--alter", "aspect,rotate,grayscale",
        "--crossover", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    made = doc["result"]["images"]
    assert made == ["gob__aspect-1x1.png", "gob__rot8ccw.png", "gob__gray.png"]
    assert len(listing(tmp_path)) == len(before) + 6
    assert (tmp_path / "gob__gray.txt").read_text().endswith("monochrome, greyscale, crossover\n")
    undo = lorapan_cmd("undo", tmp_path)
    assert undo.returncode == 0, undo.stderr
    assert listing(tmp_path) == before


def test_usage_errors_are_clear_and_exit_2(tmp_path, lorapan_cmd):
    make_dataset(tmp_path)
    bad_spec = lorapan_cmd("augment", tmp_path, "gob.png", "--crops", "wedges")
    assert bad_spec.returncode == 2 and "unknown crop 'wedges'" in bad_spec.stderr
    bad_alter = lorapan_cmd("augment", tmp_path, "gob.png", "--alter", "sepia")
    assert bad_alter.returncode == 2 and "unknown alteration" in bad_alter.stderr
    missing = lorapan_cmd("augment", tmp_path, "nope.png")
    assert missing.returncode == 2 and "not an image of" in missing.stderr
    for proc in (bad_spec, bad_alter, missing):
        assert "Traceback" not in proc.stderr
