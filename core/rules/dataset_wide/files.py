"""Files and folders kohya reads differently than they look: orphan captions, two
images sharing one caption stem, folders kohya ignores (``pair.*``, ``kohya.ignored-folder``).
"""

from __future__ import annotations

from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding


def orphan_captions(v: View) -> list[Finding]:
    orphans = list(v.ctx.dataset.orphan_captions)
    if not orphans:
        return []
    return [
        Finding(
            "pair.orphans",
            "error",
            f"{plural(len(orphans), 'caption file')} {'has' if len(orphans) == 1 else 'have'} no image beside them: the trainer "
            "ignores them and they usually mean an image was renamed or deleted. Pair or delete them.",
            orphans,
            key="pair.orphans:captions",
        )
    ]


def stem_collisions(v: View) -> list[Finding]:
    """a.png + a.jpg beside a.txt: kohya reads a.txt for both images."""
    pairs = list(getattr(v.ctx.dataset, "stem_collisions", []))
    if not pairs:
        return []
    images = sorted({rel for a, b, _ in pairs for rel in (a, b)}, key=lambda r: v.order.get(r, 0))
    shown = "; ".join(f"{a} + {b} → {cap}" for a, b, cap in pairs[:3])
    more = f"; and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    details: dict[str, int] = {}
    for _a, _b, cap in pairs:
        details[cap] = details.get(cap, 1) + 1
    return [
        Finding(
            "pair.stem-collision",
            "warning",
            f"{plural(len(pairs), 'pair')} of images share one file name stem ({shown}{more}): "
            "kohya trains both with the same caption, so tags that fit one picture teach the "
            "other; rename one and give it its own caption.",
            images,
            key="pair.stem-collision",
            details=details,
        )
    ]


def ignored_folders(v: View) -> list[Finding]:
    out = []
    for f in v.ctx.dataset.ignored_folders:
        out.append(
            Finding(
                "kohya.ignored-folder",
                "warning",
                f.reason,
                [],
                key=f"kohya.ignored-folder:{f.path}",
            )
        )
    return out
