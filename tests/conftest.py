"""Shared fixtures.

``SHARED`` is the read-only reference folder beside the checkout (real tag lists,
kohya logs, seed captions). It is not part of the repository: a test that reads it
takes the ``shared`` fixture or carries ``@pytest.mark.needs_shared`` and is skipped,
with the reason, where the folder is absent. Helpers for tests that run the app
headless are in ``app_helpers.py``.
"""

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


SHARED_MISSING = f"needs the shared reference folder {SHARED} (not in this checkout)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_shared: reads ../shared; skipped where it is absent")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=SHARED_MISSING)
    for item in items:
        if item.get_closest_marker("needs_shared"):
            item.add_marker(skip)


def require_shared(*parts: str) -> Path:
    """``SHARED / parts``; skips the calling test, with the reason, where it is absent.

    For helpers that read a shared file in the middle of a test (a kohya log to replay).
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} from the shared reference folder (not in this checkout)")
    return path


@pytest.fixture
def shared() -> Path:
    """The shared reference folder; the test is skipped (with the reason) where it is absent."""
    return require_shared()


@pytest.fixture
def ds_root(tmp_path: Path) -> Path:
    """The four-image dataset of ``app_helpers.CAPTIONS`` in tmp_path/data."""
    from app_helpers import build_dataset

    return build_dataset(tmp_path / "data")


def copy_dataset(src: Path, dest: Path) -> Path:
    """Copy a read-only reference dataset to ``dest`` as a user's own, writable copy.

    ``../shared`` is read-only, and copytree keeps modes: a copy would be a dataset of
    read-only captions, which lorapan (rightly) refuses to rewrite.
    """
    import shutil
    import stat

    shutil.copytree(src, dest)
    for folder, _dirs, files in os.walk(dest):
        for name in [".", *files]:
            path = os.path.join(folder, name)
            os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)
    return dest


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
