"""Training with regularisation (class) images: ``is_reg`` subsets and kohya's step math.

sd-scripts raises the class images' repeats until they match the training images
with repeats (``DreamBoothDataset.__init__``, ``library/train_util.py``); the
``kohya`` tests compare these predictions with sd-scripts' own dataset build.
"""

from __future__ import annotations

import json
import math
import random
import sys

from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs
from lorapan.core.training.schema import validate_dataset_config
from lorapan.core.training.steps import (
    BucketSpec,
    FolderSizes,
    batches_per_epoch,
    raised_reg_repeats,
)
from reg_sets import class_images, sks_layout, train_images, write_settings
from test_training_env import runnable_training

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

SQUARE, TALL, WIDE = (128, 128), (128, 192), (192, 128)


def kohya_loop(num_train_images: int, reg_repeats: list[int]) -> list[int]:
    """sd-scripts' loop as written (48d368fa), on ImageInfo-like counters."""
    infos = [[r] for r in reg_repeats if r >= 1]  # subsets with num_repeats < 1 are skipped
    registered: set[int] = set()
    n = 0
    first_loop = True
    while n < num_train_images:
        for i, info in enumerate(infos):
            if first_loop:
                registered.add(i)
                n += info[0]
            else:
                info[0] += 1
                n += 1
            if n >= num_train_images:
                break
        first_loop = False
    kept = iter(info[0] if i in registered else 0 for i, info in enumerate(infos))
    return [next(kept) if r >= 1 else 0 for r in reg_repeats]


def test_raised_repeats_follow_sd_scripts_loop():
    rng = random.Random(7)
    for _ in range(400):
        train = rng.choice([0, 1, 5, 18, 40, 97, 450])
        base = [rng.choice([1, 1, 2, 3]) for _ in range(rng.randint(1, 25))]
        assert raised_reg_repeats(train, base) == kohya_loop(train, base), (train, base)
    assert raised_reg_repeats(18, [1, 1, 1, 1]) == [5, 5, 4, 4]
    assert raised_reg_repeats(10, [1] * 17) == [1] * 10 + [0] * 7  # the rest is not used
    assert raised_reg_repeats(5, [2, 2, 2]) == [2, 2, 2]  # 6 >= 5: registered, not raised
    assert raised_reg_repeats(5, [0, 1]) == [0, 5]  # a subset of 0 repeats is skipped


def test_an_epoch_holds_class_images_bucket_by_bucket():
    """6 training images × 3 = 18; 4 class images raised to 5, 5, 4, 4 (in their order)."""
    spec = BucketSpec(resolution=256, enable_bucket=True, min_bucket_reso=64, max_bucket_reso=512)
    train = FolderSizes((SQUARE, SQUARE, TALL, TALL, WIDE, WIDE), 3)
    reg = FolderSizes((TALL, SQUARE, SQUARE, WIDE), 1, is_reg=True)
    # training: 6 square, 6 tall, 6 wide; class: tall 5, square 5 + 4, wide 4
    per_bucket = {"square": 6 + 9, "tall": 6 + 5, "wide": 6 + 4}
    expected = sum(math.ceil(n / 2) for n in per_bucket.values())
    assert batches_per_epoch([train, reg], spec, 2) == expected == 8 + 6 + 5
    assert batches_per_epoch([train], spec, 2) == 9


def _plan(root, **overrides):
    return build_plan(load_inputs(root), root / "run", overrides=overrides)


def test_dataset_toml_marks_class_subsets_is_reg_with_their_class_token(tmp_path):
    root = sks_layout(tmp_path / "ds", training=runnable_training(tmp_path))
    plan = _plan(root)
    assert validate_dataset_config(plan.dataset_config) == []
    train, reg = plan.dataset_config["datasets"][0]["subsets"]
    assert train["image_dir"] == str(root / "img" / "3_gob") and "is_reg" not in train
    assert reg == {
        "image_dir": str(root / "reg" / "1_man"),
        "num_repeats": 1,
        "is_reg": True,
        "class_tokens": "man",
    }
    assert plan.num_repeats == [train["num_repeats"]]  # computed for the training folder only
    assert plan.dataset["images"] == 6 and plan.dataset["reg_images"] == 12


def test_steps_count_the_raised_class_images(tmp_path):
    """Hand count: 6 training images × 3 (folder repeats) and 12 class images, batch 3,
    no buckets: 18 + 18 with repeats = 12 batches an epoch, 2 epochs."""
    training = runnable_training(
        tmp_path, targetSteps=0, maxTrainEpochs=2, numRepeats="folder", enableBucket=False
    )
    root = sks_layout(tmp_path / "ds", training=training)
    plan = _plan(root)
    st = plan.steps
    assert (st.images, st.images_with_repeats) == (6, 18)
    assert (st.reg_images, st.reg_used, st.reg_with_repeats) == (12, 12, 18)
    assert (st.batches_per_epoch, st.steps_per_epoch, st.epochs, st.total_steps) == (12, 12, 2, 24)
    assert "--max_train_epochs" in plan.argv


def test_a_step_target_counts_the_training_images_steps(tmp_path):
    """The repeats are the ones without class images; the run is the same share of its
    longer epochs, so the training images get the steps the target asks for."""
    training = runnable_training(tmp_path, targetSteps=40, resolution=256)
    root = sks_layout(tmp_path / "ds", training=training)
    with_reg = _plan(root)
    (root / "reg").rename(tmp_path / "reg-aside")
    alone = _plan(root)
    assert with_reg.num_repeats == alone.num_repeats
    assert alone.steps.total_steps == 40
    expected = math.ceil(40 * with_reg.steps.steps_per_epoch / alone.steps.steps_per_epoch)
    assert with_reg.steps.total_steps == expected
    i = with_reg.argv.index("--max_train_steps")
    assert with_reg.argv[i + 1] == str(expected)
    [note] = [n for n in with_reg.notes if n.startswith("regularisation:")]
    assert f"targetSteps 40 counts the training images' steps, so the run takes {expected}" in note


def test_more_class_images_than_needed_say_how_many_are_used(tmp_path):
    training = runnable_training(tmp_path, targetSteps=0, numRepeats="folder", maxTrainEpochs=1)
    root = tmp_path / "ds"
    train_images(root / "img" / "2_gob", 5)
    class_images(root / "reg" / "1_man", 17)
    write_settings(root, training=training)
    plan = _plan(root)
    assert (plan.steps.reg_used, plan.steps.reg_with_repeats) == (10, 10)
    assert any("only 10 of them are used" in n for n in plan.notes)


def test_a_set_without_class_folders_plans_as_before(tmp_path):
    training = runnable_training(tmp_path, targetSteps=0, numRepeats="folder", maxTrainEpochs=2)
    root = tmp_path / "ds"
    train_images(root / "img" / "3_gob")
    write_settings(root, training=training)
    plan = _plan(root)
    [sub] = plan.dataset_config["datasets"][0]["subsets"]
    assert "is_reg" not in sub
    assert plan.steps.reg_images == 0 and plan.steps.total_steps == 2 * 6  # 18 / 3 × 2
    assert not any("regularisation" in n for n in plan.notes)


def test_train_dry_run_is_not_blocked_by_uncaptioned_class_images(tmp_path, lorapan_cmd):
    root = sks_layout(tmp_path / "ds", captioned=0, training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--dry-run", "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    out = json.loads(res.stdout)
    subsets = tomllib.loads(out["dataset_config"])["datasets"][0]["subsets"]
    assert [s.get("is_reg", False) for s in subsets] == [False, True]
    assert out["steps"]["images"] == 6 and out["steps"]["reg_images"] == 12
    assert out["steps"]["reg_images_with_repeats"] == out["steps"]["images_with_repeats"]
    assert not [c for c in out["checks"] if c["level"] == "error"]
    assert all(p.startswith("gob goblin") for p in out["prompts"])  # no 'man, …' prompt
    text = lorapan_cmd("train", root, "--dry-run")
    assert "is_reg = true" in text.stdout and 'class_tokens = "man"' in text.stdout
    assert "info: regularisation: 12 class images in reg/1_man (class 'man')" in text.stdout
    assert "+ 12 class images raised to" in text.stdout
