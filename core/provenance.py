"""How each made file was made: ``.lorapan/augment.json``.

One record per created image (relpath -> ``{"source", "sources", "operation",
"params", "steps", "made"}``), so the rules can label a file as an altered copy
of its source (``altered.kinds``) instead of a clone, without a bookkeeping tag
in the caption. The file is written inside the same journal transaction as the
images, so undo takes the records away with the files.

Augment and collage write it; clone analysis reads it. It lives in core, below
both, so neither package reaches into the other for it.
"""

from __future__ import annotations

import json
from pathlib import Path

from lorapan.core.confine import is_safe_rel
from lorapan.core.settings import STATE_DIR

#: Steps that make a copy low quality on purpose (``augment --alter lowres``): the copy
#: carries ``low quality, blurry, worst quality`` whatever a blur measure says of it.
LOW_QUALITY_OPS = frozenset({"lowres"})
PROVENANCE_FILE = "augment.json"
PROVENANCE_REL = f"{STATE_DIR}/{PROVENANCE_FILE}"
VERSION = 1


def read_bytes(root: Path) -> bytes | None:
    try:
        return (Path(root) / PROVENANCE_REL).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def parse(data: bytes | None) -> dict[str, dict]:
    """The records in ``data``; an unreadable file counts as empty (never fatal).

    A record keyed by anything but a plain path inside the dataset is dropped.
    """
    if not data:
        return {}
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    files = doc.get("files") if isinstance(doc, dict) else None
    return (
        {str(k): v for k, v in files.items() if isinstance(v, dict) and is_safe_rel(k)}
        if isinstance(files, dict)
        else {}
    )


def load(root: Path) -> dict[str, dict]:
    """Records of files made by augment/collage (relpath -> record), whether or not
    the file still exists."""
    return parse(read_bytes(root))


def render(records: dict[str, dict]) -> bytes:
    doc = {"version": VERSION, "files": dict(sorted(records.items()))}
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def altered_from(root: Path, relpath: str) -> dict | None:
    """The record of ``relpath`` when lorapan made it, else None."""
    return load(root).get(relpath)


def made_low_quality(records: dict[str, dict]) -> frozenset[str]:
    """The files lorapan made low quality on purpose (a ``lowres`` step in their record)."""
    out = set()
    for rel, record in records.items():
        steps = record.get("steps")
        ops = [s.get("op") for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []
        if LOW_QUALITY_OPS & {record.get("operation"), *ops}:
            out.add(rel)
    return frozenset(out)
