"""What sd-scripts' non-bar lines mean: the header, epochs, checkpoints, saved states,
sample images, errors and warnings (kohya.md §4 and §7, the fixtures README).

:func:`interpret` updates a :class:`~lorapan.core.training.logparse.Progress` from one
cleaned line; :data:`TRIGGER` holds every word these rules look for, so a line
without one is skipped with a single search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lorapan.core.training.logparse import Progress

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
# save_model_hook: "save train state to <state dir>/train_state.json at epoch 1 step 4"
STATE = re.compile(r"save train state to (.+?)[/\\]train_state\.json at epoch \d+ step (\d+)")
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
# Each sample prompt is logged ("prompt: …", not "negative_prompt: …") before its image.
PROMPT = re.compile(r"(?:^|\s)prompt: ")
# The sampler's own tqdm bar (no description) while one sample image is made.
SAMPLER_BAR = re.compile(r"^\s*\d+%\|[^|]*\|\s*(\d+)/(\d+) \[")
TRIGGER = re.compile(
    "epoch|checkpoint|model saved|sample|optimization|batches per|train images|No data"
    "|out of memory|resolution|divisible|num_warmup|NaN|No caption|without repeats|clip_skip"
    r"|Error|Exception|KeyboardInterrupt|error:|prompt: |%\||lorapan: |train state"
)


@dataclass
class Sampling:
    """The sample-image phase: which prompt and how far its sampler has come."""

    at_step: int
    prompt: int = 0  # 1-based once the first prompt started
    sampler_step: int = 0
    sampler_steps: int = 0


def sampling_line(s: Sampling, line: str) -> bool:
    """Follow the sample-image phase; True when ``line`` was one of its lines."""
    if m := SAMPLER_BAR.match(line):
        s.sampler_step, s.sampler_steps = int(m.group(1)), int(m.group(2))
        return True
    if PROMPT.search(line):
        s.prompt += 1
        s.sampler_step = s.sampler_steps = 0
        return True
    return False


def interpret(p: Progress, line: str) -> None:
    """Take note of what one non-bar line says."""
    if m := EPOCH.match(line):
        p.epoch, p.epochs = int(m.group(1)), int(m.group(2))
    elif m := EPOCH_INFO.search(line):
        p.epoch = max(p.epoch, int(m.group(2)))
    elif m := CHECKPOINT.search(line):
        path = m.group(1)
        if path not in p.checkpoints:
            p.checkpoints.append(path)
        p.checkpoint_steps[path] = p.step
        if not INTERMEDIATE.search(path):
            p.final_model = path
    elif m := STATE.search(line):
        entry = (int(m.group(2)), m.group(1))
        if entry not in p.states:
            p.states.append(entry)
    elif "model saved." in line:
        p.model_saved = True
    elif SAMPLE in line:
        p.sample_steps.append(p.step)
        p.sampling = Sampling(p.step)
    elif not _header(p, line):
        _markers(p, line)


def _header(p: Progress, line: str) -> bool:
    for key, regex in HEADER.items():
        if m := regex.search(line):
            value = int(m.group(1))
            if key == "total_steps":
                p.total = p.total or value
            else:
                setattr(p, key, value)
                if key == "epochs":
                    p.epochs = p.epochs or value
            return True
    return False


def _markers(p: Progress, line: str) -> None:
    for marker, message in ERROR_MARKERS.items():
        if marker in line:
            if marker == "No data found":
                p.no_data = True
            _error(p, message or line)
            return
    for marker in WARNING_MARKERS:
        if marker in line and line not in p.warnings:
            p.warnings.append(line)
            return
    if m := CALLED.search(line):
        _error(p, f"the launcher reports the trainer exited with status {m.group(1)}")
    elif m := ARGPARSE.match(line):
        _error(p, f"argument error: {m.group(1)}")
    elif m := EXCEPTION.match(line):
        if m.group(1) == "KeyboardInterrupt":
            p.interrupted = True
        else:
            _error(p, line)


def _error(p: Progress, message: str) -> None:
    message = message if len(message) <= 300 else message[:297] + "..."
    if message not in p.errors:
        p.errors.append(message)
