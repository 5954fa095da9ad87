"""Per-dataset settings in ``lorapan.toml`` at the dataset root.

The file is read with tomllib (tomli on 3.10) and written with tomli-w. Only the
keys lorapan owns are validated; every other key and table is kept as it was, so a
user's notes or another tool's tables survive a save. Areas (analysis, rules,
tagger, training) keep their options in their own table, read with
:meth:`Settings.section`.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorapan.core.toml_edit import dump_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from lorapan.core.errors import StateError
from lorapan.core.naming import IMAGE_EXTS
from lorapan.core.safe_write import atomic_write

SETTINGS_FILE = "lorapan.toml"
STATE_DIR = ".lorapan"

KINDS = (
    "character",
    "couple",
    "group",
    "background",
    "asset",
    "concept",
    "style",
    "single-image",
    "bundle-characters",
    "bundle-backgrounds",
    "bundle-costumes",
    "bundle-concepts",
)
TAG_STYLES = ("keep", "underscores", "spaces")
#: [training] model_family: which kohya trainer runs (train_network.py, sdxl_train_network.py)
MODEL_FAMILIES = ("sd15", "sdxl")
DEFAULT_MODEL_FAMILY = "sd15"

_DEFAULTS: dict[str, Any] = {
    "kind": "character",
    "name": "",
    "core_tag": "",
    # Not set: the rules propose one ('anime screencap' is the guide's, for anime sets).
    "style_tag": "",
    "caption_extension": ".txt",
    "tag_style": "keep",
    "blacklist_extra": [],
}


#: Caption extensions kohya users meet, besides the configured one (``.cap``: BLIP-style).
CAPTION_EXTENSIONS = (".txt", ".caption", ".cap")


#: other files beside the images that are never captions (HEIC photos, kohya's latents)
NOT_CAPTIONS = frozenset({".heic", ".heif", ".avif", ".jxl", ".tif", ".tiff", ".npz"})


class SettingsError(ValueError):
    """A value in lorapan.toml is not allowed; the message names key and choices."""


@dataclass
class Settings:
    """The ``[dataset]`` table as attributes, plus the whole document kept raw.

    A key is *set* when lorapan.toml states it or code assigned it; otherwise it holds
    its default, or a value the method inferred (:meth:`infer`, e.g. the kind from the
    captions), which is used but never saved: only set keys are written.
    """

    kind: str = "character"
    name: str = ""
    core_tag: str = ""
    style_tag: str = ""
    caption_extension: str = ".txt"
    tag_style: str = "keep"
    blacklist_extra: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: key -> value inferred by the method (in memory only)
    inferred: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Values given to the constructor that differ from the defaults count as set.
        assigned = {k for k, v in _DEFAULTS.items() if getattr(self, k) != v}
        object.__setattr__(self, "_assigned", assigned)

    def __setattr__(self, key: str, value: Any) -> None:
        object.__setattr__(self, key, value)
        assigned = self.__dict__.get("_assigned")
        if assigned is not None and key in _DEFAULTS:
            assigned.add(key)
            self.inferred.pop(key, None)

    def is_set(self, key: str) -> bool:
        """True when ``key`` is stated in lorapan.toml or was assigned (not inferred)."""
        table = self.raw.get("dataset")
        in_file = isinstance(table, dict) and key in table
        return in_file or key in self.__dict__.get("_assigned", ())

    def infer(self, key: str, value: Any) -> None:
        """Use ``value`` for an unset ``key`` without marking it set (never saved)."""
        if self.is_set(key):
            return
        object.__setattr__(self, key, value)
        self.inferred[key] = value

    def section(self, name: str) -> dict[str, Any]:
        """A copy of table ``name`` (``{}`` when absent)."""
        value = self.raw.get(name, {})
        return copy.deepcopy(value) if isinstance(value, dict) else {}

    def set_section(self, name: str, table: dict[str, Any]) -> None:
        self.raw[name] = copy.deepcopy(table)

    def assign(self, key: str, value: Any) -> None:
        """Set a ``[dataset]`` key, or ``table.key`` in another table (the way a fix
        names what it writes: ``core_tag``, ``training.max_token_length``)."""
        table, dot, name = key.partition(".")
        if not dot:
            setattr(self, key, value)
            return
        section = self.section(table)
        section[name] = value
        self.set_section(table, section)

    @property
    def checklist(self) -> dict[str, bool]:
        """Manual checklist ticks (rule or item id -> ticked)."""
        table = self.raw.get("checklist", {})
        return {str(k): bool(v) for k, v in table.items()} if isinstance(table, dict) else {}

    def tick(self, item: str, ticked: bool = True) -> None:
        self.raw.setdefault("checklist", {})[item] = ticked

    @property
    def caption_extensions(self) -> tuple[str, ...]:
        """The configured extension first, then the other ones kohya users meet."""
        exts = [self.caption_extension]
        for ext in CAPTION_EXTENSIONS:
            if ext not in exts:
                exts.append(ext)
        return tuple(exts)


def _validate(table: dict[str, Any], where: str) -> dict[str, Any]:
    values = dict(_DEFAULTS)
    for key in _DEFAULTS:
        if key in table:
            values[key] = table[key]
    for key in ("name", "core_tag", "style_tag", "caption_extension", "kind", "tag_style"):
        if not isinstance(values[key], str):
            raise SettingsError(f"{where}: [dataset] {key} must be a string")
    if values["kind"] not in KINDS:
        raise SettingsError(
            f"{where}: [dataset] kind = {values['kind']!r} is not a subject kind; "
            f"allowed: {', '.join(KINDS)}"
        )
    if values["tag_style"] not in TAG_STYLES:
        raise SettingsError(
            f"{where}: [dataset] tag_style = {values['tag_style']!r}; "
            f"allowed: {', '.join(TAG_STYLES)}"
        )
    ext = values["caption_extension"]
    if not ext.startswith(".") or len(ext) < 2 or "/" in ext:
        raise SettingsError(
            f"{where}: [dataset] caption_extension = {ext!r} must look like '.txt' or '.caption'"
        )
    if ext.lower() in IMAGE_EXTS | NOT_CAPTIONS:
        raise SettingsError(
            f"{where}: [dataset] caption_extension = {ext!r} is an image's extension: "
            "every image would be read as its own caption; captions are text ('.txt', "
            "'.caption' or '.cap')"
        )
    extra = values["blacklist_extra"]
    if not isinstance(extra, list) or not all(isinstance(t, str) for t in extra):
        raise SettingsError(f"{where}: [dataset] blacklist_extra must be a list of tags")
    return values


def load_settings(root: Path) -> Settings:
    """Read ``root/lorapan.toml``; defaults when it does not exist.

    Raises :class:`SettingsError` for a file that is not TOML or holds a bad value.
    """
    path = Path(root) / SETTINGS_FILE
    return parse_settings(path.read_bytes() if path.exists() else None, path)


def parse_settings(data: bytes | None, path: Path) -> Settings:
    """The settings ``data`` (the bytes of ``path``; None: no file, the defaults) holds.

    Raises :class:`SettingsError` for bytes that are not TOML or hold a bad value.
    """
    raw: dict[str, Any] = {}
    if data is not None:
        try:
            raw = tomllib.loads(data.decode("utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML ({exc}); fix or remove the file") from exc
    table = raw.get("dataset", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [dataset] must be a table")
    values = _validate(table, str(path))
    settings = Settings(**values, raw=raw, path=path)
    object.__setattr__(settings, "_assigned", set())  # set = stated in the file (is_set)
    return settings


def save_settings(root: Path, settings: Settings) -> Path:
    """Write settings back, keeping every key lorapan does not own.

    Only keys that are set are written: a default or an inferred value (the kind the
    method read from the captions) stays unwritten until the user confirms it.
    """
    path = Path(root) / SETTINGS_FILE
    doc = settings_document(settings, str(path))
    try:
        old: bytes | None = path.read_bytes()
    except OSError:
        old = None
    atomic_write(path, dump_toml(doc, old))  # the user's comments kept
    settings.raw = doc
    settings.path = path
    return path


def settings_document(settings: Settings, where: str = SETTINGS_FILE) -> dict[str, Any]:
    """The TOML document :func:`save_settings` writes: every key lorapan does not own,
    and the ``[dataset]`` keys that are set (SettingsError for a bad value)."""
    _validate({k: getattr(settings, k) for k in _DEFAULTS}, where)
    doc = copy.deepcopy(settings.raw)
    stated = {k: copy.deepcopy(getattr(settings, k)) for k in _DEFAULTS if settings.is_set(k)}
    if stated or "dataset" in doc:  # no empty [dataset] added to a file without one
        doc.setdefault("dataset", {}).update(stated)
    return doc


def state_dir(root: Path, create: bool = True) -> Path:
    """``root/.lorapan``: journal, analysis cache, run logs (made when ``create``;
    StateError when it cannot be, or is not a folder)."""
    path = Path(root) / STATE_DIR
    if not create:
        return path
    try:
        path.mkdir(exist_ok=True)
    except OSError as exc:
        raise StateError(
            f"cannot make lorapan's state folder {path}: {exc.strerror}",
            f"if {path} is a file, move it aside; make {root} writable",
        ) from None
    if not path.is_dir():
        raise StateError(f"{path} is not a folder", f"move {path} aside; lorapan makes it")
    return path


def validate_dataset_table(table: dict[str, Any], where: str = SETTINGS_FILE) -> dict[str, Any]:
    """The ``[dataset]`` values of ``table`` with defaults for the rest; raises
    :class:`SettingsError` naming the first bad one (the settings form checks a field)."""
    return _validate(table, where)
