"""Learning rate at a step: logged by the trainer when available, else the scheduler formula.

sd-scripts logs no lr to the console, only to TensorBoard (``--logging_dir``, read
by :mod:`.tbevents`). Without those logs, these are the ``transformers`` /
``diffusers`` schedule functions it uses, with ``num_training_steps =
max_train_steps × num_processes`` (kohya.md §4).
"""

from __future__ import annotations

import math
from typing import Any


def lr_factor(
    scheduler: str,
    step: int,
    total: int,
    *,
    warmup: int = 0,
    num_cycles: int = 1,
    power: float = 1.0,
) -> float:
    """Multiplier on the base lr at ``step`` (0-based) for ``scheduler``."""
    if scheduler in ("constant", "adafactor"):
        return 1.0
    if step < warmup:
        return step / max(1, warmup)
    if scheduler == "constant_with_warmup":
        return 1.0
    progress = (step - warmup) / max(1, total - warmup)
    if scheduler == "linear":
        return max(0.0, (total - step) / max(1, total - warmup))
    if scheduler == "cosine":
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))
    if scheduler == "cosine_with_restarts":
        if progress >= 1.0:
            return 0.0
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((num_cycles * progress) % 1.0))))
    if scheduler == "polynomial":
        lr_end, lr_init = 1e-7, 1.0
        if step > total:
            return lr_end / lr_init
        remaining = 1 - (step - warmup) / max(1, total - warmup)
        return ((lr_init - lr_end) * remaining**power + lr_end) / lr_init
    return 1.0


def lr_at(params: dict, step: int, total: int, num_processes: int = 1) -> float:
    """The unet lr at ``step`` for Civitai-style params (as the run was configured)."""
    base = float(params.get("unetLR", 1e-4))
    return base * lr_factor(
        str(params.get("lrScheduler", "constant")),
        step * num_processes,
        total * num_processes,
        num_cycles=int(params.get("lrSchedulerNumCycles", 1) or 1),
    )


def current_lr(
    params: dict | None, step: int, total: int, logged: Any = None
) -> tuple[float, str, int] | None:
    """``(lr, source, step)``: the logged value when a TensorBoard scalar is given, else the formula.

    ``logged`` is a :class:`lorapan.core.training.tbevents.Scalar` (or None); its step
    lags the console when the trainer's event writer has not flushed yet.
    """
    if logged is not None:
        return float(logged.value), "logged", int(logged.step)
    if params and total:
        return lr_at(params, step, total), "scheduler", step
    return None


def lr_text(lr: tuple[float, str, int] | None, step: int) -> str:
    """``lr 4.20e-04 (logged)``, ``lr 4.20e-04 (logged at step 120)`` or ``… (scheduler)``."""
    if lr is None:
        return ""
    value, source, at = lr
    if source == "logged" and at != step:
        return f"lr {value:.2e} (logged at step {at})"
    return f"lr {value:.2e} ({source})"
