"""Stand-in for sd-scripts' ``train_network.py``: replays a captured real log.

Real training needs a GPU and model weights, so tests launch this instead. It
takes the same arguments (checked with lorapan's copy of the trainer's argparse
facts; a bad one prints argparse's usage error and exits 2), reads the dataset
TOML, and replays a fixture from ``../shared/fixtures/kohya`` at a realistic
pace: one training step per ``REPLAY_STEP_S`` seconds. It writes the checkpoint
files and sample PNGs the log announces under ``--output_dir``.

Behaviour that follows the real trainer:
- dataset folders without images -> the real "No data found" log, exit status 0;
- SIGINT -> Python's KeyboardInterrupt (traceback, death by SIGINT), unless SIGINT
  was inherited as ignored, in which case it is ignored, as in the real runs;
- SIGTERM -> dies silently.

With ``--logging_dir D`` it also writes TensorBoard events the way sd-scripts does
(``D/<log_prefix>YYYYmmddHHMMSS/network_train/events.out.tfevents.*``, tags
``lr/unet``, ``lr/textencoder``, ``loss/average``), using tensorboard's own
``EventFileWriter`` (a test-only dependency; without it no events are written).
The lr is the scheduler's, or ``REPLAY_TB_LR`` when set (so tests can tell a
logged value from the formula). Events are flushed every step (the real
SummaryWriter flushes every 120 s or 10 events).

With ``--save_state`` a state folder (``train_state.json``) is written beside each
step checkpoint, with sd-scripts' log line; ``--resume STATE`` replays only the
steps after the state's, counted as sd-scripts counts a resumed bar (the steps left).

Environment: ``REPLAY_LOG`` (fixture path; default the unbuffered AdamW run),
``REPLAY_STEP_S`` (seconds per step, default 0.2), ``REPLAY_EXIT`` (force a status),
``REPLAY_SAMPLE_S`` (seconds per sampler step while sample images are made),
``REPLAY_IGNORE`` (``INT`` or ``INT,TERM``: start with those signals ignored, as a
trainer started in the background by a non-interactive shell inherits SIGINT ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "kohya"
SEP = re.compile(r"(\r|\n)")
BAR_STEP = re.compile(r"^steps:\s+\d+%\|[^|]*\|\s*(\d+)/\d+")
CKPT = re.compile(r"saving checkpoint: (\S+?)((?:-\d{6}|-step\d{8})?)\.safetensors")
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}


def _args(argv: list[str]) -> argparse.Namespace:
    from lorapan.core.training.schema import validate_train_args

    prog = Path(sys.argv[0]).name
    errors = validate_train_args(argv, sdxl=prog.startswith("sdxl"))
    if errors:
        print(f"usage: {prog} [-h] [--output_dir OUTPUT_DIR] ...", file=sys.stderr)
        print(f"{prog}: error: {errors[0]}", file=sys.stderr)
        raise SystemExit(2)
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--output_dir", default=".")
    p.add_argument("--output_name", default="last")
    p.add_argument("--dataset_config")
    p.add_argument("--max_train_steps", type=int)
    p.add_argument("--logging_dir")
    p.add_argument("--log_prefix", default="")
    p.add_argument("--unet_lr", type=float, default=1e-4)
    p.add_argument("--text_encoder_lr", type=float)
    p.add_argument("--network_train_unet_only", action="store_true")
    p.add_argument("--lr_scheduler", default="constant")
    p.add_argument("--lr_scheduler_num_cycles", type=int, default=1)
    p.add_argument("--save_state", action="store_true")
    p.add_argument("--resume")
    p.add_argument("--sample_prompts")
    return p.parse_known_args(argv)[0]


class Events:
    """TensorBoard scalars per step, as sd-scripts' ``generate_step_logs`` names them."""

    def __init__(self, args: argparse.Namespace) -> None:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        run = f"{args.log_prefix}{time.strftime('%Y%m%d%H%M%S')}"
        self.writer = EventFileWriter(str(Path(args.logging_dir) / run / "network_train"))
        self.args = args
        self.fixed = os.environ.get("REPLAY_TB_LR")

    def _lr(self, step: int, total: int) -> float:
        if self.fixed:
            return float(self.fixed)
        from lorapan.core.training.lr import lr_factor

        factor = lr_factor(
            self.args.lr_scheduler, step, total, num_cycles=self.args.lr_scheduler_num_cycles
        )
        return self.args.unet_lr * factor

    def step(self, step: int, total: int, loss: float | None) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2

        values = {"lr/unet": self._lr(step - 1, total)}
        if not self.args.network_train_unet_only and self.args.text_encoder_lr:
            values["lr/textencoder"] = self.args.text_encoder_lr
        if loss is not None:
            values["loss/average"] = loss
        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=k, simple_value=v) for k, v in values.items()]
        )
        self.writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))
        self.writer.flush()


def _events(args: argparse.Namespace) -> Events | None:
    if not args.logging_dir:
        return None
    try:
        return Events(args)
    except ImportError:
        return None


def _has_images(dataset_config: str | None) -> bool:
    if not dataset_config:
        return True
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    doc = tomllib.loads(Path(dataset_config).read_text(encoding="utf-8"))
    for ds in doc.get("datasets", []):
        for sub in ds.get("subsets", []):
            d = Path(sub.get("image_dir", ""))
            if d.is_dir() and any(p.suffix.lower() in IMAGE_EXTS for p in d.iterdir()):
                return True
    return False


SAMPLER_BAR = re.compile(r"^\s*\d+%\|[^|]*\|\s*\d+/\d+ \[")


def _prompt_count(path: str | None) -> int:
    """Prompt lines in ``--sample_prompts`` (1 when none is given: the capture's own)."""
    if not path or not Path(path).is_file():
        return 1
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return max(1, sum(1 for ln in lines if ln.strip() and not ln.startswith("#")))


LOSS = re.compile(r"avr_loss=([^,\]\s]+)")
TOTAL = re.compile(r"^steps:\s+\d+%\|[^|]*\|\s*\d+/(\d+)")


BAR_COUNT = re.compile(r"^(steps:\s+)(\d+)(%\|[^|]*\|\s*)(\d+)/(\d+)")


class Replay:
    def __init__(self, args: argparse.Namespace, step_s: float) -> None:
        self.out = Path(args.output_dir)
        self.name = args.output_name
        self.step_s = step_s
        self.step = 0
        self.logged = 0
        self.events = _events(args)
        self.save_state = args.save_state
        self.prompts = _prompt_count(args.sample_prompts)
        self.sample_s = float(os.environ.get("REPLAY_SAMPLE_S", "0"))
        self.resumed = 0  # like --skip_until_initial_step: the steps the state holds
        if args.resume:
            state = json.loads((Path(args.resume) / "train_state.json").read_text())
            self.resumed = int(state["current_step"])

    def _skipped(self, seg: str) -> str | None:
        """A resumed run's bar counts only the steps left, and skips those done."""
        m = BAR_COUNT.match(seg)
        if not self.resumed or (not m and not self.step):
            return seg
        if not m:
            return None if self.step <= self.resumed else seg
        step, total = int(m.group(4)), int(m.group(5))
        if step <= self.resumed and step:
            self.step = step
            return None
        left, done = total - self.resumed, max(0, step - self.resumed)
        pct = done * 100 // left if left else 100
        return f"{m.group(1)}{pct}{m.group(3)}{done}/{left}" + seg[m.end() :]

    def _emit(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def _segment(self, seg: str) -> str:
        shown = self._skipped(seg)
        if shown is None:
            return ""
        m = BAR_STEP.match(seg)  # the capture's own step numbers pace the replay
        if m and int(m.group(1)) > self.step:
            self.step = int(m.group(1))
            time.sleep(self.step_s)  # the step's work happens before its redraw
        loss = LOSS.search(seg)
        if self.events is not None and m and loss and self.step > self.logged:
            self.logged = self.step
            total = int(TOTAL.match(seg).group(1))
            try:
                value = float(loss.group(1))
            except ValueError:
                value = None
            self.events.step(self.step, total, value)
        c = CKPT.search(shown)
        if c:
            path = self.out / f"{self.name}{c.group(2)}.safetensors"
            self.out.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"replay")
            shown = shown[: c.start(1)] + str(path)
            if self.save_state and c.group(2).startswith("-step"):  # lorapan saves by steps
                shown += self._state(c.group(2))
        if "generating sample images at step" in shown:
            self._sample()
        if self.sample_s and SAMPLER_BAR.match(shown):
            time.sleep(self.sample_s)  # the sampler's own steps take time too
        return shown

    def _state(self, suffix: str) -> str:
        """The state sd-scripts saves beside a checkpoint, and its log line."""
        folder = self.out / f"{self.name}{suffix}-state"
        folder.mkdir(parents=True, exist_ok=True)
        data = {"current_epoch": 1, "current_step": self.step}
        (folder / "train_state.json").write_text(json.dumps(data))
        return f"\nsave train state to {folder}/train_state.json at epoch 1 step {self.step}"

    def _sample(self) -> None:
        from PIL import Image

        folder = self.out / "sample"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d%H%M%S")
        for i in range(self.prompts):  # one image per prompt, as sd-scripts names them
            Image.new("RGB", (64, 64), (self.step * 20 % 255, 90 + 30 * i, 120)).save(
                folder / f"{self.name}_{self.step:06d}_{i:02d}_{stamp}.png"
            )

    def play(self, text: str) -> None:
        for part in SEP.split(text):
            if part in ("\r", "\n"):
                self._emit(part)
            elif part:
                if part.startswith("TIME wall="):  # the capture's own timing line
                    continue
                self._emit(self._segment(part))


def _exit_status(text: str) -> int:
    m = re.search(r"returned non-zero exit status (\d+)", text)
    return 1 if m else 0


def main(argv: list[str] | None = None) -> int:
    for name in filter(None, os.environ.get("REPLAY_IGNORE", "").split(",")):
        signal.signal(getattr(signal, f"SIG{name.strip()}"), signal.SIG_IGN)
    args = _args(sys.argv[1:] if argv is None else argv)
    log = Path(os.environ.get("REPLAY_LOG") or FIXTURES / "run-pipe-unbuffered.log")
    if not _has_images(args.dataset_config):
        log = FIXTURES / "fail-missing-dir.log"
    text = log.read_bytes().decode("utf-8", "replace")
    Replay(args, float(os.environ.get("REPLAY_STEP_S", "0.2"))).play(text)
    forced = os.environ.get("REPLAY_EXIT")
    return int(forced) if forced else _exit_status(text)


if __name__ == "__main__":
    raise SystemExit(main())
