"""User configuration of the app (not of a dataset): theme, preview mode, keymap.

The file is ``config.toml`` in the user config folder (``LORAPAN_CONFIG_DIR``, else
platformdirs' ``user_config_dir("lorapan")``); core finds, reads and checks it
(:func:`lorapan.core.user_config.load_user_config`: a file that does not parse, a
bad value, a table that has no effect there) and the app shows each problem as a
message when it starts. Environment variables override the file for one run, which
suits a server tool better than the reverse: ``LORAPAN_THEME``, ``LORAPAN_PREVIEW``
(``halfcell`` (default), ``auto``, ``sixel``, ``tgp`` or ``off``; sixel/tgp need the
optional textual-image package). The app writes only the ``theme`` key back when the
user switches theme.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w
from lorapan.core.safe_write import atomic_write
from lorapan.core.user_config import CONFIG_FILE, PREVIEW_MODES, load_user_config
from lorapan.core.user_config import config_dir as user_config_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_THEME = "lorapan-dark"
__all__ = ["CONFIG_FILE", "PREVIEW_MODES", "AppConfig", "config_dir", "load_config", "save_theme"]


def config_dir() -> Path:
    return user_config_dir()


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
    """The file's values (checked by core), then ``LORAPAN_*`` overrides; every problem
    is a sentence in ``problems`` for the app to show, never an exception."""
    env = dict(os.environ) if env is None else env
    user = load_user_config(Path(directory) if directory else None, env)
    cfg = AppConfig(directory=user.path.parent, problems=list(user.problems), raw=user.raw)
    theme = env.get("LORAPAN_THEME") or user.theme
    if theme:
        cfg.theme = theme
    if user.preview:
        cfg.preview = user.preview
    preview = env.get("LORAPAN_PREVIEW")
    if preview and preview in PREVIEW_MODES:
        cfg.preview = preview
    elif preview:
        cfg.problems.append(
            f"LORAPAN_PREVIEW: preview {preview!r} is not one of {', '.join(PREVIEW_MODES)}; "
            f"{cfg.preview} used"
        )
    return cfg


def save_theme(cfg: AppConfig, theme: str) -> str | None:
    """Persist the theme choice; returns a problem message instead of raising.

    The file is read again first: a file that does not parse is left as it is (writing
    the theme alone would drop everything else the user wrote there).
    """
    cfg.theme = theme
    try:
        text = cfg.path.read_text(encoding="utf-8-sig") if cfg.path.is_file() else ""
        doc = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"theme not saved: {cfg.path} cannot be read ({exc}); fix it first"
    doc["theme"] = theme
    try:
        cfg.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(cfg.path, tomli_w.dumps(doc).encode("utf-8"), None)
    except OSError as exc:
        return f"cannot save the theme to {cfg.path}: {exc}"
    cfg.raw = doc
    return None
