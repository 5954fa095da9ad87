"""The image preview: half-block pixels (rich-pixels) resized by us, plus a caption line.

Decoding runs in an exclusive thread worker: a new request cancels the previous
one, and each worker waits a moment and checks for cancellation before decoding,
so a fast burst of j/k decodes only the image the cursor stops on. Once the picture
is shown, its neighbours are prefetched into an LRU of thumbnails keyed on (path,
mtime, size, box); the next key that needs a decode cancels that prefetch after
its current image, so the cursor's image never queues behind images it has left. Images go
through the shared decode path (``lorapan.core.analysis.imaging``), which draft-
decodes large JPEGs; we fit the result to the pane with LANCZOS, keeping the
aspect ratio: a half-block cell is one pixel wide and two tall, so a box of
``cols x rows`` cells holds ``cols x 2*rows`` square pixels.
"""

from __future__ import annotations

import io
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lorapan.core.analysis.imaging import DecodeError, decode_reduced, read_bytes
from lorapan.tui.workers import report_failure
from PIL import Image
from rich.align import Align
from rich.console import Console, RenderableType
from rich.text import Text
from rich_pixels import Pixels
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

#: Seconds a decode waits for a newer request before starting (burst collapse).
SETTLE_S = 0.03


@dataclass(frozen=True)
class Thumb:
    """A fitted thumbnail or the reason there is none; ``strips`` drawn for ``cells``."""

    image: Image.Image | None
    width: int = 0  # original size, oriented
    height: int = 0
    mode: str = ""
    error: str | None = None
    strips: tuple[Strip, ...] = ()
    cells: tuple[int, int] = (0, 0)


def render_strips(renderable: RenderableType, cells: tuple[int, int]) -> list[Strip]:
    """Draw a renderable into ``cells`` (cols, rows) as Textual strips; thread-safe."""
    width, height = cells
    console = Console(
        width=width,
        height=height,
        color_system="truecolor",
        file=io.StringIO(),
        legacy_windows=False,
    )
    lines = console.render_lines(renderable, console.options, pad=True)
    return [Strip(line, width) for line in lines]


def picture(img: Image.Image) -> RenderableType:
    return Align.center(Pixels.from_image(img), vertical="middle")


class ThumbCache:
    """A small thread-safe LRU of thumbnails."""

    def __init__(self, capacity: int = 96) -> None:
        self.capacity = capacity
        self._data: OrderedDict[tuple, Thumb] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Thumb | None:
        with self._lock:
            thumb = self._data.get(key)
            if thumb is not None:
                self._data.move_to_end(key)
            return thumb

    def put(self, key: tuple, thumb: Thumb) -> None:
        with self._lock:
            self._data[key] = thumb
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def cache_key(path: Path, box: tuple[int, int]) -> tuple:
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size, box)
    except OSError:
        return (str(path), 0, 0, box)


def fit(img: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Resize to fit ``box`` pixels with LANCZOS, aspect kept (never upscaled past 1x box)."""
    bw, bh = max(1, box[0]), max(1, box[1])
    scale = min(bw / img.width, bh / img.height)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    if size == img.size:
        return img
    return img.resize(size, Image.Resampling.LANCZOS)


def make_thumb(path: Path, box: tuple[int, int], draw: bool = True) -> Thumb:
    """Decode ``path`` at reduced size, fit it to ``box`` and draw it (in a worker).

    ``draw=False`` (sixel/tgp through textual-image) keeps only the fitted picture.
    """
    try:
        data = read_bytes(path)
        header, img = decode_reduced(data, box)
    except DecodeError as exc:
        return Thumb(None, error=exc.message)
    except Exception as exc:  # a decoder bug must not kill the preview
        return Thumb(None, error=f"cannot decode: {exc}")
    small = fit(img, box)
    if not draw:
        return Thumb(small, header.width, header.height, header.mode)
    cells = (box[0], box[1] // 2)
    strips = tuple(render_strips(picture(small), cells))
    return Thumb(small, header.width, header.height, header.mode, None, strips, cells)


class PreviewImage(Widget):
    """Shows one thumbnail as half-block pixels, or a message.

    The picture is turned into strips once per thumbnail (Line API), so a
    repaint caused by other widgets (a layout pass on every cursor move) costs
    nothing here; rendering rich-pixels segments on each paint took ~40 ms.
    """

    DEFAULT_CSS = "PreviewImage { height: 1fr; width: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._image: Image.Image | None = None
        self._message: RenderableType = Text("")
        self._strips: list[Strip] = []
        self._strips_for: tuple[int, int] | None = None

    @property
    def showing_picture(self) -> bool:
        return self._image is not None

    def show_thumb(self, thumb: Thumb | None, message: str = "") -> None:
        if thumb is not None and thumb.image is not None:
            # The worker drew the strips; rich-pixels (which renders every cell as
            # soon as it is built) runs here again only if the pane's size changed.
            self._image = thumb.image
            self._strips = list(thumb.strips)
            self._strips_for = thumb.cells
        else:
            text = message or (thumb.error if thumb else "") or ""
            self._image = None
            self._message = Align.center(Text(text, justify="center"), vertical="middle")
            self._strips_for = None
        self.refresh()

    def _build_strips(self, width: int, height: int) -> None:
        renderable = picture(self._image) if self._image is not None else self._message
        self._strips = render_strips(renderable, (width, height))
        self._strips_for = (width, height)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._line_style = self.rich_style  # once per paint, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if self._strips_for != (width, height):
            self._build_strips(width, height)
        style = getattr(self, "_line_style", None) or self.rich_style
        if 0 <= y < len(self._strips):
            return self._strips[y].apply_style(style)
        return Strip.blank(width, style)

    @property
    def box(self) -> tuple[int, int]:
        """Pixel box for half-blocks: one pixel per column, two per row."""
        return max(1, self.size.width), max(2, self.size.height * 2)


class CaptionLine(Widget):
    """One line of text; unlike Static.update, a change costs no layout pass."""

    DEFAULT_CSS = "CaptionLine { height: 1; }"
    text: reactive[str] = reactive("")

    def render(self) -> Text:
        return Text(self.text, no_wrap=True, overflow="ellipsis")


class Preview(Vertical):
    """Picture and caption line; call :meth:`show` with an image relpath."""

    DEFAULT_CSS = """
    Preview { height: 1fr; align-horizontal: center; }
    Preview > #preview-caption { height: 1; }
    Preview > #preview-graphics { height: 1fr; width: auto; max-width: 100%; }
    """

    @dataclass
    class Ready(Message):
        relpath: str
        key: tuple
        thumb: Thumb

    def __init__(
        self,
        root: Path,
        enabled: bool = True,
        graphics: Any = None,
        cell: tuple[int, int] = (10, 20),
        **kwargs,
    ) -> None:
        """``graphics``: a textual-image widget class (sixel/tgp), else half-blocks."""
        super().__init__(**kwargs)
        self.root = Path(root)
        self.enabled = enabled
        self.graphics = graphics
        self.cell = cell
        self.cache = ThumbCache()
        self.current: str | None = None
        self.thumb: Thumb | None = None
        self.neighbours: list[str] = []
        self.extra_caption = ""  # facts from analysis (sharpness, clone group)

    def compose(self) -> ComposeResult:
        yield PreviewImage(id="preview-image")
        if self.graphics is not None:
            yield self.graphics(id="preview-graphics")
        yield CaptionLine(id="preview-caption")

    @property
    def image_widget(self) -> PreviewImage:
        return self.query_one(PreviewImage)

    @property
    def graphics_widget(self) -> Widget | None:
        return self.query_one("#preview-graphics") if self.graphics is not None else None

    @property
    def box(self) -> tuple[int, int]:
        """The picture's pixel box: half-blocks, or the pane in real pixels (sixel/tgp)."""
        if self.graphics is None:
            return self.image_widget.box
        cols, rows = max(1, self.size.width), max(1, self.size.height - 1)
        return cols * self.cell[0], rows * self.cell[1]

    def _message(self, text: str) -> None:
        self.thumb = None
        self._show_picture(None, text)
        self._set_caption()

    def _show_picture(self, thumb: Thumb | None, message: str = "") -> None:
        graphics = self.graphics_widget
        if graphics is not None:
            real = thumb is not None and thumb.image is not None
            graphics.display = real
            self.image_widget.display = not real
            graphics.image = thumb.image if real else None  # type: ignore[attr-defined]
            if real:
                return
        self.image_widget.show_thumb(thumb, message)

    def show(self, rel: str | None, neighbours: list[str] | None = None) -> None:
        self.current = rel
        self.neighbours = neighbours or []
        if rel is None:
            self._message("no image")
            return
        if not self.enabled:
            self._message("preview off (p turns it on)")
            return
        box = self.box
        key = cache_key(self.root / rel, box)
        hit = self.cache.get(key)
        if hit is not None:
            self._display(rel, hit)
            self._prefetch(box)
            return
        self.workers.cancel_group(self, "prefetch")  # the cursor's image first
        self.thumb = None  # the caption must not keep the last image's size
        self._show_picture(None, "decoding…")
        self._set_caption()
        self._decode(rel, box)

    def on_resize(self) -> None:
        if self.current is not None:
            self.show(self.current, self.neighbours)

    def _display(self, rel: str, thumb: Thumb) -> None:
        self.thumb = thumb
        self._show_picture(thumb)
        self._set_caption()

    def set_extra(self, text: str) -> None:
        self.extra_caption = text
        self._set_caption()

    def _set_caption(self) -> None:
        parts = []
        if self.current is not None:
            parts.append(self.current.rpartition("/")[2])
        thumb = self.thumb
        if thumb is not None and thumb.error:
            parts.append("unreadable")
        elif thumb is not None:
            parts.append(f"{thumb.width}×{thumb.height} {thumb.mode}")
        if self.extra_caption:
            parts.append(self.extra_caption)
        self.query_one(CaptionLine).text = " · ".join(parts)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _decode(self, rel: str, box: tuple[int, int]) -> None:
        worker = get_current_worker()
        time.sleep(SETTLE_S)
        if worker.is_cancelled:
            return
        path = self.root / rel
        key = cache_key(path, box)
        thumb = make_thumb(path, box, draw=self.graphics is None)
        self.cache.put(key, thumb)
        if not worker.is_cancelled:
            self.post_message(self.Ready(rel, key, thumb))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self.app, event)

    def on_preview_ready(self, message: Ready) -> None:
        message.stop()
        if message.relpath == self.current:
            self._display(message.relpath, message.thumb)
            self._prefetch(message.key[3])

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, box: tuple[int, int]) -> None:
        worker = get_current_worker()
        time.sleep(SETTLE_S * 3)
        if worker.is_cancelled:
            return
        for rel in list(self.neighbours):
            if worker.is_cancelled:
                return
            path = self.root / rel
            key = cache_key(path, box)
            if self.cache.get(key) is None:
                self.cache.put(key, make_thumb(path, box, draw=self.graphics is None))
