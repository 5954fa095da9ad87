"""The detached supervisor of one training run: ``python -m lorapan.core.training.supervisor RUN_DIR``.

Started in its own session by :func:`lorapan.core.training.runs.start_run`, so it
outlives the app, the CLI and the SSH session. It launches the trainer in a new
session of its own (process group = trainer pid) with output going straight to the
run's log file, records the pids, waits for the whole group to finish (accelerate
forwards no signals and may leave the trainer behind), and records the exit status
and the verdict. A stop request (SIGTERM/SIGINT to the supervisor, with the grace
periods in ``stop.json``) escalates SIGINT → SIGTERM → SIGKILL on the trainer's
group, so the escalation completes even if whoever asked has gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lorapan.core.training.logparse import parse_text
from lorapan.core.training.runstate import (
    MARKER_ENV,
    group_alive,
    now_iso,
    read_json,
    signal_group,
    start_time,
    update_state,
)
from lorapan.core.training.verdict import judge

DEFAULT_GRACE = (30.0, 15.0)  # seconds after SIGINT, then after SIGTERM
POLL = 0.1


class Supervisor:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.stop_requested = False
        self.stage = 0  # 0 none, 1 SIGINT sent, 2 SIGTERM sent, 3 SIGKILL sent
        self.stage_at = 0.0
        self.last_signal: str | None = None

    def _on_stop(self, signum: int, frame: object) -> None:
        self.stop_requested = True

    def _grace(self) -> tuple[float, float]:
        req = read_json(self.run_dir / "stop.json")
        grace = req.get("grace", DEFAULT_GRACE)
        try:
            return float(grace[0]), float(grace[1])
        except (TypeError, ValueError, IndexError):
            return DEFAULT_GRACE

    def _escalate(self, ids: dict) -> None:
        """Send the next signal when its time has come."""
        int_s, term_s = self._grace()
        now = time.monotonic()
        plan = [(signal.SIGINT, 0.0), (signal.SIGTERM, int_s), (signal.SIGKILL, term_s)]
        if self.stage >= len(plan):
            return
        sig, wait = plan[self.stage]
        if self.stage and now - self.stage_at < wait:
            return
        signal_group(ids, sig)  # checks the group is still this run's before sending
        self.stage += 1
        self.stage_at = now
        self.last_signal = sig.name
        update_state(self.run_dir, status="stopping", stop_signal=sig.name)

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_stop)
        signal.signal(signal.SIGHUP, lambda *_: None)  # no terminal; never stop on hangup
        _become_subreaper()
        cmd = read_json(self.run_dir / "command.json")
        resumed = read_json(self.run_dir / "resume.json")  # a resume launches its own argv
        if resumed.get("argv"):
            cmd = {
                **cmd,
                "argv": resumed["argv"],
                "env": {**cmd.get("env", {}), **resumed.get("env", {})},
            }
        marker = str(cmd.get("marker") or "")
        env = {
            **os.environ,
            **cmd.get("env", {}),
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
            MARKER_ENV: marker,
        }
        log = open(self.run_dir / "log", "ab", buffering=0)  # noqa: SIM115 - held for the run
        try:
            proc = subprocess.Popen(
                cmd["argv"],
                cwd=cmd.get("cwd") or None,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            log.write(f"lorapan: cannot start {cmd['argv'][0]}: {exc}\n".encode())
            update_state(
                self.run_dir,
                status="failed",
                ended=now_iso(),
                exit_code=None,
                reasons=[f"cannot start the trainer: {exc}"],
            )
            return 1
        ids = {"pgid": proc.pid, "start_time": start_time(proc.pid), "marker": marker}
        update_state(self.run_dir, status="running", pid=proc.pid, started=now_iso(), **ids)
        status = self._wait(proc.pid, ids)
        log.close()
        self._finish(status, cmd)
        return 0

    def _wait(self, pid: int, ids: dict) -> int | None:
        """Reap children until the leader has exited and the group is empty."""
        status: int | None = None
        while True:
            status = _reap(pid, status)
            if status is not None and not group_alive(ids["pgid"]):
                return status
            if self.stop_requested:
                self._escalate(ids)
            time.sleep(POLL)

    def _finish(self, status: int | None, cmd: dict) -> None:
        code = os.waitstatus_to_exitcode(status) if status is not None else None
        signame = None
        if code is not None and code < 0:
            signame = signal.Signals(-code).name
        text = (self.run_dir / "log").read_bytes().decode("utf-8", "replace")
        progress = parse_text(text)
        final = cmd.get("final_model")
        verdict = judge(
            progress,
            code,
            signal_name=signame,
            stop_requested=self.stop_requested,
            model_exists=Path(final).exists() if final else None,
        )
        update_state(
            self.run_dir,
            status=verdict.status,
            reasons=verdict.reasons,
            exit_code=code,
            signal=signame,
            stop_requested=self.stop_requested,
            stop_signal=self.last_signal,
            ended=now_iso(),
            step=progress.step,
            total=progress.total,
            loss=progress.loss,
        )


def _reap(leader: int, status: int | None) -> int | None:
    """Collect exited children (orphans too, as subreaper); return the leader's status."""
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == leader:
            status = st


def _become_subreaper() -> None:
    """Orphans of the trainer (accelerate's child) get reparented here, not to init."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    run_dir = Path(args[-1])
    if "--fork" in args and os.fork():
        # The launcher waits for this first process only: it exits at once, the
        # supervisor (the child) is adopted by init and no zombie is left behind.
        os._exit(0)
    update_state(run_dir, supervisor_pid=os.getpid(), supervisor_start=start_time(os.getpid()))
    try:
        return Supervisor(run_dir).run()
    except Exception as exc:  # record, never leave a run marked running
        update_state(
            run_dir, status="failed", ended=now_iso(), reasons=[f"supervisor error: {exc!r}"]
        )
        raise


if __name__ == "__main__":
    raise SystemExit(main())
