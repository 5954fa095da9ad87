"""The training screen's text: the two stats lines of a run, and GPU use from nvidia-smi.

Plain functions of values (no widget), so the follow worker's snapshot and the GPU
worker's poll become text the same way wherever they are shown.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from lorapan.core.training.textview import duration

if TYPE_CHECKING:
    from lorapan.tui.screens.training import Snapshot


def stats_text(s: Snapshot, models: str = "") -> str:
    if not s.started:
        first = f"error: {s.errors[0]}" if s.errors else "loading model and data…"
        return first
    loss = f"{s.loss:.4g}" if s.loss is not None else "-"
    lr = f"  {s.lr}" if s.lr else ""
    rate = f"{s.rate:.2f} it/s" if s.rate else "- it/s"
    ckpt = Path(s.checkpoints[-1]).name if s.checkpoints else "none"
    line1 = f"step {s.step}/{s.total}  loss {loss}  {rate}  ETA {duration(s.eta_s)}  epoch {s.epoch}/{s.epochs}{lr}"
    line2 = f"checkpoints: {models or ckpt}  samples made at {s.samples} step(s)"
    if s.errors:
        line2 += f"  error: {s.errors[0]}"
    return f"{line1}\n{line2}"


def gpu_text() -> str:
    """``GPU 87% 10.2/24.0 GiB`` per GPU from nvidia-smi; empty when unavailable."""
    try:
        out = subprocess.run(
            [
                "nvidia-smi",
                "--query-gpu=utilization.gpu,memory.used,memory.total",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    parts = []
    for i, row in enumerate(out.strip().splitlines()):
        try:
            util, used, total = (float(x) for x in row.split(","))
        except ValueError:
            continue
        parts.append(f"GPU{i} {util:.0f}% {used / 1024:.1f}/{total / 1024:.1f} GiB")
    return "  ".join(parts)
