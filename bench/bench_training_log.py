"""Can the training screen keep up with a trainer printing hundreds of updates a second?

A writer thread appends tqdm-style progress redraws (two ``\\r`` segments per step,
like sd-scripts) plus a log line every 10 steps to a run's log, at a fixed rate,
while the real ``TrainingScreen`` follows it headless. Reported: steps/s written,
UI updates applied, lag from the last write to the screen showing the last step,
memory (RSS) over the run, and the log pane's line count (capped). Also: the first
read of a 10,000-step TensorBoard event file (re-attaching to a long run) and an
idle poll, as the screen does up to ten times a second for the logged lr.

The parser is measured against its floor in the same run (read + decode + split the
same file in the same 1 MiB pieces) on three streams: a 30,000-step run as lorapan
starts it, and two captured logs repeated 200 times. Every wait is bounded: a screen
that never shows the end fails the benchmark instead of hanging it.

    python bench/bench_training_log.py [steps_per_second] [seconds]
"""

from __future__ import annotations

import asyncio
import codecs
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from lorapan.core.training.logmarkers import TRIGGER
from lorapan.core.training.logparse import ANSI, SEP, LogParser
from lorapan.tui.screens.training import LOG_LINES, TrainingScreen
from textual.app import App
from textual.widgets import Log

WAIT_S = 30.0  # the most any wait here may take beyond the run itself
FIXTURE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "kohya" / "run-pty.log"
)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_run(root: Path) -> Path:
    run = root / ".lorapan" / "runs" / "bench"
    run.mkdir(parents=True)
    (run / "command.json").write_text(
        json.dumps({"output_dir": str(root / "out"), "preset": "bench"})
    )
    (run / "state.json").write_text(json.dumps({"status": "running"}))
    (run / "log").write_bytes(b"")
    return run


def writer(run: Path, rate: int, seconds: float, done: dict) -> None:
    total = int(rate * seconds)
    start = time.monotonic()
    with open(run / "log", "a", encoding="utf-8") as fh:
        for step in range(1, total + 1):
            pct = step * 100 // total
            bar = f"steps: {pct:3d}%|#####     | {step}/{total} [00:10<00:10,  {rate:.2f}it/s"
            fh.write(f"\r{bar}]\r{bar}, avr_loss={1 / (1 + step / 500):.4g}]")
            if step % 10 == 0:
                fh.write(f"\nINFO     a log record at step {step}\n")
            fh.flush()
            delay = start + step / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        fh.write("\nsaving checkpoint: /out/bench.safetensors\nmodel saved.\n")
    done["t"] = time.monotonic()
    done["total"] = total
    (run / "state.json").write_text(json.dumps({"status": "succeeded"}))


class Host(App):
    def __init__(self, screen: TrainingScreen) -> None:
        super().__init__()
        self._s = screen

    def on_mount(self) -> None:
        self.push_screen(self._s)


async def bench_screen(rate: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        run = make_run(root)
        screen = TrainingScreen(root, "bench")
        done: dict = {}
        samples = []
        async with Host(screen).run_test(size=(120, 45)) as pilot:
            await pilot.pause(0.2)
            t = threading.Thread(target=writer, args=(run, rate, seconds, done))
            t0 = time.monotonic()
            t.start()
            deadline = t0 + seconds * 3 + WAIT_S
            while "t" not in done or screen.last is None or screen.last.step < done["total"]:
                if time.monotonic() > deadline:  # fail, never hang
                    shown = screen.last.step if screen.last else None
                    raise SystemExit(
                        f"FAILED: the screen shows step {shown} of {done.get('total')} "
                        f"{WAIT_S:.0f} s after the writer should have finished"
                    )
                await asyncio.sleep(0.05)
                samples.append((time.monotonic() - t0, rss_mib()))
            lag = time.monotonic() - done["t"]
            t.join(timeout=WAIT_S)
            end = time.monotonic() + WAIT_S
            while screen.last.status is None:  # the end of the run reaches the screen too
                if time.monotonic() > end:
                    raise SystemExit("FAILED: the screen never showed that the run ended")
                await asyncio.sleep(0.05)
            await pilot.pause(0.3)
            lines = screen.query_one("#tr-log", Log).line_count
        quarter = [m for s, m in samples if s >= seconds * 0.25][0]
        return {
            "steps/s written": rate,
            "redraw segments/s": rate * 2,
            "seconds": seconds,
            "UI updates applied": screen.updates,
            "lag after last write (s)": round(lag, 3),
            "RSS at 25% (MiB)": round(quarter, 1),
            "RSS at end (MiB)": round(samples[-1][1], 1),
            "log pane lines (cap)": f"{lines} ({LOG_LINES})",
        }


def long_run_log(total: int = 30_000) -> str:
    """A ``total``-step run as lorapan starts it (``--console_log_simple``, no terminal).

    The lines are sd-scripts' own (kohya.md §4): the header, two tqdm redraws per step
    (a fixed 10-character bar), a checkpoint every 1,000 steps and four sample prompts
    every 3,000, each with its 30-step sampler bar.
    """
    parts = [
        "running training / 学習開始\n  num train images * repeats / 学習画像の数×繰り返し回数: "
        f"90000\n  total optimization steps / 学習ステップ数: {total}\n",
        f"\rsteps:   0%|          | 0/{total} [00:00<?, ?it/s]\nepoch 1/1\n\n",
    ]
    for s in range(1, total + 1):
        pct = s * 100 // total
        bar = f"steps: {pct:3d}%|{'█' * (pct // 10):<10}| {s}/{total} [1:02:03<1:01:02,  1.52s/it"
        parts.append(f"\r{bar}, avr_loss={0.1 + 1 / (s + 3):.3g}]")
        parts.append(f"\r{bar}, avr_loss={0.1 + 1 / (s + 4):.3g}]")
        if s % 1000 == 0:
            parts.append(f"\nsaving checkpoint: /out/gob-step{s:08d}.safetensors\n")
        if s % 3000 == 0:
            parts.append(f"\ngenerating sample images at step / サンプル画像生成 ステップ: {s}\n")
            for _ in range(4):
                parts.append("prompt: gob goblin, sitting, beach, eating\nsample_steps: 30\n")
                for k in range(31):
                    parts.append(
                        f"\r{k * 100 // 30:3d}%|{'█' * (k // 3):<10}| {k}/30 [00:02<00:01]"
                    )
                parts.append("\n")
    parts.append("\nsaving checkpoint: /out/gob.safetensors\nmodel saved.\n")
    return "".join(parts)


def _read_chunks(path: Path, size: int = 1 << 20):
    """The log as :func:`lorapan.core.training.runs.follow` reads it: 1 MiB, decoded."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield decoder.decode(chunk)


def parser_vs_floor(data: bytes, rounds: int = 11) -> tuple[float, float]:
    """MB/s of (read+decode+split, read+decode+parse) on ``data``, side by side.

    CPU time (not wall time), best of ``rounds`` interleaved runs: other processes on
    a shared machine slow both alike instead of whichever happened to run then.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log"
        path.write_bytes(data)

        def floor() -> None:
            for text in _read_chunks(path):
                SEP.split(text)

        def parse() -> None:
            parser = LogParser()
            for text in _read_chunks(path):
                parser.feed(text)
            parser.flush()

        best = {floor: float("inf"), parse: float("inf")}
        for _ in range(rounds):
            for f in best:
                t = time.process_time()
                f()
                best[f] = min(best[f], time.process_time() - t)
    return len(data) / best[floor] / 1e6, len(data) / best[parse] / 1e6


def bench_parser() -> list[dict]:
    streams = {
        "30,000-step run as lorapan starts it": long_run_log().encode(),
        "run-pipe-unbuffered.log x200 (200 startups)": (
            FIXTURE.parent / "run-pipe-unbuffered.log"
        ).read_bytes()
        * 200,
        "run-pty.log x200 (terminal colours)": FIXTURE.read_bytes() * 200,
    }
    rows = []
    for name, data in streams.items():
        floor, parse = parser_vs_floor(data)
        rows.append(
            {
                "stream": name,
                "MB": round(len(data) / 1e6, 1),
                "read+decode+split MB/s": round(floor, 1),
                "parser MB/s": round(parse, 1),
                "ratio": f"{parse / floor:.0%}",
                **record_floors(data.decode("utf-8", "replace"), len(data)),
            }
        )
    return rows


def record_floors(text: str, size: int) -> dict:
    """What log records alone cost, whatever the parser does with them: removing colour
    codes and one search for the words the parser acts on (both single C-level passes)."""
    best_ansi = best_scan = float("inf")
    plain = ANSI.sub("", text)
    for _ in range(5):
        t = time.process_time()
        ANSI.sub("", text)
        best_ansi = min(best_ansi, time.process_time() - t)
        t = time.process_time()
        sum(1 for _ in TRIGGER.finditer(plain))
        best_scan = min(best_scan, time.process_time() - t)
    return {
        "colour removal alone MB/s": round(size / best_ansi / 1e6, 1) if "\x1b" in text else "-",
        "keyword search alone MB/s": round(size / best_scan / 1e6, 1),
    }


def bench_tfevents(steps: int = 10_000) -> dict:
    """Re-attaching to a long run: the first read of its TensorBoard log, then an idle poll."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        return {"tfevents": "skipped (pip install tensorboard to write the test file)"}
    from lorapan.core.training.tbevents import EventReader

    with tempfile.TemporaryDirectory() as tmp:
        w = EventFileWriter(str(Path(tmp) / "20261127000000" / "network_train"))
        tags = {"loss/current": 0.1, "loss/average": 0.1, "lr/unet": 5e-4, "lr/textencoder": 1e-4}
        for step in range(1, steps + 1):
            values = [summary_pb2.Summary.Value(tag=k, simple_value=v) for k, v in tags.items()]
            summary = summary_pb2.Summary(value=values)
            w.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))
        w.close()
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*tfevents*"))
        out = {"tfevents steps": steps, "file MB": round(size / 1e6, 2)}
        for label, backlog in (("all records", None), ("newest 256", 256)):
            reader = EventReader(tmp, backlog=backlog)
            t = time.perf_counter()
            reader.poll()
            out[f"first read ms ({label})"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        reader.poll()
        out["idle poll us"] = round((time.perf_counter() - t) * 1e6)
        return out


def main() -> None:
    rate = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    for row in bench_parser():
        print(row)
    print(bench_tfevents())
    print(asyncio.run(bench_screen(rate, seconds)))


if __name__ == "__main__":
    main()
