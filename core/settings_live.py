"""``lorapan.toml`` changed outside lorapan: read it again and take the new settings.

The folder watcher reports the file (``DatasetWatcher(on_settings=…)``); the owner
of the dataset then calls :func:`reload_settings`. A file that no longer parses or
holds a bad value is reported and the settings in use are kept, so a half-typed
edit in another editor never takes the dataset down. Our own saves come back too:
they read as what the dataset already holds, and change nothing.

A new caption extension changes which file is each image's caption: every caption
is read again (``rescan``). A new ``[dataset] reg_folders`` moves images between the
dataset and its class images (``regrouped``), as opening it again would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lorapan.core.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset


@dataclass(frozen=True)
class SettingsReload:
    """What reading lorapan.toml again did."""

    changed: tuple[str, ...] = ()  # "[dataset] kind", "[training]", … in file order
    error: str | None = None  # the file is broken: the settings in use were kept
    rescan: bool = False  # the caption extension changed: captions were read again
    regrouped: bool = False  # reg_folders changed: images moved to or from class images


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``[dataset]`` keys one by one, other tables and keys whole, that differ."""
    out = []
    old_ds, new_ds = old.get("dataset", {}), new.get("dataset", {})
    if isinstance(old_ds, dict) and isinstance(new_ds, dict):
        keys = list(dict.fromkeys([*new_ds, *old_ds]))
        out += [f"[dataset] {k}" for k in keys if old_ds.get(k) != new_ds.get(k)]
    elif old_ds != new_ds:
        out.append("[dataset]")
    for key in dict.fromkeys([*new, *old]):
        if key != "dataset" and old.get(key) != new.get(key):
            out.append(f"[{key}]" if isinstance(new.get(key, old.get(key)), dict) else key)
    return out


def reload_settings(dataset: Dataset) -> SettingsReload:
    """Take ``lorapan.toml`` as it is on disk now, if it differs from the settings in use."""
    try:
        new = load_settings(dataset.root)
    except (SettingsError, OSError) as exc:
        return SettingsReload(error=f"{exc}; the settings in use are kept")
    with dataset.lock:
        old = dataset.settings
        changed = changed_keys(old.raw, new.raw)
        if not changed:
            return SettingsReload()
        rescan = new.caption_extension != old.caption_extension
        dataset.settings = new
    if rescan:
        dataset.reload(list(dataset.items), "caption extension changed")
    regrouped = dataset.regroup()  # a new [dataset] reg_folders moves class images
    return SettingsReload(tuple(changed), None, rescan, regrouped)
