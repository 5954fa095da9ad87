"""A tmux control-mode client for the app benchmarks: keys in, screens out, no polling.

``tmux -C attach`` keeps one client on the session. Keys and ``capture-pane`` go
to it as commands (no process started per call), and tmux tells it each time the
pane's program wrote something (``%output``). So a wait captures the screen once
when it starts and again only after new output, instead of every few
milliseconds. A polling loop of ``tmux capture-pane`` processes took most of a
core on the 2-core machine, and its captures cost the tmux server more when the
screen held a picture: the measurement slowed what it measured, and the app
(which shows a picture) more than the floor (which did not).

Every wait is bounded: a capture whose reply does not come, or a screen that
never shows what is waited for, raises :class:`TimeoutError`.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections import deque
from collections.abc import Callable

#: Capture again after this long even without new output (a safety net, not the pace).
RECHECK_S = 0.05


class Control:
    """One control-mode client attached to ``session`` (the window keeps its size)."""

    def __init__(self, session: str, timeout: float = 10.0) -> None:
        self.session = session
        self.proc = subprocess.Popen(
            ["tmux", "-C", "attach-session", "-t", session, "-f", "ignore-size"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        #: ``%output`` notifications seen so far (the pane's program wrote)
        self.outputs = 0
        self._pending = b""
        self._block: list[str] | None = None
        self._replies: deque[str] = deque()
        # The attach answers with a block of its own: sync on a marker of ours.
        deadline = time.perf_counter() + timeout
        while "lorapan-bench-ready" not in self.command("display-message -p lorapan-bench-ready",
                                                        timeout):  # fmt: skip
            if time.perf_counter() > deadline:
                raise TimeoutError(f"tmux control client on {session} never answered")

    # ---- reading ------------------------------------------------------------------
    def _read(self, timeout: float) -> bool:
        """Read what tmux sent within ``timeout``; False when nothing came."""
        out = self.proc.stdout
        assert out is not None
        ready, _, _ = select.select([out], [], [], max(0.0, timeout))
        if not ready:
            return False
        data = os.read(out.fileno(), 1 << 20)
        if not data:
            raise TimeoutError(f"tmux control client on {self.session} ended")
        *lines, self._pending = (self._pending + data).split(b"\n")
        for raw in lines:
            self._line(raw.decode("utf-8", "replace"))
        return True

    def _line(self, line: str) -> None:
        if self._block is not None:
            if line.startswith(("%end ", "%error ")):
                self._replies.append("\n".join(self._block))
                self._block = None
            else:
                self._block.append(line)
        elif line.startswith("%begin "):
            self._block = []
        elif line.startswith("%output "):
            self.outputs += 1

    # ---- commands ----------------------------------------------------------------------
    def command(self, text: str, timeout: float = 10.0) -> str:
        """Run one tmux command on this client and return what it printed."""
        stdin = self.proc.stdin
        assert stdin is not None
        self._replies.clear()
        stdin.write(text.encode() + b"\n")
        deadline = time.perf_counter() + timeout
        while not self._replies:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"tmux did not answer {text!r} in {timeout:.0f} s")
            self._read(left)
        return self._replies.popleft()

    def key(self, key: str) -> float:
        """Send one key; the moment it went (perf_counter)."""
        t = time.perf_counter()
        self.command(f"send-keys -t {self.session} {key}")
        return t

    def capture(self) -> str:
        """The screen with its styles (``capture-pane -p -e``)."""
        return self.command(f"capture-pane -p -e -t {self.session}")

    def wait(self, predicate: Callable[[str], bool], timeout: float) -> str:
        """Capture until ``predicate(screen)``; each capture after the first waits for
        new output (or :data:`RECHECK_S`). Raises TimeoutError with the last screen."""
        t0 = time.perf_counter()
        while True:
            seen = self.outputs
            text = self.capture()
            if predicate(text):
                return text
            left = timeout - (time.perf_counter() - t0)
            if left <= 0:
                raise TimeoutError(text)
            end = time.perf_counter() + min(RECHECK_S, left)
            while self.outputs == seen and time.perf_counter() < end:
                self._read(end - time.perf_counter())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
