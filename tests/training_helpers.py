"""Helpers for tests that run the training screen on a tiny host app (real Pilot)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lorapan.tui.screens.training import TrainingScreen
from textual.app import App
from textual.pilot import Pilot


class Host(App):
    """An app that shows only ``screen`` (the training screen under test)."""

    def __init__(self, screen: TrainingScreen) -> None:
        super().__init__()
        self._training = screen

    def on_mount(self) -> None:
        self.push_screen(self._training)


async def _until(pilot: Pilot, predicate: Callable[[], object], timeout: float = 60.0) -> bool:
    """Let the app run until ``predicate()`` holds (or ``timeout`` s pass); its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate():
            return True
        await pilot.pause(0.05)
    return bool(predicate())
