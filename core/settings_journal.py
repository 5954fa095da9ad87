"""Settings a fix writes, as a step of the fix's own journal transaction.

A fix that sets a ``[dataset]`` key (the proposed core tag, style tag, kind or caption
extension) and the caption changes made with it are one edit: ``u`` in the app and
``lorapan undo`` take back both, restoring ``lorapan.toml`` byte for byte (comments and
all), as they do for a checklist tick (:mod:`lorapan.core.checklist`). The step is made
on the file as it is on disk, so an outside change not yet read back is kept; a file
changed between this read and the write is a conflict, reported and left alone.

The settings screen's save is such a step of its own (``core.settings_form.save_form``).
When undo or redo of any of them writes the file, the dataset's settings follow it;
:func:`settings_taken` says what they took, as an outside change of the file is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lorapan.core.journal.journal import Change
from lorapan.core.settings import SETTINGS_FILE, Settings, parse_settings, settings_document
from lorapan.core.settings_live import SettingsReload, changed_keys
from lorapan.core.toml_edit import dump_toml


def settings_change(root: Path, updates: Mapping[str, Any]) -> Change | None:
    """lorapan.toml's change that sets ``updates`` (``[dataset]`` keys, or ``table.key``
    in another table) on the file as it is now; None when it already holds them.
    SettingsError when the file does not parse (writing over it would lose what it
    holds) or a value is not allowed."""
    path = Path(root) / SETTINGS_FILE
    try:
        before: bytes | None = path.read_bytes()
    except FileNotFoundError:
        before = None
    on_disk = parse_settings(before, path)
    for key, value in updates.items():
        on_disk.assign(key, value)
    after = dump_toml(settings_document(on_disk, str(path)), before)  # comments kept
    return None if after == before else (SETTINGS_FILE, before, after)


def settings_taken(old: Settings, new: Settings) -> SettingsReload:
    """What the settings in use took when a journaled step (undo or redo of a save, a
    tick or a fix's key) wrote lorapan.toml and they followed it: the same account
    reading an outside change gives (``rescan``: the captions were read again)."""
    changed = tuple(changed_keys(old.raw, new.raw))
    return SettingsReload(changed, None, old.caption_extension != new.caption_extension)
