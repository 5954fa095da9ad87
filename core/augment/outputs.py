"""New files to make: their names, sizes, captions and how to render them.

Shared by augment and collage. Names are predictable (``<stem>__<what>.<ext>``)
and never collide: a stem already used by any file in the folder, or by another
file of the same plan, gets ``-2``, ``-3``... (stems, not names, because a dataset
pairs images with captions by stem).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.analysis.imaging import DecodeError, open_image
from lorapan.core.safe_write import TEMP_PREFIX
from PIL import Image

_FORMAT_BY_EXT = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
_EXT_BY_FORMAT = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}


@dataclass
class Output:
    """One image (and its caption) to create."""

    relpath: str
    caption_relpath: str
    sources: tuple[str, ...]
    steps: tuple[dict, ...]  # [{"op": "crop", ...}, {"op": "grayscale"}]
    size: tuple[int, int]
    tags: tuple[str, ...]
    caption: bytes
    format: str
    quality: int | None = None
    render: Callable[[], Image.Image] = field(default=lambda: Image.new("RGB", (1, 1)), repr=False)
    source_size: tuple[int, int] | None = None  # the one source's size (not for collages)
    dropped: tuple[str, ...] = ()  # source tags left out: what the new image cannot show
    notes: tuple[str, ...] = ()  # what the plan chose and why (a collage's core tag, folder)

    @property
    def operation(self) -> str:
        return self.steps[-1]["op"] if self.steps else "copy"

    @property
    def description(self) -> str:
        """``crop g2x2 cell 1 + grayscale`` — for previews."""
        parts = []
        for step in self.steps:
            extras = " ".join(f"{k}={v}" for k, v in step.items() if k not in ("op", "kind"))
            parts.append(f"{step['op']} {extras}".strip())
        return " + ".join(parts)

    def record(self) -> dict:
        last = self.steps[-1] if self.steps else {"op": "copy"}
        return {
            "source": self.sources[0],
            "sources": list(self.sources),
            "operation": last["op"],
            "params": {k: v for k, v in last.items() if k != "op"},
            "steps": [dict(s) for s in self.steps],
            # the sizes let the analysis judge a crop by its source's resolution, and
            # tell when the file was changed since (then its own pixels are judged)
            "size": list(self.size),
            **({"source_size": list(self.source_size)} if self.source_size else {}),
            "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    def to_dict(self) -> dict:
        return {
            "image": self.relpath,
            "caption": self.caption_relpath,
            "sources": list(self.sources),
            "operation": self.operation,
            "steps": [dict(s) for s in self.steps],
            "width": self.size[0],
            "height": self.size[1],
            "tags": list(self.tags),
            "dropped_tags": list(self.dropped),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Skipped:
    """A file the plan will not make, and why (too small, unreadable source...)."""

    name: str
    source: str
    reason: str

    def to_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "reason": self.reason}


def format_for(ext: str) -> str:
    """The format to save in for a source extension (BMP/GIF become PNG)."""
    return _FORMAT_BY_EXT.get(ext.lower(), "PNG")


def ext_for(fmt: str, source_ext: str) -> str:
    """Keep the source's spelling (``.jpeg``) when the format is the same; a source
    saved in another format (a GIF or BMP as PNG) gets that format's extension, or the
    file would be a PNG named ``.gif``, which sd-scripts never reads."""
    if _FORMAT_BY_EXT.get(source_ext.lower()) == fmt:
        return source_ext.lower()
    return _EXT_BY_FORMAT[fmt]


def encode(img: Image.Image, fmt: str, quality: int | None = None) -> bytes:
    """Encode for writing; JPEG has no alpha, so transparent areas go on white."""
    buf = io.BytesIO()
    if fmt == "JPEG":
        if img.mode in ("RGBA", "LA"):
            base = Image.new("RGB", img.size, (255, 255, 255))
            base.paste(img.convert("RGBA"), mask=img.getchannel("A"))
            img = base if img.mode == "RGBA" else base.convert("L")
        elif img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(buf, format="JPEG", quality=quality or 95, subsampling=0 if not quality else 2)
    elif fmt == "WEBP":
        img.save(buf, format="WEBP", lossless=True)
    else:
        img.save(buf, format="PNG", compress_level=1)  # level 6 is ~6x slower for ~10% less
    return buf.getvalue()


def image_size(path: Path) -> tuple[int, int]:
    """Width and height as shown (EXIF orientation applied), from the header only."""
    try:
        with Image.open(path) as im:
            w, h = im.size
            orientation = im.getexif().get(0x0112, 1)
    except FileNotFoundError:
        raise DecodeError("unreadable", "file not found: it was moved or deleted") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DecodeError("unreadable", f"cannot read the image: {exc}") from None
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


class SourceCache:
    """Decoded sources, a few at a time (a plan renders one source's files in a row)."""

    def __init__(self, root: Path, keep: int = 2) -> None:
        self.root = root
        self.keep = keep
        self._cache: dict[str, Image.Image] = {}

    def get(self, relpath: str) -> Image.Image:
        img = self._cache.pop(relpath, None)
        if img is None:
            img = open_image(self.root / relpath)
        self._cache[relpath] = img
        while len(self._cache) > self.keep:
            self._cache.pop(next(iter(self._cache)))
        return img


class Namer:
    """Free stems in each folder, remembering the ones this plan already took."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._disk: dict[str, set[str]] = {}
        self._taken: set[tuple[str, str]] = set()

    def _stems_on_disk(self, folder_rel: str) -> set[str]:
        if folder_rel not in self._disk:
            folder = self.root / folder_rel if folder_rel else self.root
            try:
                names = os.listdir(folder)
            except OSError:
                names = []
            self._disk[folder_rel] = {
                os.path.splitext(n)[0].casefold() for n in names if not n.startswith(TEMP_PREFIX)
            }
        return self._disk[folder_rel]

    def free(self, folder_rel: str, stem: str) -> str:
        """``stem`` or ``stem-2``, ``stem-3``... unused in the folder and this plan."""
        used = self._stems_on_disk(folder_rel)
        candidate, n = stem, 1
        while candidate.casefold() in used or (folder_rel, candidate.casefold()) in self._taken:
            n += 1
            candidate = f"{stem}-{n}"
        self._taken.add((folder_rel, candidate.casefold()))
        return candidate


def join_rel(folder_rel: str, name: str) -> str:
    return f"{folder_rel}/{name}" if folder_rel else name


def short_side_reason(size: tuple[int, int], min_size: int) -> str | None:
    if min(size) < min_size:
        return f"{size[0]}x{size[1]} is under the minimum of {min_size} px on the short side"
    return None
