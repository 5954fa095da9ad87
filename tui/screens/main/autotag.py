"""Autotagging from the main screen: start a run on the targets, take its suggestions.

The run is a job of its own (``lorapan.tui.jobs``): the cancel key stops it without
touching a running analysis. Its worker (``workers.autotag``) ends with one
:class:`~lorapan.tui.messages.AutotagFinished`, which the screen hands to
:meth:`Autotag.finished`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from lorapan.tui import workers
from lorapan.tui.messages import AutotagFinished

if TYPE_CHECKING:
    from lorapan.tui.screens.main.screen import MainScreen

NO_MODEL = (
    'no tagger model configured: set [tagger] model = "DIR" in lorapan.toml '
    "(a folder with model.onnx and selected_tags.csv)"
)


class Autotag:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.dataset = screen.dataset

    def start(self, relpaths: list[str]) -> None:
        """Tag ``relpaths`` with the configured model (a run already going is replaced)."""
        from lorapan.core.tagger.service import configured_model  # the tagger: on first use

        screen = self.screen
        if not configured_model(self.dataset):
            screen.notify(NO_MODEL, severity="warning", timeout=8)
            return
        if not relpaths:
            return
        job = screen.host.jobs.start("autotag", "autotagging")
        screen.set_busy(f"autotagging {len(relpaths)} image(s)…")
        screen.run_worker(
            partial(workers.autotag, self.dataset, relpaths, job, screen.post_message),
            name="autotagging",
            group="autotag",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def finished(self, message: AutotagFinished) -> None:
        screen = self.screen
        if not screen.host.jobs.finish(message.job):
            return  # a newer run replaced this one; its own message will come
        screen.set_busy(None)
        if message.error:
            screen.notify(message.error, severity="error", timeout=8)
        else:
            screen.center.predictions.update(message.predictions)
            keys = screen.keys("focus-suggestions")
            screen.set_last_action(
                f"autotagged {len(message.predictions)} image(s): suggestions shown "
                f"({keys}: go to them)"
            )
            # The new scores are in the cache now: the rules (tags.inconsistent) read them.
            screen.host.load_tagger_results()
        screen.center.show_suggestions(screen.files.current)
