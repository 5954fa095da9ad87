"""Small pictures as half-block cells (``▀``: top pixel in the foreground colour,
bottom pixel in the background), drawn straight into Textual strips, and an LRU of them.

The gallery and the clone compare show dozens of thumbnails at once. Each is drawn
once, on the worker thread that decoded it, into strips of a fixed cell box (the
picture centred in it), so painting a screenful costs only joining strips. Runs of
cells with the same two colours share one segment, which keeps flat art cheap.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.analysis.thumbs import load_thumbnail
from PIL import Image
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.strip import Strip

HALF = "▀"
Cells = tuple[int, int]  # columns, rows
#: Thumbnails decoded at once: Pillow lets go of the GIL while it decodes and resizes.
DECODERS = 2
#: How much nicer than the app the decode threads run (Linux: per thread), so a key's
#: frame is drawn before more thumbnails are.
DECODE_NICENESS = 5
_niced = threading.local()


@dataclass
class ThumbReady(Message):
    """A thumbnail was decoded into the store (posted from a decode thread)."""

    relpath: str
    cells: Cells


@dataclass(frozen=True)
class DrawnThumb:
    """A picture drawn into ``cells`` (one strip per row), or why there is none."""

    strips: tuple[Strip, ...]
    width: int = 0  # the original's size
    height: int = 0
    error: str | None = None
    stamp: tuple[int, int] = (0, 0)  # the file's (mtime_ns, size) when it was decoded


class _Styles:
    """rich Styles per (top, bottom) colour pair, made once: building one costs µs, and
    a thumbnail has a few hundred cells. Both caches are bounded (cleared when full)."""

    LIMIT = 65_536

    def __init__(self) -> None:
        self._styles: dict[tuple, Style] = {}
        self._colours: dict[tuple[int, int, int], Color] = {}

    def _colour(self, rgb: tuple[int, int, int]) -> Color:
        colour = self._colours.get(rgb)
        if colour is None:
            if len(self._colours) >= self.LIMIT:
                self._colours.clear()
            colour = self._colours[rgb] = Color.from_rgb(*rgb)
        return colour

    def get(self, top: tuple[int, int, int], bottom: tuple[int, int, int] | None) -> Style:
        key = (top, bottom)
        style = self._styles.get(key)
        if style is None:
            bg = self._colour(bottom) if bottom is not None else None
            if len(self._styles) >= self.LIMIT:
                self._styles.clear()
            style = self._styles[key] = Style.from_color(self._colour(top), bg)
        return style


_STYLES = _Styles()


def draw(img: Image.Image, cells: Cells) -> list[Strip]:
    """``img`` (at most ``cols`` x ``2*rows`` pixels) centred in ``cells`` as strips."""
    cols, rows = cells
    if img.mode != "RGB":
        img = img.convert("RGB")
    width, height = min(img.width, cols), min(img.height, 2 * rows)
    data = img.tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    stride = img.width
    used_rows = (height + 1) // 2
    top_pad = (rows - used_rows) // 2
    left = (cols - width) // 2
    right = cols - width - left
    blank = Strip([Segment(" " * cols)], cols)
    strips = [blank] * top_pad
    for row in range(used_rows):
        segments = [Segment(" " * left)] if left else []
        run_style: Style | None = None
        run = 0
        y = 2 * row
        for x in range(width):
            top = pixels[y * stride + x]
            bottom = pixels[(y + 1) * stride + x] if y + 1 < height else None
            style = _STYLES.get(top, bottom)
            if style is run_style:
                run += 1
                continue
            if run:
                segments.append(Segment(HALF * run, run_style))
            run_style, run = style, 1
        if run:
            segments.append(Segment(HALF * run, run_style))
        if right:
            segments.append(Segment(" " * right))
        strips.append(Strip(segments, cols))
    strips += [blank] * (rows - len(strips))
    return strips


def text_strips(text: str, cells: Cells, style: Style | None = None) -> list[Strip]:
    """One line of ``text`` (cut to fit) in the middle of an empty cell box."""
    cols, rows = cells
    text = text[:cols]
    left = (cols - len(text)) // 2
    blank = Strip([Segment(" " * cols)], cols)
    line = Strip(
        [Segment(" " * left), Segment(text, style), Segment(" " * (cols - left - len(text)))],
        cols,
    )
    return [line if y == (rows - 1) // 2 else blank for y in range(rows)]


def draw_file(path: Path, cells: Cells) -> DrawnThumb:
    """Decode ``path`` at display size and draw it (on a worker thread; never raises)."""
    cols, rows = cells
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (0, 0)
    thumb = load_thumbnail(path, (cols, 2 * rows))
    if thumb.image is None:
        strips = text_strips("✗ unreadable", cells, Style(color="red"))
        return DrawnThumb(tuple(strips), error=thumb.error, stamp=stamp)
    return DrawnThumb(tuple(draw(thumb.image, cells)), thumb.width, thumb.height, stamp=stamp)


class ThumbStore:
    """A thread-safe LRU of drawn thumbnails keyed on (relpath, cells)."""

    def __init__(self, capacity: int = 1200) -> None:
        self.capacity = capacity
        self._data: OrderedDict[tuple[str, Cells], DrawnThumb] = OrderedDict()
        self._lock = threading.Lock()
        #: thumbnails decoded so far (the gallery's benchmark reads it)
        self.decoded = 0

    def get(self, rel: str, cells: Cells) -> DrawnThumb | None:
        with self._lock:
            thumb = self._data.get((rel, cells))
            if thumb is not None:
                self._data.move_to_end((rel, cells))
            return thumb

    def put(self, rel: str, cells: Cells, thumb: DrawnThumb) -> None:
        with self._lock:
            self._data[(rel, cells)] = thumb
            self._data.move_to_end((rel, cells))
            self.decoded += 1
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def forget(self, rels: set[str]) -> None:
        """Drop every size of these images (their files changed or went)."""
        with self._lock:
            for key in [k for k in self._data if k[0] in rels]:
                del self._data[key]

    def __len__(self) -> int:
        return len(self._data)


def decode_into(
    store: ThumbStore,
    root: Path,
    rels: Iterable[str],
    cells: Cells,
    cancelled: Callable[[], bool],
    post: Callable[[Message], object],
) -> None:
    """Decode and draw ``rels`` missing from ``store`` on a few threads, most wanted first;
    posts :class:`ThumbReady` for each; stops starting new ones once ``cancelled()``."""

    def one(rel: str) -> None:
        if cancelled():
            return
        _behind_the_ui()
        if store.get(rel, cells) is None:
            store.put(rel, cells, draw_file(root / rel, cells))
        post(ThumbReady(rel, cells))

    with ThreadPoolExecutor(DECODERS, thread_name_prefix="thumbs") as pool:
        list(pool.map(one, rels))


def _behind_the_ui() -> None:
    """Lower this decode thread's CPU priority once (Linux sets it per thread; elsewhere
    nothing happens)."""
    if getattr(_niced, "done", False):
        return
    _niced.done = True
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), current + DECODE_NICENESS)
    except (AttributeError, OSError):
        pass
