"""Shared fixtures. ``SHARED`` is the read-only reference folder beside the checkout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def write_dataset(root: Path, captions: dict[str, str | bytes | None]) -> Path:
    """Create images (tiny PNG bytes) with captions; ``None`` = image without caption.

    Keys are image relpaths; the caption sits beside the image with ``.txt``.
    """
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    for rel, cap in captions.items():
        img = root / rel
        img.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (len(rel) * 20 % 255, 80, 120)).save(img)
        if cap is not None:
            data = cap.encode() if isinstance(cap, str) else cap
            img.with_suffix(".txt").write_bytes(data)
    return root


def run_lorapan(
    *args: object,
    input: str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
):
    """Run the real `lorapan` entry point in a subprocess (``env`` adds variables)."""
    import subprocess

    full_env = dict(os.environ, PYTHONUNBUFFERED="1", NO_COLOR="1", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "lorapan", *map(str, args)],
        capture_output=True,
        text=True,
        input=input,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
    )


@pytest.fixture
def lorapan_cmd():
    """``run_lorapan`` as a fixture."""
    return run_lorapan
