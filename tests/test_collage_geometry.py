"""Collages of solo images: layout geometry, rendered pixels, merged captions, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from lorapan.core.augment.collage import (
    BUCKET_RATIOS,
    CollageError,
    layout,
    merge_tags,
    plan_collage,
)
from lorapan.core.augment.writer import write_outputs
from lorapan.core.dataset import Dataset
from lorapan.core.settings import Settings
from PIL import Image

GOB = "gob goblin focus, anime screencap, 1boy, solo, green_gob_hair, smile, sword"
ANA = "ana elf focus, 1girl, solo, blonde_ana_hair, anime screencap, smile, bow"
REX = "rex knight focus, anime screencap, 1boy, solo, armor"


@pytest.mark.parametrize(
    "sizes",
    [
        [(600, 900), (700, 1000)],
        [(1024, 768), (500, 500)],
        [(400, 1200), (400, 1200), (400, 1200)],
        [(600, 900), (600, 900), (600, 900), (600, 900)],
        [(300, 300), (2000, 600)],
    ],
)
def test_layout_balances_heights_keeps_shapes_and_lands_on_a_bucket(sizes):
    lay = layout(sizes)
    height = min(h for _, h in sizes)
    cw, ch = lay.canvas
    assert any(abs(math.log((cw / ch) / r)) < 0.02 for r in BUCKET_RATIOS)
    previous_right = -1
    for (w, h), (x, y, bw, bh) in zip(sizes, lay.boxes, strict=True):
        assert bh == height  # heights balanced
        assert bw / bh == pytest.approx(w / h, abs=0.01)  # each solo keeps its shape
        assert x >= 0 and x + bw <= cw and y >= 0 and y + bh <= ch  # inside the canvas
        assert x >= previous_right  # side by side, left to right, no overlap
        previous_right = x + bw


def test_gap_separates_the_images():
    lay = layout([(500, 500), (500, 500)], gap=40)
    (x0, _, w0, _), (x1, _, _, _) = lay.boxes
    assert x1 - (x0 + w0) == 40


def make_dataset(root):
    root.mkdir(parents=True, exist_ok=True)
    colours = {"gob": (30, 160, 40), "ana": (200, 170, 30), "rex": (90, 90, 200)}
    sizes = {"gob": (600, 900), "ana": (700, 1000), "rex": (500, 800)}
    for name, caption in (("gob", GOB), ("ana", ANA), ("rex", REX)):
        Image.new("RGB", sizes[name], colours[name]).save(root / f"{name}.png")
        (root / f"{name}.txt").write_text(caption)
    return Dataset.open(root)


def test_collage_pixels_are_the_solos_on_the_background(tmp_path):
    ds = make_dataset(tmp_path)
    out = plan_collage(ds, ["gob.png", "ana.png"], background=(10, 20, 30))
    result = write_outputs(ds, [out], "collage")
    assert result.images == ["collage__gob+ana.png"]
    img = np.asarray(Image.open(tmp_path / out.relpath).convert("RGB")).astype(int)
    assert (img.shape[1], img.shape[0]) == out.size
    lay = layout([(600, 900), (700, 1000)])
    for (x, y, w, h), colour in zip(lay.boxes, [(30, 160, 40), (200, 170, 30)], strict=True):
        centre = img[y + h // 2, x + w // 2]
        assert np.abs(centre - colour).max() <= 2
    # padding (top row, outside any box) is the background colour
    assert (img[0, 0] == [10, 20, 30]).all() and (img[-1, -1] == [10, 20, 30]).all()


def test_couple_caption_merges_solos_and_drops_forbidden_tags(tmp_path):
    ds = make_dataset(tmp_path)
    out = plan_collage(ds, ["gob.png", "ana.png"])
    assert out.tags == (
        "gob and ana couple focus",  # names, each once: the guide's couple shape
        "anime screencap",
        "green_gob_hair",
        "smile",
        "sword",
        "blonde_ana_hair",
        "bow",
    )
    for banned in ("1girl", "1boy", "solo", "gob goblin focus"):
        assert banned not in out.tags


def test_group_core_tag_counts_the_people(tmp_path):
    ds = make_dataset(tmp_path)
    out = plan_collage(ds, ["gob.png", "ana.png", "rex.png"])
    assert out.tags[0] == "gob and ana and rex_1girl_2boys focus"
    assert out.size[0] / out.size[1] in BUCKET_RATIOS or any(
        abs(out.size[0] / out.size[1] - r) < 0.01 for r in BUCKET_RATIOS
    )


def test_core_tag_override_and_style_in_underscores():
    settings = Settings(style_tag="anime_screencap")
    tags = merge_tags(
        [("a focus", "1girl", "x"), ("b focus", "anime_screencap", "2girls")],
        settings,
        "a and b couple focus",
    )
    assert tags == ("a and b couple focus", "anime_screencap", "x")


def test_bad_collages_are_refused_with_a_reason(tmp_path):
    ds = make_dataset(tmp_path)
    with pytest.raises(CollageError, match="2 to 4"):
        plan_collage(ds, ["gob.png"])
    with pytest.raises(CollageError, match="twice"):
        plan_collage(ds, ["gob.png", "gob.png"])
    with pytest.raises(CollageError, match="inside the dataset"):
        plan_collage(ds, ["gob.png", "ana.png"], out="../elsewhere")


def test_out_name_and_collisions(tmp_path):
    ds = make_dataset(tmp_path)
    (tmp_path / "pairs").mkdir()
    (tmp_path / "pairs" / "duo.png").write_bytes(b"taken")
    out = plan_collage(ds, ["gob.png", "ana.png"], out="pairs/duo.png")
    assert out.relpath == "pairs/duo-2.png" and out.caption_relpath == "pairs/duo-2.txt"
    write_outputs(ds, [out], "collage")
    assert (tmp_path / "pairs" / "duo.png").read_bytes() == b"taken"


def test_an_absolute_out_path_is_taken_inside_the_dataset_and_refused_outside(tmp_path):
    root = tmp_path / "ds"
    root.mkdir()
    ds = make_dataset(root)
    out = plan_collage(ds, ["gob.png", "ana.png"], out=str(root / "pairs" / "duo"))
    assert out.relpath == "pairs/duo.png"  # not ds/tmp/.../pairs/duo.png
    with pytest.raises(CollageError, match="outside the dataset"):
        plan_collage(ds, ["gob.png", "ana.png"], out=str(tmp_path / "elsewhere"))


def test_collage_cli_dry_run_then_make_then_undo(tmp_path, lorapan_cmd):
    make_dataset(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    dry = lorapan_cmd("collage", tmp_path, "gob.png", "ana.png", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    doc = json.loads(dry.stdout)
    assert doc["collage"]["tags"][0] == "gob and ana couple focus"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    made = lorapan_cmd("collage", tmp_path, "gob.png", str(tmp_path / "ana.png"), "--out", "duo")
    assert made.returncode == 0, made.stderr
    assert "made duo.png" in made.stdout
    assert (tmp_path / "duo.txt").read_text().startswith("gob and ana couple focus")
    undo = lorapan_cmd("undo", tmp_path)
    assert undo.returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".lorapan") == before


def test_collage_cli_usage_errors(tmp_path, lorapan_cmd):
    make_dataset(tmp_path)
    one = lorapan_cmd("collage", tmp_path, "gob.png")
    assert one.returncode == 2 and "2 to 4" in one.stderr
    colour = lorapan_cmd("collage", tmp_path, "gob.png", "ana.png", "--background", "teal")
    assert colour.returncode == 2 and "#ff9a3c" in colour.stderr
    assert "Traceback" not in one.stderr + colour.stderr


def test_a_collage_of_one_character_keeps_its_core_tag_and_passes_tags_core(tmp_path):
    """The issue's 'gob goblin with third eye and gob goblin with third eye couple focus'."""
    from lorapan.core.rules.engine import RulesEngine

    core = "gob goblin with third eye focus"
    root = tmp_path / "d"
    root.mkdir()
    for i in range(2):
        Image.new("RGB", (300, 400), (40 * i, 90, 90)).save(root / f"g{i}.png")
        (root / f"g{i}.txt").write_text(f"{core}, anime screencap, 1boy, smile {i}")
    (root / "lorapan.toml").write_text(f'[dataset]\ncore_tag = "{core}"\n')
    ds = Dataset.open(root)
    out = plan_collage(ds, ["g0.png", "g1.png"])
    assert out.tags[0] == core
    write_outputs(ds, [out], "collage")
    report = RulesEngine(Dataset.open(root), live=False).check(["tags.core"])
    assert not report.findings
    same = merge_tags([(core, "smile"), (core, "sword")], Settings())
    assert same[0] == core  # no core set: one subject twice keeps its own first tag
