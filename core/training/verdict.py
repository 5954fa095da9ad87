"""How a finished run ended, from its log and exit status together.

Exit status 0 does not mean success: "No data found" returns 0 and NaN loss trains
on (kohya.md §7), so the log decides as much as the status does.
"""

from __future__ import annotations

from dataclasses import dataclass

from lorapan.core.training.logmarkers import ERROR_MARKERS
from lorapan.core.training.logparse import Progress


@dataclass
class Verdict:
    status: str  # succeeded, failed, stopped
    reasons: list[str]


def judge(
    p: Progress,
    exit_code: int | None,
    *,
    signal_name: str | None = None,
    stop_requested: bool = False,
    model_exists: bool | None = None,
) -> Verdict:
    """How a finished run ended, from its log and exit status together."""
    reasons: list[str] = []
    if p.nan_step is not None:
        reasons.append(
            f"loss became NaN at step {p.nan_step}; sd-scripts carries on, but the model is "
            "unusable (lower the learning rate)"
        )
    if stop_requested:
        how = f" ({signal_name})" if signal_name else ""
        return Verdict("stopped", [f"stopped on request at step {p.step}/{p.total}{how}", *reasons])
    if signal_name:
        return Verdict(
            "failed",
            [f"killed by {signal_name} at step {p.step}/{p.total}", *p.errors[:1], *reasons],
        )
    if exit_code not in (0, None):
        first = p.errors[0] if p.errors else "see the log"
        return Verdict("failed", [f"exit status {exit_code}: {first}", *reasons])
    if p.no_data:
        return Verdict(
            "failed",
            [
                "exit status 0 but sd-scripts found no data: " + ERROR_MARKERS["No data found"],
                *reasons,
            ],
        )
    wrote = model_exists if model_exists is not None else bool(p.final_model and p.model_saved)
    if not wrote:
        return Verdict(
            "failed", ["exit status 0 but no model was written", *p.errors[:1], *reasons]
        )
    if reasons:
        return Verdict("failed", reasons)
    return Verdict(
        "succeeded", [f"model written: {p.final_model}" if p.final_model else "model written"]
    )
