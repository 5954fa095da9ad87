"""A set made from one picture is read as the guide's single-image LoRA, and the
limited-dataset advice names only the steps not yet taken. Real subprocesses on
generated datasets.

The guide: "Do you only have one image?" — crop it, clone and alter every crop, a
grayscale copy, "15-20 total images is the goal". Read as a character (aim 50-90,
limited under 25), such a set was told to crop, clone and grayscale what it just had.
"""

from __future__ import annotations

import json

import imagegen as gen
from lorapan.core.augment.plan import Options, plan_augment
from lorapan.core.augment.writer import write_outputs
from lorapan.core.dataset import Dataset

CAPTION = "1boy, solo, blue hair, hoodie, standing, full body, looking at viewer\n"
CROPS = "centre;0.25,0.02,0.75,0.35;0,0,0.5,1;0,0.3,1,0.6"


def make(root, names=("daberry",), kind=None):
    root.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        gen.save(gen.flat_art((832, 1216), seed=3 + i), root / f"{name}.png")
        (root / f"{name}.txt").write_text(CAPTION)
    if kind:
        (root / "lorapan.toml").write_text(f'[dataset]\nkind = "{kind}"\n')


def kind_of(lorapan_cmd, root) -> dict:
    return json.loads(lorapan_cmd("info", root, "--json").stdout)["kind"]


def findings(lorapan_cmd, root, rule) -> list[str]:
    doc = json.loads(lorapan_cmd("check", root, "--json").stdout)
    return [f["message"] for f in doc["findings"] if f["rule"] == rule]


def test_the_reviewers_flow_without_a_kind_ends_as_a_single_image_set(tmp_path, lorapan_cmd):
    make(tmp_path)
    kind = kind_of(lorapan_cmd, tmp_path)
    assert (kind["kind"], kind["source"]) == ("single-image", "inferred")
    assert "one image ('daberry.png')" in kind["evidence"][0]
    fix = lorapan_cmd("fix", tmp_path)  # pins the kind it fixed for
    assert "kind = 'single-image' (as inferred) written" in fix.stdout
    aug = lorapan_cmd("augment", tmp_path, "daberry.png", "--crops", CROPS)
    assert aug.returncode == 0, aug.stderr
    doc = json.loads(lorapan_cmd("check", tmp_path, "--json").stdout)
    ready = doc["readiness"]
    assert (ready["kind"], ready["images"], ready["aim_min"], ready["aim_max"]) == (
        "single-image", 10, 15, 20,
    )  # fmt: skip
    assert not [f for f in doc["findings"] if f["rule"] == "count.limited"]


def test_what_augment_made_from_one_source_decides_the_kind(tmp_path, lorapan_cmd):
    two = tmp_path / "two"
    make(two, names=("daberry", "other"))
    assert kind_of(lorapan_cmd, two)["kind"] == "character"  # two pictures, nothing made
    assert lorapan_cmd("augment", two, "daberry.png", "--crops", CROPS).returncode == 0
    kind = kind_of(lorapan_cmd, two)
    assert (kind["kind"], kind["source"]) == ("single-image", "inferred")
    assert "10 of 11 images are 'daberry.png'" in kind["evidence"][0]
    # a few copies of one picture among many pictures: still a character
    many = tmp_path / "many"
    make(many, names=[f"p{i}" for i in range(6)])
    assert lorapan_cmd("augment", many, "p0.png", "--alter", "flip,grayscale").returncode == 0
    assert kind_of(lorapan_cmd, many)["kind"] == "character"


def test_count_limited_names_only_the_steps_left_and_the_single_image_kind(tmp_path, lorapan_cmd):
    make(tmp_path, kind="character")
    (msg,) = findings(lorapan_cmd, tmp_path, "count.limited")
    assert "The guide's workflow: crop the sources" in msg and "add a grayscale copy" in msg
    assert "One image: that is the guide's single-image LoRA" in msg
    # crops only (no clones, no grayscale): those two steps are what is left
    ds = Dataset.open(tmp_path)
    plan = plan_augment(ds, ["daberry.png"], Options(crops=CROPS, ensure_gray=False))
    assert write_outputs(ds, plan.outputs, "crops").ok
    (msg,) = findings(lorapan_cmd, tmp_path, "count.limited")
    assert "still to do: clone the crops and alter the clones" in msg
    assert "add a grayscale copy" in msg and "crop the sources" not in msg
    assert "5 of 5 images are 'daberry.png' and copies of it" in msg
    assert 'set [dataset] kind = "single-image"' in msg
    # the rest of the recipe: the advice no longer repeats any step
    aug = lorapan_cmd("augment", tmp_path, "daberry.png", "--alter", "rotate,grayscale")
    assert aug.returncode == 0, aug.stderr
    (msg,) = findings(lorapan_cmd, tmp_path, "count.limited")
    assert "The guide's workflow is done here" in msg and "tag each piece by hand" in msg
    assert "crop the sources" not in msg and "add a grayscale copy" not in msg


def test_copies_made_elsewhere_count_once_the_analysis_groups_them(tmp_path, lorapan_cmd):
    make(tmp_path, names=("a", "b"), kind="character")
    source = gen.flat_art((832, 1216), seed=3)  # a.png's picture
    gen.save(gen.grayscale(source), tmp_path / "a_gray.png")
    gen.save(gen.flipped(source), tmp_path / "a_flip.png")
    for name in ("a_gray", "a_flip"):
        (tmp_path / f"{name}.txt").write_text(CAPTION)
    assert lorapan_cmd("scan", tmp_path).returncode == 0
    (msg,) = findings(lorapan_cmd, tmp_path, "count.limited")
    assert "still to do: crop the sources for each element, tag by hand" in msg
    assert "3 of 4 images are 'a.png' and copies of it" in msg


def test_pictures_kohya_never_trains_do_not_dilute_the_one_source(tmp_path, lorapan_cmd):
    """Reference pictures kept in a folder kohya ignores (``refs/`` beside ``10_daberry``)
    are not the set: the trained images all come from one source."""
    root = tmp_path / "ds"
    make(root / "10_daberry")
    aug = lorapan_cmd("augment", root, "10_daberry/daberry.png", "--crops", CROPS)
    assert aug.returncode == 0, aug.stderr
    make(root / "refs", names=tuple(f"ref{i}" for i in range(12)))
    kind = kind_of(lorapan_cmd, root)
    assert kind["kind"] == "single-image", kind
    assert "10 of 10 images are '10_daberry/daberry.png'" in " ".join(kind["evidence"])


def hand_made(root, n: int, version: int | None = None):
    """``n`` pictures of a single-image set made in an image editor (no augment records)."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        gen.save(gen.flat_art((512, 512), seed=40 + i), root / f"crop{i:02d}.png")
        (root / f"crop{i:02d}.txt").write_text(CAPTION)
    rules = f"\n[rules]\nsingle_image_version = {version}\n" if version else ""
    (root / "lorapan.toml").write_text(f'[dataset]\nkind = "single-image"\n{rules}')
    return root


def test_between_the_two_versions_the_count_says_what_to_do_for_either(tmp_path, lorapan_cmd):
    """22 hand-made crops: past the first version's 15-20, short of the second's 25-35
    (generated images added). It was told to 'add 3', which says nothing of what."""
    root = hand_made(tmp_path / "a", 22)
    [msg] = findings(lorapan_cmd, root, "count.aim")
    assert "15–20 made from its one picture, or 25–35 once generated images" in msg
    assert "Remove 2" in msg and "single_image_version = 2" in msg
    stated = hand_made(tmp_path / "b", 22, version=2)
    [msg] = findings(lorapan_cmd, stated, "count.aim")
    assert "aims for 25–35" in msg and "add 3" in msg
    generated = hand_made(tmp_path / "c", 28)  # past 25: the second version, in its aim
    assert not findings(lorapan_cmd, generated, "count.aim")


def test_a_set_augment_made_from_one_picture_keeps_the_first_versions_aim(tmp_path, lorapan_cmd):
    make(tmp_path, kind="single-image")
    aug = lorapan_cmd("augment", tmp_path, "daberry.png", "--crops", "grid:3x3;centre")
    assert aug.returncode == 0, aug.stderr
    n = json.loads(lorapan_cmd("info", tmp_path, "--json").stdout)["images"]
    assert n > 20
    [msg] = findings(lorapan_cmd, tmp_path, "count.aim")
    assert f"{n} images all made from one picture" in msg and f"Remove {n - 20}" in msg
