"""Small real datasets per subject kind for the rules tests.

Each builder writes tiny PNG images, caption files and a ``lorapan.toml`` under
``root`` and returns the root. ``clean=True`` gives a dataset the tag rules pass;
``clean=False`` plants the problems the kind's rules look for. ``style`` picks the
tag style of the captions (``spaces``: "long hair", ``underscores``: "long_hair").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w
from PIL import Image

STYLE_TAG = "anime screencap"


def styled(tag: str, style: str) -> str:
    return tag.replace(" ", "_") if style == "underscores" else tag


def caption(tags: list[str], style: str) -> str:
    return ", ".join(styled(t, style) for t in tags)


def write_settings(
    root: Path, dataset: dict[str, Any], extra: dict[str, Any] | None = None
) -> None:
    # The fixtures state the guide's style tag, as a user who follows the guide does
    # (unset, lorapan would only propose one).
    doc: dict[str, Any] = {"dataset": {"style_tag": STYLE_TAG, **dataset}}
    doc.update(extra or {})
    (root / "lorapan.toml").write_bytes(tomli_w.dumps(doc).encode())


def write_images(
    root: Path, captions: dict[str, str | bytes | None], size: tuple[int, int] = (16, 16)
) -> Path:
    """``relpath -> caption`` (``None``: no caption file); images are tiny PNGs."""
    root.mkdir(parents=True, exist_ok=True)
    for i, (rel, cap) in enumerate(captions.items()):
        img = root / rel
        img.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, (i * 37 % 255, i * 11 % 255, 90)).save(img)
        if cap is not None:
            data = cap.encode() if isinstance(cap, str) else cap
            img.with_suffix(".txt").write_bytes(data)
    return root


def _rotate(pool: list[list[str]], i: int) -> list[str]:
    return pool[i % len(pool)]


CHARACTER_VARY = [
    ["straight-on", "smile", "portrait"],
    ["from behind", "full body", "holding sword"],
    ["from side", "open mouth", "cowboy shot"],
    ["from above", "foreshortening", "sitting"],
    ["eye focus", "close-up"],
    ["hair focus", "wind"],
    ["dutch angle", "running", "outdoors"],
    ["upper body", "night", "indoors"],
]


def character(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 60) -> Path:
    """A solo character 'gob': core tag, unique hair/eye tags, coverage by tags."""
    core = "gob goblin with third eye focus"
    caps: dict[str, str | None] = {}
    for i in range(n):
        tags = [core, STYLE_TAG, "green_gob_hair", "red_gob_eyes", *_rotate(CHARACTER_VARY, i)]
        caps[f"img{i:03d}.png"] = caption(tags, style)
    if not clean:
        caps["img000.png"] = caption(
            [core, STYLE_TAG, "green hair", "long hair", "red eyes", "muscular", "smile", "smile"],
            style,
        )
        caps["img001.png"] = caption(
            [STYLE_TAG, core, "green hair", "long hair", "short hair"], style
        )
        caps["img002.png"] = caption(["smile", "from side"], style)
        caps["img003.png"] = caption(
            [core, "2boys", "green hair", "black hair", "blue eyes"], style
        )
        caps["img004.png"] = ""
        caps["img005.png"] = None
    write_images(root, caps)
    if not clean:
        (root / "stray.txt").write_text("gob, smile")
    write_settings(root, {"kind": "character", "name": "gob", "core_tag": core})
    return root


def couple(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 55) -> Path:
    core = "gob and mira couple focus"
    vary = [
        ["face-to-face", "portrait", "hug"],
        ["side-by-side", "full body"],
        ["back-to-back", "cowboy shot"],
        ["hug from behind", "upper body", "holding hands"],
    ]
    caps: dict[str, str | None] = {}
    for i in range(n):
        caps[f"c{i:03d}.png"] = caption([core, STYLE_TAG, *_rotate(vary, i)], style)
    if not clean:
        caps["c000.png"] = caption([core, STYLE_TAG, "1girl", "2boys", "hug"], style)
    write_images(root, caps)
    write_settings(root, {"kind": "couple", "name": "gob and mira", "core_tag": core})
    return root


def group(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 40) -> Path:
    core = "luke and artem and vyn and marius_4boys focus"
    caps = {
        f"g{i:03d}.png": caption([core, STYLE_TAG, "hug" if i % 2 else "talking"], style)
        for i in range(n)
    }
    if not clean:
        caps["g000.png"] = caption([core, STYLE_TAG, "2girls", "hug"], style)
    write_images(root, caps)
    write_settings(
        root, {"kind": "group", "name": "luke and artem and vyn and marius", "core_tag": core}
    )
    return root


BACKGROUND_VARY = [
    ["day", "from above", "rain"],
    ["sunset", "from below", "1girl"],
    ["night", "wide shot", "snow"],
    ["day", "from side", "cat"],
]


def background(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 20) -> Path:
    core = "cyberpunk scenery-cityscape focus"
    caps: dict[str, str | None] = {}
    for i in range(n):
        caps[f"b{i:03d}.png"] = caption(
            [core, STYLE_TAG, "outdoors", *_rotate(BACKGROUND_VARY, i)], style
        )
    rules: dict[str, Any] = {"kind_prune": ["building", "sky"]}
    if not clean:
        caps["b000.png"] = caption([core, STYLE_TAG, "outdoors", "building", "sky", "day"], style)
        caps["b001.png"] = caption([core, STYLE_TAG, "indoors", "night"], style)
    write_images(root, caps)
    write_settings(
        root,
        {"kind": "background", "name": "cyberpunk cityscape", "core_tag": core},
        {"rules": rules},
    )
    return root


def asset(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 18) -> Path:
    core = "chair with skull (object) focus"
    caps = {
        f"a{i:03d}.png": caption([core, STYLE_TAG, *_rotate(BACKGROUND_VARY, i)], style)
        for i in range(n)
    }
    if not clean:
        for i in range(n):
            caps[f"a{i:03d}.png"] = caption(
                [core, STYLE_TAG, "wooden chair", *_rotate(BACKGROUND_VARY, i)], style
            )
    write_images(root, caps)
    write_settings(root, {"kind": "asset", "name": "chair with skull", "core_tag": core})
    return root


def concept(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 40) -> Path:
    core = "1other with sharingan focus"
    vary = [["from above", "silhouette"], ["from below", "looking at wall"], ["from side", "1girl"]]
    caps = {f"k{i:03d}.png": caption([core, STYLE_TAG, *_rotate(vary, i)], style) for i in range(n)}
    rules: dict[str, Any] = {"kind_prune": ["red eyes"]}
    if not clean:
        caps["k000.png"] = caption([core, STYLE_TAG, "red eyes", "from above"], style)
    write_images(root, caps)
    write_settings(
        root, {"kind": "concept", "name": "sharingan", "core_tag": core}, {"rules": rules}
    )
    return root


def style_kind(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 40) -> Path:
    core = "inkwash style"
    caps = {
        f"s{i:03d}.png": caption([core, STYLE_TAG, "tree" if i % 2 else "river"], style)
        for i in range(n)
    }
    if not clean:
        for i in range(0, n, 4):
            caps[f"s{i:03d}.png"] = caption([core, STYLE_TAG], style)
    write_images(root, caps)
    write_settings(root, {"kind": "style", "name": "inkwash", "core_tag": core})
    return root


def single_image(root: Path, *, clean: bool = True, style: str = "spaces", n: int = 16) -> Path:
    core = "daberry focus"
    caps = {
        f"p{i:03d}.png": caption(
            [core, STYLE_TAG, "pink_daberry_hair", "greyscale" if (clean and i == 0) else "head"],
            style,
        )
        for i in range(n)
    }
    write_images(root, caps)
    write_settings(root, {"kind": "single-image", "name": "daberry", "core_tag": core})
    return root


def bundle_characters(
    root: Path, *, clean: bool = True, style: str = "spaces", n: int = 70
) -> Path:
    """Two characters, 70 images each; unclean: a shared body tag and a short subject."""
    caps: dict[str, str | None] = {}
    for i in range(n):
        caps[f"gob/{i:03d}.png"] = caption(
            ["gob focus", STYLE_TAG, "green_gob_hair", "smile"], style
        )
        caps[f"mira/{i:03d}.png"] = caption(
            ["mira focus", STYLE_TAG, "pink_mira_hair", "smile"], style
        )
    if not clean:
        for i in range(3):
            caps[f"gob/{i:03d}.png"] = caption(["gob focus", STYLE_TAG, "scar", "smile"], style)
            caps[f"mira/{i:03d}.png"] = caption(["mira focus", STYLE_TAG, "scar", "smile"], style)
        for i in range(10, n):
            caps.pop(f"mira/{i:03d}.png")
    write_images(root, caps)
    write_settings(
        root,
        {"kind": "bundle-characters", "name": "duo", "core_tag": ""},
        {"rules": {"subjects": ["gob focus", "mira focus"]}},
    )
    return root


def kohya(root: Path, *, style: str = "spaces", clean: bool = True) -> Path:
    """A character in kohya folders ``10_gob`` and ``5_gob extra``; unclean: a stray folder."""
    core = "gob focus"
    caps: dict[str, str | None] = {}
    for i in range(40):
        caps[f"10_gob/{i:03d}.png"] = caption([core, STYLE_TAG, *_rotate(CHARACTER_VARY, i)], style)
    for i in range(15):
        caps[f"5_gob extra/{i:03d}.png"] = caption(
            [core, STYLE_TAG, *_rotate(CHARACTER_VARY, i + 3)], style
        )
    if not clean:
        caps["loose/x.png"] = caption([core, STYLE_TAG, "muscular"], style)
    write_images(root, caps)
    write_settings(root, {"kind": "character", "name": "gob", "core_tag": core})
    return root


BUILDERS = {
    "character": character,
    "couple": couple,
    "group": group,
    "background": background,
    "asset": asset,
    "concept": concept,
    "style": style_kind,
    "single-image": single_image,
    "bundle-characters": bundle_characters,
}


def snapshot_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root except lorapan's state folder, for byte-for-byte checks."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".lorapan" not in p.relative_to(root).parts
    }


def stem_collision(root: Path) -> Path:
    """A small character dataset where ``a.png`` and ``a.jpg`` share ``a.txt``."""
    core = "gob focus, anime screencap"
    write_images(root, {f"{i}.png": f"{core}, smile" for i in range(5)})
    Image.new("RGB", (16, 16), (200, 10, 10)).save(root / "a.png")
    Image.new("RGB", (16, 16), (10, 200, 10)).save(root / "a.jpg")
    (root / "a.txt").write_text(f"{core}, muscular")
    write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    return root
