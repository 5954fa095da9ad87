"""The real app leaves no process behind when its terminal goes away (issue 13, item 6).

The app runs in a real tmux session; ``tmux kill-session`` closes its terminal, as an
SSH drop or a closed window does. Each wait is bounded and polled; none is a timing
assertion. Before the exit guard, the first case left the process running (reparented
to init, its terminal deleted) until the analysis of its 10,000 images ended, and the
second until the edit gave up waiting for the other writer's lock (60 s).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from imagegen import flat_art

pytestmark = [
    pytest.mark.serial,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

GONE_WITHIN = 60.0  # seconds: generous; the guard ends the process 3 s after the app ends
#: below the 60 s an edit waits for another writer's lock (which also ends the wait)
GONE_WHILE_WAITING = 30.0


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-t", session, "-p").replace("\u00a0", " ")


def poll(predicate, what: str, timeout: float, session: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; screen:\n{screen(session)}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(")")[-1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (the analysis pool, its fork server)."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
    tree: dict[int, list[int]] = {}
    for line in out.stdout.splitlines():
        child, parent = map(int, line.split())
        tree.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for kid in tree.get(todo.pop(), []):
            found.append(kid)
            todo.append(kid)
    return found


def big_dataset(root: Path, n: int = 10_000) -> Path:
    """``n`` small images with captions (one image's bytes reused: the content is not read
    for the list, and the analysis measures each one)."""
    folder = root / "10_bench"
    folder.mkdir(parents=True)
    png = folder / "img_00000.png"
    flat_art((64, 64), seed=1).save(png)
    data = png.read_bytes()
    for i in range(n):
        (folder / f"img_{i:05d}.png").write_bytes(data)
        (folder / f"img_{i:05d}.txt").write_text(f"bench subject focus, tag{i % 97}, smile")
    return root


def start(root: Path, tmp_path: Path) -> tuple[str, int]:
    """The app on ``root`` in a new tmux session; (session, the app's pid)."""
    session = f"lorapan-exit-{uuid.uuid4().hex[:8]}"
    env = f"LORAPAN_CONFIG_DIR={tmp_path / 'config'} COLORTERM=truecolor TEXTUAL_ANIMATIONS=none"
    cmd = f"exec env {env} {sys.executable} -m lorapan '{root}'"
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd)
    pid = int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())
    return session, pid


def test_killing_the_session_of_a_10000_image_dataset_leaves_no_process(tmp_path):
    root = big_dataset(tmp_path / "big")
    session, pid = start(root, tmp_path)
    try:
        poll(lambda: "analysing" in screen(session), "the analysis to run", 120, session)
        poll(lambda: children(pid), "the analysis's process pool", 120, session)
        family = children(pid)
        tmux("kill-session", "-t", session)
        poll(lambda: not alive(pid), "the app's process to end", GONE_WITHIN)
        poll(lambda: not any(alive(p) for p in family), "its children to end", GONE_WITHIN)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        if alive(pid):
            os.kill(pid, 9)


HOLD_LOCK = """
import sys, time
from pathlib import Path
from lorapan.core.writer_lock import WriterLock
with WriterLock(Path(sys.argv[1]) / ".lorapan").hold():
    print("holding", flush=True)
    time.sleep(600)
"""


def test_closing_the_terminal_while_busy_after_ctrl_q_leaves_no_process(tmp_path):
    """An edit of every image waits for another writer; ctrl+q asks (work is running);
    then the terminal goes away. Nothing is written half: the edit never started."""
    root = big_dataset(tmp_path / "big", n=300)
    (root / ".lorapan").mkdir()
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert other.stdout is not None and other.stdout.readline().strip() == "holding"
    session, pid = start(root, tmp_path)
    try:
        poll(lambda: "img_00000.png" in screen(session), "the file list", 120, session)
        tmux("send-keys", "-t", session, "*", "a")
        poll(lambda: "add a tag to 300" in screen(session), "the tag box", 30, session)
        tmux("send-keys", "-t", session, "-l", "quitmark")
        tmux("send-keys", "-t", session, "Enter")
        poll(lambda: "waiting for another" in screen(session), "the edit to wait", 30, session)
        tmux("send-keys", "-t", session, "C-q")
        poll(lambda: "Quit while work is running?" in screen(session), "the question", 30, session)
        tmux("kill-session", "-t", session)
        poll(lambda: not alive(pid), "the app's process to end", GONE_WHILE_WAITING)
    finally:
        other.kill()
        other.wait(timeout=30)
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        if alive(pid):
            os.kill(pid, 9)
    assert not any("quitmark" in p.read_text() for p in root.glob("10_bench/*.txt"))
