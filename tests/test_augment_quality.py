"""Crops and altered copies `lorapan augment` made are judged by their source's quality.

The guide tags blurry and low-quality images so the blur is tied to the low-quality
tags, not the subject. A head crop of a sharp picture has fewer pixels, not worse
ones: tagging the single-image recipe's crops "low quality" would put those tags on
most of the set. Real subprocesses on generated datasets.
"""

from __future__ import annotations

import json

import imagegen as gen
from PIL import Image

CAPTION = "daberry boy focus, solo, hoodie, standing, full body, looking at viewer\n"
CROPS = "centre;0.25,0.02,0.75,0.35;0,0,0.5,1;0,0.3,1,0.6"


def make_single(root, size=(832, 1216), blur=0.0):
    root.mkdir(parents=True, exist_ok=True)
    img = gen.flat_art(size, seed=3)
    gen.save(gen.blurred(img, blur) if blur else img, root / "daberry.png")
    (root / "daberry.txt").write_text(CAPTION)
    (root / "lorapan.toml").write_text(
        '[dataset]\nkind = "single-image"\ncore_tag = "daberry boy focus"\nstyle_tag = ""\n'
    )


def lowq_images(lorapan_cmd, root) -> set[str]:
    """The images `check` asks to tag (or untag) low quality, after a scan."""
    scan = lorapan_cmd("scan", root)
    assert scan.returncode == 0, scan.stderr
    check = lorapan_cmd("check", root, "--json")
    doc = json.loads(check.stdout)
    return {i for f in doc["findings"] if f["rule"] == "quality.lowq-tag" for i in f["images"]}


def facts(lorapan_cmd, root) -> dict[str, dict]:
    proc = lorapan_cmd("scan", root, "--json")
    return {f["relpath"]: f for f in json.loads(proc.stdout)["images"]}


def test_crops_of_a_sharp_source_are_not_tagged_low_quality(tmp_path, lorapan_cmd):
    make_single(tmp_path)
    proc = lorapan_cmd(
        "augment", tmp_path, "daberry.png", "--crops", CROPS, "--alter", "rotate,tint,grayscale"
    )
    assert proc.returncode == 0, proc.stderr
    assert lowq_images(lorapan_cmd, tmp_path) == set()
    seen = facts(lorapan_cmd, tmp_path)
    crop = seen["daberry__crop-box-1.png"]  # 416x402: under half of 1024 on its own
    assert (crop["width"], crop["low_res"], crop["judged_by"]) == (416, False, "daberry.png")
    assert seen["daberry__crop-box-1__gray.png"]["judged_by"] == "daberry.png"
    assert seen["daberry.png"]["judged_by"] == ""


def test_crops_of_a_blurry_or_small_source_are_low_quality(tmp_path, lorapan_cmd):
    blurry, small = tmp_path / "blurry", tmp_path / "small"
    make_single(blurry, blur=8)
    make_single(small, size=(400, 584))
    for root in (blurry, small):
        proc = lorapan_cmd("augment", root, "daberry.png", "--crops", "centre", "--min-size", "64")
        assert proc.returncode == 0, proc.stderr
        made = {p.name for p in root.glob("daberry__*.png")}
        assert lowq_images(lorapan_cmd, root) == {"daberry.png", *made}


def test_a_shrunk_copy_and_a_crop_changed_since_are_judged_by_their_pixels(tmp_path, lorapan_cmd):
    make_single(tmp_path)
    proc = lorapan_cmd("augment", tmp_path, "daberry.png", "--crops", CROPS, "--alter", "lowres")
    assert proc.returncode == 0, proc.stderr
    # someone shrinks one crop by hand: its record no longer describes the file
    path = tmp_path / "daberry__crop-box-2.png"
    with Image.open(path) as im:
        im.resize((im.width // 2, im.height // 2)).save(path)
    # the shrunk copies carry the low-quality tags and keep them (not 'misplaced');
    # the crop changed by hand is small on its own pixels: it lacks them
    assert "low quality" in (tmp_path / "daberry__crop-box-1__lowres50.txt").read_text()
    assert lowq_images(lorapan_cmd, tmp_path) == {"daberry__crop-box-2.png"}
