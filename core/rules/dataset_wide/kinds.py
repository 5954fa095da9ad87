"""The kind itself (``dataset.kind``) and rules of one kind: backgrounds (indoor or
outdoor), styles (tag all or none)."""

from __future__ import annotations

import math

from lorapan.core.method.kind import kind_guess
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding, Fix
from lorapan.core.settings import KINDS
from lorapan.core.training.presets import preset_for_kind

#: The smaller side (interior or exterior) needs this share, and two images, to count.
PLACE_MINORITY = 0.05


def dataset_kind(v: View) -> list[Finding]:
    """While lorapan.toml does not state the kind: what was inferred, and why; confirm it."""
    ctx = v.ctx
    guess = kind_guess(ctx.dataset)
    if guess.confirmed:
        return []
    confirm = ctx.command("fix", "--rule", "dataset.kind")
    if guess.source == "inferred":
        msg = f"kind: {guess.describe()} — confirm: `{confirm}`"
    else:
        msg = (
            f"kind: {guess.describe()}; checked as {guess.kind} for now — set [dataset] kind "
            f"in lorapan.toml (one of: {', '.join(KINDS)}), or confirm {guess.kind}: `{confirm}`"
        )
    msg += "; the kind decides the blacklist, hair/eye rules, coverage, aims and training preset."
    label = f"set kind = '{guess.kind}' in lorapan.toml (undo reverts it)"
    fix = Fix(label, lambda _ds: [], "dataset.kind", settings={"kind": guess.kind})
    return [Finding("dataset.kind", "advice", msg, [], fix, key="dataset.kind")]


def indoor_outdoor(v: View) -> list[Finding]:
    if v.ctx.dataset.settings.kind != "background":
        return []
    ind, outd = v.group("_place", "indoor"), v.group("_place", "outdoor")
    if not ind or not outd:
        return []
    minority = ind if len(ind) <= len(outd) else outd
    if len(minority) < max(2, math.ceil(PLACE_MINORITY * v.total)):
        return []
    other = "exterior" if minority is outd else "interior"
    return [
        Finding(
            "background.indoor-outdoor",
            "warning",
            f"{len(ind)} interior and {len(outd)} exterior images (counted from each image's "
            "own tags, each image once): the guide says 'if indoors focus on indoors, if "
            "outdoors focus on outdoors; if wanting both, proceed to Level 3' — a backgrounds "
            f"bundle. Set the {len(minority)} {other} images aside, or make it a bundle: "
            "[dataset] kind = 'bundle-backgrounds' with one folder per background.",
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
    target = int(preset_for_kind("style").params.get("targetSteps", 0) or 0) or 1105
    longer = (
        "the preset's targetSteps fixes a run's length, and more epochs alone only split it, "
        f"so raise the target: `{v.ctx.command('train', '--dry-run', '--set', f'targetSteps={2 * target}')}` "
        f"(twice the preset's {target})"
    )
    if nb == v.total:
        msg = f"no image is tagged beyond the core/style tags: fine for a style, but train longer: {longer}."
    else:
        msg = (
            f"{nb} of {v.total} images carry only the core/style tags while the rest are tagged: "
            f"for a style, tag everything or nothing (nothing needs a longer run: {longer})."
        )
    return [Finding("style.tag-all-or-none", "advice", msg, bare.images if bare else [])]
