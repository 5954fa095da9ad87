"""What the training screen's keys do: start (and start despite error findings once the
user confirmed them), stop (after asking), resume, and move between checkpoints.

The base class of :class:`lorapan.tui.screens.training.TrainingScreen`: the engine calls
run in thread workers, and every question is a modal that lists what it is about. A
worker ends with one message per outcome (``Started``, ``Refused``, ``Resumed``,
``ActionFailed``) and the handler of that message, on the event loop, changes the
screen: a worker never calls back into the UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lorapan.core.training.preflight import Check
from lorapan.core.training.resume import epoch_warning, resume_run, saved_states, why_not
from lorapan.core.training.runs import RunBusy, RunError, RunInfo, live_run, load_run, stop_run
from lorapan.core.training.runstate import runs_dir
from lorapan.core.workflows import training_start
from lorapan.core.workflows.training_start import StartOutcome, StartRequest
from lorapan.tui.screens.confirm import ConfirmScreen
from lorapan.tui.widgets.checkpoint_panel import CheckpointPanel
from textual import on, work
from textual.message import Message
from textual.screen import Screen

if TYPE_CHECKING:
    from lorapan.tui.screens.training_start import StartChoice

STOP_GRACE = (30.0, 15.0)


class TrainingActions(Screen[None]):
    """Start, stop, resume and checkpoint keys, and what their workers report."""

    @dataclass
    class Started(Message):
        """A start was checked: ``outcome.run`` is the started run, or None (refused)."""

        choice: StartChoice
        force: bool
        outcome: StartOutcome

    @dataclass
    class Resumed(Message):
        run_id: str
        step: int

    @dataclass
    class Busy(Message):
        """A start was refused: ``run_id`` of the dataset is live (``text`` says so)."""

        run_id: str
        text: str

    @dataclass
    class ActionFailed(Message):
        """A start or a resume could not be made (nothing was started)."""

        error: str

    # -- stop --------------------------------------------------------------------
    def action_stop(self) -> None:
        run = load_run(self.run.path) if self.run is not None else None
        if run is None or not run.active:
            self.notify("no running run to stop")
            return
        states = saved_states(run)
        step = (self.last.step if self.last else 0) or run.state.get("step") or 0
        later = (
            f"It can be resumed later from step {states[-1].step} (its last saved state)."
            if states
            else "It has saved no trainer state yet: it could not be resumed, only restarted."
        )
        body = (
            f"Run {run.id} is at step {step} of {run.command.get('total_steps', '?')}.\n"
            f"The trainer gets Ctrl-C, then SIGTERM after {STOP_GRACE[0]:.0f} s, then SIGKILL.\n"
            + later
        )

        def answered(yes: str | None) -> None:
            if yes == "yes":
                self.notify(f"stopping run {run.id} (Ctrl-C to the trainer's process group)")
                self._stop(run)

        self.app.push_screen(ConfirmScreen(f"Stop run {run.id}?", body, yes="Stop"), answered)

    @work(thread=True, group="training-stop", exit_on_error=False)
    def _stop(self, run: RunInfo) -> None:
        stop_run(run, grace=STOP_GRACE, wait=False)

    # -- resume ------------------------------------------------------------------
    def action_resume(self) -> None:
        run = load_run(self.run.path) if self.run is not None else None
        if run is None:
            self.notify("no run to resume")
            return
        states = saved_states(run)
        reason = why_not(run, states)
        if reason:
            self.notify(reason, severity="warning", markup=False)
            return
        body = f"Continue from step {states[-1].step} of {run.command.get('total_steps')} ({states[-1].folder.name})."
        if warning := epoch_warning(run, states[-1].step):
            body += f"\n\nNote: {warning}."

        def answered(yes: str | None) -> None:
            if yes == "yes":
                self._resume(run)

        self.app.push_screen(ConfirmScreen(f"Resume run {run.id}?", body, yes="Resume"), answered)

    @work(thread=True, exclusive=True, group="training-start", exit_on_error=False)
    def _resume(self, run: RunInfo) -> None:
        try:
            resumed, state = resume_run(run)
        except RunBusy as exc:
            self.post_message(self.Busy(exc.run.id, str(exc)))
            return
        except RunError as exc:
            self.post_message(self.ActionFailed(str(exc)))
            return
        self.post_message(self.Resumed(resumed.id, state.step))

    @on(Resumed)
    def _resumed(self, message: Resumed) -> None:
        self.notify(f"resumed run {message.run_id} from step {message.step}")
        self.attach(message.run_id)

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.notify(message.error, severity="error", markup=False)

    # -- checkpoints -------------------------------------------------------------
    def action_checkpoint(self, delta: int) -> None:
        self.query_one(CheckpointPanel).move_choice(delta)
        panel = self.query_one(CheckpointPanel)
        self.sample_shown = panel.shown[-1] if panel.shown else self.sample_shown

    # -- start -------------------------------------------------------------------
    def action_start(self) -> None:
        live = live_run(runs_dir(self.root.resolve()))
        if live is not None:
            self._show_live(live.id, str(RunBusy(live)))
            return
        from lorapan.tui.screens.training_start import StartTrainingScreen

        dialog = StartTrainingScreen(self.root, self.last_overrides)

        def chosen(choice: StartChoice | None) -> None:
            self.last_overrides = dialog.typed  # offered again next time, even after escape
            if choice is not None:
                self.notify("checking the run (sd-scripts itself, when configured)…", timeout=4)
                self._start(choice)

        self.app.push_screen(dialog, chosen)

    @work(thread=True, exclusive=True, group="training-start", exit_on_error=False)
    def _start(self, choice: StartChoice, force: bool = False) -> None:
        request = StartRequest(
            self.root,
            preset=choice.preset,
            overrides=choice.overrides,
            inputs=choice.inputs,  # as the dialog predicted from
            force=force,
        )
        try:
            outcome = training_start.start_training(request)
        except RunBusy as exc:  # started meanwhile, from a shell or another app
            self.post_message(self.Busy(exc.run.id, str(exc)))
            return
        except (ValueError, OSError, RunError) as exc:
            self.post_message(self.ActionFailed(str(exc)))
            return
        self.post_message(self.Started(choice, force, outcome))

    @on(Busy)
    def _busy(self, message: Busy) -> None:
        self._show_live(message.run_id, message.text)

    def _show_live(self, run_id: str, why: str) -> None:
        """One run of a dataset at a time: show the live one (from wherever it was
        started) and say how to go on."""
        if self.run is None or self.run.id != run_id:
            self.attach(run_id)
        stop = self.keys("training-stop")
        self.notify(
            f"{why}; stop it first ({stop}) or let it end",
            severity="warning",
            timeout=10,
            markup=False,
        )

    @on(Started)
    def _started(self, message: Started) -> None:
        """Attach to the started run and say what the checks said; or say why not."""
        outcome = message.outcome
        if outcome.run is None:
            errors = outcome.errors
            if not message.force and errors and all(c.overridable for c in errors):
                self._confirm_force(message.choice, errors)
                return
            for c in errors:
                msg = c.message + (f"\n{c.hint}" if c.hint else "")
                self.notify(msg, severity="error", timeout=10, markup=False)
            if self.run is None:  # the reasons stay on the screen after the toasts fade
                self._status(self._blocked(errors))
            return
        for c in outcome.checks:  # the predicted steps, and any warnings
            if c.level != "error":
                severity = "warning" if c.level == "warning" else "information"
                self.notify(c.message, severity=severity, timeout=8, markup=False)
        self.attach(outcome.run.id)

    def _blocked(self, errors: list[Check]) -> str:
        """Why the run could not start, in one line per reason, with the app's keys."""
        settings, back = self.keys("settings"), self.keys("training-back")
        reasons = "; ".join(c.message.split("\n")[0].rstrip(".") for c in errors)
        return (
            f"could not start: {reasons}. {back} goes back; there {settings} opens the "
            f"dataset's settings ([training] in lorapan.toml)"
        )

    def _confirm_force(self, choice: StartChoice, errors: list[Check]) -> None:
        """The rules found errors: list them, and start anyway only if the user says so."""
        lines = []
        for c in errors:
            lines.append(c.message.split(":", 1)[0] + ":")
            lines += [f"  • {d}" for d in c.details]
        fix_keys = "R on the main screen goes to the findings, f fixes one"
        body = "\n".join(
            [*lines, "", "Training now bakes these into the LoRA.", f"Fix first: {fix_keys}."]
        )

        def answered(yes: str | None) -> None:
            if yes == "yes":
                self._start(choice, force=True)

        self.app.push_screen(
            ConfirmScreen("Start despite error findings?", body, yes="Start anyway"), answered
        )
