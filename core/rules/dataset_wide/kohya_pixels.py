"""Pictures sd-scripts decodes differently from how they look (``kohya.orientation``,
``kohya.transparency``).

sd-scripts loads an image with ``Image.open(path).convert("RGB")``: it applies no EXIF
orientation and drops the alpha channel. A phone photo stored landscape with an
orientation tag is shown upright everywhere (lorapan and its tagger included) and
trained sideways; a cut-out's transparent parts are shown on white and trained as the
colour stored under them, often black or another picture. Both read the file header
(kept per file stamp, :mod:`~lorapan.core.rules.image_reads`); only images with an
alpha channel are decoded, at most :data:`LOOK_LIMIT` new ones per check (the fix
looks at them all).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

from lorapan.core.naming import kohya_globs
from lorapan.core.rules.context import trains
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.image_fixes import JPEG_NOTE, background_name, flatten_fix, upright_fix
from lorapan.core.rules.image_reads import (
    SWAPPING,
    HeaderRead,
    Hidden,
    header_of,
    hidden_of,
    known_hidden,
)
from lorapan.core.rules.messages import plural, verb
from lorapan.core.rules.model import Finding

#: images with an alpha channel decoded per check, at most (a set of 10,000 cut-outs
#: would otherwise decode them all on each check); the rest are named, and looked at
#: by the fix and by later checks
LOOK_LIMIT = 200

_TURNS = {
    2: "mirrored",
    3: "upside down",
    4: "upside down and mirrored",
    5: "sideways and mirrored",
    6: "sideways",
    7: "sideways and mirrored",
    8: "sideways",
}


def kohya_reads(v: View) -> Iterator[tuple[str, str, HeaderRead]]:
    """(relpath, path, header) of each image kohya trains and can read."""
    ds = v.ctx.dataset
    facts = v.ctx.facts or {}
    root = str(ds.root) + os.sep  # relpaths are POSIX: a join per image costs more here
    every = not ds.ignored_folders  # else only the images of N_name folders train
    for rel, item in ds.items.items():
        if not kohya_globs(rel):
            continue
        if not every and not trains(ds, item):
            continue
        path = root + rel
        head = header_of(path, facts.get(rel) if facts else None)
        if head is not None:
            yield rel, path, head


def pictures(v: View) -> list[Finding]:
    """Both rules, from one pass over the headers."""
    heads = list(kohya_reads(v))
    return orientation(v, heads) + transparency(v, heads)


def orientation(v: View, heads: list[tuple[str, str, HeaderRead]]) -> list[Finding]:
    turned = [(rel, h) for rel, _path, h in heads if h.turned]
    if not turned:
        return []
    n = len(turned)
    them = "it" if n == 1 else "them"
    how = Counter(_TURNS[h.orientation] for _rel, h in turned)
    shown = ", ".join(f"{word} ×{k}" for word, k in how.most_common())
    rel, head = turned[0]
    if head.orientation in SWAPPING:
        example = f"{rel} is stored {_size(head.size)} and shown {_size(head.shown)}"
    else:
        example = f"{rel} is stored {_TURNS[head.orientation]}"
    cmd = v.ctx.command("fix", "--rule", "kohya.orientation")
    msg = (
        f"{plural(n, 'image')} {verb(n, 'is', 'are')} stored turned, with an EXIF orientation "
        f"tag that viewers, lorapan and its tagger apply ({shown}; e.g. {example}): "
        f"sd-scripts reads the stored pixels and ignores the tag, so it trains {them} "
        f"{_TURNS[head.orientation] if n == 1 else 'turned'}, under captions that describe "
        f"the upright picture, and buckets {them} by the stored size. Rewrite {them} upright "
        f"with `{cmd}` (the pixels turned, the tag dropped; {JPEG_NOTE}; `lorapan undo` "
        "restores the files byte for byte)."
    )
    images = [r for r, _h in turned]
    label = (
        f"rewrite {them} upright, the EXIF orientation dropped ({JPEG_NOTE}; undo restores {them})"
    )
    fix = upright_fix("kohya.orientation", images, label)
    return [Finding("kohya.orientation", "warning", msg, images, fix, key="kohya.orientation")]


def transparency(v: View, heads: list[tuple[str, str, HeaderRead]]) -> list[Finding]:
    candidates = [(rel, path) for rel, path, h in heads if h.has_alpha]
    if not candidates:
        return []
    found: list[tuple[str, Hidden]] = []
    unlooked: list[str] = []
    looked = 0
    for rel, path in candidates:
        known, hidden = known_hidden(path)
        if not known:
            if looked >= LOOK_LIMIT:
                unlooked.append(rel)
                continue
            hidden, looked = hidden_of(path), looked + 1
        if hidden is not None and hidden.differs:
            found.append((rel, hidden))
    out = []
    cmd = v.ctx.command("fix", "--rule", "kohya.transparency")
    if found:
        out.append(_transparency_finding(v, found, unlooked, cmd))
    elif unlooked:
        n = len(unlooked)
        msg = (
            f"{plural(n, 'image')} with an alpha channel {verb(n, 'was', 'were')} not looked "
            f"at yet (a check looks at {LOOK_LIMIT} at a time): kohya trains the colours "
            f"stored under transparent pixels, not what viewers show. `{cmd} --dry-run` "
            "looks at all of them."
        )
        colour = background_name(v.ctx.dataset)
        label = f"lay the transparent parts on {colour} where kohya trains another colour"
        fix = flatten_fix("kohya.transparency", unlooked, label)
        out.append(
            Finding("kohya.transparency", "advice", msg, unlooked, fix, key="kohya.transparency")
        )
    return out


def _transparency_finding(
    v: View, found: list[tuple[str, Hidden]], unlooked: list[str], cmd: str
) -> Finding:
    n = len(found)
    them = "it" if n == 1 else "them"
    under = Counter(h.under for _rel, h in found)
    what = ", ".join(f"{word} ×{k}" if len(under) > 1 else word for word, k in under.most_common())
    rel, hidden = found[0]
    colour = background_name(v.ctx.dataset)
    msg = (
        f"{plural(n, 'image')} {verb(n, 'has', 'have')} transparent parts with {what} stored "
        f"under them (e.g. {rel}, {round(hidden.transparent * 100)}% see-through): viewers "
        "show the transparency and lorapan's tagger lays it on white (it tags 'white "
        "background' or 'transparent background'), but sd-scripts' convert('RGB') drops the "
        "alpha channel and trains the colours stored underneath under those tags. Lay "
        f"{them} on {colour} with `{cmd}` (PNG stays "
        f'lossless; `lorapan undo` restores {them}; [rules] flatten_background = "#rrggbb" '
        "picks the colour), or keep the transparency out of the loss with sd-scripts' "
        'alpha_mask ([training] extra_args = ["--alpha_mask"]).'
    )
    if unlooked:
        msg += (
            f" {plural(len(unlooked), 'more image')} with an alpha channel "
            f"{verb(len(unlooked), 'was', 'were')} not looked at yet; the fix looks at all."
        )
    images = [r for r, _h in found]
    fix = flatten_fix(
        "kohya.transparency",
        images + unlooked,
        f"lay the transparent parts on {colour} (PNG stays lossless; undo restores {them})",
    )
    return Finding("kohya.transparency", "warning", msg, images, fix, key="kohya.transparency")


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"
