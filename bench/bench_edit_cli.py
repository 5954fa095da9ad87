"""Whole-process bulk edit against its floor, side by side in one run.

    python bench/bench_edit_cli.py [--n 10000] [--rounds 3] [--root DIR] [--phases] [--huge]

What a user waits for: ``lorapan edit DIR --add TAG`` as a real process (start-up,
opening the dataset, planning, journal, writing every caption, the text report
written to a file), and the same with ``--json``. The floor, run as a process
beside each lorapan run on the same files (each run after
an ``os.sync()`` and ``--settle`` seconds of quiet): an atomic rewrite of every
caption the way the journal does it (a temp file beside each caption, one
``os.sync()``, ``os.replace`` each, one fsync per folder), with nothing else.
The goal (issue 17) is lorapan ≤ 1.5× the floor.

A second floor, the *safe floor*, runs in the same round: the least Python that
keeps what lorapan may not drop (no data loss, every edit undoable, no file
overwritten that changed since it was read): it reads each caption's tags (a tag
edit, not a byte append), writes every caption's bytes before and after to one
undo record fsynced before any caption is touched, and reads each caption again
before staging it, then rewrites like the floor. lorapan ÷ safe floor is what its
own code costs; safe floor ÷ floor is what safety costs any tool. The three runs
of a round take turns going first.

Before each run the captions are put back as they were (written in place), so
every run edits the same captions. Each lorapan run starts from an empty journal (``.lorapan/journal`` is removed
before it), as a user's first bulk edit does; ``--keep-journal`` keeps the
history instead. Every process runs under ``--timeout`` seconds: a run that does
not finish fails the benchmark. ``--phases`` also runs one text edit with its
coarse steps timed and prints where its time goes; ``--huge`` times the report
of one caption of 1k, 2k, 4k tags and of 1 MB (every tag respelled), next to
``lorapan info`` on the same folder.

Why ``--settle`` is 6 s: on ext4 without a journal (the development machine) creating
a file costs about 100 µs after a few seconds of quiet but can be 10–80 µs right after
another rewrite (``bench_create_regime.py``). With a shorter settle some runs fell on
one side and some on the other, and the floor swung from 1.3 to 2.6 s. Six seconds puts
every run after a pause, as a user's edit comes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from as_installed import byte_compile  # noqa: E402
from gen_dataset import generate  # noqa: E402

# The floors' shared parts: every caption of the dataset, and swapping staged temp
# files in (one os.sync, os.replace each, one fsync per folder).
_CAPTIONS = r"""
import os, sys, tempfile
root, tag = sys.argv[1], sys.argv[2]
paths = [
    os.path.join(d, f)
    for d, _, files in os.walk(root)
    if ".lorapan" not in d
    for f in files
    if f.endswith(".txt")
]
staged = []
"""
_SWAP_IN = r"""
os.sync()
for tmp, path in staged:
    os.replace(tmp, path)
for folder in {os.path.dirname(p) for p in paths}:
    fd = os.open(folder, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
print(len(staged))
"""

FLOOR = (
    _CAPTIONS
    + r"""
for path in paths:
    with open(path, "rb") as fh:
        data = fh.read()
    fd, tmp = tempfile.mkstemp(prefix=".floor-", dir=os.path.dirname(path))
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.rstrip(b"\n") + b", " + tag.encode() + b"\n")
    staged.append((tmp, path))
"""
    + _SWAP_IN
)

# The safe floor: what any tag edit must do beyond the blind rewrite to keep the
# project's non-negotiables, in the least Python: read each caption's tags (a tag
# edit, not a byte append: a caption that has the tag is left alone), write every
# caption's bytes before and after to an undo record made durable before any file
# is touched, and read each caption again just before it is staged, to leave one
# changed since it was read. Then the blind floor's atomic rewrite.
SAFE_FLOOR = (
    _CAPTIONS
    + r"""
plan = []
for path in paths:
    with open(path, "rb") as fh:
        data = fh.read()
    first, nl, rest = data.partition(b"\n")
    tags = [t.strip() for t in first.decode("utf-8").split(",")]
    if tag in tags:
        continue
    plan.append((path, data, first + b", " + tag.encode() + nl + rest))
record = os.path.join(root, ".floor-undo")
with open(record, "wb") as fh:
    for path, old, new in plan:
        fh.write(b"%d %d %s\n" % (len(old), len(new), os.fsencode(path)))
        fh.write(old)
        fh.write(new)
    fh.flush()
    os.fsync(fh.fileno())
for path, old, new in plan:
    with open(path, "rb") as fh:
        if fh.read() != old:
            continue
    fd, tmp = tempfile.mkstemp(prefix=".floor-", dir=os.path.dirname(path))
    with os.fdopen(fd, "wb") as fh:
        fh.write(new)
    staged.append((tmp, path))
"""
    + _SWAP_IN
    + "os.unlink(record)\n"
)

# Where a bulk edit's time goes: (label, module, attribute) wrapped with a timer.
PHASES = [
    ("open the dataset (walk, read, index)", "lorapan.core.dataset.dataset", "Dataset.open"),
    ("plan the edit", "lorapan.core.method.edit_plan", "plan_edit"),
    ("format the new captions", "lorapan.core.dataset.dataset", "plan_writes"),
    ("journal: record the transaction (pack)", "lorapan.core.journal.journal", "Journal.begin"),
    ("journal: read + hash each caption", "lorapan.core.journal.steps", "FileSteps._current"),
    ("journal: write temp files", "lorapan.core.journal.steps", "FileSteps._stage"),
    ("journal: one os.sync", "lorapan.core.journal.steps", "FileSteps._make_durable"),
    ("journal: os.replace each", "lorapan.core.journal.steps", "FileSteps._swap"),
    ("journal: fsync folders", "lorapan.core.journal.steps", "fsync_dir"),
    ("journal: save state, discard redo", "lorapan.core.journal.journal", "Journal.save"),
    (
        "dataset: adopt each written caption",
        "lorapan.core.dataset.dataset",
        "Dataset._note_own_write",
    ),
    ("report (text)", "lorapan.commands.edit", "_report"),
]

PHASE_CHILD = r"""
import importlib, sys, time
t_start = time.perf_counter()
import lorapan.main
spent = {}
def wrap(owner, name, label):
    fn = getattr(owner, name)
    def timed(*a, **k):
        t0 = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0
    setattr(owner, name, staticmethod(timed) if isinstance(owner.__dict__.get(name), staticmethod) else timed)
for label, module, attr in PHASES:
    mod = importlib.import_module(module)
    owner, _, name = attr.rpartition(".")
    wrap(getattr(mod, owner) if owner else mod, name, label)
t_imported = time.perf_counter()
code = lorapan.main.main(["edit", sys.argv[1], "--add", sys.argv[2]])
t_end = time.perf_counter()
print(f"python start-up + imports (before main)   {t_imported - t_start:6.2f} s (this script)", file=sys.stderr)
for label, _m, _a in PHASES:
    print(f"{label:<42} {spent.get(label, 0.0):6.2f} s", file=sys.stderr)
print(f"{'main() in all':<42} {t_end - t_imported:6.2f} s", file=sys.stderr)
sys.exit(code)
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], timeout: float, out: Path, cpu: list[float] | None = None) -> float:
    """Seconds ``cmd`` took as a process (its CPU seconds appended to ``cpu``).

    Fails the benchmark on an error or a timeout.
    """
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    try:
        with out.open("wb") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"FAILED: {' '.join(cmd[:4])} … did not finish in {timeout} s") from None
    dt = time.perf_counter() - t0
    if cpu is not None:
        cpu.append(_children_cpu() - cpu0)
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(cmd)}: exit {proc.returncode}\n{proc.stderr.decode()}")
    return dt


def changed(out: Path, mode: str, n: int) -> None:
    """Fail unless the edit rewrote all ``n`` captions (a no-op would time nothing)."""
    if mode == "json":
        got = len(json.loads(out.read_bytes())["result"]["applied"])
    else:
        last = out.read_text().splitlines()[-2]
        got = int(last.split()[1]) if last.startswith("changed ") else -1
    if got != n:
        raise SystemExit(f"FAILED: the {mode} edit changed {got} captions, not {n}")


def lorapan(*args: str) -> list[str]:
    return [sys.executable, "-m", "lorapan", *args]


def snapshot(root: Path) -> dict[Path, bytes]:
    """Every caption's bytes, to put back before each run (each run adds a tag)."""
    return {p: p.read_bytes() for p in root.rglob("*.txt") if ".lorapan" not in p.parts}


def restore(captions: dict[Path, bytes]) -> None:
    """Write the captions back in place (no file is replaced, so no block is freed)."""
    for path, data in captions.items():
        with path.open("r+b") as fh:
            fh.write(data)
            fh.truncate()


def settle(seconds: float) -> None:
    """Flush what earlier runs left dirty and let the disk go quiet before timing."""
    os.sync()
    time.sleep(seconds)


def fresh_journal(root: Path, keep: bool) -> None:
    if not keep:
        shutil.rmtree(root / ".lorapan" / "journal", ignore_errors=True)


def phases(root: Path, tag: str, timeout: float, sink: Path) -> None:
    """One text edit in a process whose coarse steps are timed (no profiler)."""
    fresh_journal(root, keep=False)
    code = f"PHASES = {PHASES!r}\n" + PHASE_CHILD
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(root), tag],
            stdout=sink.open("wb"),
            stderr=subprocess.PIPE,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"FAILED: the timed edit did not finish in {timeout} s") from None
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: timed edit: exit {proc.returncode}\n{proc.stderr.decode()}")
    print(f"\nwhere one text edit's time goes ({time.perf_counter() - t0:.2f} s as a process):")
    print(proc.stderr.decode().rstrip())


def huge_captions(base: Path, timeout: float) -> None:
    """The report of one caption of 1k/2k/4k tags and of 1 MB, against ``lorapan info``."""
    from PIL import Image

    print("\none caption, every tag respelled (--tag-style underscores --dry-run):")
    sink = base / "out"
    for label, size in (("1k tags", 1000), ("2k tags", 2000), ("4k tags", 4000), ("1 MB", 0)):
        root = base / label.replace(" ", "")
        root.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8)).save(root / "a.png")
        tags: list[str] = []
        while (size and len(tags) < size) or (not size and sum(map(len, tags)) < 1_000_000):
            tags.append(f"tag number {len(tags)}")
        (root / "a.txt").write_text(", ".join(tags) + "\n")
        floor = run(lorapan("info", str(root)), timeout, sink)
        edit = ("edit", str(root), "--tag-style", "underscores", "--dry-run")
        text = run(lorapan(*edit), timeout, sink)
        as_json = run(lorapan(*edit, "--json"), timeout, sink)
        print(
            f"  {label:<8} ({len(tags):>6} tags)  lorapan info {floor:5.2f} s   "
            f"text report {text:5.2f} s   --json {as_json:5.2f} s"
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3, help="0: only --phases / --huge")
    ap.add_argument("--root", type=Path, help="dataset to use (generated there when missing)")
    ap.add_argument("--keep-journal", action="store_true")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per process")
    ap.add_argument("--phases", action="store_true", help="also time one edit's steps")
    ap.add_argument("--huge", action="store_true", help="also time the report of one huge caption")
    ap.add_argument(
        "--settle",
        type=float,
        default=6.0,
        help="seconds to wait after a sync before each run (see bench_create_regime.py)",
    )
    args = ap.parse_args()
    byte_compile()  # as pip install does: no process compiles lorapan first
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or Path(tmp) / "ds"
        if not (root / "10_bench").is_dir():
            generate(root, args.n)
        pristine = snapshot(root)
        stamp = time.strftime("%H%M%S")  # a tag no caption has yet, so every caption changes
        print(
            f"{args.n} captions in {root}; {args.rounds} rounds of floor and lorapan, text and json"
        )
        ratios: dict[str, list[float]] = {"text": [], "json": []}
        safe_ratios: dict[str, list[float]] = {"text": [], "json": []}
        times: dict[str, list[float]] = {"floor": [], "safe": [], "text": [], "json": []}
        sink = Path(tmp) / "out"
        for r in range(args.rounds):
            for mode in ("text", "json"):
                extra = ["--json"] if mode == "json" else []
                cmds = {
                    "floor": [sys.executable, "-c", FLOOR, str(root), f"floor {stamp} {r}{mode}"],
                    "safe": [
                        sys.executable,
                        "-c",
                        SAFE_FLOOR,
                        str(root),
                        f"safe {stamp} {r}{mode}",
                    ],
                    "lorapan": lorapan(
                        "edit", str(root), "--add", f"bench {stamp} {r} {mode}", *extra
                    ),
                }
                took: dict[str, float] = {}
                cpu: dict[str, list[float]] = {k: [] for k in cmds}
                # each of the three goes first in turn: the disk's after-effects of one
                # run (its 10,000 freed inodes, see --settle) fall on each alike
                order = list(cmds)[r % 3 :] + list(cmds)[: r % 3]
                for which in order:
                    restore(pristine)
                    settle(args.settle)
                    if which == "lorapan":
                        fresh_journal(root, args.keep_journal)
                    took[which] = run(cmds[which], args.timeout, sink, cpu[which])
                    if which == "lorapan":
                        changed(sink, mode, args.n)
                times["floor"].append(took["floor"])
                times["safe"].append(took["safe"])
                times[mode].append(took["lorapan"])
                ratios[mode].append(took["lorapan"] / took["floor"])
                safe_ratios[mode].append(took["lorapan"] / took["safe"])
                print(
                    f"round {r + 1} {mode:<4}  floor {took['floor']:5.2f} s "
                    f"(cpu {cpu['floor'][0]:4.2f})  safe floor {took['safe']:5.2f} s "
                    f"(cpu {cpu['safe'][0]:4.2f})  lorapan {took['lorapan']:5.2f} s "
                    f"(cpu {cpu['lorapan'][0]:4.2f})  ratio {ratios[mode][-1]:4.2f}× "
                    f"({safe_ratios[mode][-1]:4.2f}× safe)"
                )
        if args.rounds:
            print(
                f"floor median {statistics.median(times['floor']):5.2f} s, safe floor median "
                f"{statistics.median(times['safe']):5.2f} s "
                f"({statistics.median(times['safe']) / statistics.median(times['floor']):4.2f}× floor)"
            )
        for mode in ("text", "json") if args.rounds else ():
            med = statistics.median(ratios[mode])
            verdict = "met" if med <= 1.5 else "NOT met"
            print(
                f"{mode:<4} median {statistics.median(times[mode]):5.2f} s, ratio median "
                f"{med:4.2f}× the floor (goal ≤ 1.5×: {verdict}), "
                f"{statistics.median(safe_ratios[mode]):4.2f}× the safe floor"
            )
        restore(pristine)
        if args.phases:
            phases(root, f"bench {stamp} phases", args.timeout, sink)
            restore(pristine)
        if args.huge:
            huge_captions(Path(tmp) / "huge", args.timeout)


if __name__ == "__main__":
    main()
