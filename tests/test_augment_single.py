"""The single-image recipe as `lorapan augment` carries it out: how many files, and
what their captions say. Real subprocesses on a generated one-image dataset.

The guide: crop the source for each element, "clone every single cropped image",
alter each clone, a grayscale copy is a must, "15-20 total images is the goal",
then "tag each piece by hand".
"""

from __future__ import annotations

import json

import imagegen as gen

CAPTION = "daberry boy focus, solo, hoodie, standing, full body, cowboy shot, smile\n"


def make_single(root):
    root.mkdir(parents=True, exist_ok=True)
    gen.save(gen.flat_art((832, 1216), seed=3), root / "daberry.png")
    (root / "daberry.txt").write_text(CAPTION)


def plan(lorapan_cmd, root, *args):
    proc = lorapan_cmd("augment", root, "daberry.png", *args, "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["plan"]


def test_crops_alone_get_one_altered_clone_each_and_land_in_the_aim(tmp_path, lorapan_cmd):
    make_single(tmp_path)
    got = plan(lorapan_cmd, tmp_path, "--crops", "grid:2x2;centre;0.25,0.02,0.75,0.35;0,0,0.5,1")
    names = [o["image"] for o in got["outputs"]]
    crops = [n for n in names if n.count("__") == 1 and "crop" in n]
    clones = [n for n in names if n.count("__") == 2]
    assert len(crops) == 7 and len(clones) == 7  # every crop cloned once
    assert {c.split("__")[1] for c in clones} == {c[: -len(".png")].split("__")[1] for c in crops}
    ops = [o["steps"][-1]["op"] for o in got["outputs"] if o["image"] in clones]
    assert set(ops) == {"rotate", "aspect", "flip", "tint", "grayscale"}  # taken in turn
    assert "daberry__gray.png" in names  # the source's grayscale copy: a must
    assert 1 + len(names) == 16  # inside the guide's 15-20
    assert not any("aims for" in h for h in got["hints"])


def test_a_crop_too_small_for_its_turn_gets_the_next_alteration(tmp_path, lorapan_cmd):
    make_single(tmp_path)
    # an 832x365 strip: rotating it (first in turn) leaves 255 px, under the 256 minimum
    got = plan(lorapan_cmd, tmp_path, "--crops", "0,0.3,1,0.6")
    assert [o["image"] for o in got["outputs"]] == [
        "daberry__crop-box-1.png", "daberry__gray.png", "daberry__crop-box-1__aspect-1x1.png",
    ]  # fmt: skip
    assert got["skipped"] == []
    assert any("more crops reach it" in h for h in got["hints"])  # 4 images, aim 15-20


def test_every_alteration_of_every_crop_is_still_there_and_the_total_is_told(tmp_path, lorapan_cmd):
    make_single(tmp_path)
    got = plan(lorapan_cmd, tmp_path, "--crops", "grid:3x3", "--alter", "flip,tint,grayscale")
    assert len(got["outputs"]) == 9 + 10 * 3  # each crop and the source, three ways
    assert any("the set will have 40 images" in h and "--each one" in h for h in got["hints"])
    one = plan(
        lorapan_cmd, tmp_path, "--crops", "grid:3x3", "--alter", "flip,tint", "--each", "one"
    )
    assert len(one["outputs"]) == 9 + 9 + 1  # a clone per crop, the source's grayscale copy


def test_crops_leave_out_framing_tags_they_cannot_show_and_say_so(tmp_path, lorapan_cmd):
    make_single(tmp_path)
    proc = lorapan_cmd("augment", tmp_path, "daberry.png", "--crops", "0.25,0.02,0.75,0.35")
    assert proc.returncode == 0, proc.stderr
    assert "left 'full body', 'cowboy shot' out of the crops' captions" in proc.stdout
    head = (tmp_path / "daberry__crop-box-1.txt").read_text()
    assert head == "daberry boy focus, solo, hoodie, standing, smile\n"  # the rest is kept
    clone = (tmp_path / "daberry__crop-box-1__rot8ccw.txt").read_text()
    assert "full body" not in clone and "standing" in clone
    # the whole picture keeps them: its grayscale copy shows the full body
    assert "full body, cowboy shot" in (tmp_path / "daberry__gray.txt").read_text()
