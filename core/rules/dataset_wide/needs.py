"""Rules that wait for another command's cache say which command fills it."""

from __future__ import annotations

from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding


def needs_inputs(v: View) -> list[Finding]:
    ctx = v.ctx
    out = []
    if ctx.facts is None:
        for rule in ("image.unreadable", "quality.lowq-tag", "clones.ratio", "altered.kinds"):
            out.append(
                Finding(
                    rule,
                    "advice",
                    f"needs image analysis, none cached yet: run `{ctx.command('scan')}`.",
                    key=f"{rule}:needs-scan",
                )
            )
    elif ctx.clone_groups is None:
        out.append(
            Finding(
                "clones.ratio",
                "advice",
                f"clone groups are not available yet: run `{ctx.command('scan')}`.",
                key="clones.ratio:needs-scan",
            )
        )
    if not ctx.scores_loaded:
        out.append(
            Finding(
                "tags.inconsistent",
                "advice",
                f"needs a tagger run (no cached tagger scores): run `{ctx.command('autotag')}` so elements "
                "seen in fewer than 15 images can be checked.",
                key="tags.inconsistent:needs-tagger",
            )
        )
    return out
