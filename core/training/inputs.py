"""What training needs from a dataset, as plain values.

Reads the dataset through ``lorapan.core.dataset`` when it is available; otherwise
scans kohya ``N_name`` folders directly (images plus caption files), so the
training code can be used and tested on its own.

Image sizes for the step math come from the image-analysis cache when it holds
the file unchanged, and otherwise from the file header (no pixel decode).
sd-scripts buckets by the stored size (``Image.open(p).size``, no EXIF rotation),
which the cache records as ``stored_width``/``stored_height`` (older caches only
have the EXIF-oriented size: then only square images and formats without EXIF
orientation are taken from it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.settings import Settings, load_settings
from PIL import Image

IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
_KOHYA_DIR = re.compile(r"^(\d+)_(.+)$")


@dataclass
class FolderInput:
    """One kohya subset: folder, its ``N_`` repeats, and image sizes (w, h)."""

    path: Path
    repeats: int
    sizes: list[tuple[int, int]] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)


@dataclass
class TrainInputs:
    root: Path
    settings: Settings
    folders: list[FolderInput]
    tag_counts: Counter[str]

    @property
    def image_count(self) -> int:
        return sum(len(f.sizes) for f in self.folders)


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the header only (no decode); None when unreadable."""
    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


# Formats whose files carry no EXIF orientation in practice: oriented size == stored size.
_NO_ORIENTATION = {"PNG", "BMP", "GIF"}


def cached_sizes(root: Path, relpaths: list[str]) -> dict[str, tuple[int, int]]:
    """Sizes from the image-analysis cache for unchanged files (decodes nothing)."""
    from lorapan.core.settings import state_dir

    cache_dir = state_dir(root, create=False)
    if not cache_dir.is_dir():
        return {}
    try:
        from lorapan.core.analysis.analyzer import Analyzer

        facts = Analyzer(root, cache_dir).cached(relpaths)
    except Exception:  # noqa: BLE001 - a damaged or missing cache only means header reads
        return {}
    out = {}
    for rel, f in facts.items():
        if not f.ok or f.width <= 0 or f.height <= 0:
            continue
        stored = (getattr(f, "stored_width", 0) or 0, getattr(f, "stored_height", 0) or 0)
        if stored[0] > 0 and stored[1] > 0:
            out[rel] = stored
        elif f.width == f.height or f.format.upper() in _NO_ORIENTATION:
            out[rel] = (f.width, f.height)
    return out


def _tags(text: str) -> list[str]:
    first = text.splitlines()[0] if text.strip() else ""
    return [t.strip() for t in first.split(",") if t.strip()]


def _scan(root: Path, caption_ext: str) -> tuple[dict[Path, tuple[int, list[Path]]], Counter[str]]:
    folders: dict[Path, tuple[int, list[Path]]] = {}
    tags: Counter[str] = Counter()
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        m = _KOHYA_DIR.match(sub.name)
        if not m:
            continue
        images = sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_EXTS)
        folders[sub] = (int(m.group(1)), images)
        for img in images:
            cap = img.with_suffix(caption_ext)
            if cap.exists():
                tags.update(_tags(cap.read_text(encoding="utf-8", errors="replace")))
    return folders, tags


def _from_dataset(root: Path) -> tuple[dict[Path, tuple[int, list[Path]]], Counter[str]] | None:
    try:
        from lorapan.core.dataset import Dataset  # the lead's dataset model
    except ImportError:
        return None
    ds = Dataset.open(root)
    folders: dict[Path, tuple[int, list[Path]]] = {}
    tags: Counter[str] = Counter()
    for item in ds.items.values():
        folder = getattr(item, "folder", None)
        if folder is None:
            continue
        path = root / folder.path if folder.path else root  # relative; "" = the root itself
        entry = folders.setdefault(path, (int(folder.repeats), []))
        entry[1].append(Path(item.image_path))
        tags.update(item.tags)
    return folders, tags


def _rel(root: Path, path: Path) -> str | None:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return None


def load_inputs(root: Path) -> TrainInputs:
    """Settings, kohya folders with image sizes, and tag counts for ``root``."""
    root = Path(root).resolve()
    settings = load_settings(root)
    found = _from_dataset(root) or _scan(root, settings.caption_extension)
    folders, tags = found
    rels = {img: _rel(root, img) for _, images in folders.values() for img in images}
    known = cached_sizes(root, [r for r in rels.values() if r is not None])
    out = []
    for path, (repeats, images) in sorted(folders.items()):
        fi = FolderInput(path, repeats)
        for img in images:
            size = known.get(rels[img]) or image_size(img)
            if size is None:
                fi.unreadable.append(img)
            else:
                fi.sizes.append(size)
        out.append(fi)
    return TrainInputs(root, settings, out, tags)
