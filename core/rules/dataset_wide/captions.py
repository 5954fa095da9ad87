"""How the captions are written (``captions.prose``): which rules apply to sentences."""

from __future__ import annotations

from lorapan.core.method.anchor import trained_items
from lorapan.core.method.prose import caption_kind, shuffle_advice
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural, verb
from lorapan.core.rules.model import Finding

#: a caption this long (tags) says enough that two pictures sharing it is a mistake
IDENTICAL_MIN_TAGS = 8

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


def _clone_of(v: View) -> dict[str, int]:
    """Image -> its clone group (copies of one picture, flipped or recoloured included)."""
    out: dict[str, int] = {}
    for i, g in enumerate(v.ctx.clone_groups or []):
        for rel, _label in getattr(g, "members", None) or ():
            out[rel] = i
    return out


def identical(v: View) -> list[Finding]:
    """``captions.identical``: different pictures with one and the same long caption."""
    by_caption: dict[tuple[str, ...], list[str]] = {}
    # only a caption kohya trains teaches the others' differences (not a solos/ folder's)
    for rel, item in trained_items(v.ctx.dataset).items():
        if item.tags:
            by_caption.setdefault(tuple(item.tags), []).append(rel)
    clone_of = _clone_of(v)
    shared = v.ctx.captions.shared
    pairs: list[list[str]] = []
    for tags, rels in by_caption.items():
        if len(rels) < 2:
            continue
        if len(tags) < IDENTICAL_MIN_TAGS and caption_kind(tags, shared) == "tags":
            continue
        # copies of one picture share its caption rightly (clones.ratio speaks for them):
        # one image per clone group, and a finding only when different pictures remain
        pictures, seen = [], set()
        for rel in rels:
            picture = clone_of.get(rel, rel)
            if picture not in seen:
                seen.add(picture)
                pictures.append(rel)
        if len(pictures) > 1:
            pairs.append(pictures)
    if not pairs:
        return []
    images = sorted({r for rels in pairs for r in rels}, key=lambda r: v.order.get(r, 0))
    shown = "; ".join(" = ".join(rels[:3]) for rels in pairs[:3])
    more = f"; and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    return [
        Finding(
            "captions.identical",
            "advice",
            f"{plural(len(pairs), 'group')} of images {verb(len(pairs), 'shares', 'share')} one "
            f"identical caption ({shown}{more}): "
            "if the pictures differ, the caption describes at most one of them and the LoRA "
            "learns the others' differences as part of the subject; describe what each shows.",
            images,
            key="captions.identical",
        )
    ]
