"""Python's garbage collector, kept off the keys: full collections wait for an idle moment.

At 10,000 images the app holds a few hundred thousand objects for the whole session
(the dataset, its tag index, the analysis facts, the rules' state) and makes tens of
thousands more for each preview (a half-block picture is a rich Style per cell).
Python's automatic full collection walks every one of them: 70-140 ms with the GIL
held, about once a second while the user holds ``j``, so every tenth key waited for
it (the benchmark's p90; ``docs/benchmarks.md``).

So, while the app runs:

- :meth:`HeapKeeper.settle` moves what is loaded by then (at start, after the first
  rules report, after an analysis) out of the collector's sight (``gc.freeze``):
  those objects live as long as the dataset, and reference counting still frees
  each one that is dropped;
- automatic full collections become rare (the third threshold), and
  :meth:`HeapKeeper.tick` runs one when no key came for :data:`IDLE_S`, enough was
  allocated since the last, and the last is :data:`MIN_GAP_S` ago. Young collections
  stay as they are (a few ms).

:meth:`HeapKeeper.stop` puts the collector back as it was (tests run many apps in
one process).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from textual import events

#: Input a user waits on a frame for: each one puts the next full collection off.
USER_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
#: Seconds without a key before a full collection may run.
IDLE_S = 0.75
#: How often the app looks for that idle moment.
TICK_S = 0.5
#: Automatic full collections: after this many middle-generation ones (Python's
#: default is 10). Rare enough that :meth:`HeapKeeper.tick` does them.
RARE_FULL = 1000
#: Middle-generation collections since the last full one that make a full one
#: worth its time when idle (the default thresholds run one after 10).
FULL_AFTER = 10
#: Seconds between two full collections at least: while the analysis runs, the young
#: generations fill all the time, and an idle app would otherwise spend tens of ms of
#: every :data:`TICK_S` walking its objects.
MIN_GAP_S = 5.0


class HeapKeeper:
    """See module docstring. ``clock``: seconds, monotonic (a test passes its own)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_key = clock()
        self.running = False
        #: full collections run by :meth:`tick` (the tests and the benchmark read it)
        self.collections = 0
        self._saved: tuple[int, int, int] | None = None
        self._young_at_last_full = 0
        self._last_full = float("-inf")

    def start(self, app: Any = None) -> None:
        """Set the loaded objects aside; with ``app``, look for idle moments on its timer."""
        if self.running:
            return
        if app is not None:
            app.set_interval(TICK_S, self.tick)
        self.running = True
        self._saved = gc.get_threshold()
        gen0, gen1, _ = self._saved
        gc.set_threshold(gen0, gen1, RARE_FULL)
        self.settle()
        # what start-up allocated is frozen now: nothing for a full collection to find
        # in the first seconds, when the user's first keys come
        self._young_at_last_full = _middle_collections()
        self._last_full = self.clock()

    def settle(self) -> None:
        """What is alive now lives as long as the dataset: out of the collector's sight."""
        if self.running:
            gc.freeze()

    def key(self) -> None:
        """A key came: no full collection for the next :data:`IDLE_S`."""
        self.last_key = self.clock()

    def saw(self, event: object) -> None:
        """An app event: a key, a click or a scroll counts as a key."""
        if isinstance(event, USER_INPUT):
            self.key()

    def tick(self) -> bool:
        """A full collection, if the user is idle and enough was allocated; True if run."""
        now = self.clock()
        if not self.running or now - self.last_key < IDLE_S or now - self._last_full < MIN_GAP_S:
            return False
        if _middle_collections() - self._young_at_last_full < FULL_AFTER:
            return False
        gc.collect()
        self._young_at_last_full = _middle_collections()
        self._last_full = self.clock()
        self.collections += 1
        return True

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        gc.unfreeze()
        if self._saved is not None:
            gc.set_threshold(*self._saved)


def _middle_collections() -> int:
    """How many middle-generation collections ran so far (``gc.get_stats``)."""
    return int(gc.get_stats()[1]["collections"])
