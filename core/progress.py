"""A plain-text progress bar with rate and ETA for the CLI (stderr, no dependencies).

On a terminal it redraws one line; into a pipe or file it prints a line at most every
few seconds (``LORAPAN_PROGRESS_SECONDS``, 5 by default) and always the final one, so
a 10k-image run's log gets a line per interval, not one per batch.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

LOG_INTERVAL_S = 5.0


def log_interval() -> float:
    """Seconds between progress lines into a log (``LORAPAN_PROGRESS_SECONDS``)."""
    try:
        return max(0.0, float(os.environ.get("LORAPAN_PROGRESS_SECONDS", LOG_INTERVAL_S)))
    except ValueError:
        return LOG_INTERVAL_S


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    def __init__(
        self, label: str, suffix: str = "", stream: TextIO | None = None, width: int = 24
    ) -> None:
        self.label = label
        self.suffix = suffix
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.first_done: int | None = None
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = log_interval()
        self._last_print: float | None = None  # when the last log line went out
        self._last: tuple[int, int] | None = None  # the last update seen
        self._printed: tuple[int, int] | None = None  # the last update printed

    def line(self, done: int, total: int) -> str:
        frac = done / total if total else 1.0
        filled = int(frac * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.perf_counter() - self.started
        base = self.first_done or 0
        rate = (done - base) / elapsed if elapsed > 0 and done > base else 0.0
        eta = _clock((total - done) / rate) if rate else "?"
        text = f"{self.label} [{bar}] {done}/{total} {rate:.1f} img/s ETA {eta}"
        return f"{text} {self.suffix}".rstrip()

    def update(self, done: int, total: int) -> None:
        if self.first_done is None:
            self.first_done = done  # cached images arrive at once; don't count them in the rate
            self.started = time.perf_counter()
        if self.tty:
            self.stream.write("\r" + self.line(done, total))
            self.stream.flush()
            return
        self._last = (done, total)
        now = time.perf_counter()
        final = total > 0 and done >= total
        due = self._last_print is None or now - self._last_print >= self.interval
        if (final or due) and self._printed != (done, total):
            self._print_line(done, total, now)

    def _print_line(self, done: int, total: int, now: float) -> None:
        self._last_print = now
        self._printed = (done, total)
        self.stream.write(self.line(done, total) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        elif self._last is not None and self._printed != self._last:
            self._print_line(*self._last, time.perf_counter())  # where it stopped
