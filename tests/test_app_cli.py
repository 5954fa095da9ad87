"""`lorapan open` / `lorapan PATH` from the command line: clear messages, no tracebacks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def test_open_a_missing_folder_says_so(lorapan_cmd, tmp_path: Path):
    run = lorapan_cmd("open", tmp_path / "nope")
    assert run.returncode == 2
    assert "is not a folder" in run.stderr and "Traceback" not in run.stderr


def test_bare_path_without_a_terminal_explains(lorapan_cmd, tmp_path: Path):
    (tmp_path / "a.png").write_bytes(b"")
    run = lorapan_cmd(tmp_path)  # `lorapan PATH`, stdin/stdout are pipes here
    assert run.returncode == 2
    assert "needs a terminal" in run.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("textual_serve") is not None, reason="textual-serve is installed"
)
def test_serve_without_textual_serve_says_how_to_get_it(lorapan_cmd, tmp_path: Path):
    run = lorapan_cmd("open", tmp_path, "--serve")
    assert run.returncode == 2
    assert "textual-serve" in run.stderr and "pip install" in run.stderr


def test_open_help_lists_examples(lorapan_cmd):
    run = lorapan_cmd("open", "--help")
    assert run.returncode == 0
    assert "lorapan ~/data/goblin" in run.stdout and "keymap.toml" in run.stdout
