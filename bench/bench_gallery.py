"""The gallery at 10,000 images, in a real terminal (tmux): key to frame, thumbnails per second.

Run: ``python bench/bench_gallery.py [--n 10000] [--keep DIR] [--size 120x36]``.

The dataset is synthetic but decodes like a real one: half 1024 px JPEGs, half 768 px
PNGs, each a different picture (gradient, shapes, a little grain), written once
into ``--keep`` (or a temp folder) on two processes. The app runs as a user runs it,
``lorapan open DIR --no-analysis --no-watch`` in a tmux pane with truecolor, and the
script reads the pane with ``tmux capture-pane`` after each key:

- *floor*: the same key-to-frame loop against a minimal Textual app in the same pane
  size, once changing one line (what a cursor move sends) and once repainting the
  whole screen with fresh half-blocks (what a scroll of the grid sends): tmux, the
  terminal driver and the polling cost this much whatever the app does;
- *move*: ``l`` (thumbnails already on screen) until the header shows the new position;
- *row*: ``j`` at the bottom of the screen (the grid scrolls a row) until the header
  moves, and until that row's thumbnails are drawn (the header's "decoding…" gone);
- *page*: ``pagedown`` into pages never seen; thumbnails per second = the count the
  header said it was decoding / the time until it finished;
- *burst*: 30 ``j`` in one write (a held key), until the last position and its thumbnails.

Analysis and the watcher are off so nothing else competes for the 2 cores; the rules
engine runs (its first check is awaited before measuring).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SESSION = "lorapan-bench-gallery"
HEADER = re.compile(r"Gallery · .*? · (\d+)/(\d+)")
DECODING = re.compile(r"decoding (\d+)…")

FLOOR_APP = """
import random, sys
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

FULL = sys.argv[1] == "full"

class Noise(Widget):
    # each key: every line another line of random half-blocks (drawn once, at start)
    n = 0
    pool = []
    def render_line(self, y):
        width = self.size.width
        if len(self.pool) != 97 or self.pool[0].cell_length != width:
            rng = random.Random(1)
            self.pool = []
            for _ in range(97):
                segs = []
                for _ in range(width):
                    c = [rng.randrange(256) for _ in range(6)]
                    style = Style(color=f"rgb({c[0]},{c[1]},{c[2]})",
                                  bgcolor=f"rgb({c[3]},{c[4]},{c[5]})")
                    segs.append(Segment("\u2580", style))
                self.pool.append(Strip(segs, width))
        return self.pool[(self.n * 13 + y) % 97]

class Floor(App):
    n = 0
    def compose(self):
        yield Static("floor n=0", id="n")
        if FULL:
            yield Noise()
    def on_key(self, event):
        self.n += 1
        self.query_one("#n", Static).update(f"floor n={self.n}")
        if FULL:
            noise = self.query_one(Noise)
            noise.n = self.n
            noise.refresh()

Floor().run()
"""


# ---- the dataset ------------------------------------------------------------------
def picture(i: int) -> tuple[bytes, str]:
    rng = random.Random(i)
    fmt = "JPEG" if i % 2 else "PNG"
    side = 1024 if fmt == "JPEG" else 768
    w, h = side, int(side * rng.choice((1.0, 0.75, 1.333)))
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    mask = Image.linear_gradient("L").resize((w, h))
    img = Image.composite(Image.new("RGB", (w, h), bottom), Image.new("RGB", (w, h), top), mask)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.randrange(w // 16, w // 4)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=colour)
    grain = Image.effect_noise((w // 4, h // 4), 24).resize((w, h)).convert("RGB")
    img = Image.blend(img, grain, 0.08).filter(ImageFilter.SMOOTH)
    import io

    buf = io.BytesIO()
    img.save(buf, format=fmt, quality=90) if fmt == "JPEG" else img.save(buf, format=fmt)
    return buf.getvalue(), "jpg" if fmt == "JPEG" else "png"


def _write_one(args: tuple[Path, int]) -> None:
    folder, i = args
    data, ext = picture(i)
    (folder / f"img_{i:05d}.{ext}").write_bytes(data)
    (folder / f"img_{i:05d}.txt").write_text(f"bench subject, tag {i % 97}, tag {i % 13}\n")


def write_dataset(root: Path, n: int) -> Path:
    folder = root / "10_bench"
    if folder.is_dir() and len(list(folder.glob("*.txt"))) == n:
        return root
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_write_one, ((folder, i) for i in range(n)), chunksize=64))
    return root


# ---- tmux ---------------------------------------------------------------------------
def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen() -> str:
    return tmux("capture-pane", "-t", SESSION, "-p")


def start(command: str, size: tuple[int, int], env: dict[str, str]) -> None:
    tmux("kill-session", "-t", SESSION)
    time.sleep(0.5)  # a server left with no session exits; let it go before starting one
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    w, h = size
    tmux("new-session", "-d", "-s", SESSION, "-x", str(w), "-y", str(h), *env_args, command)


def wait(predicate, timeout: float = 60.0) -> tuple[float, str]:
    """Poll the pane until ``predicate(text)``; (seconds since the call, text)."""
    t0 = time.perf_counter()
    while True:
        text = screen()
        if predicate(text):
            return time.perf_counter() - t0, text
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"pane never matched; last screen:\n{text}")
        time.sleep(0.002)


def key(*keys: str) -> float:
    tmux("send-keys", "-t", SESSION, *keys)
    return time.perf_counter()


def position(text: str) -> int | None:
    m = HEADER.search(text)
    return int(m.group(1)) if m else None


def decoding(text: str) -> int | None:
    m = DECODING.search(text)
    return int(m.group(1)) if m else None


# ---- measurements ---------------------------------------------------------------------
def floor(
    size: tuple[int, int], env: dict[str, str], full: bool = False, presses: int = 30
) -> list[float]:
    """Key to frame of a minimal app: a one-line change, or (``full``) a whole screen of
    fresh half-blocks, which is what a scroll of the grid sends to the terminal."""
    script = Path(tempfile.mkdtemp()) / "floor.py"
    script.write_text(FLOOR_APP)
    mode = "full" if full else "line"
    start(f"{shlex.quote(sys.executable)} {script} {mode}", size, env)
    wait(lambda t: "floor n=0" in t)
    out = []
    for n in range(1, presses + 1):
        t0 = key("j")
        wait(lambda t, n=n: f"floor n={n}" in t)
        out.append(time.perf_counter() - t0)
    tmux("kill-session", "-t", SESSION)
    return out


def until_position(target: int) -> float:
    return wait(lambda t: position(t) == target)[0]


def until_decoded() -> tuple[float, int]:
    """Seconds until the header no longer says "decoding", and the most it said."""
    most = 0

    def done(text: str) -> bool:
        nonlocal most
        most = max(most, decoding(text) or 0)
        return position(text) is not None and decoding(text) is None

    seconds, _ = wait(done)
    return seconds, most


def gallery(root: Path, size: tuple[int, int], env: dict[str, str]) -> dict[str, list[float]]:
    lorapan = Path(sys.executable).with_name("lorapan")
    start(f"{lorapan} open {shlex.quote(str(root))} --no-analysis --no-watch", size, env)
    wait(lambda t: "img_00000" in t, timeout=120)
    with contextlib.suppress(TimeoutError):  # the rules' report (shown on wide terminals)
        wait(lambda t: "to fix" in t or "ready to train" in t, 30)
    time.sleep(1.0)
    key("g")
    wait(lambda t: position(t) == 1)
    until_decoded()
    n = 1
    res: dict[str, list[float]] = {"move": [], "row": [], "row_thumbs": [], "page": []}
    res.update({"page_thumbs": [], "page_rate": [], "burst": [], "burst_thumbs": []})
    for _ in range(30):  # moves on screen
        t0 = key("l")
        n += 1
        until_position(n)
        res["move"].append(time.perf_counter() - t0)
        until_decoded()
    columns = _columns()
    for _ in range(15):  # a row down, past the bottom: scrolls
        t0 = key("j")
        n += columns
        until_position(n)
        res["row"].append(time.perf_counter() - t0)
        until_decoded()
        res["row_thumbs"].append(time.perf_counter() - t0)
    total = int(HEADER.search(screen()).group(2))
    for _ in range(15):  # pages never seen
        if n + 3 * 4 * columns > total:
            break
        before = n
        t0 = key("PageDown")
        wait(lambda t, b=before: (position(t) or b) > b)
        n = position(screen()) or n
        res["page"].append(time.perf_counter() - t0)
        seconds, count = until_decoded()
        res["page_thumbs"].append(time.perf_counter() - t0)
        if count:
            res["page_rate"].append(count / (time.perf_counter() - t0))
    for _ in range(3):  # a held key
        if n + 30 * columns > total:
            break
        t0 = key(*["j"] * 30)
        n += 30 * columns
        until_position(n)
        res["burst"].append(time.perf_counter() - t0)
        until_decoded()
        res["burst_thumbs"].append(time.perf_counter() - t0)
    tmux("send-keys", "-t", SESSION, "C-q")
    time.sleep(0.5)
    tmux("kill-session", "-t", SESSION)
    return res


def _columns() -> int:
    """Images per grid row: the header's position after one ``j`` from the current one."""
    before = position(screen()) or 1
    key("j")
    _, text = wait(lambda t: (position(t) or before) != before)
    after = position(text) or before
    key("k")
    wait(lambda t: position(t) == before)
    until_decoded()
    return after - before


def decode_rate(root: Path, suffix: str, count: int = 200) -> float:
    """Thumbnails per second on one thread, outside the app (the decode path alone)."""
    from lorapan.tui.widgets.halfblocks import draw_file

    files = sorted((root / "10_bench").glob(f"img_*{suffix}"))[:count]
    t0 = time.perf_counter()
    for path in files:
        draw_file(path, (16, 8))
    return len(files) / (time.perf_counter() - t0)


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    v = sorted(values)
    return f"median {statistics.median(v) * 1000:.0f} ms, p90 {v[int(len(v) * 0.9)] * 1000:.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep the dataset here")
    ap.add_argument("--size", default="120x36", help="terminal size, e.g. 80x24")
    args = ap.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    root = args.keep or Path(tempfile.gettempdir()) / f"lorapan-gallery-{args.n}"
    t = time.perf_counter()
    write_dataset(root, args.n)
    print(f"dataset: {args.n} images at {root} ({time.perf_counter() - t:.0f} s to write)")
    config = Path(tempfile.mkdtemp(prefix="lorapan-bench-cfg-"))
    env = {
        "COLORTERM": "truecolor",
        "TEXTUAL_ANIMATIONS": "none",
        "LORAPAN_CONFIG_DIR": str(config),
        "PATH": os.environ.get("PATH", ""),
    }
    print(f"terminal {size[0]}x{size[1]} (tmux), load before: {os.getloadavg()[0]:.2f}")
    print(f"floor (minimal Textual app, one line changes): {ms(floor(size, env))}")
    full = ms(floor(size, env, full=True))
    print(f"floor (minimal Textual app, a full screen of new half-blocks): {full}")
    res = gallery(root, size, env)
    print(f"move on screen (l), key to frame: {ms(res['move'])}")
    print(f"row down with scroll (j), key to frame: {ms(res['row'])}")
    print(f"  ... to that row's thumbnails drawn: {ms(res['row_thumbs'])}")
    print(f"page down to an unseen page, key to frame: {ms(res['page'])}")
    print(f"  ... to the page's thumbnails drawn: {ms(res['page_thumbs'])}")
    rates = res["page_rate"]
    if rates:
        print(
            f"  thumbnails per second in the app (page fills): median {statistics.median(rates):.0f}"
        )
    print(f"30 j in one write (held key), to the last position: {ms(res['burst'])}")
    print(f"  ... to its thumbnails drawn: {ms(res['burst_thumbs'])}")
    jpg, png = decode_rate(root, ".jpg"), decode_rate(root, ".png")
    print(
        f"decode + draw alone, one thread, 16x8 cells: JPEG 1024 px {jpg:.0f}/s, PNG 768 px {png:.0f}/s"
    )
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
