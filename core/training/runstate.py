"""The files of one run under ``<dataset>/.lorapan/runs/<id>/`` and their atomic writes.

``command.json`` (what to launch), ``dataset.toml``, ``prompts.txt``, ``log`` (the
trainer's stdout and stderr, in order), ``state.json`` (who is running, how it ended)
and ``stop.json`` (a stop request with its grace periods).
"""

from __future__ import annotations

import json
import os
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


def supervisor_alive(pid: int | None, run_dir: Path) -> bool:
    """The run's supervisor is alive: the pid exists *and* is that supervisor (not a reused pid)."""
    if not pid_alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True  # no /proc: trust the pid
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return b"lorapan.core.training.supervisor" in args and str(run_dir).encode() in args
