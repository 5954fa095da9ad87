"""Package discovery for the folder layout the design card fixes.

``cli/`` is installed as ``lorapan``, ``core/`` as ``lorapan.core``, ``tui/`` as
``lorapan.tui`` and ``themes/`` as ``lorapan.themes`` (``package-dir`` in
pyproject.toml). Every folder below them with an ``__init__.py`` is a sub-package;
they are listed here so a new one is never left out of a wheel.
"""

from __future__ import annotations

import os

from setuptools import setup

FOLDERS = {
    "lorapan": "cli",
    "lorapan.core": "core",
    "lorapan.tui": "tui",
    "lorapan.themes": "themes",
}


def packages() -> list[str]:
    found = []
    for name, folder in FOLDERS.items():
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            if "__init__.py" in filenames:
                rel = os.path.relpath(dirpath, folder)
                found.append(name if rel == "." else f"{name}.{rel.replace(os.sep, '.')}")
    return found


setup(packages=packages())
