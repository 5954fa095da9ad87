"""End to end: the real `lorapan` app in a real tmux terminal, driven by keys.

A copy of the demo dataset (``lorapan demo DIR --no-open``) is opened with
``lorapan DIR``; keys go in with ``tmux send-keys``, the screen comes back with
``capture-pane``, and the caption file on disk must change (then change back on
undo). Skipped only where tmux is not installed.
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

pytestmark = [
    pytest.mark.serial,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def tmux(*args: str) -> str:
    out = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30)
    return out.stdout


def screen(session: str) -> str:
    """The pane as plain text (tag chips use no-break spaces; read them as spaces)."""
    return tmux("capture-pane", "-t", session, "-p").replace("\u00a0", " ")


def wait_for(predicate, what: str, session: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; screen:\n{screen(session)}")


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    target = tmp_path / "gob"
    run = subprocess.run(
        [sys.executable, "-m", "lorapan", "demo", str(target), "--no-open"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return target


def test_real_app_in_tmux_edits_a_caption(demo_copy: Path, tmp_path: Path):
    session = f"lorapan-e2e-{uuid.uuid4().hex[:8]}"
    caption = demo_copy / "10_gob goblin" / "gob_001.txt"
    before = caption.read_text()
    env = {
        "LORAPAN_CONFIG_DIR": str(tmp_path / "config"),
        "COLORTERM": "truecolor",
        "TEXTUAL_ANIMATIONS": "none",
    }
    cmd = " ".join(
        [f"{k}={v!r}" if " " in v else f"{k}={v}" for k, v in env.items()]
        + [sys.executable, "-m", "lorapan", f"'{demo_copy}'"]
    )
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd)
    try:
        wait_for(lambda: "gob_001" in screen(session), "the file list", session)
        wait_for(lambda: "gob goblin with third eye focus" in screen(session), "chips", session)
        tmux("send-keys", "-t", session, "a")
        # the input's own prompt: the footer says "Add tag" all along
        wait_for(lambda: "add a tag to" in screen(session), "the tag input", session)
        tmux("send-keys", "-t", session, "-l", "e2e marker")
        tmux("send-keys", "-t", session, "Enter")
        wait_for(lambda: "e2e marker" in caption.read_text(), "the caption on disk", session)
        assert caption.read_text().rstrip("\n") == before.rstrip("\n") + ", e2e marker"
        wait_for(lambda: "✓ add e2e marker" in screen(session), "the status line", session)
        tmux("send-keys", "-t", session, "u")
        wait_for(lambda: caption.read_text() == before, "undo on disk", session)
        tmux("send-keys", "-t", session, "C-q")
        wait_for(
            lambda: (
                session not in tmux("list-sessions", "-F", "#{session_name}")
                or "$" in screen(session).strip()[-3:]
            ),
            "the app to quit",
            session,
            timeout=20,
        )
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert os.path.exists(caption)
