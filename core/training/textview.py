"""Plain-text views of runs for the CLI (no textual): progress line, run rows."""

from __future__ import annotations

from lorapan.core.training.logparse import Progress, Sampling
from lorapan.core.training.runs import RunInfo, log_progress


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def bar(fraction: float, width: int = 24) -> str:
    filled = int(round(max(0.0, min(1.0, fraction)) * width))
    return "#" * filled + "." * (width - filled)


def sampling_text(s: Sampling, prompts: int = 0) -> str:
    """``sampling prompt 2/4 (sampler step 12/30)`` while sample images are made."""
    of = f"/{prompts}" if prompts else ""
    text = f"sampling prompt {max(1, s.prompt)}{of}"
    if s.sampler_steps:
        text += f" (sampler step {s.sampler_step}/{s.sampler_steps})"
    return text


def progress_line(p: Progress, lr: str = "", prompts: int = 0) -> str:
    """``step 120/1120 [###.....] 11%  loss 0.0912  1.52 it/s  ETA 12:03  epoch 1/1``."""
    if not p.training_started:
        return "loading model and data…" if not p.errors else f"error: {p.errors[0]}"
    if p.sampling is not None:
        return f"step {p.step}/{p.total}  {sampling_text(p.sampling, prompts)}"
    loss = (
        "nan"
        if p.nan_step is not None and p.loss != p.loss
        else (f"{p.loss:.4g}" if p.loss is not None else "-")
    )
    rate = f"{p.rate:.2f} it/s" if p.rate else "- it/s"
    parts = [
        f"step {p.step}/{p.total} [{bar(p.fraction)}] {p.fraction * 100:3.0f}%",
        f"loss {loss}",
        rate,
        f"ETA {duration(p.eta_s)}",
    ]
    if p.epochs:
        parts.append(f"epoch {p.epoch}/{p.epochs}")
    if lr:
        parts.append(lr)  # from lr.lr_text: says whether logged or from the scheduler
    if p.nan_step is not None:
        parts.append(f"NaN LOSS since step {p.nan_step}!")
    return "  ".join(parts)


def run_row(run: RunInfo) -> dict:
    """A run for ``lorapan runs``: a live run's step and loss come from its log."""
    st, cmd = run.state, run.command
    step, total, loss = st.get("step"), st.get("total"), st.get("loss")
    if run.active:
        now = log_progress(run)
        if now.training_started:
            step, total, loss = now.step, now.total, now.loss
        elif now.resumed_from is not None:
            step = now.resumed_from
    return {
        "id": run.id,
        "status": run.status,
        "step": step,
        "total": total or cmd.get("total_steps"),
        "loss": loss,
        "preset": cmd.get("preset"),
        "started": st.get("started") or st.get("created"),
        "ended": st.get("ended"),
        "reasons": st.get("reasons", []),
        "note": st.get("note"),
        "log": str(run.log),
        "final_model": cmd.get("final_model"),
    }
