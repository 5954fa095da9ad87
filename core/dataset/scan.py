"""Scanning a dataset folder: pair each image with its caption by stem, read captions.

No image is decoded. Hidden folders, ``__pycache__`` and lorapan's own temp files
are skipped. An image's caption is the first of the settings' caption extensions
found beside it (the others are noted as extra); ``a.jpg`` and ``a.png`` both get
``a.txt``. Captions with no image of their stem are orphans.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from lorapan.core.captions import Caption, CaptionDecodeError, parse_caption
from lorapan.core.confine import is_inside
from lorapan.core.dataset.items import ImageItem
from lorapan.core.journal.steps import write_block
from lorapan.core.naming import IMAGE_EXTS, natural_key
from lorapan.core.safe_write import TEMP_PREFIX, FileStamp, read_all
from lorapan.core.settings import Settings

#: (rank in the settings' caption extensions, file name) of one caption file
CaptionFile = tuple[int, str]


def read_caption(
    path: str | Path, root: Path | None = None
) -> tuple[Caption | None, FileStamp, str | None, str | None]:
    """The parsed caption, the stamp of what was read, why it is unreadable (or None),
    and why lorapan will not write it (or None; see docs/safety.md, links).

    ``root`` (the dataset's root) lets a symlinked caption be judged: one whose
    target lies inside the dataset is written through, one leading outside is not.
    """
    link = False
    try:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            link = True  # a symlink: O_NOFOLLOW costs nothing for the rest
            fd = os.open(path, os.O_RDONLY)
        try:  # plain os calls: a file object per caption was a third of the read
            st = os.fstat(fd)
            data = read_all(fd, st.st_size)
        finally:
            os.close(fd)
    except OSError as exc:
        return None, FileStamp.missing(), f"cannot read caption: {exc.strerror}", None
    stamp = FileStamp(True, st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())
    block = write_block(path, st)
    if link and root is not None and not is_inside(root, path):
        block = (
            f"is a link to {os.path.realpath(path)}, outside the dataset: lorapan reads it "
            "but never writes outside the dataset"
        )
    try:
        return parse_caption(data), stamp, None, block
    except CaptionDecodeError as exc:
        return None, stamp, str(exc), block


def make_item(
    root: Path, settings: Settings, rel: str, folder: Path, stem: str, caps: list[CaptionFile]
) -> ImageItem:
    """The item for image ``rel`` in ``folder``, its caption read from the best of ``caps``."""
    item = ImageItem(rel, root, None, f"{stem}{settings.caption_extension}")
    if caps:
        item.caption_file = caps[0][1]
        item.extra_captions = tuple(name for _, name in caps[1:])
        item.caption, item.stamp, item.caption_error, item.write_block = read_caption(
            os.path.join(folder, item.caption_file), root
        )
    return item


def caption_files(folder: Path, stem: str, extensions: Sequence[str]) -> list[CaptionFile]:
    """The caption files of ``stem`` present in ``folder``, best first."""
    caps = []
    for i, ext in enumerate(extensions):
        if (folder / f"{stem}{ext}").exists():
            caps.append((i, f"{stem}{ext}"))
    return caps


def split_ext(name: str) -> tuple[str, str]:
    """``os.path.splitext`` of a file name, without its cost for the common case."""
    if name.startswith("."):
        return os.path.splitext(name)  # leading dots belong to the stem: the exact rule
    dot = name.rfind(".")
    return (name, "") if dot < 0 else (name[:dot], name[dot:])


def walk(root: Path) -> Iterable[tuple[str, list[str]]]:
    """(folder relative to ``root`` with POSIX separators, its file names), sorted folders."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        rel = os.path.relpath(dirpath, root)
        yield ("" if rel == "." else rel.replace(os.sep, "/")), filenames


def scan_folder(root: Path, settings: Settings) -> tuple[list[ImageItem], list[str]]:
    """Every image under ``root`` with its caption read (natural order), and the orphans."""
    exts = settings.caption_extensions
    cap_exts = {e.lower(): i for i, e in enumerate(exts)}
    items: list[ImageItem] = []
    orphans: list[str] = []
    for rel_dir, files in walk(root):
        folder = root / rel_dir if rel_dir else root
        images: dict[str, list[str]] = {}
        captions: dict[str, list[CaptionFile]] = {}
        for name in files:
            if name.startswith(TEMP_PREFIX):
                continue
            stem, ext = split_ext(name)
            lext = ext.lower()
            if lext in IMAGE_EXTS and stem:
                images.setdefault(stem, []).append(name)
            elif lext in cap_exts and stem:
                captions.setdefault(stem, []).append((cap_exts[lext], name))
        for stem, names in images.items():
            caps = captions.pop(stem, [])
            if len(caps) > 1:  # best first; a.txt before a.TXT: the one kohya opens
                caps.sort(key=lambda c: (c[0], _other_case(c, exts), c))
            for name in sorted(names, key=natural_key) if len(names) > 1 else names:
                # a.jpg + a.png share a.txt
                rel = f"{rel_dir}/{name}" if rel_dir else name
                items.append(make_item(root, settings, rel, folder, stem, caps))
        for caps in captions.values():
            for _, name in caps:
                orphans.append(f"{rel_dir}/{name}" if rel_dir else name)
    items.sort(key=lambda it: natural_key(it.relpath))
    return items, sorted(orphans, key=natural_key)


def _other_case(cap: CaptionFile, extensions: Sequence[str]) -> bool:
    """The caption's extension differs in case from the one it ranks as (``a.TXT``)."""
    return not cap[1].endswith(extensions[cap[0]])
