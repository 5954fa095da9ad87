"""User configuration of the app (not of a dataset): theme, preview mode, keymap.

The file is ``config.toml`` in ``platformdirs.user_config_dir("lorapan")``
(``LORAPAN_CONFIG_DIR`` points elsewhere, e.g. for tests). Environment variables
override the file for one run, which suits a server tool better than the reverse:
``LORAPAN_THEME``, ``LORAPAN_PREVIEW`` (``halfcell`` (default), ``auto``, ``sixel``,
``tgp`` or ``off``; sixel/tgp need the optional textual-image package).
The app writes only the ``theme`` key back when the user switches theme.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w
from lorapan.core.safe_write import atomic_write
from platformdirs import user_config_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILE = "config.toml"
PREVIEW_MODES = ("auto", "halfcell", "sixel", "tgp", "off")
DEFAULT_THEME = "lorapan-dark"


def config_dir() -> Path:
    env = os.environ.get("LORAPAN_CONFIG_DIR")
    return Path(env) if env else Path(user_config_dir("lorapan"))


@dataclass
class AppConfig:
    theme: str = DEFAULT_THEME
    preview: str = "halfcell"
    directory: Path = field(default_factory=config_dir)
    problems: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.directory / CONFIG_FILE


def load_config(directory: Path | None = None, env: dict[str, str] | None = None) -> AppConfig:
    """The file's values, then ``LORAPAN_*`` overrides; bad values are reported, not fatal."""
    env = dict(os.environ) if env is None else env
    cfg = AppConfig(directory=Path(directory) if directory else config_dir())
    if cfg.path.is_file():
        try:
            cfg.raw = tomllib.loads(cfg.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            cfg.problems.append(f"{cfg.path}: cannot read it ({exc}); defaults used")
    theme = env.get("LORAPAN_THEME") or cfg.raw.get("theme")
    if isinstance(theme, str) and theme:
        cfg.theme = theme
    for source, preview in (("file", cfg.raw.get("preview")), ("env", env.get("LORAPAN_PREVIEW"))):
        if not isinstance(preview, str) or not preview:
            continue
        if preview in PREVIEW_MODES:
            cfg.preview = preview
        else:
            where = "LORAPAN_PREVIEW" if source == "env" else str(cfg.path)
            cfg.problems.append(
                f"{where}: preview {preview!r} is not one of {', '.join(PREVIEW_MODES)}; "
                f"{cfg.preview} used"
            )
    return cfg


def save_theme(cfg: AppConfig, theme: str) -> str | None:
    """Persist the theme choice; returns a problem message instead of raising."""
    cfg.theme = theme
    doc = dict(cfg.raw)
    doc["theme"] = theme
    try:
        cfg.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(cfg.path, tomli_w.dumps(doc).encode("utf-8"), None)
    except OSError as exc:
        return f"cannot save the theme to {cfg.path}: {exc}"
    cfg.raw = doc
    return None
