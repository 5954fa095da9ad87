"""A live loss chart in plain text: raw values as dots, smoothed (EMA) as a line.

No plotting dependency: each column is a slice of steps; the raw mean of the
slice is drawn as ``·`` and the exponential moving average as ``•``. NaN losses
are left out of the scale and announced in the title.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget


def ema(values: list[float], alpha: float = 0.1) -> list[float]:
    out: list[float] = []
    cur: float | None = None
    for v in values:
        if math.isnan(v):
            out.append(cur if cur is not None else v)
            continue
        cur = v if cur is None else alpha * v + (1 - alpha) * cur
        out.append(cur)
    return out


def columns(values: list[float], width: int) -> list[float]:
    """Mean of finite values per column (NaN where a column has none)."""
    if not values or width <= 0:
        return []
    n = len(values)
    cols = min(width, n)
    out = []
    for c in range(cols):
        chunk = [v for v in values[c * n // cols : (c + 1) * n // cols] if not math.isnan(v)]
        out.append(sum(chunk) / len(chunk) if chunk else math.nan)
    return out


def render_chart(losses: list[float], width: int, height: int, alpha: float = 0.1) -> Text:
    """The chart as text of ``height`` rows (title row included)."""
    label_w = 8
    plot_w, plot_h = max(1, width - label_w), max(1, height - 1)
    nan = any(math.isnan(v) for v in losses)
    finite = [v for v in losses if not math.isnan(v)]
    last = f"{finite[-1]:.4g}" if finite else "-"
    title = ("NaN! " if nan else "") + f"loss {last}  (· raw, • smoothed, {len(losses)} steps)"
    text = Text(title[:width], style="bold red" if nan else "bold")
    if not finite:
        return text
    raw = columns(losses, plot_w)
    smooth = columns(ema(losses, alpha), plot_w)
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    grid = [[" "] * plot_w for _ in range(plot_h)]
    # fewer steps than columns: spread them over the width
    xs = [c * (plot_w - 1) // max(1, len(raw) - 1) for c in range(len(raw))]

    def row(v: float) -> int:
        return plot_h - 1 - int(round((v - lo) / span * (plot_h - 1)))

    for c, v in enumerate(raw):
        if not math.isnan(v):
            grid[row(v)][xs[c]] = "·"
    for c, v in enumerate(smooth):
        if not math.isnan(v):
            grid[row(v)][xs[c]] = "•"
    for y, cells in enumerate(grid):
        label = f"{hi:.3g}" if y == 0 else f"{lo:.3g}" if y == plot_h - 1 else ""
        text.append("\n" + label.rjust(label_w - 1)[: label_w - 1] + "│", style="dim")
        text.append("".join(cells), style="cyan")
    return text


class LossChart(Widget):
    """Call :meth:`set_losses` with the per-step losses; it redraws to fit."""

    DEFAULT_CSS = "LossChart { height: 12; min-height: 4; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.losses: list[float] = []

    def set_losses(self, losses: list[float]) -> None:
        self.losses = list(losses)
        self.refresh()

    def extend(self, losses: list[float]) -> None:
        self.losses.extend(losses)
        self.refresh()

    def render(self) -> Text:
        return render_chart(self.losses, self.size.width, self.size.height)
