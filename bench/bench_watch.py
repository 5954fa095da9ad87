"""Live folder latency at 10,000 images: outside write -> listener -> rules report.

Run: ``python bench/bench_watch.py [--images 10000] [--trials 15]``

An outside process (kept running, so its start-up is not measured) writes one
caption at a time and records the wall-clock time just before each write. We
record when the dataset's listener heard about it and, when the rules engine is
installed, when its report (what the app's sidebar shows) was updated. Also: a
burst of 1,000 outside caption writes (batches, time to last update) and the cost
of a 10,000-caption bulk edit of our own while the watcher runs (no echo batch).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.watch import DatasetWatcher

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)

WRITER = r"""
import sys, time
for line in sys.stdin:
    path, text = line.rstrip("\n").split("\t", 1)
    t = time.time()
    with open(path, "w") as fh:
        fh.write(text.replace("|", "\n"))
    print(t, flush=True)
"""


def make_dataset(root: Path, n: int) -> None:
    per = 1000
    for i in range(n):
        sub = root / f"{10 + i // per}_part{i // per}"
        sub.mkdir(exist_ok=True)
        (sub / f"img{i}.png").write_bytes(PNG)
        (sub / f"img{i}.txt").write_text(f"gob, solo, tag{i % 97}, smile, outdoors\n")


class Probe:
    """Times at which the dataset listener and the rules report saw each image."""

    def __init__(self) -> None:
        self.heard: dict[str, float] = {}
        self.reported: list[float] = []
        self.batches = 0
        self.cond = threading.Condition()

    def listener(self, relpaths: set[str], reason: str) -> None:
        now = time.time()
        with self.cond:
            for r in relpaths:
                self.heard.setdefault(r, now)
            self.cond.notify_all()

    def report(self, _report: object) -> None:
        with self.cond:
            self.reported.append(time.time())
            self.cond.notify_all()

    def wait(self, pred, timeout: float = 30.0) -> bool:
        with self.cond:
            return self.cond.wait_for(pred, timeout)


def rules_engine(ds: Dataset, probe: Probe):
    try:
        from lorapan.core.rules.engine import RulesEngine
    except ImportError:
        return None
    t = time.perf_counter()
    engine = RulesEngine(ds)
    engine.subscribe(probe.report)
    print(f"rules engine built in {time.perf_counter() - t:.2f} s")
    return engine


def fmt(values: list[float]) -> str:
    if not values:
        return "n/a"
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms"


def single_writes(
    root: Path, ds: Dataset, probe: Probe, trials: int, label: str, **opts
) -> tuple[str, str, str]:
    rels = list(ds.items)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    lat_listener, lat_report = [], []
    with DatasetWatcher(ds, **opts) as w:
        mode = w.mode
        time.sleep(1.0)
        for k in range(trials):
            rel = rels[(k * 7919) % len(rels)]
            cap = ds.items[rel].caption_path or ds.items[rel].default_caption_path
            n_reports = len(probe.reported)
            with probe.cond:
                probe.heard.pop(rel, None)
            assert writer.stdin and writer.stdout
            writer.stdin.write(f"{cap}\tgob, solo, bench{label}{k}, smile|\n")
            writer.stdin.flush()
            t0 = float(writer.stdout.readline())
            if not probe.wait(lambda rel=rel: rel in probe.heard):
                print(f"  trial {k}: not heard within 30 s")
                continue
            lat_listener.append(probe.heard[rel] - t0)
            if probe.wait(lambda n=n_reports: len(probe.reported) > n, timeout=5):
                lat_report.append(probe.reported[n_reports] - t0)
            time.sleep(0.2)
    writer.stdin.close()
    writer.wait()
    return mode, fmt(lat_listener), fmt(lat_report)


def burst(root: Path, ds: Dataset, probe: Probe, n: int) -> str:
    batches: list[int] = []
    rels = list(ds.items)[:n]
    code = (
        "import sys\nfor p in sys.argv[1:]:\n    open(p, 'w').write('gob, solo, burst, smile\\n')\n"
    )
    caps = [str(ds.items[r].caption_path) for r in rels]
    with DatasetWatcher(ds, on_batch=lambda b: batches.append(len(b.changed))):
        time.sleep(1.0)
        with probe.cond:
            for r in rels:
                probe.heard.pop(r, None)
        t0 = time.time()
        subprocess.run([sys.executable, "-c", code, *caps], check=True)
        t_written = time.time()
        probe.wait(lambda: all(r in probe.heard for r in rels), timeout=60)
        last = max(probe.heard[r] for r in rels)
    return (
        f"{n} outside caption writes (took {t_written - t0:.2f} s incl. process start): "
        f"{len(batches)} batch(es) {batches}; last image updated {last - t_written:.2f} s "
        f"after the writer finished"
    )


def own_bulk_edit(ds: Dataset) -> str:
    batches: list[object] = []
    changes = [TagChange(r, it.tags, (*it.tags, "bulk")) for r, it in ds.items.items()]
    t = time.perf_counter()
    with DatasetWatcher(ds, on_batch=batches.append) as w:
        time.sleep(0.5)
        t = time.perf_counter()
        res = ds.apply_changes(changes, "bench bulk")
        t_apply = time.perf_counter() - t
        time.sleep(0.5)
        while w.busy:
            time.sleep(0.05)
        t_quiet = time.perf_counter() - t
    return (
        f"own bulk edit of {len(res.applied)} captions with the watcher running: apply "
        f"{t_apply:.2f} s, echo filtered and quiet after {t_quiet:.2f} s, "
        f"{len(batches)} batch(es) reported"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--trials", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lorapan-bench-watch-") as tmp:
        root = Path(tmp)
        make_dataset(root, args.images)
        t = time.perf_counter()
        ds = Dataset.open(root)
        print(f"{len(ds)} images opened in {time.perf_counter() - t:.2f} s")
        probe = Probe()
        ds.subscribe(probe.listener)
        engine = rules_engine(ds, probe)
        rows = []
        for label, opts in [
            ("native, defaults (debounce 0.3 s)", {}),
            ("native, debounce 0.05 s", {"debounce": 0.05}),
            ("polling, interval 1 s", {"polling": True}),
        ]:
            mode, listener, report = single_writes(
                root, ds, probe, args.trials, str(len(rows)), **opts
            )
            rows.append((label, mode, listener, report if engine else "no rules engine"))
        print()
        print(
            f"| watcher ({args.images} images) | mode | write -> listener | write -> rules report |"
        )
        print("|---|---|---|---|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print()
        print(burst(root, ds, probe, min(1000, len(ds))))
        print(own_bulk_edit(ds))


if __name__ == "__main__":
    main()
