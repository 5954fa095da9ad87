"""kohya's bucket-aware step math against the worked examples (kohya.md §3, fixtures)."""

from __future__ import annotations

import math

from lorapan.core.training.steps import (
    BucketSpec,
    FolderSizes,
    assign_bucket,
    batches_per_epoch,
    bucket_resolutions,
    civitai_steps,
    plan_steps,
    repeats_for_target,
)

TALL = (800, 1200)  # 2:3
SQUARE = (1000, 1000)
RES512 = BucketSpec(resolution=512, enable_bucket=True)


def test_512_defaults_give_17_buckets():
    assert len(bucket_resolutions(RES512)) == 17


def test_worked_example_buckets():
    resos = bucket_resolutions(RES512)
    assert assign_bucket(TALL, resos) == (384, 640)
    assert assign_bucket(SQUARE, resos) == (512, 512)


def test_worked_example_38_steps_per_epoch_vs_civitai_375():
    folder = FolderSizes(tuple([TALL] * 10 + [SQUARE] * 5), repeats=10)
    assert batches_per_epoch([folder], RES512, 4) == 25 + 13
    plan = plan_steps([folder], RES512, 4, max_train_epochs=10)
    assert (plan.steps_per_epoch, plan.total_steps) == (38, 380)
    assert civitai_steps(15, 10, 10, 4) == 375


def test_without_buckets_one_bucket():
    spec = BucketSpec(resolution=128, enable_bucket=False)
    folder = FolderSizes(tuple([TALL] * 10 + [SQUARE] * 5), repeats=10)
    assert batches_per_epoch([folder], spec, 4) == math.ceil(150 / 4)


def test_fixture_runs_step_counts():
    """The captured runs: 6 images × 3 repeats; bs 3 → 6 batches, bs 2 → 9 (README)."""
    spec = BucketSpec(resolution=128, enable_bucket=False)
    folder = FolderSizes(((128, 128),) * 6, repeats=3)
    adamw = plan_steps([folder], spec, 3, max_train_steps=10)
    assert (adamw.steps_per_epoch, adamw.epochs, adamw.images_with_repeats) == (6, 2, 18)
    adafactor = plan_steps([folder], spec, 2, max_train_steps=10)
    assert (adafactor.steps_per_epoch, adafactor.epochs) == (9, 2)


def test_epochs_override_steps_and_default_1600():
    spec = BucketSpec(resolution=128, enable_bucket=False)
    folder = FolderSizes(((128, 128),) * 6, repeats=3)
    assert plan_steps([folder], spec, 3, max_train_steps=10, max_train_epochs=3).total_steps == 18
    assert plan_steps([folder], spec, 3).total_steps == 1600


def test_repeats_for_guide_target_lands_close_with_buckets():
    """The characters preset: 1120 steps in 1 epoch, batch 3, mixed aspect ratios."""
    spec = BucketSpec(resolution=1024, max_bucket_reso=2048)
    sizes = [TALL] * 23 + [SQUARE] * 17
    r = repeats_for_target(sizes, spec, 3, 1, 1120)
    real = plan_steps([FolderSizes(tuple(sizes), r)], spec, 3, max_train_epochs=1).total_steps
    for other in (r - 1, r + 1):  # no neighbour gets closer to the target
        alt = plan_steps(
            [FolderSizes(tuple(sizes), other)], spec, 3, max_train_epochs=1
        ).total_steps
        assert abs(real - 1120) <= abs(alt - 1120)
    assert abs(real - 1120) <= 2


def test_more_processes_need_more_repeats():
    sizes = [SQUARE] * 30
    one = repeats_for_target(sizes, RES512, 3, 1, 600)
    two = repeats_for_target(sizes, RES512, 3, 1, 600, num_processes=2)
    assert two == 2 * one


def test_weighted_repeats_keep_folder_ratio_and_hit_target():
    from lorapan.core.training.steps import weighted_repeats_for_target

    a, b = [SQUARE] * 20, [TALL] * 10  # the user weighted folder b double (N_ 2 vs 4)
    reps = weighted_repeats_for_target([a, b], [2, 4], RES512, 3, 1, 600)
    assert reps[1] == 2 * reps[0]
    folders = [FolderSizes(tuple(a), reps[0]), FolderSizes(tuple(b), reps[1])]
    real = plan_steps(folders, RES512, 3, max_train_epochs=1).total_steps
    assert abs(real - 600) <= 10  # nearest multiple that keeps the 1:2 ratio
