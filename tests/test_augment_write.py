"""Augment on a real dataset folder: file counts, sizes, captions, records, undo, no overwrite."""

from __future__ import annotations

import json

import imagegen as gen
import numpy as np
import pytest
from lorapan.core import provenance
from lorapan.core.augment.plan import Options, plan_augment
from lorapan.core.augment.writer import write_outputs
from lorapan.core.dataset import Dataset
from PIL import Image

CAPTION = "gob goblin focus, 1boy, green hair, anime screencap, smile\n"


def make_dataset(root, size=(1024, 768), name="gob.png", caption=CAPTION, settings=None):
    root.mkdir(parents=True, exist_ok=True)
    gen.save(gen.flat_art(size, seed=7), root / name)
    (root / name).with_suffix(".txt").write_text(caption)
    if settings:
        (root / "lorapan.toml").write_text(settings)
    return Dataset.open(root)


def files(root):
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".lorapan" not in p.parts
    )


def test_grid_crops_make_the_expected_files_with_exact_sizes(tmp_path):
    ds = make_dataset(tmp_path)
    plan = plan_augment(ds, ["gob.png"], Options(crops="grid:2x2", alter=""))
    names = [o.relpath for o in plan.outputs]
    # four crops plus the grayscale copy the guide insists on
    assert names == [f"gob__crop-g2x2-{i}.png" for i in range(1, 5)] + ["gob__gray.png"]
    result = write_outputs(ds, plan.outputs, "augment")
    assert result.ok and result.images == names
    src = np.asarray(Image.open(tmp_path / "gob.png").convert("RGB"))
    cell = np.asarray(Image.open(tmp_path / "gob__crop-g2x2-4.png").convert("RGB"))
    assert cell.shape == (384, 512, 3)
    assert (cell == src[384:, 512:]).all()  # the bottom-right quarter, pixel for pixel
    for out in plan.outputs:
        assert Image.open(tmp_path / out.relpath).size == out.size


def test_new_files_are_in_the_dataset_with_captions_from_the_source(tmp_path):
    ds = make_dataset(
        tmp_path,
        settings='[dataset]\ncore_tag = "gob goblin focus"\nstyle_tag = "anime screencap"\n',
    )
    plan = plan_augment(ds, ["gob.png"], Options(alter="flip,grayscale,lowres"))
    result = write_outputs(ds, plan.outputs, "augment")
    assert set(result.images) <= set(ds.items)
    flip = ds.items["gob__flip.png"]
    # core tag first, style tag second, then the source's tags in order
    assert flip.tags == ("gob goblin focus", "anime screencap", "1boy", "green hair", "smile")
    assert ds.items["gob__gray.png"].tags[-2:] == ("monochrome", "greyscale")
    assert ds.items["gob__lowres50.png"].tags[-3:] == ("low quality", "blurry", "worst quality")
    # the caption file keeps the source's conventions (final newline)
    assert (tmp_path / "gob__flip.txt").read_text().endswith("smile\n")
    gray = np.asarray(Image.open(tmp_path / "gob__gray.png").convert("RGB")).astype(int)
    assert (gray[..., 0] == gray[..., 2]).all()


def test_provenance_records_how_each_file_was_made_not_the_caption(tmp_path):
    ds = make_dataset(tmp_path)
    plan = plan_augment(ds, ["gob.png"], Options(crops="centre", alter="rotate:5"))
    write_outputs(ds, plan.outputs, "augment")
    records = provenance.load(tmp_path)
    rec = records["gob__crop-centre__rot5ccw.png"]
    assert rec["source"] == "gob.png" and rec["operation"] == "rotate"
    assert rec["params"] == {"degrees": 5.0, "mode": "crop"}
    assert [s["op"] for s in rec["steps"]] == ["crop", "rotate"]
    for rel in records:
        caption = (tmp_path / rel).with_suffix(".txt").read_text()
        assert "rotate" not in caption and "crop" not in caption


def test_undo_removes_every_new_file_and_the_records(tmp_path):
    ds = make_dataset(tmp_path)
    before = files(tmp_path)
    plan = plan_augment(ds, ["gob.png"], Options(crops="grid;pizza:6", alter="flip,grayscale"))
    result = write_outputs(ds, plan.outputs, "augment")
    assert len(result.images) == len(plan.outputs) > 10
    assert len(files(tmp_path)) == len(before) + 2 * len(result.images)
    undone = Dataset.open(tmp_path).undo()
    assert undone is not None and undone.ok
    assert files(tmp_path) == before
    assert provenance.load(tmp_path) == {}
    # what 'undo: … N images changed' counts: the images, not their captions and records
    assert sorted(undone.applied) == sorted(result.images)


def test_undo_keeps_a_new_file_that_was_edited_since(tmp_path):
    ds = make_dataset(tmp_path)
    plan = plan_augment(ds, ["gob.png"], Options(alter="flip"))
    write_outputs(ds, plan.outputs, "augment")
    (tmp_path / "gob__flip.txt").write_text("hand tagged, mirrored goblin\n")
    result = Dataset.open(tmp_path).undo()
    assert result is not None
    assert result.conflicts  # the hand-tagged caption is reported, not deleted
    assert (tmp_path / "gob__flip.txt").read_text() == "hand tagged, mirrored goblin\n"
    assert not (tmp_path / "gob__gray.png").exists()


def test_names_that_are_taken_get_a_counter_and_nothing_is_overwritten(tmp_path):
    ds = make_dataset(tmp_path)
    (tmp_path / "gob__gray.png").write_bytes(b"not mine")
    (tmp_path / "gob__flip.txt").write_text("someone's caption")
    ds = Dataset.open(tmp_path)
    plan = plan_augment(ds, ["gob.png"], Options(alter="flip,grayscale"))
    names = sorted(o.relpath for o in plan.outputs)
    assert names == ["gob__flip-2.png", "gob__gray-2.png"]
    write_outputs(ds, plan.outputs, "augment")
    assert (tmp_path / "gob__gray.png").read_bytes() == b"not mine"
    assert (tmp_path / "gob__flip.txt").read_text() == "someone's caption"
    # a second run gets fresh names again
    again = plan_augment(Dataset.open(tmp_path), ["gob.png"], Options(alter="flip"))
    assert [o.relpath for o in again.outputs] == ["gob__flip-3.png"]


def test_a_file_that_appears_after_planning_is_not_overwritten(tmp_path):
    ds = make_dataset(tmp_path)
    plan = plan_augment(ds, ["gob.png"], Options(alter="flip"))
    (tmp_path / "gob__flip.png").write_bytes(b"raced in")
    result = write_outputs(ds, plan.outputs, "augment")
    assert (tmp_path / "gob__flip.png").read_bytes() == b"raced in"
    assert [p for p, _ in result.conflicts] == ["gob__flip.png"]
    assert "gob__flip.png" not in result.images and "gob__gray.png" in result.images


def test_small_results_are_skipped_with_a_reason(tmp_path):
    ds = make_dataset(tmp_path, size=(600, 400))
    plan = plan_augment(ds, ["gob.png"], Options(crops="grid:3x3;centre", alter="", min_size=200))
    assert [s.name for s in plan.skipped] == [f"gob__crop-g3x3-{i}" for i in range(1, 10)]
    assert "200x133 is under the minimum of 200 px" in plan.skipped[0].reason
    assert [o.relpath for o in plan.outputs] == ["gob__crop-centre.png", "gob__gray.png"]


def test_min_size_comes_from_the_dataset_settings(tmp_path):
    from lorapan.core.augment.plan import min_size_setting

    ds = make_dataset(tmp_path, settings="[augment]\nmin_size = 500\n")
    assert min_size_setting(ds) == 500


def test_one_grayscale_copy_per_source_is_kept_not_repeated(tmp_path):
    ds = make_dataset(tmp_path)
    first = plan_augment(ds, ["gob.png"], Options(alter="flip"))
    assert "gob__gray.png" in [o.relpath for o in first.outputs]
    write_outputs(ds, first.outputs, "augment")
    second = plan_augment(Dataset.open(tmp_path), ["gob.png"], Options(alter="tint"))
    assert [o.operation for o in second.outputs] == ["tint"]


def test_crossover_is_offered_for_a_plain_background_and_added_on_request(tmp_path):
    ds = make_dataset(tmp_path)  # flat art: one background colour
    gen.save(gen.photo_like((800, 600), seed=1), tmp_path / "street.png")
    ds = Dataset.open(tmp_path)
    plan = plan_augment(ds, ["gob.png", "street.png"], Options(alter="flip", crossover=True))
    assert plan.constant_background == {"gob.png": True, "street.png": False}
    assert all(o.tags[-1] == "crossover" for o in plan.outputs if o.operation == "flip")


def test_jpeg_sources_stay_jpeg_and_exif_rotation_is_applied(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    gen.write_exif_rotated_jpeg(tmp_path / "tall.jpg", gen.photo_like((400, 700), seed=2))
    (tmp_path / "lorapan.toml").write_text('[dataset]\nstyle_tag = "anime screencap"\n')
    ds = Dataset.open(tmp_path)
    plan = plan_augment(ds, ["tall.jpg"], Options(alter="flip"))
    assert [o.relpath for o in plan.outputs] == ["tall__flip.jpg", "tall__gray.jpg"]
    assert plan.outputs[0].size == (400, 700)
    write_outputs(ds, plan.outputs, "augment")
    assert Image.open(tmp_path / "tall__flip.jpg").size == (400, 700)
    assert (tmp_path / "tall__flip.txt").read_text() == "anime screencap"


def test_an_unreadable_source_is_reported_and_the_rest_still_planned(tmp_path):
    ds = make_dataset(tmp_path)
    gen.write_truncated(tmp_path / "broken.png", gen.flat_art((300, 300)), fmt="PNG", keep=0.05)
    ds = Dataset.open(tmp_path)
    plan = plan_augment(ds, ["broken.png", "gob.png", "missing.png"], Options(alter="flip"))
    problems = dict(plan.problems)
    assert "truncated" in problems["broken.png"]
    assert "not an image of this dataset" in problems["missing.png"]
    assert {o.sources[0] for o in plan.outputs} == {"gob.png"}
    assert write_outputs(ds, plan.outputs, "augment").ok


def test_a_source_deleted_before_writing_is_reported_not_fatal(tmp_path):
    ds = make_dataset(tmp_path)
    gen.save(gen.flat_art((400, 400), seed=3), tmp_path / "ana.png")
    ds = Dataset.open(tmp_path)
    plan = plan_augment(ds, ["ana.png", "gob.png"], Options(alter="flip"))
    (tmp_path / "ana.png").unlink()
    result = write_outputs(ds, plan.outputs, "augment")
    assert sorted(p for p, _ in result.errors) == ["ana__flip.png", "ana__gray.png"]
    assert "moved or deleted" in result.errors[0][1]
    assert result.images == ["gob__flip.png", "gob__gray.png"]


def test_json_record_file_is_valid_after_two_runs(tmp_path):
    ds = make_dataset(tmp_path)
    write_outputs(ds, plan_augment(ds, ["gob.png"], Options(alter="flip")).outputs, "a")
    ds = Dataset.open(tmp_path)
    write_outputs(ds, plan_augment(ds, ["gob.png"], Options(alter="tint")).outputs, "b")
    doc = json.loads((tmp_path / ".lorapan" / "augment.json").read_text())
    assert doc["version"] == 1
    assert set(doc["files"]) == {"gob__flip.png", "gob__gray.png", "gob__tint-ff9a3c.png"}
    Dataset.open(tmp_path).undo()
    assert set(provenance.load(tmp_path)) == {"gob__flip.png", "gob__gray.png"}


@pytest.mark.parametrize("ext", [".png", ".webp"])
def test_alpha_is_kept_in_formats_that_have_it(tmp_path, ext):
    tmp_path.mkdir(exist_ok=True)
    gen.write_rgba_png(tmp_path / "sprite.png", gen.flat_art((400, 400)))
    if ext == ".webp":
        Image.open(tmp_path / "sprite.png").save(tmp_path / "sprite2.webp", lossless=True)
        (tmp_path / "sprite.png").unlink()
    ds = Dataset.open(tmp_path)
    rel = next(iter(ds.items))
    plan = plan_augment(ds, [rel], Options(alter="flip,grayscale"))
    write_outputs(ds, plan.outputs, "augment")
    # a flipped copy and a grayscale copy: an empty plan must not pass unchecked
    assert len(plan.outputs) == 2, [o.relpath for o in plan.outputs]
    for out in plan.outputs:
        img = Image.open(tmp_path / out.relpath)
        assert out.relpath.endswith(ext)
        assert img.mode in ("RGBA", "LA")
        assert img.getchannel("A").getextrema()[0] == 0  # the transparent corners survive


def test_a_gif_source_makes_png_files_named_png(tmp_path):
    """sd-scripts never reads a .gif: copies of one are PNGs, and named so."""
    root = tmp_path / "ds"
    root.mkdir()
    gen.flat_art((768, 768), seed=3).convert("P").save(root / "anim.gif", format="GIF")
    (root / "anim.txt").write_text(CAPTION)
    ds = Dataset.open(root)
    plan = plan_augment(ds, ["anim.gif"], Options(crops="", alter="flip"))
    assert [o.relpath for o in plan.outputs] == ["anim__flip.png", "anim__gray.png"]
    assert write_outputs(ds, plan.outputs, "augment").ok
    for out in plan.outputs:
        assert Image.open(root / out.relpath).format == "PNG"
