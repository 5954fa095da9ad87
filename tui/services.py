"""The app's long-running helpers on threads of their own: the rules engine and the
folder watcher. Both report to the app only by posting messages (thread-safe)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lorapan.core.dataset import Dataset
from lorapan.core.rules.live import RulesRunner
from lorapan.tui.messages import Notice, RulesReport, SettingsFileChanged
from textual.app import App

if TYPE_CHECKING:
    from lorapan.core.watch import DatasetWatcher


class Services:
    """Starts and stops the rules thread and the folder watcher for ``app``."""

    def __init__(self, app: App, dataset: Dataset) -> None:
        self.app = app
        self.dataset = dataset
        self.rules: RulesRunner | None = None
        self.watcher: DatasetWatcher | None = None

    def start_rules(self) -> None:
        """The rules engine on its thread; each report arrives as a ``RulesReport``."""
        self.rules = RulesRunner(
            self.dataset,
            on_report=lambda report: self.app.post_message(RulesReport(report)),
            on_error=lambda text: self.app.post_message(Notice(text, "error")),
        )
        self.rules.start()

    def set_facts(self, facts: Mapping[str, Any], groups: list[Any] | None) -> None:
        """New image facts (and clone groups) for the rules, re-checked on their thread."""
        if self.rules is not None:
            self.rules.set_facts(facts, groups)

    def start_watcher(self) -> None:  # on the event loop
        """Follow outside changes of the folder (they reach the app as ``DatasetChanged``)."""
        from lorapan.core.watch import DatasetWatcher  # watchdog: after the first paint

        try:
            self.watcher = DatasetWatcher(
                self.dataset,
                on_error=self._watch_error,
                on_settings=lambda: self.app.post_message(SettingsFileChanged()),
            )
            self.watcher.start()
        except Exception as exc:
            self.watcher = None
            self.app.notify(f"not following outside changes: {exc}", severity="warning")

    def _watch_error(self, exc: BaseException) -> None:
        self.app.post_message(Notice(f"folder watcher: {exc}", "warning"))

    def stop(self) -> None:
        if self.rules is not None:
            self.rules.stop()
        if self.watcher is not None:
            with contextlib.suppress(Exception):
                self.watcher.stop()
