"""Image counts against the kind's aim (``count.limited``, ``count.aim``)."""

from __future__ import annotations

from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding


def aim_range(ctx: RuleContext, total: int) -> tuple[int | None, int | None]:
    p = ctx.profile
    if p.second_aim:
        version = ctx.vocab.rules.get("single_image_version")
        if version == 2 or (version is None and total > (p.aim_max or 0)):
            return p.second_aim
    return p.aim_min, p.aim_max


def counts(v: View) -> list[Finding]:
    ctx, n = v.ctx, v.total
    p = ctx.profile
    out = []
    if p.limited_below and n < p.limited_below:
        out.append(
            Finding(
                "count.limited",
                "advice",
                f"{plural(n, 'image')}, under {p.limited_below} for a {p.label}: this is a "
                "limited dataset. The guide's workflow: crop the sources for each element, clone "
                "the crops and alter the clones (orientation, aspect ratio, angle), add a grayscale "
                "copy, tag by hand.",
            )
        )
        return out
    lo, hi = aim_range(ctx, n)
    if p.bundle or (lo is None and hi is None):
        return out
    if lo is not None and n < lo:
        msg = f"{plural(n, 'image')}: the guide aims for {lo}–{hi} for a {p.label}; add {lo - n}."
    elif hi is not None and n > hi:
        msg = f"{plural(n, 'image')}: the guide aims for {lo}–{hi} for a {p.label}; remove {n - hi} (keep the best)."
    else:
        return out
    out.append(Finding("count.aim", "warning", msg))
    return out
