"""The import layers of ``[tool.importlinter]`` in pyproject.toml hold (``lint-imports``).

import-linter finds a package's modules by walking its folder. Installed, ``lorapan``
holds ``core/`` and ``tui/``; in a checkout (and an editable install) ``lorapan`` is
``cli/`` and the others are mapped in by ``[tool.setuptools] package-dir``. So the
check runs on a copy of the sources laid out as pip installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def _installed_layout(dest: Path) -> Path:
    """The ``.py`` files of every package, where pip would put them, under ``dest``."""
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir: dict[str, str] = doc["tool"]["setuptools"]["package-dir"]

    def not_source(folder: str, names: list[str]) -> list[str]:
        return [
            n
            for n in names
            if n == "__pycache__" or not (n.endswith(".py") or Path(folder, n).is_dir())
        ]

    for package, folder in sorted(package_dir.items()):
        target = dest.joinpath(*package.split("."))
        shutil.copytree(ROOT / folder, target, ignore=not_source, dirs_exist_ok=True)
    return dest


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` with this checkout's pyproject.toml, on the package in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_imports_point_only_down_the_layers(tmp_path: Path) -> None:
    res = _lint_imports(_installed_layout(tmp_path))
    assert res.returncode == 0, f"an import contract is broken:\n{res.stdout}\n{res.stderr}"
    assert "0 broken" in res.stdout


def test_an_import_up_the_layers_is_reported(tmp_path: Path) -> None:
    """The check can fail: training importing the rules (as preflight once did) breaks it."""
    tree = _installed_layout(tmp_path)
    with (tree / "lorapan" / "core" / "training" / "__init__.py").open("a") as fh:
        fh.write("\nfrom lorapan.core.rules import engine  # noqa: F401\n")
    res = _lint_imports(tree)
    assert res.returncode == 1, res.stdout
    assert "lorapan.core.training is not allowed to import lorapan.core.rules" in res.stdout
