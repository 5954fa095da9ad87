"""Aspect-ratio bucket bounds that follow the resolution (kohya.md §1 and §6).

sd-scripts asserts ``min_bucket_reso <= resolution <= max_bucket_reso`` only after
the model has loaded, so a fixed ``min_bucket_reso = 256`` stopped a 128 px run
late. The defaults here scale with the resolution and match the documented ones
at the usual sizes: 512 → 256…1024 (SD1.5), 1024 → 256…2048 (SDXL). Steps must
divide by 64 on SD1.5 and by 32 on SDXL (``verify_bucket_reso_steps``).
"""

from __future__ import annotations

from dataclasses import dataclass

STEP = 64  # kohya's default; divisible by 32, so SDXL accepts it too


@dataclass(frozen=True)
class BucketBounds:
    min_reso: int
    max_reso: int
    step: int


def default_bounds(resolution: int) -> BucketBounds:
    """Half the resolution (at most 256) up to twice the resolution, in steps of 64."""
    low = max(STEP, min(256, resolution // 2 // STEP * STEP))
    high = -(-2 * resolution // STEP) * STEP  # rounded up to a whole step
    return BucketBounds(low, high, STEP)


def bucket_bounds(resolution: int, settings: dict) -> BucketBounds:
    """The defaults, with any of ``min_bucket_reso``/``max_bucket_reso``/``bucket_reso_steps`` set."""
    auto = default_bounds(resolution)
    return BucketBounds(
        int(settings.get("min_bucket_reso") or auto.min_reso),
        int(settings.get("max_bucket_reso") or auto.max_reso),
        int(settings.get("bucket_reso_steps") or auto.step),
    )


def bucket_problems(resolution: int, bounds: BucketBounds, sdxl: bool) -> list[str]:
    """What sd-scripts would assert about these bounds, before it loads anything."""
    problems = []
    divisor = 32 if sdxl else 64
    if bounds.step <= 0 or bounds.step % divisor:
        family = "SDXL" if sdxl else "SD1.5"
        problems.append(
            f"bucket_reso_steps = {bounds.step}: {family} needs a multiple of {divisor}"
        )
    if bounds.min_reso > resolution:
        problems.append(
            f"min_bucket_reso = {bounds.min_reso} is above the resolution {resolution} "
            f"(sd-scripts stops: it must be at most the resolution)"
        )
    if bounds.max_reso < resolution:
        problems.append(
            f"max_bucket_reso = {bounds.max_reso} is below the resolution {resolution} "
            f"(sd-scripts stops: it must be at least the resolution)"
        )
    return problems
