"""Run lorapan in a benchmark as a user's install runs it: byte-compiled.

``pip install .`` byte-compiles every module it installs. A checkout installed
editable under ``PYTHONDONTWRITEBYTECODE=1`` (as in some sandboxes and CI images)
never writes ``.pyc`` files, so each lorapan process compiled all of its own
modules from source first: 30-60 ms that no user's command spends. Python reads
``.pyc`` files even when told not to write them, so compiling them once here puts
a benchmark's processes where a user's are. The files land in ``__pycache__``
folders beside the sources (ignored by git).
"""

from __future__ import annotations

import compileall
import importlib
from pathlib import Path

PACKAGES = ("lorapan", "lorapan.core", "lorapan.tui", "lorapan.themes")


def byte_compile() -> list[Path]:
    """Byte-compile every lorapan package folder (a no-op when already compiled);
    the folders compiled."""
    folders = []
    for name in PACKAGES:
        for path in importlib.import_module(name).__path__:
            if Path(path) not in folders:
                compileall.compile_dir(path, quiet=1)
                folders.append(Path(path))
    return folders
