"""The reviewer app at 10,000 images, in a real terminal (tmux), while analysis runs.

Run: ``python bench/bench_app_tmux.py [--n 10000] [--keep DIR] [--size 120x36]
[--starts 3] [--presses 40] [--warm]``.

The dataset is realistic: 1024 px pictures, half photo-like JPEGs (q90), half
flat-art PNGs, 1 % of them altered copies (real clone groups), captions of 15-45
tags; written once into ``--keep`` on two processes (``bench_scan_cli``'s
generator). The app runs as a user runs it, ``lorapan open DIR`` with its default
analysis and folder watcher, in a tmux pane with truecolor. One tmux control-mode
client (``tmux_control``) sends the keys and captures the screen (``capture-pane -e``:
the cursor row is the one drawn in a style no other row has) when the pane has new
output, instead of polling, so the measurement does not take the cores it measures.
Measured:

- *start*: ``tmux new-session`` to the first file rows on screen;
- *repaint*: ``j`` to the list's cursor on the next row, keys 150 ms apart;
- *preview*: ``j`` to the next image's picture and its caption line on screen
  (the next key goes 150 ms after the last, or once the picture is there).

The app is measured *cold* (its analysis cache moved aside, so the analysis pool
decodes all 10,000 images through every measurement: the status bar must still
say "analysing" at the end, or the run fails) and, with ``--warm``, on a second
open (the cache filled by ``lorapan scan`` first: clone groups and the rules'
rebuild with facts run at start instead). Each figure is paired with its floor in
the same run: a minimal Textual app listing the same folder in the same pane,
which on ``j`` moves its cursor, and (preview floor) decodes the image at display
size on the spot and draws it in half-blocks. Every wait is bounded: a benchmark
that cannot finish fails with the last screen.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scan_cli  # noqa: E402  (the realistic generator)
from as_installed import byte_compile  # noqa: E402
from bench_gallery import ms, tmux  # noqa: E402
from tmux_control import Control  # noqa: E402

SESSION = "lorapan-bench-app"
FOLDER = bench_scan_cli.FOLDER
NAME = re.compile(r"img_(\d{5})\.(?:jpg|png)")
ESCAPES = re.compile(r"(?:\x1b\[[0-9;]*m)+")
CAPTION = re.compile(r"(img_\d{5}\.(?:jpg|png)) · \d+×\d+")
GAP_S = 0.150  # keys 150 ms apart
START_TIMEOUT, KEY_TIMEOUT, PREVIEW_TIMEOUT = 60.0, 10.0, 20.0

FLOOR_APP = r"""
import os, sys
from PIL import Image
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.containers import Horizontal, Vertical
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

FOLDER, PREVIEW = sys.argv[1], sys.argv[2] == "preview"
CURSOR, ROW = Style(bold=True, bgcolor="rgb(95,168,211)"), Style(bgcolor="rgb(35,38,45)")


class Rows(Widget):
    cursor = 0

    def on_mount(self):
        self.names = sorted(e.name for e in os.scandir(FOLDER) if e.name.endswith((".jpg", ".png")))

    def render_line(self, y):
        top = max(0, self.cursor - self.size.height + 1)
        i = top + y
        text = self.names[i] if i < len(self.names) else ""
        return Strip([Segment(text.ljust(self.size.width), CURSOR if i == self.cursor else ROW)])


class Picture(Widget):
    strips = []

    def show(self, path):
        w, h = self.size.width, self.size.height * 2
        img = Image.open(path)
        img.draft("RGB", (w, h))
        img = img.convert("RGB")
        img.thumbnail((w, h))
        px = img.load()
        self.strips = [
            Strip([Segment("\u2580", Style(color=f"rgb{px[x, y]}", bgcolor=f"rgb{px[x, y + 1]}"))
                   for x in range(img.width)])
            for y in range(0, img.height - 1, 2)
        ]
        self.refresh()

    def render_line(self, y):
        return self.strips[y] if y < len(self.strips) else Strip.blank(self.size.width)


class Floor(App):
    CSS = "Rows { width: 36; } Picture { height: 1fr; } #cap { height: 1; }"

    def compose(self):
        with Horizontal():
            yield Rows()
            with Vertical():
                yield Picture()
                yield Static("", id="cap")

    def on_key(self, event):
        if event.key != "j":
            return
        rows = self.query_one(Rows)
        rows.cursor += 1
        rows.refresh()
        if PREVIEW:
            name = rows.names[rows.cursor]
            self.query_one(Picture).show(os.path.join(FOLDER, name))
            self.query_one("#cap", Static).update(f"{name} · 1×1")

Floor().run()
"""


# ---- the pane ---------------------------------------------------------------------------
_client: Control | None = None


def start(command: str, size: tuple[int, int], env: dict[str, str]) -> float:
    """A new session running ``command``, with a control client on it (keys, screens)."""
    global _client
    stop()
    time.sleep(0.5)  # a server left with no session exits; let it go before starting one
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    t0 = time.perf_counter()
    tmux("new-session", "-d", "-s", SESSION, "-x", str(size[0]), "-y", str(size[1]), *env_args,
         f"exec {command}")  # fmt: skip
    _client = Control(SESSION)
    return t0


def stop() -> None:
    global _client
    if _client is not None:
        _client.close()
        _client = None
    tmux("kill-session", "-t", SESSION)


def client() -> Control:
    if _client is None:
        raise SystemExit("no tmux session is running")
    return _client


def pane() -> str:
    return client().capture()


def plain(text: str) -> str:
    return ESCAPES.sub("", text)


def wait(predicate, timeout: float, what: str) -> str:
    """Capture the pane (again after each output) until ``predicate(text)``; fail the
    benchmark after ``timeout``."""
    try:
        return client().wait(predicate, timeout)
    except TimeoutError as exc:
        stop()
        raise SystemExit(f"gave up after {timeout:.0f} s waiting for {what}; last screen:\n"
                         f"{plain(str(exc))}") from None  # fmt: skip


def key(k: str) -> float:
    return client().key(k)


def cursor_row(text: str) -> int | None:
    """The image number on the list row drawn in a style no other row has."""
    styles: dict[str, list[int]] = {}
    for line in text.splitlines():
        m = NAME.search(line)
        if m is None or len(plain(line[: m.start()])) > 40:  # the list is the left pane
            continue
        runs = ESCAPES.findall(line[: m.start()])
        styles.setdefault(runs[-1] if runs else "", []).append(int(m.group(1)))
    unique = [rows[0] for rows in styles.values() if len(rows) == 1]
    return unique[0] if len(styles) > 1 and len(unique) == 1 else None


def previewed(text: str) -> int | None:
    """The image whose picture is on screen (its caption line, nothing being decoded)."""
    flat = plain(text)
    m = CAPTION.search(flat)
    if m is None or "decoding…" in flat:
        return None
    return int(NAME.search(m.group(1)).group(1))


def cpu_seconds(pid: int, main_thread: bool = False) -> float:
    """User + system CPU of a process, or of its main thread (Linux /proc); 0 if unknown."""
    stat = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
    try:
        fields = Path(stat).read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def pane_pid() -> int:
    out = tmux("display-message", "-p", "-t", SESSION, "#{pane_pid}").strip()
    return int(out) if out.isdigit() else 0


# ---- the measurements ----------------------------------------------------------------------
def _key_waits(presses: int, first: int, seen, timeout: float, what: str) -> list[float]:
    """``j`` until ``seen(screen text)`` names the next row, keys ``GAP_S`` apart."""
    out, n = [], first
    for _ in range(presses):
        t0 = key("j")
        n += 1
        wait(lambda t, n=n: seen(t) == n, timeout, f"{what} of img_{n:05d}")
        out.append(time.perf_counter() - t0)
        time.sleep(max(0.0, t0 + GAP_S - time.perf_counter()))
    return out


def repaints(presses: int, first: int) -> list[float]:
    """``j`` to the cursor on the next row."""
    return _key_waits(presses, first, cursor_row, KEY_TIMEOUT, "the cursor row")


def previews(presses: int, first: int) -> list[float]:
    """``j`` to the next image's picture on screen."""
    return _key_waits(presses, first, previewed, PREVIEW_TIMEOUT, "the preview")


def rows_visible(text: str) -> bool:
    return cursor_row(text) == 0


def floor_run(root: Path, size, env, starts: int, presses: int) -> dict[str, list[float]]:
    script = Path(tempfile.mkdtemp(prefix="lorapan-floor-")) / "floor.py"
    script.write_text(FLOOR_APP)
    res: dict[str, list[float]] = {k: [] for k in ("start", "repaint", "preview", "cpu")}
    res.update({"start_cpu": [], "key_cpu": []})
    folder = shlex.quote(str(root / FOLDER))
    for mode in ("list", "preview"):
        for i in range(starts if mode == "list" else 1):
            t0 = start(f"{shlex.quote(sys.executable)} {script} {folder} {mode}", size, env)
            wait(rows_visible, START_TIMEOUT, "the floor's rows")
            pid = pane_pid()
            c0 = cpu_seconds(pid, main_thread=True)
            if mode == "list":
                res["start"].append(time.perf_counter() - t0)
                res["start_cpu"].append(c0)
            if i == starts - 1 and mode == "list":
                res["repaint"] = repaints(presses, 0)
            if mode == "preview":
                res["preview"] = previews(presses, 0)
            if i == starts - 1 or mode == "preview":
                res["key_cpu"].append(cpu_seconds(pid, main_thread=True) - c0)
            stop()
    res["key_cpu"] = [sum(res["key_cpu"]) / (2 * presses)]
    return res


def app_run(root: Path, size, env, starts: int, presses: int, cold: bool) -> dict[str, list[float]]:
    lorapan = shlex.quote(str(Path(sys.executable).with_name("lorapan")))
    command = f"{lorapan} open {shlex.quote(str(root))}"
    res: dict[str, list[float]] = {k: [] for k in ("start", "repaint", "preview", "cpu")}
    res.update({"start_cpu": [], "key_cpu": []})
    for i in range(starts):
        if cold:
            forget_analysis(root)
        t0 = start(command, size, env)
        wait(rows_visible, START_TIMEOUT, "the app's rows")
        res["start"].append(time.perf_counter() - t0)
        res["start_cpu"].append(cpu_seconds(pane_pid(), main_thread=True))
        if i < starts - 1:
            stop()
            continue
        if cold:
            wait(lambda t: "analysing" in plain(t), START_TIMEOUT, "the analysis to start")
        else:
            time.sleep(0.5)
        pid = pane_pid()
        c0, m0 = cpu_seconds(pid), cpu_seconds(pid, main_thread=True)
        res["repaint"] = repaints(presses, 0)
        first = cursor_row(pane()) or presses
        res["preview"] = previews(presses, first)
        res["cpu"] = [cpu_seconds(pid) - c0]
        res["key_cpu"] = [(cpu_seconds(pid, main_thread=True) - m0) / (2 * presses)]
        screen = plain(pane())
        res["analysing"] = [1.0 if "analysing" in screen else 0.0]
        key("C-q")
        time.sleep(0.5)
        stop()
    return res


# ---- the dataset and its analysis cache ---------------------------------------------------
def forget_analysis(root: Path) -> None:
    """Move the analysis cache aside (restored by :func:`restore_analysis`)."""
    state, aside = root / ".lorapan", root / ".bench-analysis"
    aside.mkdir(exist_ok=True)
    for f in state.glob("analysis.sqlite*"):
        target = aside / f.name
        if target.exists():
            f.unlink()  # the cold run's partial cache: the full one is kept aside
        else:
            f.rename(target)


def restore_analysis(root: Path) -> None:
    aside = root / ".bench-analysis"
    if not aside.is_dir():
        return
    for f in (root / ".lorapan").glob("analysis.sqlite*"):
        f.unlink()
    for f in aside.iterdir():
        f.rename(root / ".lorapan" / f.name)
    aside.rmdir()


def fill_analysis(root: Path) -> None:
    """A full analysis cache (``lorapan scan``), for the second-open figures."""
    if (root / ".lorapan" / "analysis.sqlite").is_file():
        return
    print("filling the analysis cache (lorapan scan; minutes on 2 cores)…", flush=True)
    subprocess.run([sys.executable, "-m", "lorapan", "scan", str(root)], capture_output=True,
                   timeout=3600, check=False)  # fmt: skip


def report(label: str, res: dict[str, list[float]], floor: dict[str, list[float]]) -> None:
    def ratio(kind: str, q: float) -> str:
        a, b = sorted(res[kind]), sorted(floor[kind])
        if not a or not b:
            return "-"
        pick = (lambda v: statistics.median(v)) if q == 0.5 else (lambda v: v[int(len(v) * q)])
        return f"{pick(a) / pick(b):.1f}×"

    print(f"[{label}]")
    print(f"  start → rows: median {statistics.median(res['start']):.2f} s "
          f"({', '.join(f'{s:.2f}' for s in res['start'])}); floor median "
          f"{statistics.median(floor['start']):.2f} s; ratio {ratio('start', 0.5)}")  # fmt: skip
    print(f"  j → repaint: {ms(res['repaint'])}; floor {ms(floor['repaint'])}; "
          f"p90 ratio {ratio('repaint', 0.9)}")  # fmt: skip
    print(f"  j → preview: {ms(res['preview'])}; floor {ms(floor['preview'])}; "
          f"p90 ratio {ratio('preview', 0.9)}")  # fmt: skip
    keys = len(res["repaint"]) + len(res["preview"])
    print(f"  main thread CPU to the rows: median {statistics.median(res['start_cpu']):.2f} s; "
          f"floor {statistics.median(floor['start_cpu']):.2f} s")  # fmt: skip
    print(f"  main thread CPU per key: {res['key_cpu'][0] * 1000:.1f} ms; "
          f"floor {floor['key_cpu'][0] * 1000:.1f} ms")  # fmt: skip
    print(f"  whole app process CPU during the {keys} keys: {res['cpu'][0]:.2f} s")
    if "analysing" in res:
        print(f"  analysis still running at the end: {'yes' if res['analysing'][0] else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep the dataset here")
    ap.add_argument("--size", default="120x36", help="terminal size, e.g. 80x24")
    ap.add_argument("--starts", type=int, default=3, help="app starts measured (median)")
    ap.add_argument("--presses", type=int, default=40, help="j presses per sequence")
    ap.add_argument("--warm", action="store_true", help="also a second open (cache filled)")
    args = ap.parse_args()
    byte_compile()  # as pip install does: no process compiles lorapan first
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed")
    size = tuple(int(x) for x in args.size.split("x"))
    root = args.keep or Path(tempfile.gettempdir()) / f"lorapan-app-{args.n}"
    t = time.perf_counter()
    restore_analysis(root)  # a run stopped half-way left it aside
    bench_scan_cli.generate(root, args.n, reuse=True)
    print(f"dataset: {args.n} images at {root} ({time.perf_counter() - t:.0f} s to write)")
    env = {
        "COLORTERM": "truecolor",
        "TEXTUAL_ANIMATIONS": "none",
        "LORAPAN_CONFIG_DIR": tempfile.mkdtemp(prefix="lorapan-bench-cfg-"),
        "PATH": os.environ.get("PATH", ""),
    }
    print(f"terminal {size[0]}x{size[1]} (tmux), load before: {os.getloadavg()}")
    try:
        floor = floor_run(root, size, env, args.starts, args.presses)
        cold = app_run(root, size, env, args.starts, args.presses, cold=True)
    finally:
        restore_analysis(root)
    report("first open: the analysis decodes every image meanwhile", cold, floor)
    if args.warm:
        fill_analysis(root)
        warm = app_run(root, size, env, args.starts, args.presses, cold=False)
        report("second open: analysis cached (clone groups, rules rebuilt at start)", warm, floor)
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
