"""The training screen: follow a run's log live; start, stop and re-attach.

``TrainingScreen(root, run_id=None)`` attaches to ``run_id`` (or the newest run).
A thread worker follows the log file and parses it off the event loop; the screen
receives at most ten batched updates a second, so a trainer printing hundreds of
progress redraws a second costs the UI little. The log pane is capped. Workers
(the log, the output-folder watcher, GPU use) only post messages; their handlers
here change the screen.

The keys come from the keymap table (scope ``training``); messages that name a key
name the one the user's ``keymap.toml`` binds.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.training.checkpoints import checkpoints
from lorapan.core.training.logparse import LogParser
from lorapan.core.training.lr import current_lr, lr_text
from lorapan.core.training.outputs import WATCH_SUFFIXES, RunOutputs
from lorapan.core.training.runs import RunError, RunInfo, find_run, follow, load_run
from lorapan.core.training.tbevents import EventReader, logging_dir_of
from lorapan.core.training.textview import sampling_text
from lorapan.core.watch import FolderWatcher
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.screens.training_actions import TrainingActions
from lorapan.tui.screens.training_text import gpu_text, stats_text
from lorapan.tui.widgets.checkpoint_panel import CheckpointPanel
from lorapan.tui.widgets.keys_footer import KeysFooter
from lorapan.tui.widgets.loss_chart import LossChart
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Log, ProgressBar, Static
from textual.worker import get_current_worker

LOG_LINES = 2000
UPDATE_EVERY = 0.1  # seconds between batched updates to the UI
IDLE_EVERY = 1.0  # seconds between updates while the log is quiet


@dataclass
class Snapshot:
    """What the follow worker saw since the last update (values, not live objects)."""

    run_id: str
    lines: list[str] = field(default_factory=list)
    step: int = 0
    total: int = 0
    loss: float | None = None
    rate: float | None = None
    eta_s: float | None = None
    epoch: int = 0
    epochs: int = 0
    checkpoints: list[str] = field(default_factory=list)
    samples: int = 0
    errors: list[str] = field(default_factory=list)
    nan_step: int | None = None
    started: bool = False
    loss_from: int = 0
    losses: list[float] = field(default_factory=list)
    lr: str = ""  # "lr 4.20e-04 (logged)" from TensorBoard, or "(scheduler)" from the formula
    status: str | None = None  # set when the run has ended
    reasons: list[str] = field(default_factory=list)
    sampling: str = ""  # "sampling prompt 2/4 (sampler step 12/30)" while samples are made
    checkpoint_steps: dict[str, int] = field(default_factory=dict)  # path -> step saved at


class TrainingScreen(TrainingActions):
    BINDINGS = bindings_for("training")
    DEFAULT_CSS = """
    TrainingScreen #tr-status { height: auto; max-height: 3; padding: 0 1; }
    TrainingScreen #tr-bar { height: 1; padding: 0 1; }
    TrainingScreen #tr-gpu { width: 1fr; padding: 0 1; color: $text-muted; }
    TrainingScreen #tr-stats { height: 2; padding: 0 1; color: $text-muted; }
    TrainingScreen #tr-middle { height: 2fr; min-height: 8; }
    TrainingScreen LossChart { width: 1fr; height: 100%; }
    TrainingScreen CheckpointPanel { width: 1fr; height: 100%; padding-left: 1; }
    TrainingScreen Log { height: 1fr; min-height: 3; border-top: solid $panel; }
    """

    class Update(Message):
        def __init__(self, snap: Snapshot) -> None:
            super().__init__()
            self.snap = snap

    def __init__(self, root: Path, run_id: str | None = None) -> None:
        super().__init__()
        self.root = Path(root)
        self.run_id = run_id
        self.run: RunInfo | None = None
        self.last: Snapshot | None = None
        self.updates = 0
        self.sample_shown: str | None = None
        self.outputs: RunOutputs | None = None  # this run's samples and checkpoints on disk
        self._watcher: FolderWatcher | None = None
        self._watcher_lock = threading.Lock()
        self._held: list[TrainingScreen.OutputFiles] = []
        self.last_overrides = ""  # offered again the next time the start dialog opens
        self.logged_steps: dict[str, int] = {}  # checkpoint path -> step, from the log

    def compose(self) -> ComposeResult:
        start = self.keys("training-start")
        yield Static(f"no run yet: press {start} to start one", id="tr-status", markup=False)
        with Horizontal(id="tr-bar"):
            # hidden until a run reports its steps (an empty bar animates, to no purpose)
            bar = ProgressBar(total=None, show_eta=False, id="tr-progress")
            bar.display = False
            yield bar
            yield Static("", id="tr-gpu", markup=False)
        yield Static("", id="tr-stats", markup=False)
        with Horizontal(id="tr-middle"):
            yield LossChart(id="tr-chart")
            yield CheckpointPanel(id="tr-results")
        yield Log(max_lines=LOG_LINES, id="tr-log")
        yield KeysFooter()

    def keys(self, binding_id: str) -> str:
        """The keys bound to ``binding_id`` now (after the user's keymap), for messages."""
        return display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))

    def on_mount(self) -> None:
        self.attach(self.run_id)
        if shutil.which("nvidia-smi"):
            self.gpu_stats()

    # -- attaching ------------------------------------------------------------
    def attach(self, run_id: str | None) -> None:
        try:
            run = find_run(self.root, run_id)
        except RunError as exc:
            if run_id:
                self.notify(str(exc), severity="error")
            return
        self.run, self.run_id = run, run.id
        self.logged_steps = {}
        self.query_one("#tr-progress", ProgressBar).display = False  # not the last run's
        self.query_one("#tr-log", Log).clear()
        self.query_one(LossChart).set_losses([])
        self.sample_shown = None
        self.outputs, self._held = None, []
        self.query_one(CheckpointPanel).clear_results()
        self.watch_outputs(run)
        self._status(
            f"run {run.id}: {run.status}"
            + (f" — {run.command.get('preset')}" if run.command else "")
        )
        self.follow_run(run)

    @work(thread=True, exclusive=True, group="training-follow", exit_on_error=False)
    def follow_run(self, run: RunInfo) -> None:
        worker = get_current_worker()
        prompts = int(run.command.get("prompt_count") or 0)
        parser = LogParser(prompts)
        pending: list[str] = []
        sent_losses = 0
        last_post = 0.0
        logs = logging_dir_of(run.command.get("argv") or [])
        events = EventReader(logs) if logs else None

        def post(final: bool = False) -> None:
            nonlocal pending, sent_losses, last_post
            now = time.monotonic()
            p = parser.progress
            start = max(0, sent_losses - 1)  # the last step's loss may have been redrawn
            snap = Snapshot(
                run.id,
                pending,
                p.step,
                p.total,
                p.loss,
                p.rate,
                p.eta_s,
                p.epoch,
                p.epochs,
                list(p.checkpoints[-3:]),
                len(p.sample_steps),
                list(p.errors[:3]),
                p.nan_step,
                p.training_started,
                start,
                [v for _, v in p.losses[start:]],
            )
            snap.sampling = sampling_text(p.sampling, prompts) if p.sampling else ""
            snap.checkpoint_steps = dict(p.checkpoint_steps)
            sent_losses = len(p.losses)
            if events is not None:
                events.poll()
            logged = events.lr() if events is not None else None
            snap.lr = lr_text(
                current_lr(run.command.get("params"), p.step, p.total, logged), p.step
            )
            if final:
                state = load_run(run.path)
                snap.status, snap.reasons = state.status, list(state.state.get("reasons", []))
            pending = []
            last_post = now
            self.post_message(self.Update(snap))

        def idle() -> bool:
            if pending or time.monotonic() - last_post > IDLE_EVERY:
                post()
            return worker.is_cancelled

        for chunk in follow(run, stop=idle, poll=0.1):
            if worker.is_cancelled:
                return
            pending.extend(parser.feed(chunk))
            if time.monotonic() - last_post >= UPDATE_EVERY:
                post()
        if not worker.is_cancelled:
            pending.extend(parser.flush())
            post(final=True)

    @on(Update)
    def _apply(self, message: Update) -> None:
        snap = message.snap
        if snap.run_id != self.run_id:
            return  # from a worker of a run we left
        self.updates += 1
        self.last = snap
        if snap.lines:
            self.query_one("#tr-log", Log).write_lines(snap.lines)
        chart = self.query_one(LossChart)
        if snap.losses or snap.loss_from < len(chart.losses):
            chart.losses[snap.loss_from :] = snap.losses
            chart.refresh()
        bar = self.query_one("#tr-progress", ProgressBar)
        if snap.total:
            bar.update(total=snap.total, progress=snap.step)
            bar.display = True
        self.query_one("#tr-stats", Static).update(stats_text(snap, self._model_text()))
        if snap.status:
            line = f"run {snap.run_id}: {snap.status}"
            self._status("\n".join([line, *snap.reasons[:3]]))
        elif snap.nan_step is not None:
            self._status(f"run {snap.run_id}: running — loss is NaN since step {snap.nan_step}!")
        elif snap.sampling:
            self._status(f"run {snap.run_id}: {snap.sampling} at step {snap.step}/{snap.total}")
        elif snap.started:
            self._status(f"run {snap.run_id}: running")
        if snap.checkpoint_steps != self.logged_steps:
            self.logged_steps = snap.checkpoint_steps
            self._show_outputs()

    def _status(self, text: str) -> None:
        self.query_one("#tr-status", Static).update(text)

    # -- output files: samples and checkpoints, from the live-folder watcher ---------
    class OutputFiles(Message):
        """Files the watcher saw complete (absolute paths) for ``run_id``; or, with
        ``outputs``, what the run had written when the screen attached."""

        def __init__(
            self,
            run_id: str,
            added: list[str],
            removed: list[str],
            outputs: RunOutputs | None = None,
        ) -> None:
            super().__init__()
            self.run_id, self.added, self.removed, self.outputs = run_id, added, removed, outputs

    @work(thread=True, exclusive=True, group="training-output", exit_on_error=False)
    def watch_outputs(self, run: RunInfo) -> None:
        """A FolderWatcher on the run's output folder, then one listing of what is there.

        The watcher starts first so nothing written during the listing is missed;
        its reports that arrive before the listing are held and applied after it.
        """
        outputs = RunOutputs.for_run(run.path, run.command)
        if outputs is None or not outputs.folder.is_dir():
            self._swap_watcher(None)
            return
        watcher = FolderWatcher(outputs.folder, lambda b: None, suffixes=WATCH_SUFFIXES)
        root = watcher.root
        watcher.on_batch = lambda b: self.post_message(
            self.OutputFiles(
                run.id,
                [str(root / r) for r in (*b.added, *b.changed)],
                [str(root / r) for r in b.removed],
            )
        )
        try:
            watcher.start()
        except OSError as exc:
            self.post_message(self.Unwatched(str(outputs.folder), str(exc)))
            watcher = None
        if get_current_worker().is_cancelled:
            if watcher is not None:
                watcher.stop()
            return
        self._swap_watcher(watcher)
        outputs.scan()
        self.post_message(self.OutputFiles(run.id, [], [], outputs))

    @dataclass
    class Unwatched(Message):
        """The output folder's watcher could not start: new files show on re-attach."""

        folder: str
        error: str

    @on(Unwatched)
    def _unwatched(self, message: Unwatched) -> None:
        self.notify(f"not watching {message.folder}: {message.error}", markup=False)

    @on(OutputFiles)
    def _output_files(self, message: OutputFiles) -> None:
        if message.run_id != self.run_id:
            return  # from a run we left
        if message.outputs is not None:
            self.outputs, held, self._held = message.outputs, self._held, []
            for m in held:
                self.outputs.add(m.added)
                self.outputs.remove(m.removed)
        elif self.outputs is None:
            self._held.append(message)
            return
        else:
            self.outputs.add(message.added)
            self.outputs.remove(message.removed)
        self._show_outputs()

    def _show_outputs(self) -> None:
        if self.outputs is None or self.run is None:
            return
        found = checkpoints(self.run, self.outputs, self.logged_steps)
        panel = self.query_one(CheckpointPanel)
        panel.show_checkpoints(found, self.outputs.newest_sample)
        self.sample_shown = panel.shown[-1] if panel.shown else None
        if self.last is not None:
            self.query_one("#tr-stats", Static).update(stats_text(self.last, self._model_text()))

    def _model_text(self) -> str:
        return self.outputs.model_text() if self.outputs is not None else ""

    def _swap_watcher(self, watcher: FolderWatcher | None) -> None:
        """Install ``watcher`` (or none) and stop the one it replaces."""
        with self._watcher_lock:
            old, self._watcher = self._watcher, watcher
        if old is not None:
            old.stop()

    def on_unmount(self) -> None:
        self._swap_watcher(None)

    # -- GPU -----------------------------------------------------------------
    @dataclass
    class GpuStats(Message):
        text: str

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, TrainingScreen.GpuStats)

    @work(thread=True, exclusive=True, group="training-gpu", exit_on_error=False)
    def gpu_stats(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled:
            text = gpu_text()
            if text:
                self.post_message(self.GpuStats(text))
            time.sleep(2.0)

    @on(GpuStats)
    def _gpu(self, message: GpuStats) -> None:
        self.query_one("#tr-gpu", Static).update(message.text)

    # -- actions -------------------------------------------------------------
    def action_reattach(self) -> None:
        self.attach(None)

    def action_close(self) -> None:
        self.workers.cancel_group(self, "training-follow")
        self.workers.cancel_group(self, "training-gpu")
        self.workers.cancel_group(self, "training-output")
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
