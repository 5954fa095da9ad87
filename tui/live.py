"""The live folder inside the app: one Textual message per settled batch.

:class:`LiveFolder` is a widget with nothing to show: mount it (on the main screen
or the app) and it starts :class:`lorapan.core.watch.DatasetWatcher` for the
dataset, posts one :class:`LiveFolder.Changed` per batch of outside changes, and
stops the watcher when it is unmounted. The message bubbles up to the screen and
the app (``on_live_folder_changed``). The watcher's thread only ever calls
``post_message``, which is thread-safe and never blocks, so the UI is never waited
on from there.

The dataset itself is already up to date when the message arrives (the watcher
applied the batch with ``Dataset.refresh_paths``; ``dataset.subscribe`` listeners
ran on the watcher thread). The message says what to repaint and gives enough to
handle the viewed image being deleted (``batch.removed``) or replaced
(``batch.changed``).

:class:`LiveWatch` is the same without the widget, for code that manages the
lifecycle itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lorapan.core.watch import Batch, DatasetWatcher
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widget import Widget

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset


class LiveWatch:
    """A dataset watcher whose batches and errors become messages to ``target``."""

    def __init__(self, target: MessagePump, dataset: Dataset, **options: object) -> None:
        self.target = target
        self.dataset = dataset
        self.options = options
        self.watcher: DatasetWatcher | None = None

    @property
    def mode(self) -> str:
        return self.watcher.mode if self.watcher is not None else "stopped"

    def start(self) -> None:
        """Start watching (raises OSError when the folder cannot be watched)."""
        if self.watcher is not None:
            return
        watcher = DatasetWatcher(
            self.dataset,
            on_batch=self._on_batch,
            on_error=self._on_error,
            **self.options,  # type: ignore[arg-type]
        )
        watcher.start()
        self.watcher = watcher

    def stop(self) -> None:
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.stop()

    # Watcher thread -> event loop: post_message only (thread-safe, non-blocking).
    def _on_batch(self, batch: Batch) -> None:
        self.target.post_message(LiveFolder.Changed(batch))

    def _on_error(self, exc: BaseException) -> None:
        self.target.post_message(LiveFolder.Problem(f"folder watcher: {exc}"))


class LiveFolder(Widget):
    """Follow the dataset folder while mounted; see module docstring."""

    DEFAULT_CSS = "LiveFolder { display: none; }"

    @dataclass
    class Changed(Message):
        """One settled batch of outside changes, already applied to the dataset."""

        batch: Batch

        @property
        def images(self) -> set[str]:
            return self.batch.images

    @dataclass
    class Problem(Message):
        """The folder could not be watched, or a batch failed to apply."""

        text: str

    def __init__(
        self,
        dataset: Dataset,
        *,
        polling: bool | None = None,
        debounce: float | None = None,
        stable_for: float | None = None,
        poll_interval: float | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.live = LiveWatch(
            self,
            dataset,
            polling=polling,
            debounce=debounce,
            stable_for=stable_for,
            poll_interval=poll_interval,
        )

    @property
    def mode(self) -> str:
        """ "native", "polling", "polling (native watching failed: ...)" or "stopped"."""
        return self.live.mode

    def on_mount(self) -> None:
        try:
            self.live.start()
        except OSError as exc:
            self.post_message(self.Problem(f"not following outside changes: {exc.strerror or exc}"))
            return
        if self.mode.startswith("polling ("):
            self.post_message(self.Problem(f"folder watcher: {self.mode}"))

    def on_unmount(self) -> None:
        self.live.stop()
