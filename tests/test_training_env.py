"""Helpers for the training tests: a real dataset, a stand-in sd-scripts folder.

The stand-in ``train_network.py`` runs ``tests/fakes/replay_trainer.py``, which
replays real captured sd-scripts output (training needs a GPU here).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import tomli_w
from conftest import require_shared
from PIL import Image

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parents[0].parent / "shared"
FIXTURES = SHARED / "fixtures" / "kohya"
REPLAY = TESTS / "fakes" / "replay_trainer.py"

SHIM = """import runpy, sys
runpy.run_path({path!r}, run_name="__main__")
"""


def fake_sd_scripts(tmp: Path) -> Path:
    sd = tmp / "sd-scripts"
    sd.mkdir(parents=True, exist_ok=True)
    for name in ("train_network.py", "sdxl_train_network.py"):
        (sd / name).write_text(SHIM.format(path=str(REPLAY)))
    return sd


def make_dataset(
    root: Path,
    sizes: list[tuple[int, int]] | None = None,
    *,
    folder: str = "3_gob",
    kind: str = "character",
    training: dict | None = None,
    tags: str = "gob goblin, anime screencap, solo, standing, smile",
) -> Path:
    """Images of the given sizes with captions, and lorapan.toml with a [training] table."""
    sizes = sizes or [(128, 128)] * 6
    img_dir = root / folder
    img_dir.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(sizes):
        Image.new("RGB", size, (i * 30 % 255, 90, 120)).save(img_dir / f"img_{i:03d}.png")
        (img_dir / f"img_{i:03d}.txt").write_text(tags + "\n", encoding="utf-8")
    doc = {
        "dataset": {
            "kind": kind,
            "name": "gob",
            "core_tag": "gob goblin",
            "style_tag": "anime screencap",
        }
    }
    if training is not None:
        doc["training"] = training
    (root / "lorapan.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    return root


def runnable_training(tmp: Path, **extra) -> dict:
    """A [training] table that launches the stand-in with this Python."""
    sd = fake_sd_scripts(tmp)
    model = tmp / "model" / "sd15-random.safetensors"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_bytes(b"weights")
    table = {
        "sd_scripts": str(sd),
        "python": sys.executable,
        "launcher": "python",
        "base_model": str(model),
        "output_dir": str(tmp / "out"),
        "targetSteps": 10,
        "trainBatchSize": 3,
        "resolution": 128,
    }
    table.update(extra)
    return table


def replay_env(log: str = "run-pipe-unbuffered.log", step_s: float = 0.05, **extra: str) -> dict:
    log_path = require_shared("fixtures", "kohya", log)
    env = {"REPLAY_LOG": str(log_path), "REPLAY_STEP_S": str(step_s)}
    env.update(extra)
    return env


def wait_for(predicate, timeout: float = 30.0, poll: float = 0.05) -> bool:
    """Poll until ``predicate()`` is true; False on timeout (a bound, not a timing claim)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return predicate()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
