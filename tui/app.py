"""The reviewer app: ``make_app`` builds it (the CLI and tests use the same factory).

The app owns the lifecycle (themes, keymap, recovery, quitting) and the background
services (``services``: rules thread, folder watcher; ``workers``: analysis and the
tagger's cache). Threads never touch widgets: the dataset listener, the workers and
the rules thread post messages (``lorapan.tui.messages``) and the handlers here, on
the event loop, update the main screen. (Past 400 lines: every app-wide message and
lifecycle step has its short handler here; the work is in ``services``, ``workers``
and ``terminal_exit``.)
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from lorapan.core.dataset import Dataset
from lorapan.core.rules.live import RulesRunner
from lorapan.tui import workers
from lorapan.tui.commands import ActionsProvider, FilesProvider
from lorapan.tui.config import AppConfig, load_config, save_theme
from lorapan.tui.heap import HeapKeeper
from lorapan.tui.image_modes import PreviewBackend
from lorapan.tui.image_modes import resolve as resolve_preview
from lorapan.tui.jobs import Jobs
from lorapan.tui.keymap import bindings_for, display_keys, keys_for, load_keymap
from lorapan.tui.messages import (
    AnalysisFinished,
    AnalysisProgress,
    DatasetChanged,
    Notice,
    RulesReport,
    SettingsFileChanged,
    SettingsReloaded,
    TaggerPredictions,
)
from lorapan.tui.screens.help import HelpScreen
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.quit import QuitScreen, unsaved_text, work_in_flight
from lorapan.tui.screens.recovery import offer_recovery
from lorapan.tui.services import Services
from lorapan.tui.terminal_exit import HANGUP_STATUS, ExitGuard, watch_terminal, writing_now
from lorapan.tui.themes_loader import load_themes, theme_cycle
from lorapan.tui.widgets.in_order import KeysInTurn
from textual import events, on
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

#: Seconds a burst of dataset changes (a watcher batch, a bulk edit) is collected.
CHANGE_BATCH_S = 0.05
#: How long a thread holds the GIL before another that waits gets it (Python's
#: default is 5 ms). The rules build and the analysis's bookkeeping are Python on
#: threads of this process; each time the event loop wakes for a key it waits for
#: the GIL, so a shorter turn gets the key's frame drawn sooner.
SWITCH_INTERVAL_S = 0.001


class FollowsDataset(Protocol):
    def refresh_from_dataset(self, relpaths: set[str], reason: str) -> None: ...


class LorapanApp(KeysInTurn, App):
    CSS_PATH = "app.tcss"
    TITLE = "lorapan"
    BINDINGS: list[Binding] = bindings_for("app")
    COMMANDS = App.COMMANDS | {ActionsProvider, FilesProvider}

    #: Worker groups whose work is lost or left half done by quitting (not analysis: its
    #: results are cached as it goes, and not the preview).
    WORK_GROUPS = {
        "edits": "writing captions",
        "autotag": "autotagging",
        "augment": "writing augmented images",
        "triage": "moving images out of or back into the dataset",
    }

    def __init__(
        self,
        dataset: Dataset,
        config: AppConfig | None = None,
        *,
        analyse: bool = True,
        watch: bool = True,
        rules: bool = True,
        preview_backend: PreviewBackend | None = None,
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.config = config or load_config()
        self.preview_backend = preview_backend or PreviewBackend(
            "off" if self.config.preview == "off" else "halfcell"
        )
        self.analyse_on_open = analyse
        self.watch_folder = watch
        self.rules_on = rules
        self.jobs = Jobs()
        self.services = Services(self, dataset)
        #: full garbage collections wait for a moment without keys (``heap``)
        self.heap = HeapKeeper()
        #: ends the process if the app has not, once it began to exit (``run_app`` sets
        #: it: in a real terminal only, never under a test's Pilot)
        self.exit_guard: ExitGuard | None = None
        #: every worker that ended with an exception, in words (also notified)
        self.worker_failures: list[str] = []
        self.problems: list[str] = list(self.config.problems)
        if self.preview_backend.note:
            self.problems.append(self.preview_backend.note)
        self._pending: set[str] = set()
        self._pending_reason = ""
        self._flush_timer: Any = None
        self._theme_ready = False
        self._settings_problem: str | None = None  # the last one told (told once)
        themes, problems = load_themes(self.config.directory)
        self.problems += problems
        for theme in themes:
            self.register_theme(theme)
        #: lorapan's themes and the user's, the ones ``T`` cycles through (not Textual's)
        self.own_themes = theme_cycle(t.name for t in themes)
        self.keymap, problems = load_keymap(self.config.directory)
        self.problems += problems
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        else:
            self.problems.append(f"theme {self.config.theme!r} not found; lorapan-dark used")
            self.theme = "lorapan-dark"
        dataset.subscribe(self._dataset_listener)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {"chip-first": "#F2A65A"}

    # ---- lifecycle -------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_keymap(self.keymap)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._theme_ready = True
        backend = self.preview_backend
        main = MainScreen(
            self.dataset,
            preview=backend.mode != "off",
            graphics=backend.widget,
            cell=backend.cell,
        )
        self.push_screen(main)
        for problem in self.problems:
            self.notify(problem, severity="warning", timeout=8)
        offer_recovery(self)
        # Background work starts once the main screen has drawn its rows: the rules
        # engine and the analysis are CPU-bound Python and would share the GIL with
        # that paint. (The app's own next refresh can come before the main screen's.)
        main.call_after_refresh(self._start_background)

    def _start_background(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.heap.start(self)  # the dataset and the first screen are loaded: set them aside
        if self.rules_on:
            self.services.start_rules()
            self.load_tagger_results()
        if self.analyse_on_open:
            self.start_analysis()
        if self.watch_folder:
            self.services.start_watcher()
        if not self.is_headless and not self.is_web:
            self._watch_terminal()  # served (textual-serve): the web driver sees the tab close

    def on_unmount(self) -> None:
        if self.exit_guard is not None:
            self.exit_guard.arm(int(self.return_code or 0))  # also after a crash
        self.jobs.cancel_all()
        self.services.stop()
        self.heap.stop()

    async def on_event(self, event: events.Event) -> None:
        self.heap.saw(event)  # input that waits for a frame: no full collection now
        await super().on_event(event)

    def exit(self, result: Any = None, return_code: int = 0, message: Any = None) -> None:
        """End the app; the exit guard (in a real terminal) makes sure the process ends too."""
        if self.exit_guard is not None:
            self.exit_guard.arm(return_code)
        super().exit(result, return_code, message)

    def _watch_terminal(self) -> None:
        """Exit when the terminal goes away (SSH drop, tmux kill-session, a closed window)."""
        watch_terminal(self, lambda: self.exit_guard, self.terminal_gone)

    def terminal_gone(self) -> None:
        """No terminal to show anything on: stop background work and leave."""
        self.jobs.cancel_all()
        self.exit(return_code=HANGUP_STATUS)

    def writing_now(self) -> bool:
        """Files are being written now (for the exit guard's thread)."""
        return writing_now(self.dataset, self.workers, self.WORK_GROUPS)

    @property
    def main(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def _mounted_main(self) -> MainScreen | None:
        main = self.main
        return main if main is not None and main.is_mounted else None

    # ---- dataset notifications (any thread) -------------------------------------
    def _dataset_listener(self, relpaths: set[str], reason: str) -> None:
        self.post_message(DatasetChanged(set(relpaths), reason))

    def on_dataset_changed(self, message: DatasetChanged) -> None:
        """Batch bursts (a watcher may report many) into one refresh per frame."""
        self._pending |= message.relpaths
        self._pending_reason = message.reason
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(CHANGE_BATCH_S, self._flush_changes)

    def _flush_changes(self) -> None:
        self._flush_timer = None
        rels, reason = self._pending, self._pending_reason
        self._pending = set()
        main = self._mounted_main()
        if main is not None:
            main.refresh_from_dataset(rels, reason)
        screen = self.screen
        if screen is not main and hasattr(screen, "refresh_from_dataset"):
            follower: FollowsDataset = screen  # type: ignore[assignment]
            follower.refresh_from_dataset(rels, reason)

    # ---- background results ---------------------------------------------------------
    def start_analysis(self, force: bool = False) -> None:
        """Measure the images (a run still going is cancelled and replaced)."""
        job = self.jobs.start("analysis", "analysis")
        self.run_worker(
            partial(workers.analyse, self.dataset, force, job, self.post_message),
            name="analysis",
            group="analysis",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def on_analysis_progress(self, message: AnalysisProgress) -> None:
        if self.jobs.is_current(message.job) and (main := self._mounted_main()):
            main.show_analysis_progress(message)

    def on_analysis_finished(self, message: AnalysisFinished) -> None:
        current = self.jobs.is_current(message.job)
        if not message.interim:
            self.jobs.finish(message.job)
        if not current:
            return  # a newer run replaced this one
        if main := self._mounted_main():
            main.show_analysis(message)
        if message.facts and not message.error:
            self.services.set_facts(message.facts, message.groups)
            if not message.interim:
                self.heap.settle()  # 10,000 images' facts, kept until the next analysis

    def load_tagger_results(self) -> None:
        """Cached tagger scores to the rules and the suggestions (at start, after autotag)."""
        self.run_worker(
            partial(workers.load_tagger_results, self.dataset, self.rules, self.post_message),
            name="tagger cache",
            group="tagger-cache",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def on_tagger_predictions(self, message: TaggerPredictions) -> None:
        if main := self._mounted_main():
            main.show_predictions(message.predictions)

    def on_rules_report(self, message: RulesReport) -> None:
        if main := self._mounted_main():
            first = main.report is None
            main.show_report(message.report)
            if first:
                self.heap.settle()  # what the sidebar and the markers keep

    @property
    def rules(self) -> RulesRunner | None:
        """The rules thread once started (engine calls go through it)."""
        return self.services.rules

    @property
    def engine(self) -> Any:
        """The rules engine once built (call it only through ``self.rules``)."""
        return self.services.rules.engine if self.services.rules is not None else None

    def settings_changed(self) -> None:
        """lorapan.toml changed (a tick, a fix's setting): the rules re-check on their thread."""
        if self.rules is not None:
            self.rules.settings_changed()

    def on_settings_file_changed(self, message: SettingsFileChanged) -> None:
        self.reload_settings()

    def reload_settings(self) -> None:
        """Read lorapan.toml again: another editor (or lorapan) changed it."""
        self.run_worker(
            partial(workers.reload_settings, self.dataset, self.post_message),
            name="reading lorapan.toml",
            group="settings",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def on_settings_reloaded(self, message: SettingsReloaded) -> None:
        self.settings_followed(message.result)

    def settings_followed(self, result: Any) -> None:
        """The settings in use changed (core's ``SettingsReload``: read again after an
        outside change, or taken from a journaled save, undo or redo): rules, status bar
        and an open settings screen follow; a broken file is reported once per problem
        (the settings in use were kept)."""
        if result.error:
            if result.error != self._settings_problem:
                self.notify(result.error, severity="warning", timeout=10)  # names the file
            self._settings_problem = result.error
            return
        self._settings_problem = None
        if not result.changed:
            return
        self.settings_changed()
        for screen in self.screen_stack:
            follower = getattr(screen, "settings_reloaded", None)
            if follower is not None:
                follower(self.dataset.settings, result)

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity, timeout=6)  # type: ignore[arg-type]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text: what lorapan says is built from file names,
        tags, paths and error text, where ``[training]`` or ``[tagger]`` must survive
        instead of being read as Textual markup. (Widgets and screens notify through
        here; ``markup`` is taken for Textual's signature and ignored.)"""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit (Textual's own hint is written in markup)."""
        keys = display_keys(keys_for("quit", self.keymap))
        self.notify(f"Press {keys} to quit the app", title="Do you want to quit?")

    # ---- worker failures ---------------------------------------------------------------
    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.report_worker_failure(event.worker)

    def report_worker_failure(self, worker: Worker) -> None:
        """A worker ended with an exception (a bug: workers post their failures)."""
        text = f"{worker.name or 'background work'} failed: {worker.error}"
        self.worker_failures.append(text)
        self.notify(text, severity="error", timeout=8)

    # ---- quitting -------------------------------------------------------------------------
    def work_in_flight(self) -> list[str]:
        """What would be interrupted by quitting now, in words (empty: nothing)."""
        return work_in_flight(self.workers, self.WORK_GROUPS, self.main)

    def action_request_quit(self) -> None:
        """Quit at once, unless edits, tagging or augment writes are still running, or a
        screen holds text not saved yet (esc on it asks too)."""
        busy, unsaved = self.work_in_flight(), unsaved_text(self.screen_stack)
        if not (busy or unsaved) or isinstance(self.screen, QuitScreen):
            self._quit()  # a second quit key while it asks quits at once
            return

        def decided(choice: str | None) -> None:
            if choice == "quit":
                self._quit()

        self.push_screen(QuitScreen(busy, unsaved), decided)

    def _quit(self) -> None:
        self.jobs.cancel_all()
        self.exit()

    # ---- actions ------------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.keymap))

    def action_next_theme(self) -> None:
        """The next of lorapan's and the user's themes (from a Textual theme: the first)."""
        names = self.own_themes
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]
        self.notify(f"theme: {self.theme}", timeout=2)

    def _theme_changed(self, theme: Any) -> None:
        if not self._theme_ready or theme.name == self.config.theme:
            return
        problem = save_theme(self.config, theme.name)
        if problem:
            self.notify(problem, severity="warning")


def make_app(
    root: Path | str | None = None,
    *,
    dataset: Dataset | None = None,
    config: AppConfig | None = None,
    config_dir: Path | None = None,
    preview: str | None = None,
    theme: str | None = None,
    analyse: bool = True,
    watch: bool = True,
    rules: bool = True,
) -> LorapanApp:
    """Build the app on a dataset folder (or an open ``dataset``)."""
    if dataset is None:
        if root is None:
            raise ValueError("make_app needs a root folder or a dataset")
        dataset = Dataset.open(Path(root))
    cfg = config or load_config(config_dir)
    if preview:
        cfg.preview = preview
    if theme:
        cfg.theme = theme
    # textual-image (sixel/tgp) probes the terminal on import: here, before App.run.
    backend = resolve_preview(cfg.preview)
    return LorapanApp(
        dataset, cfg, analyse=analyse, watch=watch, rules=rules, preview_backend=backend
    )


def run_app(root: Path, **opts: Any) -> int:
    """Open the dataset and run the app in this terminal; returns an exit code."""
    app = make_app(root, **opts)
    app.exit_guard = ExitGuard(app.writing_now)
    result = app.run()
    return int(app.return_code or 0) if result is None else 0
