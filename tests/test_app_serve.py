"""`lorapan DIR --serve`: a real HTTP GET of the page, then the app through its websocket.

Skipped (with the reason) where the optional textual-serve package is absent.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from app_helpers import build_dataset

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("textual_serve") is None,
    reason="textual-serve is not installed (optional extra: pip install textual-serve)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, tries: int = 150) -> str:
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode("utf-8", "replace")
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")


async def screen_text_from_websocket(url: str, needle: str) -> str:
    """Connect like the page's script does and collect the app's output until ``needle``."""
    import aiohttp

    seen = b""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        deadline = time.monotonic() + 30
        while needle.encode() not in seen and time.monotonic() < deadline:
            try:
                msg = await ws.receive(timeout=5)
            except asyncio.TimeoutError:
                continue
            if msg.type == aiohttp.WSMsgType.BINARY:
                seen += msg.data
            elif msg.type == aiohttp.WSMsgType.TEXT:
                seen += msg.data.encode()
            elif msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
    return seen.decode("utf-8", "replace")


def test_serve_answers_a_browser_and_runs_the_app(tmp_path: Path):
    root = build_dataset(tmp_path / "data")
    port = free_port()
    env = dict(os.environ, LORAPAN_CONFIG_DIR=str(tmp_path / "config"), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "lorapan", str(root), "--serve", "--port", str(port)]
    cmd += ["--no-analysis", "--no-watch"]
    server = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page = get(f"http://localhost:{port}/")
        assert "<html" in page.lower() and f"localhost:{port}/ws" in page
        text = asyncio.run(
            screen_text_from_websocket(f"ws://localhost:{port}/ws?width=100&height=30", "img_10")
        )
        assert "img_10" in text and "img_1" in text
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            out, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            out, _ = server.communicate()
    banner = out.decode("utf-8", "replace")
    assert f"http://localhost:{port}" in banner and "ssh -L" in banner
    assert "Traceback" not in banner
