"""What training needs from a dataset, as plain values.

The kohya folders and captions are the dataset's own (:mod:`lorapan.core.dataset`
scans the folder once; :func:`from_dataset` takes an open dataset, so a caller that
also runs the rules reads the folder once).

Image sizes for the step math come from the image-analysis cache when it holds
the file unchanged, and otherwise from the file header (no pixel decode).
sd-scripts buckets by the stored size (``Image.open(p).size``, no EXIF rotation),
which the cache records as ``stored_width``/``stored_height`` (older caches only
have the EXIF-oriented size: then only square images and formats without EXIF
orientation are taken from it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.dataset import Dataset
from lorapan.core.method.kind import resolve_kind
from lorapan.core.method.prose import CaptionStyle, dataset_caption_style
from lorapan.core.naming import kohya_globs
from lorapan.core.settings import Settings, state_dir
from lorapan.core.training.prompts import prompt_subjects
from PIL import Image

Size = tuple[int, int]
SizeOf = Callable[[str], Size | None]  # image relpath -> (width, height); None: unreadable


@dataclass
class FolderInput:
    """One kohya subset: folder, its ``N_`` repeats, and image sizes (w, h).

    A class-image subset (``is_reg``) lists its sizes in the order sd-scripts reads
    its images (``glob_images``: sorted paths), which decides which of them get the
    repeats it adds (:func:`lorapan.core.training.steps.raised_reg_repeats`).
    """

    path: Path
    repeats: int
    sizes: list[tuple[int, int]] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)
    not_read: list[Path] = field(default_factory=list)  # formats kohya does not read
    is_reg: bool = False
    class_token: str = ""  # a class-image subset's class_tokens ("" = none)


@dataclass
class TrainInputs:
    root: Path
    settings: Settings
    folders: list[FolderInput]
    tag_counts: Counter[str]
    in_kohya_folders: bool = True  # False: a flat dataset, its folders listed as they are
    #: the tags sample prompts start with (core tag, else the owner's trigger, else each
    #: subject's own first tag); empty: none
    subjects: tuple[str, ...] = ()
    #: how the captions are written (tags, prose, mixed); None: not read
    caption_style: CaptionStyle | None = None
    #: class-image subsets (``is_reg``; ``Dataset.reg_folders``), never in ``folders``
    reg_folders: list[FolderInput] = field(default_factory=list)

    @property
    def image_count(self) -> int:
        """The training images (class images are not counted; see ``reg_image_count``)."""
        return sum(len(f.sizes) for f in self.folders)

    @property
    def reg_image_count(self) -> int:
        return sum(len(f.sizes) for f in self.reg_folders)


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the header only (no decode); None when unreadable."""
    try:
        with Image.open(path) as im:
            return im.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


# Formats whose files carry no EXIF orientation in practice: oriented size == stored size.
_NO_ORIENTATION = {"PNG", "BMP", "GIF"}


def cached_sizes(root: Path, relpaths: list[str]) -> dict[str, tuple[int, int] | None]:
    """Sizes from the image-analysis cache for unchanged files (decodes nothing); None
    for a file the analysis could not decode (a truncated JPEG whose header reads)."""
    cache_dir = state_dir(root, create=False)
    if not cache_dir.is_dir():
        return {}
    try:
        facts = Analyzer(root, cache_dir).cached(relpaths)
    except Exception:  # noqa: BLE001 - a damaged or missing cache only means header reads
        return {}
    out: dict[str, tuple[int, int] | None] = {}
    for rel, f in facts.items():
        if not f.ok:
            out[rel] = None  # the analysis could not decode it: its header says nothing
            continue
        if f.width <= 0 or f.height <= 0:
            continue
        stored = (getattr(f, "stored_width", 0) or 0, getattr(f, "stored_height", 0) or 0)
        if stored[0] > 0 and stored[1] > 0:
            out[rel] = stored
        elif f.width == f.height or f.format.upper() in _NO_ORIENTATION:
            out[rel] = (f.width, f.height)
    return out


def from_dataset(
    ds: Dataset,
    size_of: SizeOf | None = None,
    *,
    loose_as_one: bool = True,
    count_tags: bool = True,
) -> TrainInputs:
    """The dataset's kohya folders as training reads them: repeats, image sizes, tags.

    Images in kohya ``N_name`` folders train (``ds.folders``, as the dataset laid them
    out); beside such folders, loose images are left out, as kohya leaves them out.
    A dataset with no kohya folder at all (a flat folder, ``loose_as_one``) trains as
    it is: each folder that holds images becomes a subset of repeats 1 (the dataset
    TOML names ``image_dir`` itself, and kohya reads no subfolders of it).
    ``size_of`` gives an image's size by relpath (None: unreadable); by default the
    analysis cache for unchanged files, else the file header. ``count_tags`` also
    reads what the plan's prompts and dataset TOML need from the captions: the tag
    counts, the prompt subject and the caption style (the step count needs none).
    """
    root = ds.root
    if size_of is None:
        size_of = _cached_or_header(ds)
    flat = loose_as_one and not ds.folders
    per: dict[str, FolderInput] = {}  # by folder relpath ("" = the root itself)
    tags: Counter[str] = Counter()
    for rel, item in ds.items.items():
        folder = item.folder
        if folder is None and not flat:
            continue  # kohya ignores it (kohya.ignored-folder says so)
        key = folder.path if folder else rel.rpartition("/")[0]
        fi = per.get(key)
        if fi is None:
            fi = per[key] = FolderInput(
                root / key if key else root, int(folder.repeats) if folder else 1
            )
        if not kohya_globs(rel):
            fi.not_read.append(Path(item.image_path))  # a .gif: sd-scripts never globs it
            continue
        size = size_of(rel)
        if size is None:
            fi.unreadable.append(Path(item.image_path))
        else:
            fi.sizes.append(size)
        if count_tags:
            tags.update(item.tags)
    folders = sorted(per.values(), key=lambda f: f.path)  # training's order
    return TrainInputs(
        root,
        ds.settings,
        folders,
        tags,
        in_kohya_folders=not flat,
        subjects=tuple(prompt_subjects(ds)) if count_tags else (),
        caption_style=dataset_caption_style(ds) if count_tags else None,
        reg_folders=reg_inputs(ds, size_of),
    )


def reg_inputs(ds: Dataset, size_of: SizeOf) -> list[FolderInput]:
    """The dataset's class-image folders as ``is_reg`` subsets, with their image sizes."""
    out = []
    for reg in ds.reg_folders:
        fi = FolderInput(ds.root / reg.path, reg.repeats, is_reg=True, class_token=reg.class_token)
        for rel in reg.images:  # sorted as sd-scripts globs them
            size = size_of(rel)
            if size is None:
                fi.unreadable.append(ds.root / rel)
            else:
                fi.sizes.append(size)
        out.append(fi)
    return out


def _cached_or_header(ds: Dataset) -> SizeOf:
    known = cached_sizes(ds.root, list(ds.items))

    def size_of(rel: str) -> Size | None:
        return known[rel] if rel in known else image_size(ds.root / rel)

    return size_of


def load_inputs(root: Path) -> TrainInputs:
    """Settings (the kind as set, else as inferred), kohya folders with image sizes,
    and what the captions say for ``root``: what ``lorapan train`` plans from."""
    ds = Dataset.open(Path(root))
    resolve_kind(ds)
    return from_dataset(ds)
