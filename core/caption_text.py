"""A caption as text: read it for a text editor, write the edited text back, journaled.

Tag edits (:mod:`lorapan.core.edits`) rewrite only the tags they change. Some
captions are not tag lists (prose, a second line, a weight kept by hand), and some
edits are easier as text; here the whole file is the unit. :func:`caption_text`
gives the text to edit; :func:`write_caption_text` writes what came back as one
journaled transaction (one undo), with the conflict check of every other edit:
the bytes the editor opened must still be the caption the dataset holds *and*
the file on disk, or nothing is written and the conflict is reported.

The text is written as it was edited, line ends included (a text area keeps the
file's own line end); a byte-order mark the file had is kept, since editors hide
it. Text that did not change writes nothing, so the file stays byte-identical.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from lorapan.core.captions import CaptionDecodeError
from lorapan.core.dataset.changes import ApplyResult, absorb

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset
    from lorapan.core.dataset.items import ImageItem

LABEL = "edit caption text"


def opened_bytes(item: ImageItem) -> bytes | None:
    """The caption's bytes as the dataset read them (None: the image has no caption yet)."""
    return item.caption.raw if item.caption is not None else None


def caption_text(item: ImageItem) -> str:
    """The caption file's text for an editor: UTF-8 decoded, its byte-order mark left out.

    Raises :class:`CaptionDecodeError` for a caption that cannot be edited as text
    (not UTF-8: the dataset holds it read-only).
    """
    if item.caption_error:
        raise CaptionDecodeError(item.caption_error)
    raw = opened_bytes(item) or b""
    return raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")


def text_bytes(text: str, opened: bytes | None) -> bytes:
    """The bytes to write for edited ``text``: UTF-8, with the mark ``opened`` began with."""
    data = text.encode("utf-8")
    if opened is not None and opened.startswith(codecs.BOM_UTF8):
        return codecs.BOM_UTF8 + data
    return data


def write_caption_text(
    dataset: Dataset, relpath: str, opened: bytes | None, text: str, label: str = LABEL
) -> ApplyResult:
    """Write ``text`` as ``relpath``'s caption, journaled; ``opened``: the bytes edited.

    The result names ``relpath`` in ``applied``, ``conflicts`` (the caption changed
    since it was opened, or the image went), ``unreadable`` (a read-only caption),
    or counts it ``unchanged``. Listeners hear of a write as of any other edit.
    Raises what the journal raises: ``DatasetBusy`` when another process writes for
    longer than the writer lock waits, a ``StateError`` for unwritable state.
    """
    result = ApplyResult(label)
    # The writer lock (one writer per dataset) from the check to the write, as
    # ``Dataset.apply_changes`` holds it: what was compared is what is written over.
    with dataset.lock, dataset.journal.writer.hold():
        item = dataset.items.get(relpath)
        if item is None:
            result.conflicts.append((relpath, "image no longer in the dataset"))
            return result
        if (refusal := item.write_refusal) is not None:
            result.unreadable.append((relpath, refusal))
            return result
        if opened_bytes(item) != opened:
            result.conflicts.append((relpath, "the caption changed since it was opened"))
            return result
        data = text_bytes(text, opened)
        if data == (opened or b""):
            result.unchanged += 1
            return result
        rel = item.caption_rel or item.default_caption_rel
        # The journal checks the file on disk against ``opened`` (an outside write the
        # watcher has not reported yet is a conflict too).
        txn, res = dataset.journal.run(label, [(rel, opened, data)])
        absorb(res, {rel: relpath}, result)
        result.txn_id = txn.id
    if result.applied:
        dataset.reload([relpath], label)  # re-read and tell the listeners
    return result
