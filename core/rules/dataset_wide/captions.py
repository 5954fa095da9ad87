"""How the captions are written (``captions.prose``): which rules apply to sentences."""

from __future__ import annotations

from lorapan.core.method.prose import shuffle_advice
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding

#: rules that read tags: on sentences they apply to the tag fields only
TAG_RULES = (
    "tags.blacklist",
    "tags.hair-unique",
    "tags.eyes-unique",
    "tags.conflict",
    "tags.duplicate",
    "tags.constant",
    "tags.kind-prune",
    "tags.inconsistent",
    "quality.lowq-tag",
)


def prose(v: View) -> list[Finding]:
    style = v.ctx.captions
    if not style.has_sentences:
        return []
    _shuffle, why = shuffle_advice(style)
    msg = (
        f"the captions are {style.describe()}: the tag rules "
        f"({', '.join(TAG_RULES)}) read only the fields that are tags, never a sentence; "
        "coverage cannot be counted from sentences, so its items are ticked by hand. "
        f"Training: {why}."
    )
    return [Finding("captions.prose", "advice", msg, key="captions.prose")]
