"""The demo dataset: a three-eyed goblin (the guide's own example), drawn by code.

Images are drawn with Pillow from a fixed seed, so every run writes the same
files. The captions carry the usual mistakes on purpose, for the rules to find:
blacklisted tags, a caption without the core tag, a duplicated tag, a blurry
image without low-quality tags, two clones, and hair/eye colour tags not merged.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

import tomli_w
from lorapan.core.safe_write import atomic_write
from PIL import Image, ImageDraw, ImageFilter

CORE_TAG = "gob goblin with third eye focus"
STYLE_TAG = "anime screencap"
SIZE = (640, 640)

VIEWS = ("front", "side", "back", "above")
FRAMINGS = ("full body", "upper body", "portrait", "close-up")
POSES = ("standing", "arms up", "waving", "sitting")
PLACES = ("day", "sunset", "night", "indoors", "forest")
SHIRTS = {"red shirt": (190, 40, 40), "blue shirt": (40, 70, 180), "yellow shirt": (220, 190, 40)}
SKIN, HAIR, EYE = (110, 170, 80), (40, 120, 40), (230, 200, 30)


@dataclass(frozen=True)
class Scene:
    view: str
    framing: str
    pose: str
    place: str
    shirt: str


def _background(img: Image.Image, place: str, rng: random.Random) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    tops = {"day": (120, 180, 250), "sunset": (250, 140, 80), "night": (15, 20, 60),
            "indoors": (200, 180, 150), "forest": (140, 200, 160)}  # fmt: skip
    top = tops[place]
    for y in range(h):
        k = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(c * (1 - 0.35 * k)) for c in top))
    if place == "night":
        for _ in range(60):
            x, y = rng.randrange(w), rng.randrange(h // 2)
            d.point([(x, y), (x + 1, y)], fill=(255, 255, 220))
    if place == "indoors":
        d.rectangle([0, int(h * 0.72), w, h], fill=(120, 85, 60))
        d.rectangle(
            [int(w * 0.65), int(h * 0.2), int(w * 0.9), int(h * 0.45)],
            outline=(80, 60, 40),
            width=6,
        )
    else:
        d.rectangle(
            [0, int(h * 0.75), w, h], fill=(70, 140, 60) if place != "night" else (20, 50, 25)
        )
    if place == "forest":
        for i in range(5):
            x = int(w * (0.05 + 0.22 * i)) + rng.randrange(-10, 10)
            d.rectangle([x, int(h * 0.45), x + 14, int(h * 0.78)], fill=(90, 60, 30))
            d.ellipse([x - 45, int(h * 0.25), x + 60, int(h * 0.52)], fill=(30, 110, 40))


def _goblin(img: Image.Image, scene: Scene, cx: float, cy: float, s: float) -> None:
    """Draw the goblin with its head centred at (cx, cy), head radius ``s``."""
    d = ImageDraw.Draw(img)
    shirt = SHIRTS[scene.shirt]
    body_top = cy + s * 0.9
    # body and legs
    if scene.pose == "sitting":
        d.rectangle([cx - s * 0.8, body_top, cx + s * 0.8, body_top + s * 1.6], fill=shirt)
        d.rectangle(
            [cx - s * 0.8, body_top + s * 1.4, cx + s * 1.6, body_top + s * 1.9], fill=(60, 50, 40)
        )
    else:
        d.rectangle([cx - s * 0.8, body_top, cx + s * 0.8, body_top + s * 2.0], fill=shirt)
        for dx in (-0.45, 0.15):
            d.rectangle(
                [cx + s * dx, body_top + s * 2.0, cx + s * (dx + 0.35), body_top + s * 3.3],
                fill=(60, 50, 40),
            )
    # arms
    arm_w = max(2, int(s * 0.25))
    for side in (-1, 1):
        shoulder = (cx + side * s * 0.8, body_top + s * 0.2)
        if scene.pose == "arms up" or (scene.pose == "waving" and side == 1):
            hand = (cx + side * s * 1.3, cy - s * 1.0)
        else:
            hand = (cx + side * s * 1.2, body_top + s * 1.6)
        d.line([shoulder, hand], fill=SKIN, width=arm_w)
        d.ellipse(
            [hand[0] - s * 0.2, hand[1] - s * 0.2, hand[0] + s * 0.2, hand[1] + s * 0.2], fill=SKIN
        )
    # head, ears, hair
    for side in (-1, 1):
        if scene.view == "side" and side == -1:
            continue
        d.polygon(
            [
                (cx + side * s * 0.8, cy - s * 0.2),
                (cx + side * s * 1.7, cy - s * 0.7),
                (cx + side * s * 0.9, cy + s * 0.3),
            ],
            fill=SKIN,
        )
    d.ellipse(
        [cx - s, cy - s, cx + s, cy + s],
        fill=SKIN,
        outline=(40, 70, 30),
        width=max(1, int(s * 0.05)),
    )
    spikes = [
        (cx + s * x, cy - s * (0.6 + 0.5 * (i % 2)))
        for i, x in enumerate([-0.9, -0.6, -0.3, 0, 0.3, 0.6, 0.9])
    ]
    d.polygon([(cx - s, cy - s * 0.3), *spikes, (cx + s, cy - s * 0.3)], fill=HAIR)
    if scene.view == "back":
        d.ellipse([cx - s * 0.95, cy - s * 0.7, cx + s * 0.95, cy + s * 0.9], fill=HAIR)
        return
    eyes = (
        [(-0.4, 0.05), (0.4, 0.05), (0, -0.35)]
        if scene.view != "side"
        else [(0.5, 0.05), (0.55, -0.35)]
    )
    for ex, ey in eyes:
        r = s * 0.17
        x, y = cx + s * ex, cy + s * ey
        d.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255))
        d.ellipse([x - r * 0.55, y - r * 0.55, x + r * 0.55, y + r * 0.55], fill=EYE)
        d.ellipse([x - r * 0.2, y - r * 0.2, x + r * 0.2, y + r * 0.2], fill=(0, 0, 0))
    mouth_x = cx + (s * 0.45 if scene.view == "side" else 0)
    d.arc(
        [mouth_x - s * 0.35, cy + s * 0.2, mouth_x + s * 0.35, cy + s * 0.65],
        20,
        160,
        fill=(60, 20, 20),
        width=max(1, int(s * 0.08)),
    )


def draw_scene(scene: Scene, rng: random.Random) -> Image.Image:
    img = Image.new("RGB", SIZE)
    _background(img, scene.place, rng)
    w, h = SIZE
    scale = {
        "full body": (0.075, 0.22),
        "upper body": (0.14, 0.33),
        "portrait": (0.22, 0.42),
        "close-up": (0.33, 0.5),
    }
    s_frac, cy_frac = scale[scene.framing]
    _goblin(img, scene, w * (0.5 + rng.uniform(-0.08, 0.08)), h * cy_frac, w * s_frac)
    return img


def _caption(scene: Scene) -> list[str]:
    tags = [CORE_TAG, STYLE_TAG, "solo"]
    tags += {"front": ["looking at viewer"], "side": ["from side", "profile"],
             "back": ["from behind"], "above": ["from above"]}[scene.view]  # fmt: skip
    tags.append(scene.framing)
    tags.append(scene.pose)
    tags += {"day": ["outdoors", "day", "sky"], "sunset": ["outdoors", "sunset", "sky"],
             "night": ["outdoors", "night", "night sky", "star (sky)"], "indoors": ["indoors", "room"],
             "forest": ["outdoors", "forest", "tree"]}[scene.place]  # fmt: skip
    tags.append(scene.shirt)
    tags += ["green hair", "spiked hair", "short hair"]
    if scene.view != "back":
        tags += ["yellow eyes", "third eye", "open mouth"]
    return tags


def demo_scenes() -> list[Scene]:
    rng = random.Random(3)
    scenes = []
    for i in range(38):
        scenes.append(
            Scene(
                VIEWS[i % 4],
                FRAMINGS[(i // 4) % 4],
                POSES[(i * 3) % 4],
                PLACES[(i * 7) % 5],
                list(SHIRTS)[rng.randrange(3)],
            )
        )
    return scenes


def _png_bytes(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": 92} if fmt == "JPEG" else {"optimize": False}))
    return buf.getvalue()


def write_demo(folder: Path) -> Path:
    """Write the demo dataset into ``folder`` (created; must be empty or absent)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty; choose an empty or new folder")
    data_dir = folder / "10_gob goblin"
    data_dir.mkdir(parents=True)
    rng = random.Random(7)
    scenes = demo_scenes()
    for i, scene in enumerate(scenes):
        img = draw_scene(scene, rng)
        tags = _caption(scene)
        if i == 5:  # blurry, and not tagged low quality
            img = img.filter(ImageFilter.GaussianBlur(6))
        if i in (3, 11, 19, 27):  # blacklisted tags
            tags += ["male focus", "1boy", "pointy ears", "colored skin"][: 1 + i % 4]
        if i == 8:  # the core tag is missing
            tags.remove(CORE_TAG)
        if i == 14:  # a tag written twice
            tags.append("solo")
        fmt, ext = ("JPEG", "jpg") if i % 3 == 2 else ("PNG", "png")
        name = f"gob_{i + 1:03d}.{ext}"
        atomic_write(data_dir / name, _png_bytes(img, fmt))
        atomic_write(data_dir / f"gob_{i + 1:03d}.txt", (", ".join(tags) + "\n").encode())
    for n, src in enumerate((0, 1)):  # two clones: byte-identical copies
        stem = f"gob_{len(scenes) + n + 1:03d}"
        src_img = sorted(data_dir.glob(f"gob_{src + 1:03d}.*"))
        image = next(p for p in src_img if p.suffix != ".txt")
        atomic_write(data_dir / f"{stem}{image.suffix}", image.read_bytes())
        atomic_write(data_dir / f"{stem}.txt", (data_dir / f"gob_{src + 1:03d}.txt").read_bytes())
    settings = {
        "dataset": {
            "kind": "character",
            "name": "gob",
            "core_tag": CORE_TAG,
            "style_tag": STYLE_TAG,
        }
    }
    atomic_write(folder / "lorapan.toml", tomli_w.dumps(settings).encode())
    return folder
