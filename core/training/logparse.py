"""Read sd-scripts console output incrementally (kohya.md §4, fixtures README).

The stream is split on ``\\r`` and ``\\n``: tqdm redraws its bar with ``\\r`` and a
non-TTY bar never ends its line. A long run's log is almost all bar redraws (two
per step), so a line holding only bars is read by one regular expression that
keeps the last redraw of each step (its loss) and skips the rest in C; other
lines are first checked for any word the parser acts on (:data:`TRIGGER`) and
most log records stop there. The ``steps:`` bar is matched unanchored at the end
because a rich log record can follow it on the same line.

What the non-bar lines mean is in :mod:`.logmarkers`; how a run ended is decided
by :func:`lorapan.core.training.verdict.judge` from the log and the exit status.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import repeat
from operator import getitem

from lorapan.core.training import logmarkers as M
from lorapan.core.training.logmarkers import Sampling

ANSI = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
SEP = re.compile(r"[\r\n]")
BAR = re.compile(
    r"^steps:\s+(\d+)%\|[^|]*\|\s*(\d+)/(\d+) \[([\d:]+)<([\d:?]+),\s+([\d.?]+)(s/it|it/s)"
    r"(?:, ([^\]]*))?\]"
)
LOSS = re.compile(r"loss=([^\]\r]*)")  # the postfix's last key: avr_loss (loss before v0.7.1)
RANK = re.compile(r"^\[(?:default)?(\d+)\]:")  # torchrun's --tee prefix per local process
RESUME = re.compile(r"^lorapan: resuming from step (\d+) of (\d+)")


@dataclass
class Progress:
    """Everything read from a log so far."""

    step: int = 0
    total: int = 0
    percent: int = 0
    elapsed_s: float | None = None
    eta_s: float | None = None
    rate: float | None = None  # iterations per second
    loss: float | None = None
    losses: list[tuple[int, float]] = field(default_factory=list)
    epoch: int = 0
    epochs: int = 0
    batches_per_epoch: int = 0
    images_with_repeats: int = 0
    checkpoints: list[str] = field(default_factory=list)
    checkpoint_steps: dict[str, int] = field(default_factory=dict)  # path -> step saved at
    states: list[tuple[int, str]] = field(default_factory=list)  # (step, state folder)
    final_model: str | None = None
    model_saved: bool = False
    sample_steps: list[int] = field(default_factory=list)
    sampling: Sampling | None = None  # set while sample images are being made
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nan_step: int | None = None
    no_data: bool = False
    interrupted: bool = False
    training_started: bool = False
    resumed_from: int | None = None  # the step the latest attempt resumed from
    processes: set[int] = field(default_factory=set)  # other local processes heard from

    @property
    def fraction(self) -> float:
        return self.step / self.total if self.total else 0.0


class LogParser:
    """Feed text as it arrives; read :attr:`progress`; get finished display lines back.

    ``prompts``: how many sample prompts the run has (for "sampling prompt 2/4").
    """

    def __init__(self, prompts: int = 0) -> None:
        self.progress = Progress()
        self.prompts = prompts
        self._pending = ""
        self._line_last = ""
        self._planned_total = 0  # the run's total steps (a resumed bar counts only the rest)
        self._process: int | None = None  # the other local process the open line is from
        self.updates = 0  # bar segments seen (each is a redraw)

    def feed(self, text: str) -> list[str]:
        """Parse ``text``; return completed lines with ``\\r`` redraws collapsed."""
        data = self._pending + text
        cut = max(data.rfind("\n"), data.rfind("\r"))
        if cut < 0:
            self._pending = data
            return []
        self._pending = data[cut + 1 :]
        lines = data[: cut + 1].split("\n")
        out: list[str] = []
        last = len(lines) - 1  # the still-open line (ends with \r, or is empty)
        for i, line in enumerate(lines):
            if line:
                self._line(line)
            if i < last:
                out.append(self._line_last)
                self._line_last = ""
                self._process = None
        self._peek()
        return out

    def _peek(self) -> None:
        """Read a complete bar still waiting for its separator.

        tqdm writes ``\r`` *before* each redraw, so the newest redraw only counts as
        ended when the next one starts; a bar that already ends with ``]`` is whole,
        and reading it now keeps the screen on the step the trainer is at (it is read
        again when its separator comes, which changes nothing).
        """
        tail = self._pending.rstrip(" ")
        if not tail.endswith("]") or "\x1b" in tail:
            return
        sampler = self.progress.sampling is not None and M.SAMPLER_BAR.match(tail)
        if tail.startswith("steps:") or sampler:
            self._segment(tail)

    def flush(self) -> list[str]:
        """End of stream: parse the unterminated tail as a segment."""
        tail, self._pending = self._pending, ""
        if tail:
            self._line(tail)
        last, self._line_last = self._line_last, ""
        return [last] if last else []

    # -- lines ----------------------------------------------------------------
    def _line(self, line: str) -> None:
        if "\x1b" in line:
            line = ANSI.sub("", line)
        if line[:1] == "[" and (m := RANK.match(line)):
            line = self._other_process(int(m.group(1)), line[m.end() :])
        if "steps:" in line:
            body = line.strip("\r")
            segs = body.split("\r")
            if segs[0][:6] == "steps:" and body.count("\rsteps:") == len(segs) - 1:
                self._show(segs[-1])
                self._bars(segs)
                return
        shown = line.rstrip("\r ")
        self._show(shown[shown.rfind("\r") + 1 :])
        if "steps:" not in line and not M.TRIGGER.search(line):
            return  # most log records: nothing the parser acts on
        for seg in line.split("\r"):
            if seg.strip():
                self._segment(seg.rstrip())

    def _show(self, text: str) -> None:
        """The open line's newest non-blank segment is what a terminal would show."""
        text = text.rstrip()
        if text:
            self._line_last = text if self._process is None else f"[process {self._process}] {text}"

    def _bars(self, segs: list[str]) -> None:
        """A line of bar redraws only: the last redraw of each step, then the newest's details.

        Redraws of one step share their text up to ``[`` (percent, bar and ``n/total``),
        so comparing that key with the next segment's finds each step's last redraw.
        """
        self.updates += len(segs)
        newest = segs[-1]
        close = newest.rfind("]")
        trailing = newest[close + 1 :].strip() if close >= 0 else ""
        if trailing:  # a log record written right after the bar, on its line
            segs[-1] = newest = newest[: close + 1]
        # Redraws of one step share their text up to "[" (percent, bar, n/total). With a
        # fixed-width bar (not a terminal) the newest redraw has the longest such text, so
        # a slice that long holds every redraw's count, and map/getitem cuts them all
        # without a Python loop. Each key must then hold its "[" (a bar resized to fit a
        # terminal can be cut short); a slice that catches a ticking clock splits a step
        # in two, and the steps are not consecutive: both go the exact way, one by one.
        width = newest.find("[") + 1
        last = dict(zip(map(getitem, segs, repeat(slice(0, width))), segs, strict=False))
        fast = (
            self.progress.resumed_from is None
            and "".join(last).count("[") == len(last)
            and self._steps_fast(last)
        )
        if not fast:
            exact = dict(zip([s[: s.find("[")] for s in segs], segs, strict=True))
            for key, seg in exact.items():
                try:
                    step, total = _count(key)
                except ValueError:
                    continue
                self._step(step, total, _loss_text(seg))
        m = BAR.match(newest)
        if m:
            self._bar_details(m)
        if trailing:
            self._other(trailing)

    def _steps_fast(self, last: dict[str, str]) -> bool:
        """:meth:`_step` for each step's last redraw at once (this runs for every step).

        False when any redraw lacks a readable loss (the first steps, a changed bar):
        the caller then takes the steps one by one.
        """
        if not last:
            return True
        try:
            values = list(map(float, LOSS.findall("\r".join(last.values()))))
            first, _ = _count(next(iter(last)))
            end, total = _count(next(reversed(last)))
        except ValueError:
            return False
        if len(values) != len(last):
            return False  # a redraw without a loss (the first step)
        if end - first != len(last) - 1:
            return False  # tqdm skipped steps (it redraws at most every 0.1 s), or a split step
        steps = range(first, end + 1)
        p = self.progress
        losses = p.losses
        if losses and losses[-1][0] == first:
            losses[-1] = (first, values[0])  # the step's loss redrawn since the last read
            losses.extend(zip(steps[1:], values[1:], strict=True))
        else:
            losses.extend(zip(steps, values, strict=True))
        if p.nan_step is None and any(map(math.isnan, values)):
            p.nan_step = next(s for s, v in zip(steps, values, strict=True) if math.isnan(v))
        p.training_started, p.sampling = True, None
        p.step, p.total, p.loss = end, total, values[-1]
        return True

    def _segment(self, seg: str) -> None:
        m = BAR.match(seg)
        if m:
            self.updates += 1
            post = m.group(8) or ""
            loss = None
            for item in post.split(", "):
                key, _, value = item.partition("=")
                if key.strip() in ("avr_loss", "loss"):
                    loss = value.strip()
            self._step(int(m.group(2)), int(m.group(3)), loss)
            self._bar_details(m)
            rest = seg[m.end() :].strip()
            if rest:
                self._other(rest)
            return
        self._other(seg.strip())

    def _step(self, step: int, total: int, loss: str | None) -> None:
        p = self.progress
        if p.resumed_from is not None and self._planned_total > total:
            step += self._planned_total - total  # a resumed bar counts the steps left
            total = self._planned_total
        p.training_started = True
        p.sampling = None
        p.step, p.total = step, total
        if loss is None:
            return
        try:
            value = float(loss)
        except ValueError:
            return
        p.loss = value
        if p.losses and p.losses[-1][0] == step:
            p.losses[-1] = (step, value)
        else:
            p.losses.append((step, value))
        if math.isnan(value) and p.nan_step is None:
            p.nan_step = step

    def _bar_details(self, m: re.Match[str]) -> None:
        p = self.progress
        p.percent = round(100 * p.step / p.total) if p.total else int(m.group(1))
        p.elapsed_s, p.eta_s = hms(m.group(4)), hms(m.group(5))
        try:
            value = float(m.group(6))
            p.rate = (1 / value if value else None) if m.group(7) == "s/it" else value
        except ValueError:
            p.rate = None

    def _other_process(self, rank: int, rest: str) -> str:
        """A line another local process printed (torchrun's ``--tee`` prefix): noted, unprefixed."""
        self.progress.processes.add(rank)
        self._process = rank
        return rest

    def _other(self, line: str) -> None:
        p = self.progress
        if m := RESUME.match(line):
            self._resumed(int(m.group(1)), int(m.group(2)))
            return
        if p.sampling is not None and M.sampling_line(p.sampling, line):
            return
        M.interpret(p, line)

    def _resumed(self, step: int, total: int) -> None:
        """A new attempt starts: keep the history, forget how the last attempt ended."""
        p = self.progress
        p.resumed_from, self._planned_total = step, total
        p.step, p.total = step, total
        p.errors, p.interrupted, p.no_data, p.model_saved = [], False, False, False
        p.sampling = None


def _count(key: str) -> tuple[int, int]:
    """``steps:  50%|█████     | 5/10 [0`` -> (5, 10): the count after the bar."""
    step, _, total = key[key.rfind("|") + 1 :].partition("[")[0].strip().partition("/")
    return int(step), int(total)


def _loss_text(seg: str) -> str | None:
    """The loss in a bar's postfix (``avr_loss=``; ``loss=`` before sd-scripts v0.7.1)."""
    at = seg.rfind("loss=")
    return seg[at + 5 : seg.rfind("]")].split(",", 1)[0] if at >= 0 else None


def clean(segment: str) -> str:
    """The segment without ANSI colours, OSC-8 links or trailing padding."""
    return ANSI.sub("", segment).rstrip()


def hms(text: str) -> float | None:
    """``1:17:17`` / ``01:20`` to seconds; ``?`` to None."""
    if not text or "?" in text:
        return None
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


def parse_text(text: str, prompts: int = 0) -> Progress:
    parser = LogParser(prompts)
    parser.feed(text)
    parser.flush()
    return parser.progress
