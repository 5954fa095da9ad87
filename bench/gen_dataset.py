"""Generate a synthetic dataset shaped like real ones, for benchmarks.

Images are small random-noise PNG/JPEG files by default (open, tags and edits never
decode them); ``--size 1024`` writes full-size images for analysis benchmarks.
Captions have 15-45 tags drawn from a Zipf-like vocabulary of real-looking tags,
with a core tag first, as kohya datasets have.

    python bench/gen_dataset.py /tmp/bench10k --n 10000
"""

from __future__ import annotations

import argparse
import io
import random
from pathlib import Path

from PIL import Image

WORDS = """solo looking at viewer smile open mouth short hair long hair blue eyes red eyes
shirt jacket outdoors indoors sky cloud tree day night standing sitting full body upper body
portrait close-up from side from behind from above hat gloves boots holding sword weapon
grass water building city street window table chair food cup book bag scarf belt jewelry
earrings necklace closed eyes blush sweat tears teeth tongue hand up arms up waving pointing
running walking jumping lying simple background white background gradient background""".split()  # noqa: SIM905


def vocabulary(n: int = 2000, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    vocab = []
    while len(vocab) < n:
        k = rng.choice((1, 2, 2, 3))
        tag = " ".join(rng.choice(WORDS) for _ in range(k))
        if tag not in vocab:
            vocab.append(tag)
    return vocab


def caption(rng: random.Random, vocab: list[str]) -> str:
    n = rng.randint(15, 45)
    picked: list[str] = []
    while len(picked) < n:
        idx = min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)
        tag = vocab[idx]
        if tag not in picked:
            picked.append(tag)
    return ", ".join(["bench subject focus", "anime screencap", *picked])


def image_bytes(rng: random.Random, size: int, fmt: str) -> bytes:
    w = size
    h = int(size * rng.choice((1.0, 0.75, 1.333)))
    img = Image.effect_noise((w, h), 40).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format=fmt, quality=85) if fmt == "JPEG" else img.save(buf, format=fmt)
    return buf.getvalue()


def generate(root: Path, n: int, size: int = 64, seed: int = 0) -> Path:
    rng = random.Random(seed)
    vocab = vocabulary()
    folder = root / "10_bench"
    folder.mkdir(parents=True, exist_ok=True)
    cache: dict[str, bytes] = {}
    for i in range(n):
        fmt = "JPEG" if i % 2 else "PNG"
        ext = "jpg" if fmt == "JPEG" else "png"
        if size > 128:
            data = image_bytes(rng, size, fmt)
        else:  # tiny images: reuse a few byte strings, the content does not matter
            data = cache.setdefault(fmt, image_bytes(rng, size, fmt))
        (folder / f"img_{i:05d}.{ext}").write_bytes(data)
        (folder / f"img_{i:05d}.txt").write_text(caption(rng, vocab))
    return root


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("root", type=Path)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--size", type=int, default=64, help="image width in px (64 = tiny stand-ins)")
    args = ap.parse_args()
    generate(args.root, args.n, args.size)
    print(f"wrote {args.n} images with captions to {args.root}")


if __name__ == "__main__":
    main()
