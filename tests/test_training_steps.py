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

    def real(r: int) -> int:
        folder = FolderSizes(tuple(sizes), r)
        return plan_steps([folder], spec, 3, max_train_epochs=1).total_steps

    r = repeats_for_target(sizes, spec, 3, 1, 1120)
    assert real(r) >= 1120 > real(r - 1)  # the fewest repeats that reach the target
    assert real(r) - 1120 < real(r) - real(r - 1)  # closer than one repeat's worth


def test_computed_repeats_train_the_planned_epochs_when_a_count_can():
    """kohya runs ``ceil(target / steps per epoch)`` epochs: a count one step short of
    the target in its epochs would add an epoch (and its save) for that step."""
    spec = BucketSpec(resolution=1024, max_bucket_reso=2048)
    checked = 0
    for n_tall in range(0, 30, 3):
        for n_square in range(1, 60, 7):
            sizes = [TALL] * n_tall + [SQUARE] * n_square
            for epochs, target in ((1, 1120), (1, 1105), (10, 1600)):
                r = repeats_for_target(sizes, spec, 3, epochs, target)
                counted = {
                    x: plan_steps(
                        [FolderSizes(tuple(sizes), x)], spec, 3, max_train_steps=target
                    ).epochs
                    for x in range(max(1, r - 3), r + 4)
                }
                if epochs in counted.values():
                    assert counted[r] == epochs, (n_tall, n_square, epochs, target, r)
                    checked += 1
    assert checked > 200  # the guide's one-epoch presets always can


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
    assert 600 <= real <= 610  # the first multiple that keeps the 1:2 ratio and reaches it


# -- one bucket lookup per distinct size (the per-image loop cost ~0.5 s at 10k images) --


def _per_image_batches(folders, spec, batch_size):
    """The previous implementation, kept as the reference: one lookup per image."""
    from collections import Counter

    resos = bucket_resolutions(spec)
    per_bucket = Counter()
    for folder in folders:
        for size in folder.sizes:
            per_bucket[assign_bucket(size, resos)] += folder.repeats
    return sum(math.ceil(n / batch_size) for n in per_bucket.values())


def _random_sizes(rng, n, distinct):
    pool = [(rng.randint(200, 4000), rng.randint(200, 4000)) for _ in range(distinct)]
    pool += [(512, 512), (384, 640), (704, 384), (1000, 1500), (448, 576)]  # on and between buckets
    return tuple(rng.choice(pool) for _ in range(n))


def test_distinct_size_counting_equals_per_image_result_on_random_sizes():
    import random
    from collections import Counter

    from lorapan.core.training.steps import bucket_counts

    rng = random.Random(8)
    for trial in range(40):
        spec = BucketSpec(
            resolution=rng.choice([512, 768, 1024]),
            enable_bucket=rng.random() > 0.1,
            max_bucket_reso=rng.choice([1024, 2048]),
        )
        folders = [
            FolderSizes(
                _random_sizes(rng, rng.randint(1, 300), rng.randint(1, 60)), rng.randint(1, 9)
            )
            for _ in range(rng.randint(1, 4))
        ]
        bs = rng.randint(1, 8)
        assert batches_per_epoch(folders, spec, bs) == _per_image_batches(folders, spec, bs), trial
        resos = bucket_resolutions(spec)
        sizes = folders[0].sizes
        assert bucket_counts(sizes, spec) == Counter(assign_bucket(s, resos) for s in sizes)


def test_each_distinct_size_is_assigned_a_bucket_once():
    """The aspect ratio (w / h) is worked out once per distinct size, not once per image."""
    from lorapan.core.training import steps

    calls = []

    class Width(int):
        def __truediv__(self, other):
            calls.append(int(self))
            return int(self) / other

    tall, square, wide = (Width(800), 1200), (Width(1000), 1000), (Width(640), 480)
    sizes = tuple([tall] * 500 + [square] * 300 + [wide] * 200)
    folders = [FolderSizes(sizes, 3), FolderSizes(sizes[:10], 5)]
    assert steps.batches_per_epoch(folders, RES512, 4) == _per_image_batches(folders, RES512, 4)
    calls.clear()
    steps.batches_per_epoch(folders, RES512, 4)
    assert len(calls) == 3 + 1  # per folder, one per distinct size (1000 + 10 images)
    calls.clear()
    steps.repeats_for_target(list(sizes), RES512, 3, 1, 1000)
    steps.weighted_repeats_for_target([list(sizes), list(sizes[:10])], [1, 2], RES512, 3, 1, 1000)
    assert len(calls) == 3 + 3 + 1
