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
#: Steps that keep the source's pixels at their own scale (a crop cuts, a tint recolours,
#: a rotation turns): the copy is as sharp as its source, however few pixels it keeps.
SOURCE_SCALE_OPS = frozenset(
    {"crop", "rotate", "flip", "aspect", "tint", "enhance", "grayscale", "jpeg"}
)
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


def ops_of(record: dict) -> list[str]:
    """The operations of a record, in order (``["crop", "grayscale"]``)."""
    steps = record.get("steps")
    if isinstance(steps, list) and steps:
        return [str(s.get("op")) for s in steps if isinstance(s, dict)]
    return [str(record.get("operation"))]


def at_source_scale(record: dict) -> bool:
    """True when every step kept the source's pixels at their scale (no shrink, no
    collage): the copy's sharpness and resolution are its source's."""
    return bool(record.get("source")) and all(op in SOURCE_SCALE_OPS for op in ops_of(record))


def original_of(records: dict[str, dict], relpath: str) -> str:
    """The file ``relpath`` was made from, followed back to one lorapan did not make
    (a crop's grayscale copy -> the source image); ``relpath`` itself when not made
    from one image (not made by lorapan, or a collage)."""
    seen = {relpath}
    rel = relpath
    while (record := records.get(rel)) is not None:
        sources = record.get("sources")
        if isinstance(sources, list) and len(sources) > 1:
            break  # a collage of several images is a picture of its own
        source = record.get("source")
        if not isinstance(source, str) or source in seen:
            break
        seen.add(source)
        rel = source
    return rel
