"""Rules of one dataset kind: backgrounds (indoor or outdoor), styles (tag all or none)."""

from __future__ import annotations

from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding


def indoor_outdoor(v: View) -> list[Finding]:
    if v.ctx.dataset.settings.kind != "background":
        return []
    ind, outd = v.group("_indoor"), v.group("_outdoor")
    if not ind or not outd:
        return []
    minority = ind if len(ind) <= len(outd) else outd
    return [
        Finding(
            "background.indoor-outdoor",
            "warning",
            f"{len(ind)} indoor and {len(outd)} outdoor images: a background dataset focuses on "
            "one or the other; both belong in a backgrounds bundle.",
            minority.images,
        )
    ]


def style_tagging(v: View) -> list[Finding]:
    if v.ctx.dataset.settings.kind != "style" or not v.total:
        return []
    bare = v.group("_bare")
    nb = len(bare) if bare else 0
    if nb == 0:
        return []
    if nb == v.total:
        msg = "no image is tagged beyond the core/style tags: fine for a style, but train longer (more epochs)."
    else:
        msg = (
            f"{nb} of {v.total} images carry only the core/style tags while the rest are tagged: "
            "for a style, tag everything or nothing (nothing needs more epochs)."
        )
    return [Finding("style.tag-all-or-none", "advice", msg, bare.images if bare else [])]
