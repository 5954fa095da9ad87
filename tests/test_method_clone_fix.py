"""Clones, altered copies and blur on a dataset made here, not one of the real fixtures.

The rules must hold to the guide's reasons on any dataset: two identical copies and
a resized copy of one picture are clones (3 of 42 images, above the guide's 3 %),
a blurred copy is low quality, a flip is an altered copy the guide wants, the rest
is unrelated. ``lorapan fix`` sets aside the fewest clones that bring the ratio to
3 % (the smallest copy first, the original always stays), tags the blurred copy,
and ``check`` then has no error; ``lorapan undo`` brings the copies back. A
low-resolution copy ``lorapan augment --alter lowres`` made is tagged
``low quality, blurry, worst quality`` by design and is left alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from imagegen import blurred, flat_art, flipped, resized, save
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.inputs import load_inputs

UNRELATED = 34
LOWQ = ("low quality", "blurry", "worst quality")
SETTINGS = '[dataset]\nkind = "character"\ncore_tag = "gob"\nstyle_tag = "anime screencap"\n'
VIEWS = ("from side", "from behind", "looking at viewer", "full body", "portrait", "upper body")


def clone_dataset(root: Path) -> Path:
    """42 images at 768 px: a.png + 2 identical + 1 resized copy, b.png + a blurred copy,
    c.png + a flip, and 34 unrelated pictures; captions start with the core tag."""
    root.mkdir(parents=True)
    a = flat_art((768, 768), seed=1)
    save(a, root / "a.png")
    shutil.copyfile(root / "a.png", root / "a_copy1.png")
    shutil.copyfile(root / "a.png", root / "a_copy2.png")
    save(resized(a, 0.75), root / "a_resized.png")  # 576 px: not low resolution at 1024
    b = flat_art((768, 768), seed=2)
    save(b, root / "b.png")
    save(blurred(b, 6), root / "b_blurred.png")
    c = flat_art((768, 768), seed=3)
    save(c, root / "c.png")
    save(flipped(c), root / "c_flip.png")
    for i in range(UNRELATED):
        save(flat_art((768, 768), seed=100 + i), root / f"u{i:02d}.png")
    for n, img in enumerate(sorted(root.glob("*.png"))):
        view = VIEWS[n % len(VIEWS)]
        img.with_suffix(".txt").write_text(f"gob, anime screencap, solo, {view}\n")
    (root / "lorapan.toml").write_text(SETTINGS)
    return root


def report(root: Path):
    ds = Dataset.open(root)
    return RulesEngine(ds, live=False, **load_inputs(ds).engine_kwargs()).check()


def test_scan_counts_three_clones_one_altered_copy_and_one_blurry_image(tmp_path, lorapan_cmd):
    root = clone_dataset(tmp_path / "gob")
    scan = json.loads(lorapan_cmd("scan", root, "--json").stdout)["summary"]
    assert scan["images"] == 42 and scan["clones"] == 3 and scan["blurry"] == 1
    assert scan["low_res"] == 0  # every short side is at least half of 1024
    r = report(root)
    [ratio] = r.find("clones.ratio")
    assert ratio.severity == "error" and ratio.fix is not None and ratio.fix.sets_aside
    assert ratio.images == ["a_copy1.png", "a_copy2.png", "a_resized.png"]
    [lowq] = r.find("quality.lowq-tag")
    assert lowq.images == ["b_blurred.png"]
    [altered] = r.find("altered.kinds")
    assert "c_flip.png" in altered.images and "flipped" in altered.message


def test_fix_sets_aside_the_fewest_clones_and_undo_brings_them_back(tmp_path, lorapan_cmd):
    root = clone_dataset(tmp_path / "gob")
    lorapan_cmd("scan", root)
    dry = lorapan_cmd("fix", root, "--dry-run")
    # 3 clones of 42: two go (1 <= 3 % of 40); the smallest copy first, then the last
    # of two identical ones; the original, the flip and one identical copy stay
    # (each says the one view tag its caption had that a.png's lacks: it leaves with it)
    assert "would set aside a_resized.png (resized copy of a.png; its tag " in dry.stdout
    assert "would set aside a_copy2.png (identical copy of a.png; its tag " in dry.stdout
    assert "a_copy1.png (" not in dry.stdout and (root / "a_copy2.png").exists()
    assert "b_blurred.png: gob, anime screencap, solo, " in dry.stdout  # tagged, not set aside

    before = files_of(root)
    done = lorapan_cmd("fix", root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 images set aside" in done.stdout and "nothing to fix" not in done.stdout
    excluded = root / ".lorapan" / "excluded"
    assert sorted(p.name for p in excluded.iterdir()) == [
        "a_copy2.png",
        "a_copy2.txt",
        "a_resized.png",
        "a_resized.txt",
    ]
    assert (root / "a.png").exists() and (root / "a_copy1.png").exists()
    assert (root / "c_flip.png").exists()
    blurry = Dataset.open(root).items["b_blurred.png"].tags
    assert blurry[:2] == ("gob", "anime screencap") and set(LOWQ) <= set(blurry)

    after = report(root)
    assert not after.has_errors and not after.find("clones.ratio")
    assert not after.find("quality.lowq-tag")
    check = lorapan_cmd("check", root)
    assert check.returncode == 0 and "clones.ratio" not in check.stdout

    # one run of fix is one undo: the copies come back and the captions are as they were
    undone = lorapan_cmd("undo", root)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert files_of(root) == before
    assert report(root).find("clones.ratio")
    assert lorapan_cmd("redo", root).returncode == 0
    assert not (root / "a_copy2.png").exists() and (excluded / "a_copy2.png").exists()
    assert set(LOWQ) <= set(Dataset.open(root).items["b_blurred.png"].tags)


def files_of(root: Path) -> dict[str, bytes]:
    """Every file of the dataset proper (not lorapan's state), by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".lorapan" not in p.relative_to(root).parts
    }


def test_a_copy_augment_made_low_resolution_keeps_its_low_quality_tags(tmp_path, lorapan_cmd):
    root = clone_dataset(tmp_path / "gob")
    made = lorapan_cmd("augment", root, "u00.png", "--alter", "lowres")
    assert made.returncode == 0, made.stdout + made.stderr
    [copy] = [rel for rel in Dataset.open(root).items if rel.startswith("u00__lowres")]
    assert set(LOWQ) <= set(Dataset.open(root).items[copy].tags)
    lorapan_cmd("scan", root)
    lowq = report(root).find("quality.lowq-tag")
    assert all(copy not in f.images for f in lowq)  # deliberate, not "misplaced"
    assert [f.images for f in lowq] == [["b_blurred.png"]]
    lorapan_cmd("fix", root)
    assert set(LOWQ) <= set(Dataset.open(root).items[copy].tags)


def test_scan_and_check_give_one_clone_share(tmp_path, lorapan_cmd):
    """1 clone of 29 images is 3.4 %: the scan's text used to round the JSON's rounded
    ratio (0.0345) and print 3.5 % beside check's 3.4 %."""
    root = clone_dataset(tmp_path / "gob")
    gone = ["a_copy2", "a_resized", *(f"u{i:02d}" for i in range(11))]
    for stem in gone:
        (root / f"{stem}.png").unlink()
        (root / f"{stem}.txt").unlink()
    scan = lorapan_cmd("scan", root)
    assert "Clones (identical, resized, recompressed): 1 (3.4%)" in scan.stdout, scan.stdout
    [ratio] = report(root).find("clones.ratio")
    assert "is 3.4% of the images" in ratio.message
