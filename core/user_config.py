"""The user's own ``config.toml`` (not a dataset's): where it is, what is wrong with it.

The file is ``$LORAPAN_CONFIG_DIR/config.toml`` when that variable is set, else
``config.toml`` in platformdirs' user config folder (``~/.config/lorapan`` on
Linux). It holds:

- ``theme`` and ``preview`` (top level): the app's look and image preview;
- ``[training]``: training settings for every dataset, under each dataset's own
  ``[training]`` in ``lorapan.toml`` (same keys).

Nothing here is fatal: :func:`load_user_config` returns what it could read and
the problems as sentences (file, key, what is wrong, what is used instead), for
the CLI to print as warnings and the app to show. A command that cannot run
without a value (``train`` with a broken ``[training]``) refuses with the same
sentence. Tables lorapan reads only from a dataset's ``lorapan.toml`` are
reported as having no effect here; other tables (a user's notes) are left alone.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILE = "config.toml"
ENV_DIR = "LORAPAN_CONFIG_DIR"
PREVIEW_MODES = ("auto", "halfcell", "sixel", "tgp", "off")
#: Tables read from a dataset's lorapan.toml only: in the user config they do nothing.
DATASET_TABLES = ("dataset", "analysis", "rules", "tagger", "watch", "checklist")
TOP_LEVEL_KEYS = ("theme", "preview")


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$LORAPAN_CONFIG_DIR``, else the platform's user config folder for lorapan."""
    env = os.environ if env is None else env
    if env.get(ENV_DIR):
        return Path(env[ENV_DIR]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("lorapan"))


@dataclass
class UserConfig:
    """What the user config holds (``raw``: the whole document, kept for writing back)."""

    path: Path
    raw: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def table(self, name: str) -> dict[str, Any]:
        """A copy of table ``name`` (``{}`` when absent or not a table)."""
        value = self.raw.get(name)
        return copy.deepcopy(value) if isinstance(value, dict) else {}

    @property
    def theme(self) -> str | None:
        value = self.raw.get("theme")
        return value if isinstance(value, str) and value else None

    @property
    def preview(self) -> str | None:
        value = self.raw.get("preview")
        return value if value in PREVIEW_MODES else None


def load_user_config(
    directory: Path | None = None, env: Mapping[str, str] | None = None
) -> UserConfig:
    """Read and check the user config; a missing file is an empty config, not a problem."""
    env = os.environ if env is None else env
    cfg = UserConfig(path=(Path(directory) if directory else config_dir(env)) / CONFIG_FILE)
    if env.get("LORAPAN_CONFIG"):
        cfg.problems.append(
            f"LORAPAN_CONFIG is not read (it was never documented); set {ENV_DIR} to the "
            f"folder that holds {CONFIG_FILE} instead"
        )
    try:
        text = cfg.path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return cfg
    except (OSError, UnicodeDecodeError) as exc:
        cfg.problems.append(f"{cfg.path}: cannot read it ({_reason(exc)}); lorapan's defaults used")
        return cfg
    try:
        cfg.raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        cfg.problems.append(
            f"{cfg.path}: not valid TOML ({exc}); lorapan's defaults used until it is fixed"
        )
        return cfg
    cfg.problems += document_problems(cfg.raw, str(cfg.path))
    return cfg


def document_problems(doc: Mapping[str, Any], where: str) -> list[str]:
    """Sentences for each value of a user config document lorapan cannot use."""
    problems = []
    for key, value in doc.items():
        if key == "theme" and not (isinstance(value, str) and value):
            problems.append(f"{where}: theme = {value!r} must be a theme name; the default used")
        elif key == "preview" and value not in PREVIEW_MODES:
            problems.append(
                f"{where}: preview = {value!r} is not one of {', '.join(PREVIEW_MODES)}; "
                "the default (halfcell) used"
            )
        elif key == "training":
            problems += training_problems(value, where)
        elif key in DATASET_TABLES:
            problems.append(
                f"{where}: [{key}] has no effect in the user config; it belongs in each "
                "dataset's lorapan.toml"
            )
        elif key not in TOP_LEVEL_KEYS and not isinstance(value, dict):
            problems.append(
                f"{where}: unknown key {key!r} (known: theme, preview and the [training] table)"
            )
    return problems


def training_problems(table: Any, where: str) -> list[str]:
    """What the training layer would refuse in a user ``[training]`` table."""
    if not isinstance(table, dict):
        return [f"{where}: training must be a table ([training]); it is ignored"]
    from lorapan.core.training.config import split_layer  # training owns its keys

    label = f"{where} [training]"
    try:
        split_layer(table, label)
    except ValueError as exc:  # PresetError: names the key and what is allowed
        message = str(exc)
        return [message if message.startswith(label) else f"{label}: {message}"]
    return []


def _reason(exc: OSError | UnicodeDecodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return exc.strerror or str(exc)
