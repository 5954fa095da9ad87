"""Make planned files: one journal transaction for every image, caption and record.

Nothing is overwritten: each new file's "before" is *no file*, so the journal
refuses (and reports) any path that appeared since the plan was made. Undo
removes the files again, as long as nobody changed them in between.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from lorapan.core import provenance
from lorapan.core.analysis.imaging import DecodeError
from lorapan.core.augment.outputs import Output, encode
from lorapan.core.dataset import Dataset


@dataclass
class WriteResult:
    """What was made. ``images`` are the new images' relpaths, for manual tagging."""

    label: str
    images: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (output, why not made)
    txn_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.errors

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "images": self.images,
            "captions": self.captions,
            "conflicts": [{"path": p, "reason": r} for p, r in self.conflicts],
            "errors": [{"image": p, "reason": r} for p, r in self.errors],
            "transaction": self.txn_id,
        }


Progress = Callable[[int, int], None]


def _render_all(
    outputs: list[Output], result: WriteResult, progress: Progress | None
) -> list[tuple[Output, bytes]]:
    """Render in order (sources are cached one at a time) and encode on a thread pool:
    PNG/JPEG encoders release the GIL, and encoding is most of the time."""
    workers = max(1, min(4, os.cpu_count() or 1))
    pending: deque[tuple[Output, Future[bytes]]] = deque()
    made: list[tuple[Output, bytes]] = []
    done = 0

    def collect(limit: int) -> None:
        nonlocal done
        while len(pending) > limit:
            out, fut = pending.popleft()
            try:
                made.append((out, fut.result()))
            except (OSError, ValueError, MemoryError) as exc:
                result.errors.append((out.relpath, f"cannot encode it: {exc}"))
            done += 1
            if progress:
                progress(done, len(outputs))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for out in outputs:
            try:
                img = out.render()
            except DecodeError as exc:
                result.errors.append((out.relpath, exc.message))
                continue
            except (OSError, ValueError, MemoryError) as exc:
                result.errors.append((out.relpath, f"cannot make it: {exc}"))
                continue
            pending.append((out, pool.submit(encode, img, out.format, out.quality)))
            collect(workers * 2)  # bounded: a few rendered images in memory at once
        collect(0)
    return made


def write_outputs(
    dataset: Dataset,
    outputs: Iterable[Output],
    label: str,
    progress: Progress | None = None,
) -> WriteResult:
    """Render, then write every output and its caption in one undoable transaction."""
    outputs = list(outputs)
    result = WriteResult(label)
    made = _render_all(outputs, result, progress)
    if not made:
        return result
    ops: list[tuple[str, bytes | None, bytes | None]] = []
    for out, data in made:
        ops.append((out.relpath, None, data))
        ops.append((out.caption_relpath, None, out.caption))
    with dataset.lock:
        before = provenance.read_bytes(dataset.root)
        records = provenance.parse(before)
        for out, _ in made:
            records[out.relpath] = out.record()
        ops.append((provenance.PROVENANCE_REL, before, provenance.render(records)))
        dataset.state_dir  # noqa: B018 - creates .lorapan/ before the journal writes there
        txn, res = dataset.journal.run(label, ops)
        result.txn_id = txn.id
    done = set(res.done)
    result.conflicts = [(p, r) for p, r in res.conflicts if p != provenance.PROVENANCE_REL]
    for out, _ in made:
        if out.relpath in done:
            result.images.append(out.relpath)
        if out.caption_relpath in done:
            result.captions.append(out.caption_relpath)
    dataset.refresh_paths(result.images + result.captions, reason=label)
    return result
