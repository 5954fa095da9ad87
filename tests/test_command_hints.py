"""Commands a message offers to copy are quoted: pasting one runs what it says.

The dataset lives in ``my data $(touch pwned)``: an unquoted hint pasted into a
shell would create ``pwned`` and act on the wrong folder.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_dataset
from lorapan.core.commands_hint import hint
from lorapan.core.dataset import Dataset

HOSTILE = "my data $(touch pwned)"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / HOSTILE, {"a.png": "a, b\n", "b.png": "c\n"})


def _paste(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``command`` as a user pasting it into bash would (``lorapan`` on PATH)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _interrupt(root: Path) -> None:
    """Leave a pending journal entry, as a crash half-way through an edit does."""
    ds = Dataset.open(root)
    ds.journal.begin("half-done edit", [("a.txt", b"a, b\n", b"a, b, c\n")])


def _backticked(text: str) -> list[str]:
    return re.findall(r"`(lorapan [^`]*)`", text)


def test_hint_quotes_each_part():
    assert hint("undo", "/data/my data $(x)") == "lorapan undo '/data/my data $(x)'"
    assert hint("recover", Path("/d"), "--finish") == "lorapan recover /d --finish"
    assert shlex.split(hint("info", "it's here")) == ["lorapan", "info", "it's here"]


def test_pasting_the_undo_hint_of_edit_undoes_it(root: Path, lorapan_cmd):
    res = lorapan_cmd("edit", root, "--add", "x")
    assert res.returncode == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if x.startswith("undo with: "))
    command = line.removeprefix("undo with: ")
    assert shlex.split(command) == ["lorapan", "undo", str(root)]
    pasted = _paste(command, cwd=root.parent)
    assert pasted.returncode == 0, pasted.stderr
    assert (root / "a.txt").read_text() == "a, b\n"
    assert not (root.parent / "pwned").exists()


@pytest.mark.parametrize(
    ("args", "stream"),
    [
        (("edit", "--add", "x"), "stderr"),  # refuses until the interrupted edit is settled
        (("undo",), "stderr"),
        (("info",), "stdout"),
    ],
)
def test_recover_hints_name_the_dataset_quoted(root: Path, lorapan_cmd, args, stream):
    _interrupt(root)
    res = lorapan_cmd(args[0], root, *args[1:])
    commands = _backticked(getattr(res, stream))
    for command in commands:  # every command offered names the dataset, quoted
        assert shlex.split(command)[2] == str(root), command
    recover = [c for c in commands if shlex.split(c)[1] == "recover"]
    assert recover, getattr(res, stream)
    pasted = _paste(recover[0], cwd=root.parent)
    assert pasted.returncode == 0, pasted.stderr
    assert "half-done edit" in pasted.stdout
    assert not (root.parent / "pwned").exists()


def test_the_image_hint_of_collage_and_augment_names_the_dataset_quoted(root: Path, lorapan_cmd):
    res = lorapan_cmd("collage", root, "missing.png", "a.png")
    assert res.returncode != 0
    (command,) = _backticked(res.stderr)
    assert shlex.split(command) == ["lorapan", "info", str(root)]
