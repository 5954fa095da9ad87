"""The training screen's results: every checkpoint (step, size, time) and the sample
images of the chosen one side by side, one per prompt.

The panel only renders what the screen hands it (a list of
:class:`~lorapan.core.training.checkpoints.Checkpoint`); thumbnails are decoded in a
thread worker, never on the event loop.
"""

from __future__ import annotations

from pathlib import Path

from lorapan.core.training.checkpoints import Checkpoint, table
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

SLOTS = 4  # sample images side by side (the default prompt count)
ROWS = 4  # checkpoint rows in view


def _slot(i: int):
    try:
        from lorapan.tui.widgets.preview import PreviewImage

        return PreviewImage(id="tr-sample-image" if i == 0 else f"tr-sample-{i}")
    except ImportError:  # the preview widget is optional here
        return Static("", id="tr-sample-image" if i == 0 else f"tr-sample-{i}")


class CheckpointPanel(Vertical):
    DEFAULT_CSS = """
    CheckpointPanel { height: 1fr; }
    CheckpointPanel #tr-ckpts { height: auto; max-height: 4; color: $text-muted; }
    CheckpointPanel #tr-sample-path { height: 1; color: $text-muted; }
    CheckpointPanel #tr-samples { height: 1fr; min-height: 3; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.found: list[Checkpoint] = []
        self.chosen: int | None = None  # index into found; None: follow the newest
        self.shown: tuple[str, ...] = ()  # the sample paths on screen

    def compose(self) -> ComposeResult:
        yield Static("no checkpoint yet", id="tr-ckpts", markup=False)
        yield Static("no sample yet", id="tr-sample-path", markup=False)
        with Horizontal(id="tr-samples"):
            for i in range(SLOTS):
                yield _slot(i)

    def clear_results(self) -> None:
        self.found, self.chosen, self.shown = [], None, ()
        self.query_one("#tr-ckpts", Static).update("no checkpoint yet")
        self.query_one("#tr-sample-path", Static).update("no sample yet")
        for widget in self._slots():
            if hasattr(widget, "show_thumb"):
                widget.show_thumb(None)  # not the previous run's samples

    def show_checkpoints(self, found: list[Checkpoint], newest_sample: str | None = None) -> None:
        """Take the run's checkpoints (and its newest sample, which may have none yet)."""
        self.found = found
        if self.chosen is not None and self.chosen >= len(found):
            self.chosen = None
        self._draw(newest_sample)

    def move_choice(self, delta: int) -> None:
        """Choose the previous/next checkpoint (the newest is where a fresh run starts)."""
        if not self.found:
            return
        now = self.chosen if self.chosen is not None else len(self.found) - 1
        self.chosen = max(0, min(len(self.found) - 1, now + delta))
        self._draw(None)

    @property
    def current_checkpoint(self) -> Checkpoint | None:
        if not self.found:
            return None
        return self.found[self.chosen if self.chosen is not None else len(self.found) - 1]

    def _draw(self, newest_sample: str | None) -> None:
        rows = table(self.found, compact=True)
        current = self.current_checkpoint
        lines = [
            ("▶ " if c is current else "  ") + row for c, row in zip(self.found, rows, strict=True)
        ]
        at = self.found.index(current) if current is not None else 0
        first = max(0, min(at - ROWS + 2, len(lines) - ROWS))  # the chosen row stays in view
        text = "\n".join(lines[first : first + ROWS]) or "no checkpoint yet"
        self.query_one("#tr-ckpts", Static).update(text)
        if current is not None and current.samples:
            samples, caption = current.samples, f"samples at {current.label}: {current.path.name}"
        elif newest_sample and self.chosen is None:
            samples, caption = [Path(newest_sample)], Path(newest_sample).name
        elif current is not None and self.chosen is not None:
            samples, caption = [], f"no samples at {current.label}: {current.path.name}"
        else:
            return
        paths = tuple(str(p) for p in samples[:SLOTS])
        if paths != self.shown:
            self.shown = paths
            self.query_one("#tr-sample-path", Static).update(caption)
            boxes = [(i, w.box) for i, w in enumerate(self._slots()) if hasattr(w, "show_thumb")]
            self.load_samples(paths, boxes)

    def _slots(self) -> list:
        return [
            self.query_one("#tr-sample-image"),
            *(self.query_one(f"#tr-sample-{i}") for i in range(1, SLOTS)),
        ]

    class SampleThumb(Message):
        """A sample of ``paths`` decoded for slot ``index`` (None: the slot is emptied)."""

        def __init__(self, paths: tuple[str, ...], index: int, thumb: object) -> None:
            super().__init__()
            self.paths, self.index, self.thumb = paths, index, thumb

    @work(thread=True, exclusive=True, group="training-samples", exit_on_error=False)
    def load_samples(self, paths: tuple[str, ...], boxes: list[tuple[int, object]]) -> None:
        """Decode the samples off the UI thread; each one is posted to its slot."""
        from lorapan.tui.widgets.preview import make_thumb

        for i, box in boxes:
            thumb = make_thumb(Path(paths[i]), box) if i < len(paths) else None
            self.post_message(self.SampleThumb(paths, i, thumb))

    def on_checkpoint_panel_sample_thumb(self, message: SampleThumb) -> None:
        message.stop()
        if message.paths == self.shown:  # not a slower, older decode
            self._slots()[message.index].show_thumb(message.thumb)
