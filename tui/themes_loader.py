"""Themes as TOML files: the bundled ones in ``lorapan/themes`` and the user's own.

A theme file holds Textual ``Theme`` fields (``name``, ``primary``, ``dark``...)
and an optional ``[variables]`` table. User themes live in
``<user config dir>/themes/*.toml`` and may replace a bundled theme by name. A bad
file is reported and skipped; it never stops the app.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import fields
from importlib import resources
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_COLOUR_FIELDS = (
    "primary", "secondary", "warning", "error", "success", "accent",
    "foreground", "background", "surface", "panel", "boost",
)  # fmt: skip
_FIELDS = {f.name for f in fields(Theme)}


class ThemeFileError(ValueError):
    pass


def theme_from_toml(text: str, origin: str) -> Theme:
    """Build a Theme from a TOML document; raises ThemeFileError with the reason."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{origin}: not valid TOML ({exc})") from exc
    unknown = sorted(set(doc) - _FIELDS)
    if unknown:
        raise ThemeFileError(f"{origin}: unknown keys {', '.join(unknown)}")
    if not isinstance(doc.get("name"), str) or not doc.get("primary"):
        raise ThemeFileError(f"{origin}: a theme needs `name` and `primary`")
    for key in _COLOUR_FIELDS:
        if key in doc:
            try:
                Color.parse(doc[key])
            except (ColorParseError, TypeError) as exc:
                raise ThemeFileError(f"{origin}: {key} = {doc[key]!r} is not a colour") from exc
    variables = doc.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeFileError(f"{origin}: [variables] must be a table")
    doc["variables"] = {str(k): str(v) for k, v in variables.items()}
    return Theme(**doc)


def bundled_themes() -> tuple[list[Theme], list[str]]:
    """The themes shipped in ``lorapan.themes``."""
    themes, problems = [], []
    for entry in sorted(resources.files("lorapan.themes").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            try:
                themes.append(theme_from_toml(entry.read_text(encoding="utf-8"), entry.name))
            except ThemeFileError as exc:
                problems.append(str(exc))
    return themes, problems


def user_themes(config_dir: Path) -> tuple[list[Theme], list[str]]:
    themes, problems = [], []
    folder = Path(config_dir) / "themes"
    if not folder.is_dir():
        return themes, problems
    for path in sorted(folder.glob("*.toml")):
        try:
            themes.append(theme_from_toml(path.read_text(encoding="utf-8"), str(path)))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read it ({exc})")
        except ThemeFileError as exc:
            problems.append(str(exc))
    return themes, problems


def load_themes(config_dir: Path) -> tuple[list[Theme], list[str]]:
    """Bundled then user themes (a user theme with the same name wins)."""
    bundled, p1 = bundled_themes()
    user, p2 = user_themes(config_dir)
    by_name = {t.name: t for t in bundled}
    by_name.update({t.name: t for t in user})
    return list(by_name.values()), p1 + p2


def theme_cycle(names: Iterable[str]) -> list[str]:
    """The order ``T`` goes through: lorapan-dark, lorapan-light, high contrast, then the
    user's own themes by name (Textual's built-in themes are not in it)."""
    first = ["lorapan-dark", "lorapan-light", "high-contrast"]
    names = set(names)
    return [n for n in first if n in names] + sorted(names - set(first))
