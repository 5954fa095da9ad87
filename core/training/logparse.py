"""Read sd-scripts console output incrementally (kohya.md §4, fixtures README).

The stream is split on ``\\r`` and ``\\n``: tqdm redraws its bar with ``\\r`` and a
non-TTY bar never ends its line. The ``^steps:`` bar is matched unanchored at the
end because a rich log record can follow it on the same line. Exit status 0 does
not mean success ("No data found" returns 0; NaN loss trains on), so
:func:`judge` decides how a run ended from the log and the exit status together.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

ANSI = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
SEP = re.compile(r"[\r\n]")
BAR = re.compile(
    r"^steps:\s+(\d+)%\|[^|]*\|\s*(\d+)/(\d+) \[([\d:]+)<([\d:?]+),\s+([\d.?]+)(s/it|it/s)"
    r"(?:, ([^\]]*))?\]"
)
HEADER = {
    "total_steps": re.compile(r"total optimization steps / .*?: (\d+)"),
    "batches_per_epoch": re.compile(r"num batches per epoch / .*?: (\d+)"),
    "epochs": re.compile(r"num epochs / .*?: (\d+)"),
    "images_with_repeats": re.compile(r"num train images \* repeats / .*?: (\d+)"),
}
EPOCH = re.compile(r"^epoch (\d+)/(\d+)\s*$")
# The rich INFO twin of the banner; survives when buffered stdout (the banner) is lost.
EPOCH_INFO = re.compile(r"current_epoch: (\d+), epoch: (\d+)")
CALLED = re.compile(r"CalledProcessError: Command .* returned non-zero exit status (\d+)")
CHECKPOINT = re.compile(r"saving checkpoint: (.+?)\s*$")
INTERMEDIATE = re.compile(r"-(?:\d{6}|step\d{8})\.\w+$")
EXCEPTION = re.compile(
    r"^\s*((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception)|KeyboardInterrupt)(?::\s*(.*))?$"
)
ARGPARSE = re.compile(r"^\S*train\w*\.py: error: (.+)$")
ERROR_MARKERS = {
    "No data found": "No data found: sd-scripts found no images (image_dir must hold the "
    "images; folder mode needs N_name folders)",
    "CUDA out of memory": "CUDA out of memory: lower the batch size or resolution",
    "resolution is required": "resolution is required",
    "must be divisible by": None,  # keep the line itself
    "must be equal or less than resolution": None,
    "must be equal or greater than resolution": None,
    "does not require `num_warmup_steps`": None,
}
WARNING_MARKERS = (
    "NaN found in latents",
    "No caption file found for",
    "ignore directory without repeats",
    "clip_skip will be unexpected",
)
SAMPLE = "generating sample images at step"


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
    final_model: str | None = None
    model_saved: bool = False
    sample_steps: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nan_step: int | None = None
    no_data: bool = False
    interrupted: bool = False
    training_started: bool = False

    @property
    def fraction(self) -> float:
        return self.step / self.total if self.total else 0.0


class LogParser:
    """Feed text as it arrives; read :attr:`progress`; get finished display lines back."""

    def __init__(self) -> None:
        self.progress = Progress()
        self._pending = ""
        self._line_last = ""
        self.updates = 0  # bar segments seen (each is a redraw)

    def feed(self, text: str) -> list[str]:
        """Parse ``text``; return completed lines with ``\\r`` redraws collapsed."""
        data = self._pending + text
        out: list[str] = []
        start = 0
        for m in SEP.finditer(data):
            seg = data[start : m.start()]
            start = m.end()
            self._segment(seg)
            if seg.strip():
                self._line_last = seg
            if m.group() == "\n":
                out.append(clean(self._line_last))
                self._line_last = ""
        self._pending = data[start:]
        return out

    def flush(self) -> list[str]:
        """End of stream: parse the unterminated tail as a segment."""
        tail, self._pending = self._pending, ""
        if tail:
            self._segment(tail)
            self._line_last = tail if tail.strip() else self._line_last
        last, self._line_last = self._line_last, ""
        return [clean(last)] if last.strip() else []

    # -- segments -------------------------------------------------------------
    def _segment(self, raw: str) -> None:
        seg = clean(raw)
        if not seg.strip():
            return
        m = BAR.match(seg)
        if m:
            self._bar(m)
            rest = seg[m.end() :].strip()
            if rest:
                self._other(rest)
            return
        self._other(seg)

    def _bar(self, m: re.Match[str]) -> None:
        p = self.progress
        self.updates += 1
        p.training_started = True
        p.percent, p.step, p.total = int(m.group(1)), int(m.group(2)), int(m.group(3))
        p.elapsed_s, p.eta_s = hms(m.group(4)), hms(m.group(5))
        try:
            value = float(m.group(6))
            p.rate = (1 / value if value else None) if m.group(7) == "s/it" else value
        except ValueError:
            p.rate = None
        for item in (m.group(8) or "").split(", "):
            key, _, value = item.partition("=")
            if key.strip() in ("avr_loss", "loss"):
                self._loss(p.step, value.strip())

    def _loss(self, step: int, text: str) -> None:
        p = self.progress
        try:
            loss = float(text)
        except ValueError:
            return
        p.loss = loss
        if p.losses and p.losses[-1][0] == step:
            p.losses[-1] = (step, loss)
        else:
            p.losses.append((step, loss))
        if math.isnan(loss) and p.nan_step is None:
            p.nan_step = step

    def _other(self, seg: str) -> None:
        p = self.progress
        line = seg.strip()
        if m := EPOCH.match(line):
            p.epoch, p.epochs = int(m.group(1)), int(m.group(2))
            return
        if m := EPOCH_INFO.search(line):
            p.epoch = max(p.epoch, int(m.group(2)))
            return
        if m := CHECKPOINT.search(line):
            path = m.group(1)
            if path not in p.checkpoints:
                p.checkpoints.append(path)
            if not INTERMEDIATE.search(path):
                p.final_model = path
            return
        if "model saved." in line:
            p.model_saved = True
            return
        if SAMPLE in line:
            p.sample_steps.append(p.step)
            return
        for key, regex in HEADER.items():
            if m := regex.search(line):
                value = int(m.group(1))
                if key == "total_steps":
                    p.total = p.total or value
                else:
                    setattr(p, key, value)
                    if key == "epochs":
                        p.epochs = p.epochs or value
                return
        self._markers(line)

    def _markers(self, line: str) -> None:
        p = self.progress
        for marker, message in ERROR_MARKERS.items():
            if marker in line:
                if marker == "No data found":
                    p.no_data = True
                self._error(message or line)
                return
        for marker in WARNING_MARKERS:
            if marker in line and line not in p.warnings:
                p.warnings.append(line)
                return
        if m := CALLED.search(line):
            self._error(f"the launcher reports the trainer exited with status {m.group(1)}")
        elif m := ARGPARSE.match(line):
            self._error(f"argument error: {m.group(1)}")
        elif m := EXCEPTION.match(line):
            if m.group(1) == "KeyboardInterrupt":
                p.interrupted = True
            else:
                self._error(line)

    def _error(self, message: str) -> None:
        message = message if len(message) <= 300 else message[:297] + "..."
        if message not in self.progress.errors:
            self.progress.errors.append(message)


def parse_text(text: str) -> Progress:
    parser = LogParser()
    parser.feed(text)
    parser.flush()
    return parser.progress


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
