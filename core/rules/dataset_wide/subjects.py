"""Bundles: images per subject (``bundle.per-subject``) and body tags two characters
share (``bundle.bio-overlap``).
"""

from __future__ import annotations

from lorapan.core.rules import merges
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding
from lorapan.core.words import article


def bundle(v: View) -> list[Finding]:
    ctx = v.ctx
    if not ctx.profile.bundle:
        return []
    aim = ctx.profile.per_subject or 0
    # an empty caption starts with no subject: caption.empty speaks for it
    subjects = {s: len(g) for s, g in v.subs("_subject") if s}
    for s in ctx.subjects:
        subjects.setdefault(s, 0)
    singles = [s for s, n in subjects.items() if n == 1]
    if not ctx.subjects and len(singles) >= 3 and len(singles) * 2 >= len(subjects):
        return [_not_subjects(v, singles), *(_bio_overlap(v) if ctx.profile.hair_eyes else [])]
    out = []
    for subject, count in sorted(subjects.items()):
        if count < aim:
            g = v.group("_subject", subject)
            out.append(
                Finding(
                    "bundle.per-subject",
                    "warning",
                    f"subject '{subject}' has {plural(count, 'image')}: the guide aims for {aim} per "
                    f"subject in {article(ctx.profile.label)}; add {aim - count}.",
                    g.images if g else [],
                    key=f"bundle.per-subject:{subject}",
                )
            )
    if ctx.profile.hair_eyes:
        out.extend(_bio_overlap(v))
    return out


def _not_subjects(v: View, singles: list[str]) -> Finding:
    """First tags that start one caption each are per-image ids, not a bundle's subjects."""
    shown = ", ".join(f"'{s}'" for s in sorted(singles)[:3])
    return Finding(
        "bundle.per-subject",
        "warning",
        f"{len(singles)} first tags ({shown}, …) start one caption each: those are not "
        f"subjects of a {v.ctx.profile.label} (each subject needs its own images; the guide "
        f"aims for {v.ctx.profile.per_subject} each). Put each subject in its own folder or "
        "list them under [rules] subjects in lorapan.toml; per-image ids go (tags.first-id).",
        key="bundle.per-subject:ids",
    )


def _bio_overlap(v: View) -> list[Finding]:
    out = []
    for tag, g in v.subs("_bio"):
        owners: dict[str, int] = {}
        for rel in g.images:
            first = v.first_of(rel)
            owners[first] = owners.get(first, 0) + 1
        if len(owners) > 1:
            who = ", ".join(f"'{s}' ×{c}" for s, c in sorted(owners.items()))
            out.append(
                Finding(
                    "bundle.bio-overlap",
                    "error",
                    f"the body tag '{tag}' belongs to more than one character ({who}): in a "
                    "character bundle no body tag may be shared, or the characters bleed into each other.",
                    g.images,
                    merges.bio_overlap_fix(v.ctx, tag, sorted(owners)),
                    key=f"bundle.bio-overlap:{tag}",
                )
            )
    return out
