"""An entry's pack: every content it may put back, before and after, by sha256.

The pack is written once, before any file of the transaction is touched, and read
only by undo, redo and recovery. Its format (``<id>.pack``)::

    lorapan-pack/2\\n
    [["<sha256>", <length>], ...]\\n      one JSON line: the index
    <content 1><content 2>...            the contents, raw, in index order

Raw bytes instead of the first format's base64 JSON (``<id>.pack.json``, still
read): a 10,000-caption bulk edit packs 20,000 contents, and encoding them was a
tenth of the edit's time (issue 17); the file is a quarter smaller too.

A pack travels with the dataset, so reading trusts nothing: every content must
match its hash, and any damage is a :class:`BadEntry` that names what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from lorapan.core.journal.model import BadEntry

MAGIC = b"lorapan-pack/2\n"


def encode(blobs: dict[str, bytes]) -> bytes:
    """The pack file's bytes for ``blobs`` (sha256 hex -> content)."""
    index = json.dumps([[digest, len(data)] for digest, data in blobs.items()])
    return b"".join([MAGIC, index.encode("ascii"), b"\n", *blobs.values()])


def decode(data: bytes) -> dict[str, bytes]:
    """The contents of a pack file, each checked against its hash."""
    if not data.startswith(MAGIC):
        raise BadEntry("its pack is not a lorapan pack")
    end = data.find(b"\n", len(MAGIC))
    try:
        index = json.loads(data[len(MAGIC) : end]) if end > 0 else None
    except (ValueError, UnicodeDecodeError):
        index = None
    if not _is_index(index):
        raise BadEntry("its pack has no readable index")
    blobs, at = {}, end + 1
    for digest, size in index:
        content = data[at : at + size]
        if len(content) != size:
            raise BadEntry("its pack is cut short")
        blobs[digest] = _checked(digest, content)
        at += size
    if at != len(data):
        raise BadEntry("its pack holds more than its index lists")
    return blobs


def decode_json(raw: bytes) -> dict[str, bytes]:
    """The contents of a first-format pack (``<id>.pack.json``: base64 by sha256)."""
    try:
        table = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadEntry("its pack is not readable JSON") from None
    if not isinstance(table, dict):
        raise BadEntry("its pack is not a table of contents")
    blobs = {}
    for digest, text in table.items():
        try:
            content = base64.b64decode(text, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise BadEntry("its pack holds content that is not base64") from None
        blobs[digest] = _checked(digest, content)
    return blobs


def _is_index(index: object) -> bool:
    return isinstance(index, list) and all(
        isinstance(row, list)
        and len(row) == 2
        and isinstance(row[0], str)
        and type(row[1]) is int
        and row[1] >= 0
        for row in index
    )


def _checked(digest: str, content: bytes) -> bytes:
    if hashlib.sha256(content).hexdigest() != digest:
        raise BadEntry("its pack holds content that does not match its hash")
    return content
