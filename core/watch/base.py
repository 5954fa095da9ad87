"""What both watchers share: the ``[watch]`` options, and the observer + settler lifecycle.

A watcher (:class:`Watcher`) starts a :class:`~lorapan.core.watch.events.Settler`,
which turns raw events into settled sets of paths on its own thread, and a watchdog
observer (inotify, or polling on network filesystems) that feeds it. A subclass says
which paths it cares about (``_accept``), what it knew under a folder that went
(``_known_under``) and what to do with each settled set (``_on_ready``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lorapan.core.naming import natural_key
from lorapan.core.watch.events import Settler, start_observer, stop_observer

if TYPE_CHECKING:
    from lorapan.core.settings import Settings
    from watchdog.observers.api import BaseObserver


@dataclass(frozen=True)
class WatchOptions:
    polling: bool = False
    debounce: float = 0.3
    stable_for: float = 0.5
    max_latency: float = 2.0
    poll_interval: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings | None, **overrides: Any) -> WatchOptions:
        """The ``[watch]`` table of lorapan.toml; bad values fall back to defaults."""
        table = settings.section("watch") if settings is not None else {}
        values: dict[str, Any] = {}
        if isinstance(table.get("polling"), bool):
            values["polling"] = table["polling"]
        for key in ("debounce", "stable_for", "max_latency", "poll_interval"):
            val = table.get(key)
            if isinstance(val, (int, float)) and not isinstance(val, bool) and val >= 0:
                values[key] = float(val)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def sorted_paths(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(paths, key=natural_key))


def stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Watcher:
    """Observer + settler lifecycle shared by both watchers."""

    root: Path
    options: WatchOptions
    mode: str = "stopped"

    def __init__(self, on_error: Callable[[BaseException], None] | None) -> None:
        self._observer: BaseObserver | None = None
        self._settler: Settler | None = None
        self._on_error = on_error
        self._started = False

    def _accept(self, rel: str) -> bool:
        raise NotImplementedError

    def _on_ready(self, rels: set[str]) -> None:
        raise NotImplementedError

    def _known_under(self, rel_dir: str) -> Iterable[str]:
        raise NotImplementedError

    def start(self) -> None:
        """Start watching; returns at once (the observer runs on its own threads)."""
        if self._started:
            return
        o = self.options
        self._settler = Settler(
            self.root,
            self._on_ready,
            debounce=o.debounce,
            max_latency=o.max_latency,
            stable_for=o.stable_for,
            expand_gone=self._known_under,
            on_error=self._on_error,
        )
        self._settler.start()
        try:
            self._observer, self.mode = start_observer(
                self.root,
                self._settler,
                self._accept,
                polling=o.polling,
                poll_interval=o.poll_interval,
            )
        except BaseException:
            self._settler.stop()
            raise
        self._started = True

    def stop(self) -> None:
        """Stop watching and wait for the threads; changes not yet settled are dropped."""
        stop_observer(self._observer)
        if self._settler is not None:
            self._settler.stop()
        self._observer = self._settler = None
        self._started = False
        self.mode = "stopped"

    @property
    def busy(self) -> bool:
        """True while changes are waiting to settle (useful in tests and benchmarks)."""
        return self._settler is not None and self._settler.busy

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
