"""A run's results: every checkpoint it saved (step, size, time), its sample images per
checkpoint, and the final model.

Files count for a run as :class:`~lorapan.core.training.outputs.RunOutputs` decides
(its output name, written after the run was created). sd-scripts names them:
``<name>-step00000500.safetensors`` (every N steps), ``<name>-000001.safetensors``
(epoch 1), ``<name>.safetensors`` (the end); samples
``sample/<name>_000500_00_<time>.png`` (step 500, prompt 0) or ``<name>_e000001_…``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.training.logparse import parse_text
from lorapan.core.training.outputs import RunOutputs, size_text
from lorapan.core.training.runs import RunInfo

STEP_CKPT = re.compile(r"-step(\d{8})$")
EPOCH_CKPT = re.compile(r"-(\d{6})$")
SAMPLE = re.compile(r"_(e?)(\d{6})_(\d{2})_")


@dataclass
class Checkpoint:
    path: Path
    step: int | None  # None: not known (an epoch checkpoint of a run without its plan)
    size: int
    mtime: float
    final: bool = False
    epoch: int | None = None
    samples: list[Path] = field(default_factory=list)  # by prompt

    @property
    def label(self) -> str:
        if self.final:
            return "final"
        return f"step {self.step}" if self.step is not None else f"epoch {self.epoch}"


def _checkpoint(path: Path, name: str, command: dict, logged: int | None) -> Checkpoint:
    """``logged``: the step the log says it was saved at (exact; the name may only
    say the epoch)."""
    st = os.stat(path)
    stem = path.stem[len(name) :] if name and path.stem.startswith(name) else path.stem
    total = int(command.get("total_steps") or 0) or None
    if m := STEP_CKPT.search(stem):
        return Checkpoint(path, int(m.group(1)), st.st_size, st.st_mtime)
    if m := EPOCH_CKPT.search(stem):
        epoch = int(m.group(1))
        per = int(command.get("steps_per_epoch") or 0)
        step = logged if logged else (min(epoch * per, total or epoch * per) if per else None)
        return Checkpoint(path, step, st.st_size, st.st_mtime, epoch=epoch)
    return Checkpoint(path, logged or total, st.st_size, st.st_mtime, final=True)


def _logged_steps(run: RunInfo) -> dict[str, int]:
    """Checkpoint file name -> the step the log saved it at."""
    if not run.log.exists():
        return {}
    text = run.log.read_bytes().decode("utf-8", "replace")
    return {Path(p).name: s for p, s in parse_text(text).checkpoint_steps.items()}


def sample_step(path: Path, command: dict) -> int | None:
    """The step a sample image was made at (an ``e`` number is an epoch)."""
    m = SAMPLE.search(path.name)
    if not m:
        return None
    n = int(m.group(2))
    if m.group(1):
        per = int(command.get("steps_per_epoch") or 0)
        return n * per if per else None
    return n


def checkpoints(
    run: RunInfo, outputs: RunOutputs | None = None, logged: dict[str, int] | None = None
) -> list[Checkpoint]:
    """Every checkpoint of ``run`` on disk, oldest step first, final last, with its samples.

    ``logged``: checkpoint path -> the step the log saved it at, when the caller has
    read the log already (else it is read here).
    """
    outputs = outputs or RunOutputs.for_run(run.path, run.command)
    if outputs is None:
        return []
    if not outputs.models and not outputs.samples:
        outputs.scan()
    found = []
    logged = (
        {Path(p).name: s for p, s in logged.items()} if logged is not None else _logged_steps(run)
    )
    for p in outputs.models:
        try:
            found.append(_checkpoint(Path(p), outputs.name, run.command, logged.get(Path(p).name)))
        except OSError:
            continue
    found.sort(key=lambda c: (c.final, c.step if c.step is not None else -1, c.mtime))
    by_step: dict[int, list[Path]] = {}
    for p in sorted(outputs.samples):
        step = sample_step(Path(p), run.command)
        if step is not None:
            by_step.setdefault(step, []).append(Path(p))
    for c in found:
        if c.step is not None:
            c.samples = sorted(by_step.get(c.step, []), key=_prompt_index)
    return found


def _prompt_index(path: Path) -> int:
    m = SAMPLE.search(path.name)
    return int(m.group(3)) if m else 0


def find_checkpoint(found: list[Checkpoint], step: int | None) -> Checkpoint | None:
    """The final model (``step`` None), else the checkpoint saved at ``step``."""
    if step is None:
        return next((c for c in reversed(found) if c.final), found[-1] if found else None)
    return next((c for c in found if c.step == step and not c.final), None) or next(
        (c for c in found if c.step == step), None
    )


def table(found: list[Checkpoint], compact: bool = False) -> list[str]:
    """``step 280   18.2 MB  2026-12-04 06:12  4 samples  gob-step00000280.safetensors``;
    ``compact``: ``step 280   18.2 MB 06:12  4 samples`` (a narrow pane)."""
    import time

    rows = []
    for c in found:
        stamp = "%H:%M" if compact else "%Y-%m-%d %H:%M"
        when = time.strftime(stamp, time.localtime(c.mtime))
        samples = f"{len(c.samples)} sample{'s' if len(c.samples) != 1 else ''}"
        row = f"{c.label:<10} {size_text(c.size):>9} {when}  {samples:<10}"
        rows.append(row.rstrip() if compact else f"{row} {c.path.name}")
    return rows
