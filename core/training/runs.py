"""Start, list, follow and stop detached training runs.

A run lives in ``<dataset>/.lorapan/runs/<id>/``. :func:`start_run` writes the
files and launches the supervisor (:mod:`.supervisor`) in its own session without
a shell; nothing in this process needs to stay alive for the run to finish.
Anyone can re-attach later by following ``log`` and reading ``state.json``.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorapan.core.confine import is_inside
from lorapan.core.training.config import RunPlan
from lorapan.core.training.logparse import LogParser, Progress
from lorapan.core.training.outputs import files_of
from lorapan.core.training.run_settings import trainer_env
from lorapan.core.training.runstate import (
    ACTIVE,
    group_alive,
    group_is_ours,
    now_iso,
    read_json,
    runs_dir,
    signal_group,
    supervisor_alive,
    update_state,
    write_json,
)


class RunError(RuntimeError):
    """A run cannot be started, found or stopped; the message says why."""


@dataclass
class RunInfo:
    id: str
    path: Path
    state: dict[str, Any]
    command: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.state.get("status", "unknown"))

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def log(self) -> Path:
        return self.path / "log"


def new_run_dir(root: Path, create: bool = True) -> Path:
    """A fresh ``runs/<timestamp>`` folder (suffixed when two start in one second)."""
    base = runs_dir(Path(root).resolve())  # the supervisor runs elsewhere: absolute paths only
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if not create:
        return base / stamp
    base.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        path = base / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise RunError(f"cannot create a run folder in {base}")


class RunBusy(RunError):
    """Another run of the dataset is live (starting, running or stopping): ``run``."""

    def __init__(self, run: RunInfo) -> None:
        self.run = run
        now = log_progress(run) if run.status == "running" else None
        total = (now.total if now else 0) or run.command.get("total_steps") or "?"
        at = f" at step {now.step} of {total}" if now and now.training_started else ""
        super().__init__(
            f"run {run.id} of this dataset is still {run.status}{at}: one run of a dataset "
            "at a time (a second would share its GPU, time and memory)"
        )


def live_run(runs: Path, but: Path | None = None) -> RunInfo | None:
    """The newest live run in the runs folder ``runs`` other than ``but``; None when none is."""
    live = [r for r in runs_in(runs) if r.active and r.path != but]
    return live[-1] if live else None


def refuse_if_live(runs: Path, but: Path | None = None) -> None:
    """Raise :class:`RunBusy` when a run in the runs folder ``runs`` is live."""
    if (run := live_run(runs, but)) is not None:
        raise RunBusy(run)


@contextlib.contextmanager
def start_lock(runs: Path) -> Iterator[None]:
    """Held while a start checks that no run is live and writes its own state: two
    starts at once (two shells, the app and a shell) never both find the dataset free.
    ``flock`` on ``.lorapan/runs.lock`` (beside the runs, not among them): the kernel
    releases it when its holder exits."""
    runs.mkdir(parents=True, exist_ok=True)
    with open(runs.parent / f"{runs.name}.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def refuse_taken_name(plan: RunPlan) -> None:
    """Raise :class:`RunError` when files under the plan's output name appeared in a
    shared output folder since the name was chosen (a run that ended meanwhile)."""
    if is_inside(plan.run_dir, plan.output_dir):
        return  # the run's own folder
    name = plan.settings["output_name"]
    if found := files_of(plan.output_dir, name):
        raise RunError(
            f"{found[0]} appeared since the run was planned: its output name {name} is "
            "taken now; start again for a name of its own"
        )


def write_run_files(plan: RunPlan, env: dict[str, str] | None = None) -> None:
    run_dir = plan.run_dir
    (run_dir / "dataset.toml").write_text(plan.dataset_toml, encoding="utf-8")
    (run_dir / "prompts.txt").write_text("\n".join(plan.prompts) + "\n", encoding="utf-8")
    write_json(
        run_dir / "command.json",
        {
            "argv": plan.argv,
            "cwd": plan.settings.get("sd_scripts") or None,
            "env": {**trainer_env(plan.settings), **(env or {})},
            "preset": plan.preset,
            "params": plan.params,
            "sdxl": plan.sdxl,
            "num_repeats": plan.num_repeats,
            "steps_per_epoch": plan.steps.steps_per_epoch,
            "total_steps": plan.steps.total_steps,
            "output_dir": str(plan.output_dir),
            "output_name": plan.settings["output_name"],
            "final_model": str(plan.final_model),
            "save_every": plan.save_every,
            "sample_steps": list(plan.sampling.at_steps),
            "prompt_count": plan.sampling.prompts if plan.sampling.at_steps else 0,
            "created": now_iso(),
            "dataset": plan.dataset,
            "marker": secrets.token_hex(8),  # in the trainer's environment: proves it is ours
        },
    )
    write_json(run_dir / "state.json", {"status": "starting", "created": now_iso()})


def start_run(plan: RunPlan, env: dict[str, str] | None = None, wait_s: float = 10.0) -> RunInfo:
    """Write the run's files and launch it detached; return once the trainer has a pid.

    Raises :class:`RunBusy` (nothing written) while another run of the dataset is live.
    """
    plan.run_dir = Path(plan.run_dir).resolve()
    runs = plan.run_dir.parent
    with start_lock(runs):
        refuse_if_live(runs, but=plan.run_dir)
        refuse_taken_name(plan)
        write_run_files(plan, env)
    try:
        Path(plan.output_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        update_state(plan.run_dir, status="failed", ended=now_iso(), reasons=[str(exc)])
        raise
    launch_supervisor(plan.run_dir, wait_s)
    return load_run(plan.run_dir)


def launch_supervisor(run_dir: Path, wait_s: float = 10.0) -> None:
    """Start the run's supervisor in its own session; wait until the trainer has a pid."""
    with open(run_dir / "supervisor.log", "ab") as err:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "lorapan.core.training.supervisor", "--fork", str(run_dir)],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            close_fds=True,
            cwd=str(run_dir),
        )
    with contextlib.suppress(subprocess.TimeoutExpired):
        launcher.wait(timeout=wait_s)  # it forks the supervisor and exits at once
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        state = read_json(run_dir / "state.json")
        if state.get("pid") or state.get("status") not in ("starting", None):
            break
        time.sleep(0.05)
    state = read_json(run_dir / "state.json")
    if (
        launcher.returncode
        and not state.get("supervisor_pid")
        and state.get("status") == "starting"
    ):
        # It died before forking (a broken install): a run left "starting" would hold
        # the dataset's one live run for ever.
        update_state(
            run_dir,
            status="failed",
            ended=now_iso(),
            reasons=[f"the supervisor did not start (exit {launcher.returncode}); see {err.name}"],
        )


def load_run(path: Path) -> RunInfo:
    """A run's state, corrected when its supervisor died without recording an end."""
    path = Path(path).resolve()
    state = read_json(path / "state.json")
    command = read_json(path / "command.json")
    sup = state.get("supervisor_pid")
    started = state.get("supervisor_start")
    if state.get("status") in ACTIVE and sup and not supervisor_alive(int(sup), path, started):
        if group_is_ours(state):
            state["note"] = "supervisor gone; the trainer is still running"
        else:
            state["status"] = "lost"
            state["reasons"] = ["the supervisor ended without recording how the run ended"]
            if group_alive(state.get("pgid")):
                state["reasons"].append(
                    f"process group {state['pgid']} is not this run's any more (the id was "
                    "reused by another program): lorapan will not signal it"
                )
    return RunInfo(path.name, path, state, command)


def list_runs(root: Path) -> list[RunInfo]:
    """The dataset's runs, oldest first (run ids are their start times)."""
    return runs_in(runs_dir(Path(root).resolve()))


def runs_in(runs: Path) -> list[RunInfo]:
    """The runs in the runs folder ``runs``, oldest first."""
    if not runs.is_dir():
        return []
    return [
        load_run(p)
        for p in sorted(runs.iterdir())
        if is_inside(runs, p) and (p / "command.json").exists()  # a link out is not a run
    ]


def find_run(root: Path, run_id: str | None) -> RunInfo:
    """By id (or unique prefix); ``None`` or ``latest`` gives the newest run."""
    runs = list_runs(root)
    if not runs:
        raise RunError(f"no training runs in {runs_dir(root)}")
    if run_id in (None, "", "latest"):
        return runs[-1]
    matches = [r for r in runs if r.id == run_id] or [
        r for r in runs if r.id.startswith(str(run_id))
    ]
    if len(matches) != 1:
        ids = ", ".join(r.id for r in runs[-5:])
        raise RunError(f"no single run matches {run_id!r}; recent runs: {ids}")
    return matches[0]


def follow(
    run: RunInfo, *, from_start: bool = True, poll: float = 0.2, stop: Any = None
) -> Iterator[str]:
    """Yield the log's text as it grows, until the run has ended and all is read.

    ``stop`` is an optional callable; when it returns True the generator ends (detach).
    """
    offset = 0 if from_start else (run.log.stat().st_size if run.log.exists() else 0)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    ended = False
    while True:
        chunk = _read_from(run.log, offset)
        offset += len(chunk)
        if chunk:
            yield decoder.decode(chunk)
            continue
        if ended:  # read to the end after the run had ended: nothing more can come
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        if stop is not None and stop():
            return
        # The trainer writes its last lines and exits, then the supervisor records the
        # end: lines written between the empty read above and this check are still
        # unread, so an ended run gets one more read to the end before we stop.
        if not load_run(run.path).active:
            ended = True
            continue
        time.sleep(poll)


TAIL_BYTES = 256 * 1024  # hundreds of bar redraws: the newest step is always in it


def log_progress(run: RunInfo, size: int = TAIL_BYTES) -> Progress:
    """Where a run is, read from the tail of its log (the supervisor records the step
    only when the run ends). A resumed run's bar counts the steps left; the resume is
    said to the parser first, so the step read is the run's own."""
    try:
        with open(run.log, "rb") as fh:
            start = max(0, fh.seek(0, os.SEEK_END) - size)
            fh.seek(start)
            data = fh.read()
    except OSError:
        return Progress()
    text = data.decode("utf-8", "replace")
    if start:  # begin at a line or redraw boundary, not inside one
        cut = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=len(text))
        text = text[cut + 1 :]
    parser = LogParser()
    resumed, total = run.state.get("resumed_from"), run.command.get("total_steps")
    if resumed is not None and total:
        parser.feed(f"lorapan: resuming from step {resumed} of {total}\n")
    parser.feed(text)
    parser.flush()
    return parser.progress


def _read_from(log: Path, offset: int, size: int = 1 << 20) -> bytes:
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            return fh.read(size)
    except FileNotFoundError:
        return b""


def stop_run(run: RunInfo, grace: tuple[float, float] = (30.0, 15.0), wait: bool = True) -> RunInfo:
    """Ask the supervisor to stop: SIGINT to the trainer's group, then SIGTERM, then SIGKILL.

    Falls back to signalling the group from here when the supervisor is gone.
    """
    state = load_run(run.path).state
    if state.get("status") not in ACTIVE:
        return load_run(run.path)
    (run.path / "stop.json").write_text(json.dumps({"grace": list(grace), "at": now_iso()}))
    sup = state.get("supervisor_pid")
    if sup and supervisor_alive(int(sup), run.path, state.get("supervisor_start")):
        os.kill(int(sup), signal.SIGTERM)
    else:
        _escalate_here(run.path, state, grace)
    if wait:
        deadline = time.monotonic() + sum(grace) + 10
        while time.monotonic() < deadline and load_run(run.path).active:
            time.sleep(0.1)
    return load_run(run.path)


def _escalate_here(run_dir: Path, state: dict[str, Any], grace: tuple[float, float]) -> None:
    """The supervisor is gone: signal the trainer's group from here, checking before each
    signal that the group is still the one this run spawned (a pgid can be reused)."""
    pgid = state.get("pgid")
    if not pgid or not group_is_ours(state):
        why = (
            f"the recorded process group {pgid} is not this run's any more (its processes "
            "ended, or the id now belongs to another program): nothing was signalled"
            if pgid and group_alive(pgid)
            else "nothing was running"
        )
        update_state(run_dir, status="lost" if pgid else "stopped", ended=now_iso(), reasons=[why])
        return
    sent = None
    for sig, wait in ((signal.SIGINT, grace[0]), (signal.SIGTERM, grace[1]), (signal.SIGKILL, 5)):
        if not signal_group(state, sig):
            break
        sent = sig
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and group_is_ours(state):
            time.sleep(0.1)
        if not group_is_ours(state):
            break
    update_state(
        run_dir,
        status="stopped",
        ended=now_iso(),
        stop_signal=sent.name if sent else None,
        reasons=["stopped on request (the supervisor was gone, so no exit status)"],
    )
