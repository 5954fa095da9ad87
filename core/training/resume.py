"""Resume a stopped, failed or interrupted run from the trainer state it saved last.

Runs save sd-scripts' state beside each checkpoint (``--save_state``: the network
weights, optimizer, scheduler and ``train_state.json`` with the step). A resume
launches the same command again in the same run folder with ``--resume <state>
--skip_until_initial_step``, so sd-scripts reloads the state and skips the batches
already trained: the step count continues, the log goes on in the same file (after a
``lorapan: resuming from step S of T`` line the parser reads as a new attempt) and
the run keeps its id, checkpoints and samples.

sd-scripts at 48d368fa counts the steps of a resumed run from the start of the epoch
it resumes in (``global_step = initial_step`` after skipping whole epochs; see
kohya-ss/sd-scripts#1406): resuming inside the first epoch is exact; past it the
trainer trains on to the end of its epochs, and lorapan says so before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lorapan.core.training.logparse import parse_text
from lorapan.core.training.runs import (
    RunError,
    RunInfo,
    launch_supervisor,
    load_run,
    refuse_if_live,
    start_lock,
)
from lorapan.core.training.runstate import now_iso, read_json, update_state, write_json

RESUMABLE = ("stopped", "failed", "lost")
_RESUME_FLAGS = {"--resume": 1, "--skip_until_initial_step": 0}


@dataclass(frozen=True)
class SavedState:
    step: int
    folder: Path


def saved_states(run: RunInfo) -> list[SavedState]:
    """The trainer states this run's log says it saved, that are still on disk, by step."""
    text = run.log.read_bytes().decode("utf-8", "replace") if run.log.exists() else ""
    found: dict[Path, int] = {}
    for logged_step, folder in parse_text(text).states:
        path = Path(folder)
        data = read_json(path / "train_state.json")
        if data:
            found[path] = int(data.get("current_step", logged_step))
    return sorted((SavedState(s, p) for p, s in found.items()), key=lambda s: s.step)


def current_argv(run: RunInfo) -> list[str]:
    """The command the run was last launched with (its resume's, if it was resumed)."""
    resumed = read_json(run.path / "resume.json")
    return list(resumed.get("argv") or run.command.get("argv") or [])


def resume_argv(argv: list[str], state: Path) -> list[str]:
    """``argv`` with ``--resume <state> --skip_until_initial_step`` (replacing earlier ones)."""
    out, skip = [], 0
    for arg in argv:
        if skip:
            skip -= 1
            continue
        if arg in _RESUME_FLAGS:
            skip = _RESUME_FLAGS[arg]
            continue
        out.append(arg)
    return [*out, "--resume", str(state), "--skip_until_initial_step"]


def why_not(run: RunInfo, states: list[SavedState]) -> str | None:
    """Why ``run`` cannot be resumed, or None."""
    if run.status not in RESUMABLE:
        what = "still going" if run.active else run.status
        return f"run {run.id} is {what}; only a stopped, failed or lost run is resumed"
    total = int(run.command.get("total_steps") or 0)
    if not states:
        return (
            f"run {run.id} saved no trainer state to resume from (states are saved with "
            "each checkpoint when save_state is on; this run stopped before the first)"
        )
    if total and states[-1].step >= total:
        return f"run {run.id} had reached its last step ({total}); nothing is left to train"
    return None


def epoch_warning(run: RunInfo, step: int) -> str:
    """sd-scripts' own limit when resuming past the first epoch (module docstring)."""
    per_epoch = int(run.command.get("steps_per_epoch") or 0)
    if not per_epoch or step < per_epoch:
        return ""
    return (
        f"step {step} is past the first epoch ({per_epoch} steps): sd-scripts 48d368fa counts "
        "a resumed run's steps from the start of that epoch (kohya-ss/sd-scripts#1406), so it "
        "trains to the end of its epochs and names later checkpoints by that count"
    )


def resume_run(run: RunInfo, env: dict[str, str] | None = None) -> tuple[RunInfo, SavedState]:
    """Launch ``run`` again from its newest saved state; raises :class:`RunError` if it
    cannot (:class:`RunBusy` while another run of the dataset is live)."""
    with start_lock(run.path.parent):
        run = load_run(run.path)
        states = saved_states(run)
        reason = why_not(run, states)
        if reason:
            raise RunError(reason)
        refuse_if_live(run.path.parent, but=run.path)
        state = _relaunch_files(run, states[-1], env)
    launch_supervisor(run.path)
    return load_run(run.path), state


def _relaunch_files(run: RunInfo, state: SavedState, env: dict[str, str] | None) -> SavedState:
    """The resume's command, its line in the log and a fresh ``starting`` state."""
    total = int(run.command.get("total_steps") or 0)
    previous = read_json(run.path / "state.json")
    attempts = [*previous.get("attempts", []), _attempt_record(previous)]
    write_json(
        run.path / "resume.json",
        {
            "argv": resume_argv(current_argv(run), state.folder),
            "from_step": state.step,
            "state": str(state.folder),
            "env": dict(env or {}),
            "at": now_iso(),
        },
    )
    with open(run.log, "a", encoding="utf-8") as log:
        log.write(f"\nlorapan: resuming from step {state.step} of {total} (state {state.folder})\n")
    write_json(
        run.path / "state.json",
        {"status": "starting", "created": previous.get("created"), "attempts": attempts},
    )
    update_state(run.path, resumed_from=state.step)
    return state


def _attempt_record(state: dict) -> dict:
    keep = ("status", "started", "ended", "step", "total", "reasons", "exit_code", "signal")
    return {k: state.get(k) for k in keep if k in state}
