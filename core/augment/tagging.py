"""Captions of new files: the source's tags, core and style tags first.

What a new file *shows* goes in its caption (a grayscale copy shows
``monochrome, greyscale``; a blurred copy shows ``blurry``); how it was *made*
does not (that is kept in ``.lorapan/augment.json``), so no training tag is
spent on bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable

from lorapan.core.captions import Caption, apply_tag_style, format_caption, norm_tag
from lorapan.core.method.tag_style import style_for
from lorapan.core.method.vocab import data_file
from lorapan.core.settings import Settings

CROSSOVER = "crossover"


def framing_tags() -> frozenset[str]:
    """Keys of the framing tags a crop cannot keep (``data/crop_framing.toml``)."""
    return frozenset(norm_tag(str(t)) for t in data_file("crop_framing.toml").get("drop", []))


def cuts_the_picture(steps: Iterable[dict]) -> bool:
    """True when a step keeps only part of the picture: a crop, or a change of aspect
    ratio made by cropping (padding keeps everything)."""
    return any(
        s.get("op") == "crop" or (s.get("op") == "aspect" and s.get("mode") != "pad") for s in steps
    )


def without_framing(tags: Iterable[str]) -> tuple[list[str], list[str]]:
    """(tags kept, framing tags left out) for an image that shows part of its source."""
    framing = framing_tags()
    kept, dropped = [], []
    for tag in tags:
        (dropped if norm_tag(tag) in framing else kept).append(tag)
    return kept, dropped


def _without(tags: list[str], tag: str) -> list[str]:
    key = norm_tag(tag)
    return [t for t in tags if norm_tag(t) != key]


def _append_missing(tags: list[str], extra: Iterable[str]) -> list[str]:
    seen = {norm_tag(t) for t in tags}
    for tag in extra:
        if norm_tag(tag) not in seen:
            tags.append(tag)
            seen.add(norm_tag(tag))
    return tags


def order_core_style(tags: Iterable[str], settings: Settings, core: str | None = None) -> list[str]:
    """Core tag first (the setting, else the caption's first tag), style tag second."""
    out = list(tags)
    core = core if core is not None else settings.core_tag
    if core:
        out = [core, *_without(out, core)]
    style = settings.style_tag
    if style:
        out = _without(out, style)
        out.insert(1 if out else 0, style)
    return out


def copy_tags(
    source_tags: Iterable[str],
    settings: Settings,
    extra: Iterable[str] = (),
    crossover: bool = False,
) -> tuple[str, ...]:
    """Tags for a new file made from an image with ``source_tags``; the added ones are
    spelled as the source caption spells its tags."""
    out = order_core_style(source_tags, settings)
    added = list(extra) + ([CROSSOVER] if crossover else [])
    style = style_for(settings.tag_style, [out])  # the caption's own style when "keep"
    styled = [apply_tag_style(t, style) for t in added]
    return tuple(_append_missing(out, styled))


def caption_bytes(tags: Iterable[str], like: Caption | None = None) -> bytes:
    """A new caption file, written in the conventions of ``like`` (BOM, separator,
    newline) when given; the source's extra lines are not copied."""
    if like is None:
        return format_caption(Caption(tags=tuple(tags)))
    fresh = Caption(
        tags=tuple(tags),
        bom=like.bom,
        newline=like.newline,
        final_newline=like.final_newline,
        separator=like.separator,
    )
    return format_caption(fresh)
