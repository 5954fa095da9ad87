"""The files of one run under ``<dataset>/.lorapan/runs/<id>/`` and their atomic writes.

``command.json`` (what to launch), ``dataset.toml``, ``prompts.txt``, ``log`` (the
trainer's stdout and stderr, in order), ``state.json`` (who is running, how it ended)
and ``stop.json`` (a stop request with its grace periods).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

RUNS_DIR = Path(".lorapan") / "runs"
ACTIVE = ("starting", "running", "stopping")


def runs_dir(root: Path) -> Path:
    return Path(root) / RUNS_DIR


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write via a temp file and rename, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def update_state(run_dir: Path, **changes: Any) -> dict[str, Any]:
    state = read_json(run_dir / "state.json")
    state.update(changes)
    write_json(run_dir / "state.json", state)
    return state


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():  # a zombie has exited; it only waits to be reaped
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return True
    return True


MARKER_ENV = "LORAPAN_RUN_MARKER"  # set in the trainer's environment: this run's token


def _stat_fields(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` after the command name (field 3 on); None when unreadable."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_time(pid: int | None) -> int | None:
    """When ``pid`` started (clock ticks since boot, ``/proc``); None without /proc or process.

    A pid can be reused once its process is gone; the start time cannot, so the pair
    names one process.
    """
    fields = _stat_fields(pid) if pid else None
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def _environ_has(pid: int, entry: bytes) -> bool:
    try:
        return entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False  # another user's process, or gone: not ours


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in the process group, from ``/proc``."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and fields[0] != "Z" and fields[2] == str(pgid):
                members.append(int(entry.name))
    return members


def group_is_ours(state: dict[str, Any]) -> bool:
    """The recorded process group still holds what this run spawned.

    True when its leader is the recorded process (same pid *and* start time) or any
    member carries this run's marker in its environment; False for a reused pgid.
    Without ``/proc`` (not Linux) nothing can be checked and the pgid is trusted.
    """
    pgid = state.get("pgid")
    if not pgid:
        return False
    if not Path("/proc/self/stat").exists():
        return group_alive(pgid)
    recorded = state.get("start_time")
    if recorded is not None and start_time(pgid) == recorded:
        return True
    marker = state.get("marker")
    if not marker:
        return False
    entry = f"{MARKER_ENV}={marker}".encode()
    return any(_environ_has(pid, entry) for pid in group_members(pgid))


def signal_group(state: dict[str, Any], sig: int) -> bool:
    """Send ``sig`` to the run's process group after checking it is still the run's.

    False (and nothing sent) when the group is gone or now belongs to someone else.
    """
    if not group_is_ours(state):
        return False
    try:
        os.killpg(int(state["pgid"]), signal.Signals(sig))
    except (ProcessLookupError, PermissionError):
        return False
    return True


def group_alive(pgid: int | None) -> bool:
    """Whether any live process remains in the process group."""
    if not pgid:
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.exists():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def supervisor_alive(pid: int | None, run_dir: Path, started: int | None = None) -> bool:
    """The run's supervisor is alive: the pid exists *and* is that supervisor (not a reused pid).

    ``started``: its recorded start time, checked when given.
    """
    if not pid_alive(pid):
        return False
    if started is not None and start_time(pid) not in (None, started):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True  # no /proc: trust the pid
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return b"lorapan.core.training.supervisor" in args and str(run_dir).encode() in args
