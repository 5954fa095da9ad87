"""Collages: couples and groups made from solo images side by side.

The guide makes couple and group datasets from solos "saved as 1 image next to
each other". Each solo is scaled to one common height (the smallest, so nothing
is enlarged), placed left to right, and the canvas is padded with a background
colour to the training-bucket aspect ratio nearest the row's own. The caption
merges the solo captions under one core tag and drops the tags a couple or group
caption must not carry (``1girl``, ``2boys``, ``2girls``, ``solo``). The core tag is
the dataset's own when one is set (so the collage passes ``tags.core``), else the one
the group images' captions share, else it is built from the solos' *names*, each once
(``gob and ana couple focus``; ``gob and ana and rex_1girl_2boys focus``): never two
full core tags joined, never a tagger's ``1girl`` (:mod:`.collage_core` chooses it, and
the folder kohya trains the collage in).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.augment.collage_core import (
    CollageError,
    choose_core,
    destination,
    from_names,
)
from lorapan.core.augment.outputs import Namer, Output, SourceCache, join_rel
from lorapan.core.augment.tagging import caption_bytes, order_core_style
from lorapan.core.captions import norm_tag
from lorapan.core.dataset import Dataset
from lorapan.core.naming import IMAGE_EXTS
from lorapan.core.settings import Settings
from PIL import Image

#: Width / height of the shapes kohya's buckets come in (1:2 .. 2:1).
BUCKET_RATIOS = (1 / 2, 9 / 16, 2 / 3, 3 / 4, 1.0, 4 / 3, 3 / 2, 16 / 9, 2.0)
#: Tags a couple/group caption must not carry (the guide's couple list, plus solo).
FORBIDDEN = ("1girl", "1boy", "2boys", "2girls", "solo", "solo focus", "male focus", "female focus")
MIN_IMAGES, MAX_IMAGES = 2, 4
DEFAULT_BACKGROUND = (255, 255, 255)


@dataclass(frozen=True)
class Layout:
    """Where each solo goes: canvas size and one (x, y, w, h) box per image."""

    canvas: tuple[int, int]
    boxes: tuple[tuple[int, int, int, int], ...]


def nearest_bucket(ratio: float) -> float:
    return min(BUCKET_RATIOS, key=lambda r: abs(math.log(r / ratio)))


def layout(sizes: list[tuple[int, int]], gap: int = 0) -> Layout:
    """Balance heights (to the smallest), place left to right, pad to a bucket shape."""
    height = min(h for _, h in sizes)
    widths = [max(1, round(w * height / h)) for w, h in sizes]
    row_w = sum(widths) + gap * (len(sizes) - 1)
    target = nearest_bucket(row_w / height)
    if target >= row_w / height:
        canvas = (max(row_w, round(height * target)), height)
    else:
        canvas = (row_w, max(height, round(row_w / target)))
    x = (canvas[0] - row_w) // 2
    y = (canvas[1] - height) // 2
    boxes = []
    for w in widths:
        boxes.append((x, y, w, height))
        x += w + gap
    return Layout(canvas, tuple(boxes))


def render(images: list[Image.Image], lay: Layout, background: tuple[int, int, int]) -> Image.Image:
    canvas = Image.new("RGB", lay.canvas, background)
    for img, (x, y, w, h) in zip(images, lay.boxes, strict=True):
        piece = img.resize((w, h), Image.Resampling.LANCZOS) if img.size != (w, h) else img
        if piece.mode in ("RGBA", "LA"):
            canvas.paste(piece.convert("RGBA"), (x, y), piece.getchannel("A"))
        else:
            canvas.paste(piece.convert("RGB"), (x, y))
    return canvas


def subject_name(core_tag: str) -> str:
    """``"gob goblin with third eye focus"`` -> ``"gob goblin with third eye"``."""
    name = core_tag.strip()
    for suffix in (" focus", "_focus"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)].strip()
    return name


def merge_tags(
    captions: list[tuple[str, ...]], settings: Settings, core: str | None = None
) -> tuple[str, ...]:
    """One caption from the solos: the core tag, style tag, then the rest, in order,
    without the solos' core tags, the style tag twice or forbidden tags. ``core``: the
    dataset's core tag when not given, else one built from the solos' names (none
    when a solo starts with a tagger's word: :func:`.collage_core.choose_core` asks)."""
    core = core or settings.core_tag.strip() or from_names(captions) or ""
    drop = {norm_tag(t) for t in FORBIDDEN}
    drop |= {norm_tag(tags[0]) for tags in captions if tags}
    if core:
        drop.discard(norm_tag(core))
    if settings.style_tag:
        drop.add(norm_tag(settings.style_tag))
    merged: list[str] = []
    seen: set[str] = set()
    for tags in captions:
        for tag in tags:
            key = norm_tag(tag)
            if key in drop or key in seen:
                continue
            seen.add(key)
            merged.append(tag)
    return tuple(order_core_style(merged, settings, core=core))


def _default_stem(relpaths: list[str]) -> str:
    stems = [os.path.splitext(os.path.basename(r))[0] for r in relpaths]
    return "collage__" + "+".join(stems)


def _out_name(out: str, relpaths: list[str], root: Path | None = None) -> tuple[str, str]:
    """(folder_rel, stem) of the collage; ``out`` may name a folder part too, and may be
    an absolute path inside the dataset (one outside it is refused)."""
    if root is not None and os.path.isabs(os.path.expanduser(out)):
        full = Path(os.path.expanduser(out)).resolve()
        base = Path(root).resolve()
        if full != base and base not in full.parents:
            raise CollageError(
                f"--out {out!r} is outside the dataset {base}: give a name inside it "
                "(e.g. --out collages/pair), where kohya can train it"
            )
        out = full.relative_to(base).as_posix()
    out = out.replace(os.sep, "/").strip("/")
    if not out or ".." in out.split("/") or out.startswith(".lorapan"):
        raise CollageError(f"--out {out!r} must be a name inside the dataset")
    stem, ext = os.path.splitext(out)
    if ext and ext.lower() not in IMAGE_EXTS:
        stem = out  # a dot in the name, not an extension
    folder, _, base = stem.rpartition("/")
    return folder, base


def plan_collage(
    dataset: Dataset,
    relpaths: list[str],
    out: str | None = None,
    background: tuple[int, int, int] = DEFAULT_BACKGROUND,
    gap: int = 0,
    core: str | None = None,
) -> Output:
    """The collage file to make (nothing written); raises CollageError."""
    from lorapan.core.analysis.imaging import DecodeError
    from lorapan.core.augment.outputs import image_size

    if not MIN_IMAGES <= len(relpaths) <= MAX_IMAGES:
        raise CollageError(
            f"a collage takes {MIN_IMAGES} to {MAX_IMAGES} images, not {len(relpaths)}"
        )
    if len(set(relpaths)) != len(relpaths):
        raise CollageError("the same image is given twice")
    items = []
    for rel in relpaths:
        item = dataset.items.get(rel)
        if item is None:
            raise CollageError(f"{rel} is not an image of this dataset")
        items.append(item)
    try:
        sizes = [image_size(it.image_path) for it in items]
    except DecodeError as exc:
        raise CollageError(exc.message) from None
    lay = layout(sizes, gap)
    captions = [it.tags for it in items]
    choice = choose_core(dataset, relpaths, core)
    tags = merge_tags(captions, dataset.settings, choice.tag)
    notes = [f"core tag: '{choice.tag}' ({choice.why})"]
    if out:
        folder, stem = _out_name(out, relpaths, dataset.root)
    else:
        folder, why = destination(dataset, relpaths, choice)
        stem = _default_stem(relpaths)
        notes.append(f"into {folder or 'the dataset root'}/ ({why})")
    stem = Namer(dataset.root).free(folder, stem)
    cache = SourceCache(dataset.root, keep=MAX_IMAGES)

    def draw() -> Image.Image:
        return render([cache.get(r) for r in relpaths], lay, background)

    step = {
        "op": "collage",
        "canvas": f"{lay.canvas[0]}x{lay.canvas[1]}",
        "background": "#{:02x}{:02x}{:02x}".format(*background),
        "gap": gap,
    }
    return Output(
        relpath=join_rel(folder, stem + ".png"),
        caption_relpath=join_rel(folder, stem + dataset.settings.caption_extension),
        sources=tuple(relpaths),
        steps=(step,),
        size=lay.canvas,
        tags=tags,
        caption=caption_bytes(tags, items[0].caption),
        format="PNG",
        render=draw,
        notes=tuple(notes),
    )
