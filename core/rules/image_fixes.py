"""Fixes that rewrite image files so sd-scripts trains the picture the user sees.

sd-scripts reads the stored pixels: no EXIF orientation, no alpha channel
(:mod:`.image_reads`). Two fixes rewrite the file in place, same name and format:

- ``upright``: the pixels turned as the EXIF orientation says, the tag dropped
  (``ImageOps.exif_transpose``); ICC profile, the rest of the EXIF, XMP and DPI kept.
- ``flatten``: transparent parts laid on white (``[rules] flatten_background`` picks
  another colour), as lorapan's tagger and most viewers show them.

PNG and BMP stay lossless, and so does a lossless WebP. A JPEG is encoded once more
with its own quantization tables and chroma subsampling (the quality it was saved at;
a generation of JPEG loss), a lossy WebP at quality :data:`WEBP_QUALITY`. The original
bytes go into the journal with the new ones: ``lorapan undo`` puts them back byte for
byte. A 16-bit colour PNG is left alone (Pillow would save it as 8-bit).
"""

from __future__ import annotations

import io
import os
import struct
import warnings
from collections.abc import Callable, Iterable, Sequence

from lorapan.core.dataset import ApplyResult, Dataset
from lorapan.core.journal.steps import write_block
from lorapan.core.rules.image_reads import hidden_of, read_header
from lorapan.core.rules.model import Fix, RewriteStep
from PIL import Image, ImageColor, ImageOps, JpegImagePlugin, PngImagePlugin

UPRIGHT, FLATTEN = "upright", "flatten"
ACTIONS = (UPRIGHT, FLATTEN)  # the order they are done in, on one image
WEBP_QUALITY = 95
WHITE = (255, 255, 255)
#: what a JPEG re-encode keeps, said where the fix is offered
JPEG_NOTE = "JPEGs are encoded once more with their own quality tables"

Write = tuple[str, bytes | None, bytes | None]


class RewriteRefused(Exception):
    """lorapan will not rewrite this file; the message says why."""


# ---- the fixes ------------------------------------------------------------------------
def upright_fix(rule_id: str, images: Iterable[str], label: str) -> Fix:
    """Rewrite each image that carries an EXIF orientation upright (read when planned)."""

    def steps_for(ds: Dataset) -> Callable[[str], RewriteStep | None]:
        def step(rel: str) -> RewriteStep | None:
            head = read_header(str(ds.root / rel))
            if head is None or not head.turned:
                return None
            why = f"EXIF orientation {head.orientation}: turned upright, the tag dropped"
            return RewriteStep(rel, UPRIGHT, why)

        return step

    return _rewrite_fix(rule_id, images, label, steps_for)


def flatten_fix(rule_id: str, images: Iterable[str], label: str) -> Fix:
    """Lay the transparent parts of each image on the background colour, where kohya
    would train something else (looked at when planned: every image, no cap)."""

    def steps_for(ds: Dataset) -> Callable[[str], RewriteStep | None]:
        name = background_name(ds)

        def step(rel: str) -> RewriteStep | None:
            hidden = hidden_of(str(ds.root / rel))
            if hidden is None or not hidden.differs:
                return None
            return RewriteStep(
                rel, FLATTEN, f"transparent parts hid {hidden.under}: laid on {name}"
            )

        return step

    return _rewrite_fix(rule_id, images, label, steps_for)


def _rewrite_fix(
    rule_id: str,
    images: Iterable[str],
    label: str,
    steps_for: Callable[[Dataset], Callable[[str], RewriteStep | None]],
) -> Fix:
    """A fix whose planner looks at each of ``images`` still in the dataset, on disk as
    it is when planned (``steps_for(ds)(rel)``: the rewrite it needs, or None)."""
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[RewriteStep]:
        step = steps_for(ds)
        return [s for rel in frozen if rel in ds.items and (s := step(rel)) is not None]

    return Fix(label, planner, rule_id, rewrites=True)


def background(ds: Dataset) -> tuple[int, int, int]:
    """``[rules] flatten_background`` ("white", "#808080", ...); white when unset or bad."""
    raw = ds.settings.section("rules").get("flatten_background")
    if not isinstance(raw, str):
        return WHITE
    try:
        rgb = ImageColor.getrgb(raw.strip())
    except ValueError:
        return WHITE
    return (rgb[0], rgb[1], rgb[2])


def background_name(ds: Dataset) -> str:
    raw = ds.settings.section("rules").get("flatten_background")
    colour = background(ds)
    if colour == WHITE:
        return "white"
    return raw.strip() if isinstance(raw, str) else "#{:02x}{:02x}{:02x}".format(*colour)


# ---- applying -------------------------------------------------------------------------
def rewrite(ds: Dataset, steps: Sequence[RewriteStep], label: str) -> ApplyResult:
    """Rewrite the images of ``steps`` in one journal transaction."""
    writes, refused = rewrite_writes(ds, steps)
    result = ds.apply_changes([], label, files=writes) if writes else ApplyResult(label)
    result.conflicts[:0] = refused
    return result


def rewrite_writes(
    ds: Dataset, steps: Iterable[RewriteStep]
) -> tuple[list[Write], list[tuple[str, str]]]:
    """The journal writes (image, bytes before, bytes after) that carry out ``steps``,
    one per image whatever the number of its steps, and the images left alone (why)."""
    actions: dict[str, set[str]] = {}
    for step in steps:
        actions.setdefault(step.relpath, set()).add(step.action)
    colour = background(ds)
    writes: list[Write] = []
    refused: list[tuple[str, str]] = []
    for rel, todo in actions.items():
        path = ds.root / rel
        try:
            st = os.stat(path)
            if (why := write_block(path, st)) is not None:
                raise RewriteRefused(f"the image {why}")
            data = path.read_bytes()
            new = render(data, [a for a in ACTIONS if a in todo], colour)
        except RewriteRefused as exc:
            refused.append((rel, str(exc)))
            continue
        except OSError as exc:
            refused.append((rel, f"cannot read it: {exc.strerror or exc}"))
            continue
        except (ValueError, SyntaxError, Image.DecompressionBombError, MemoryError) as exc:
            refused.append((rel, f"cannot rewrite it: {exc}"))
            continue
        if new != data:
            writes.append((rel, data, new))
    return writes, refused


# ---- rendering ------------------------------------------------------------------------
def render(data: bytes, actions: Sequence[str], colour: tuple[int, int, int] = WHITE) -> bytes:
    """The file's bytes with ``actions`` done to its pixels, in its own format."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        src = Image.open(io.BytesIO(data))
        src.load()
    fmt = src.format or ""
    if fmt == "PNG" and _png_16bit_colour(data):
        raise RewriteRefused("a 16-bit colour PNG: it would be saved as 8-bit; use an editor")
    if fmt not in _SAVERS:
        raise RewriteRefused(f"lorapan does not rewrite {fmt or 'this'} files")
    img, info = src, dict(src.info)
    if UPRIGHT in actions:
        img = ImageOps.exif_transpose(src)  # its info: the EXIF and XMP less the orientation
        info = dict(img.info)
    if FLATTEN in actions:
        img = flatten(img, colour)
    out = io.BytesIO()
    img.save(out, format=fmt, **_SAVERS[fmt](src, info, data))
    return out.getvalue()


def flatten(img: Image.Image, colour: tuple[int, int, int] = WHITE) -> Image.Image:
    """The picture laid on ``colour``: RGB (grayscale stays grayscale on a grey colour)."""
    grey = img.mode in ("LA", "La", "L") and colour[0] == colour[1] == colour[2]
    rgba = img.convert("RGBA")
    base = Image.new("RGBA", img.size, (*colour, 255))
    out = Image.alpha_composite(base, rgba).convert("RGB")
    return out.convert("L") if grey else out


def _common(info: dict) -> dict:
    keep = {k: info[k] for k in ("icc_profile", "exif", "dpi") if info.get(k)}
    if info.get("xmp"):
        keep["xmp"] = info["xmp"]
    return keep


def _jpeg(src: Image.Image, info: dict, _data: bytes) -> dict:
    params = _common(info)
    params["qtables"] = getattr(src, "quantization", None) or None
    if not params["qtables"]:
        del params["qtables"]
        params["quality"] = 95
    sampling = JpegImagePlugin.get_sampling(src)
    if sampling >= 0:
        params["subsampling"] = sampling
    if info.get("progressive") or info.get("progression"):
        params["progressive"] = True
    if info.get("comment"):
        params["comment"] = info["comment"]
    return params


def _png(src: Image.Image, info: dict, _data: bytes) -> dict:
    params = _common(info)
    text = PngImagePlugin.PngInfo()  # its tEXt/iTXt chunks (a generator's parameters)
    written = False
    for key, value in (getattr(src, "text", None) or {}).items():
        if isinstance(value, str):
            text.add_text(key, value)
            written = True
    if written:
        params["pnginfo"] = text
    return params


def _webp(_src: Image.Image, info: dict, data: bytes) -> dict:
    params = _common(info)
    if _webp_lossless(data):
        params["lossless"] = True
    else:
        params["quality"] = WEBP_QUALITY
    return params


def _bmp(_src: Image.Image, _info: dict, _data: bytes) -> dict:
    return {}


_SAVERS = {"JPEG": _jpeg, "PNG": _png, "WEBP": _webp, "BMP": _bmp}


def _png_16bit_colour(data: bytes) -> bool:
    """IHDR: bit depth 16 with colour (type 2 RGB, 6 RGBA), which Pillow reads as 8-bit."""
    return len(data) >= 26 and data[12:16] == b"IHDR" and data[24] == 16 and data[25] in (2, 6)


def _webp_lossless(data: bytes) -> bool:
    """Whether the WebP's image chunk is ``VP8L`` (lossless) rather than ``VP8 ``."""
    at = 12
    while at + 8 <= len(data):
        kind = data[at : at + 4]
        (size,) = struct.unpack("<I", data[at + 4 : at + 8])
        if kind in (b"VP8L", b"VP8 "):
            return kind == b"VP8L"
        at += 8 + size + (size & 1)
    return False
