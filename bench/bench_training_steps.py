"""Step math at 10,000 images: one bucket lookup per image vs per distinct size.

``batches_per_epoch`` and ``repeats_for_target`` used to assign a bucket to every
image (a Python ``min`` over ~30 buckets each); now each distinct (w, h) is
assigned once. Both are timed here on the same sizes and must agree.

    python bench/bench_training_steps.py [images] [distinct_sizes]
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from collections import Counter

from lorapan.core.training.steps import (
    BucketSpec,
    FolderSizes,
    assign_bucket,
    batches_per_epoch,
    bucket_resolutions,
    repeats_for_target,
)


def per_image_batches(folders: list[FolderSizes], spec: BucketSpec, batch_size: int) -> int:
    """The previous implementation (reference)."""
    resos = bucket_resolutions(spec)
    per_bucket: Counter = Counter()
    for folder in folders:
        for size in folder.sizes:
            per_bucket[assign_bucket(size, resos)] += folder.repeats
    return sum(math.ceil(n / batch_size) for n in per_bucket.values())


def per_image_repeats(sizes, spec, batch_size, epochs, target) -> int:
    """The previous ``repeats_for_target`` body: bucket_counts one image at a time."""
    resos = bucket_resolutions(spec)
    counts = Counter(assign_bucket(s, resos) for s in sizes)
    r0 = target * batch_size / (len(sizes) * epochs)

    def steps(r: int) -> int:
        return epochs * sum(math.ceil(c * r / batch_size) for c in counts.values())

    lo = max(1, math.floor(r0) - 3)
    return min(
        range(lo, max(lo, math.ceil(r0) + 3) + 1), key=lambda r: (abs(steps(r) - target), -r)
    )


def timed(fn, rounds: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    distinct = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(1)
    pool = [(rng.randint(300, 4000), rng.randint(300, 4000)) for _ in range(distinct)]
    sizes = tuple(rng.choice(pool) for _ in range(n))
    spec = BucketSpec(resolution=1024, max_bucket_reso=2048)
    folders = [FolderSizes(sizes, 2)]
    print(f"{n} images, {len(set(sizes))} distinct sizes, {len(bucket_resolutions(spec))} buckets")
    for name, old, new in (
        (
            "batches_per_epoch",
            lambda: per_image_batches(folders, spec, 3),
            lambda: batches_per_epoch(folders, spec, 3),
        ),
        (
            "repeats_for_target",
            lambda: per_image_repeats(list(sizes), spec, 3, 1, 20000),
            lambda: repeats_for_target(list(sizes), spec, 3, 1, 20000),
        ),
    ):
        t_old, r_old = timed(old)
        t_new, r_new = timed(new)
        assert r_old == r_new, (name, r_old, r_new)
        print(
            f"{name:20s} per image {t_old * 1000:8.1f} ms   per distinct size "
            f"{t_new * 1000:6.2f} ms   ({t_old / t_new:.0f}x, same result {r_new})"
        )


if __name__ == "__main__":
    main()
