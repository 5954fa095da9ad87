"""Crafting journal entries by hand, as a hostile or damaged ``.lorapan/`` would hold them."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def craft(
    root: Path,
    seq: int,
    state: str,
    ops: list[dict],
    blobs: list[bytes] = (),
    *,
    txn_id: str | None = None,
    legacy: bool = False,
    label: str = "crafted",
) -> str:
    """Write one journal entry (state, ops and pack files) as lorapan would; its id.

    ``legacy`` writes the first format (ops inside the state file).
    """
    folder = root / ".lorapan" / "journal"
    folder.mkdir(parents=True, exist_ok=True)
    txn_id = txn_id or f"{seq:010x}"
    state_doc = {
        "id": txn_id,
        "seq": seq,
        "label": label,
        "created": time.time(),
        "state": state,
        "conflicts": [],
    }
    if legacy:
        state_doc["ops"] = ops
    else:
        state_doc.update(v=2, files=len(ops))
        (folder / f"{txn_id}.ops.json").write_text(json.dumps(ops))
    pack = {digest(b): base64.b64encode(b).decode() for b in blobs}
    (folder / f"{txn_id}.pack.json").write_text(json.dumps(pack))
    (folder / f"{seq:08d}-{txn_id}.json").write_text(json.dumps(state_doc))
    return txn_id


def write_op(path: str, before: bytes | None, after: bytes | None) -> dict:
    return {
        "path": path,
        "before": None if before is None else digest(before),
        "after": None if after is None else digest(after),
    }
