"""The engine and the CLI never import textual; nothing bare is installed."""

from __future__ import annotations

import importlib.metadata
import pkgutil
import subprocess
import sys

import lorapan.core


def test_core_and_cli_do_not_import_textual():
    mods = [m.name for m in pkgutil.walk_packages(lorapan.core.__path__, "lorapan.core.")]
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r} + ['lorapan.main']:\n"
        "    importlib.import_module(m)\n"
        "from lorapan.main import build_parser; build_parser()\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"textual imported by core/CLI: {out.stdout}"


def test_only_the_lorapan_package_is_installed():
    dist = importlib.metadata.distribution("lorapan")
    tops = dist.read_text("top_level.txt")
    if tops is not None:
        assert tops.split() == ["lorapan"]
    for f in dist.files or []:
        parts = f.parts
        if parts and parts[0] in ("core", "tui", "themes", "cli"):
            raise AssertionError(f"bare top-level {parts[0]} installed: {f}")
