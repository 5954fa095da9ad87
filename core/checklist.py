"""Ticks of the coverage checklist: one journaled step on ``lorapan.toml`` each.

A tick is an edit like a caption edit: it goes into the dataset's journal, so ``u`` in
the app and ``lorapan undo`` take back the last step whichever it was, a tick or a
caption edit, in order, and redo puts it back. The journal holds the file's bytes
before and after, so undo restores ``lorapan.toml`` byte for byte (comments and all).
If the file changed since the tick (another editor: its writes are not journaled), undo
reports it as a conflict and leaves the file alone, as it does for a caption changed by
another program. A fix that sets a key writes it in its own transaction
(:mod:`lorapan.core.settings_journal`), the settings screen's save in one of its own
(:func:`lorapan.core.settings_form.save_form`), so undo walks them all in order.

The tick is made on the file as it is on disk, not on the settings in memory, so an
outside change not yet read back is kept; the settings in use then follow the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from lorapan.core.dataset.changes import ApplyResult
from lorapan.core.settings import SETTINGS_FILE, SettingsError, parse_settings
from lorapan.core.settings_live import reload_settings
from lorapan.core.toml_edit import dump_toml

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset


def tick_label(ticks: Mapping[str, bool]) -> str:
    """``tick front-view``, ``untick back-view``, or both: the journal entry's label."""
    ticked = ", ".join(i for i, on in ticks.items() if on)
    unticked = ", ".join(i for i, on in ticks.items() if not on)
    return "; ".join(
        p for p in (ticked and f"tick {ticked}", unticked and f"untick {unticked}") if p
    )


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def tick(dataset: Dataset, ticks: Mapping[str, bool]) -> ApplyResult:
    """Tick (True) or untick (False) manual checklist items, as one undoable step.

    ``result.settings`` is True when ``lorapan.toml`` was written (the rules should check
    again); a tick that is already so writes nothing. A file changed on disk between the
    read and the write is a conflict (``result.conflicts``): nothing is written. Raises
    :class:`SettingsError` when ``lorapan.toml`` does not parse (fix it first: writing
    over it would lose what it holds), ``LorapanError`` when the journal cannot be written
    or another lorapan is writing (after the writer lock's wait).
    """
    result = ApplyResult(tick_label(ticks))
    path = dataset.root / SETTINGS_FILE
    with dataset.lock, dataset.journal.writer.hold():
        before = _read(path)
        settings = parse_settings(before, path)
        if not isinstance(settings.raw.get("checklist", {}), dict):
            raise SettingsError(f"{path}: [checklist] must be a table")
        if all(settings.checklist.get(item, False) == on for item, on in ticks.items()):
            result.unchanged = 1
            return result
        for item, on in ticks.items():
            settings.tick(item, on)
        after = dump_toml(settings.raw, before)  # the user's comments kept
        txn, res = dataset.journal.run(result.label, [(SETTINGS_FILE, before, after)])
        result.txn_id = txn.id
        result.conflicts = list(res.conflicts)
        result.settings = bool(res.done)
    if result.settings:  # outside the lock: a changed caption extension re-reads captions
        reload_settings(dataset)
    return result
