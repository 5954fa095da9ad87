"""Tags on most images: nearly constant tags (``tags.constant``) and, for kinds that
prune the subject's own tags, the candidates (``tags.kind-prune``).
"""

from __future__ import annotations

import math

from lorapan.core.rules import fixes
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding

CONSTANT_SHARE = 0.9
CONSTANT_MIN_IMAGES = 10
PRUNE_CANDIDATE_SHARE = 0.5


def _own_tags(ctx: RuleContext) -> set[str]:
    v = ctx.vocab
    return {ctx.core_norm, ctx.style_norm, *ctx.subjects, *v.lowq, *v.blacklist, *v.kind_prune}


def constant(v: View) -> list[Finding]:
    n = v.total
    if n < CONSTANT_MIN_IMAGES:
        return []
    need = math.ceil(CONSTANT_SHARE * n)
    own = _own_tags(v.ctx)
    voc = v.ctx.vocab
    out = []
    for tag in v.frequent:
        c = v.counts.get(tag, 0)
        if c < need or tag in own or voc.is_unique_hair(tag) or voc.is_unique_eyes(tag):
            continue
        images = v.images_of(tag)
        out.append(
            Finding(
                "tags.constant",
                "advice",
                f"'{tag}' is on {c} of {n} images: a tag on nearly every image is absorbed "
                "anyway; the guide tags what varies. Consider pruning it.",
                images,
                fixes.remove_one_fix("tags.constant", tag, images),
                key=f"tags.constant:{tag}",
            )
        )
    return out


def prune_candidates(v: View) -> list[Finding]:
    ctx = v.ctx
    if not ctx.profile.prune or ctx.vocab.kind_prune or v.total == 0:
        return []
    need = max(2, math.ceil(PRUNE_CANDIDATE_SHARE * v.total))
    own = _own_tags(ctx)
    cands = sorted(
        ((v.counts[t], t) for t in v.frequent if v.counts.get(t, 0) >= need and t not in own),
        reverse=True,
    )[:12]
    if not cands:
        return []
    names = ", ".join(f"'{t}' ×{c}" for c, t in cands)
    return [
        Finding(
            "tags.kind-prune",
            "advice",
            f"a dataset of this kind ({ctx.profile.label}) drops the tags that describe the subject itself. "
            f"Candidates (on most images): {names}. List the ones to drop under [rules] "
            "kind_prune in lorapan.toml.",
            key="tags.kind-prune:candidates",
        )
    ]
