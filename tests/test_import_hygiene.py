"""The engine and the CLI never import textual; nothing bare is installed."""

from __future__ import annotations

import importlib.metadata
import pkgutil
import subprocess
import sys
import sysconfig
from pathlib import Path

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


def test_a_caption_edit_starts_without_image_or_model_libraries(tmp_path):
    """``lorapan edit`` (every command's parser built, the edit run) imports neither
    Pillow, onnxruntime nor numpy: each costs start-up time a bulk edit waits for."""
    (tmp_path / "a.png").write_bytes(b"not decoded")
    (tmp_path / "a.txt").write_text("x, y")
    code = (
        "import sys\n"
        "from lorapan.main import main\n"
        f"main(['edit', {str(tmp_path)!r}, '--add', 'z', '--dry-run'])\n"
        "heavy = ('PIL', 'onnxruntime', 'numpy')\n"
        "print('heavy:', *sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "heavy:", out.stdout


def test_only_the_lorapan_package_is_installed():
    """Look at what pip put into site-packages (not at a build's egg-info in the checkout)."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    dists = [
        d
        for d in importlib.metadata.distributions(path=[str(purelib)])
        if d.metadata["Name"] == "lorapan"
    ]
    assert dists, f"lorapan is not installed in {purelib}"
    for dist in dists:
        for f in dist.files or []:
            assert f.parts[0] not in ("core", "tui", "themes", "cli"), f"bare top-level: {f}"
    for bare in ("core", "tui", "themes", "cli"):
        assert not (purelib / bare).exists() and not (purelib / f"{bare}.py").exists()
