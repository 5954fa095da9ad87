"""Files kohya reads differently than they look: orphan captions, two images sharing
one caption stem, caption extensions, image formats (``pair.*``, ``kohya.image-format``);
the folders it ignores are :mod:`.ignored`'s.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from typing import Any

from lorapan.core.method.anchor import tag_key
from lorapan.core.naming import CLIPPED_MODES, KOHYA_IMAGE_EXTS
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural, verb
from lorapan.core.rules.model import Finding, Fix, RenameStep
from lorapan.core.rules.pairing import near_pairs, rename_hint


def orphan_captions(v: View) -> list[Finding]:
    orphans = list(v.ctx.dataset.orphan_captions)
    if not orphans:
        return []
    one = len(orphans) == 1
    them = "it" if one else "them"
    msg = (
        f"{plural(len(orphans), 'caption file')} {verb(len(orphans), 'has', 'have')} no "
        f"image beside {them}: the trainer ignores {them} and {'it usually means' if one else 'they usually mean'} "
        f"an image was renamed or deleted. Pair or delete {them}."
    )
    for image, caption in near_pairs(v.ctx.dataset)[:3]:
        msg += (
            f" {caption} and {image} differ only by a trailing dot, space or case in the "
            f"name: rename the image (`{rename_hint(v.ctx.dataset.root, image, caption)}`)."
        )
    return [Finding("pair.orphans", "error", msg, orphans, key="pair.orphans:captions")]


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


def kohya_misread(v: View) -> list[Finding]:
    """``kohya.image-format``: images sd-scripts never reads (a ``.gif``) or reads wrong
    (16-bit grayscale, which its ``convert("RGB")`` clips to nearly white)."""
    ds = v.ctx.dataset
    out = []
    skipped = [rel for rel in ds.items if _ext(rel) not in KOHYA_IMAGE_EXTS]
    if skipped:
        exts = Counter(_ext(r) for r in skipped)
        shown = ", ".join(f"{e} ×{n}" for e, n in sorted(exts.items()))
        out.append(
            Finding(
                "kohya.image-format",
                "warning",
                f"{plural(len(skipped), 'image')} in a format kohya does not read ({shown}): "
                "sd-scripts trains .png, .jpg, .jpeg, .webp and .bmp files only, so "
                f"{'it' if len(skipped) == 1 else 'they'} would not train. Save "
                f"{'it' if len(skipped) == 1 else 'them'} as PNG (an animated GIF: the "
                "frame to keep), or set it aside.",
                sorted(skipped, key=lambda r: v.order.get(r, 0)),
                key="kohya.image-format:ext",
            )
        )
    facts = v.ctx.facts or {}
    clipped = [
        rel
        for rel in ds.items
        if (f := facts.get(rel)) is not None and getattr(f, "mode", "") in CLIPPED_MODES
    ]
    if clipped:
        mode = getattr(facts[clipped[0]], "mode", "")
        out.append(
            Finding(
                "kohya.image-format",
                "warning",
                f"{plural(len(clipped), 'image')} {verb(len(clipped), 'is', 'are')} 16- or "
                f"32-bit grayscale (mode {mode}): kohya's convert('RGB') clips such pixels to "
                "nearly white, so the picture it trains on is blank. Save "
                f"{'it' if len(clipped) == 1 else 'them'} as 8-bit (grayscale 'L' or RGB).",
                sorted(clipped, key=lambda r: v.order.get(r, 0)),
                key="kohya.image-format:mode",
            )
        )
    return out


def _ext(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _keys_of(path: os.PathLike[str] | str) -> tuple[str, ...] | None:
    """The tag keys of another caption file beside an image (None: unreadable)."""
    from lorapan.core.captions import CaptionDecodeError, parse_caption

    try:
        with open(path, "rb") as fh:
            return tuple(tag_key(t) for t in parse_caption(fh.read()).tags)
    except (OSError, CaptionDecodeError):
        return None


def caption_files(v: View) -> list[Finding]:
    """``pair.caption-files``: images with two caption files that disagree, and images
    whose only caption has another extension than the one kohya will be told to read."""
    ds = v.ctx.dataset
    settings = ds.settings
    chosen = settings.caption_extension.lower()
    stated = settings.is_set("caption_extension")
    disagree: list[str] = []
    per_ext: Counter[str] = Counter()
    example = ""
    other_only: list[str] = []
    for rel, item in ds.items.items():
        if not item.caption_file:
            continue
        per_ext[_ext(item.caption_file)] += 1
        for extra in item.extra_captions:
            per_ext[_ext(extra)] += 1
            theirs = _keys_of(os.path.join(os.path.dirname(item.image_path), extra))
            if theirs is not None and theirs != tuple(tag_key(t) for t in item.tags):
                disagree.append(rel)
                example = example or f"{item.caption_file} ≠ {extra}"
                break
        if _ext(item.caption_file) != chosen:
            other_only.append(rel)
    out = []
    exts = ", ".join(f"{e} ×{n}" for e, n in sorted(per_ext.items()))
    if disagree:
        sev = "warning" if stated else "error"
        msg = (
            f"{plural(len(disagree), 'image')} {'has' if len(disagree) == 1 else 'have'} two "
            f"caption files that disagree (e.g. {example}; caption files: {exts}): kohya "
            f"reads one extension only, here '{chosen}', and the others are never trained."
        )
        fix = None
        if not stated:
            msg += (
                f" Choose which: confirm '{chosen}' with "
                f"`{v.ctx.command('fix', '--rule', 'pair.caption-files')}`, or set "
                '[dataset] caption_extension = "..." in lorapan.toml (it goes into the '
                "kohya dataset TOML)."
            )
            fix = Fix(
                f"set caption_extension = '{chosen}' in lorapan.toml (undo reverts it)",
                lambda _ds: [],
                "pair.caption-files",
                settings={"caption_extension": settings.caption_extension},
            )
        out.append(Finding("pair.caption-files", sev, msg, disagree, fix, key="pair.caption-files"))
    if other_only:
        only = Counter(_ext(ds.items[r].caption_file or "") for r in other_only)
        msg = (
            f"{plural(len(other_only), 'image')} {'has' if len(other_only) == 1 else 'have'} "
            f"captions only in {', '.join(sorted(only))}, while kohya will be told to read "
            f"'{chosen}': those images would train without a caption."
        )
        fix = None
        if len(only) == 1 and len(other_only) == sum(
            1 for i in ds.items.values() if i.caption_file
        ):
            ext = next(iter(only))
            fix = Fix(
                f"set caption_extension = '{ext}' in lorapan.toml (undo reverts it)",
                lambda _ds: [],
                "pair.caption-files",
                settings={"caption_extension": ext},
            )
        else:
            fix = rename_fix(ds, other_only, chosen)
            msg += (
                f" Rename their caption files to '{chosen}' "
                f"(`{v.ctx.command('fix', '--rule', 'pair.caption-files')}`, undoable)."
            )
        out.append(
            Finding(
                "pair.caption-files", "error", msg, other_only, fix, key="pair.caption-files:other"
            )
        )
    return out


def rename_fix(ds: Any, images: list[str], ext: str) -> Fix:
    """Rename the images' caption files to ``ext``, the extension kohya is told to read."""
    frozen = tuple(images)

    def planner(now: Any) -> list[RenameStep]:
        steps, seen = [], set()
        for rel in frozen:
            item = now.items.get(rel)
            if item is None or not item.caption_rel or _ext(item.caption_file or "") == ext:
                continue
            if item.write_block or item.caption_rel in seen:  # a.png + a.jpg: one file
                continue  # (a link leading outside, a read-only file: left alone)
            seen.add(item.caption_rel)
            stem = posixpath.splitext(item.caption_rel)[0]
            steps.append(RenameStep(rel, item.caption_rel, stem + ext))
        return steps

    label = f"rename their caption files to '{ext}' (undo renames them back)"
    return Fix(label, planner, "pair.caption-files", renames=True)
