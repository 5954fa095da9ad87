"""A plain-text progress bar with rate and ETA for the CLI (stderr, no dependencies).

On a terminal it redraws one line; into a pipe or file it prints a line at most every
10% so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


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
        self._last_tenth = -1

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
        tenth = int(10 * done / total) if total else 10
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self.line(done, total) + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
