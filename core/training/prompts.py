"""Flexibility sample prompts (the guide's last step).

Each prompt is the core tag plus a pose, a place and an action the dataset's
captions never contain: if the LoRA can render those, it generalises. Written as
a kohya ``--sample_prompts`` file (one prompt per line with ``--w --h --d --n``).
"""

from __future__ import annotations

from collections.abc import Mapping

POSES = [
    "sitting",
    "lying on back",
    "kneeling",
    "squatting",
    "jumping",
    "running",
    "from behind",
    "from above",
    "from below",
    "arms up",
    "crossed arms",
    "leaning forward",
    "standing",
]
PLACES = [
    "beach",
    "forest",
    "city street",
    "classroom",
    "snow",
    "night sky",
    "underwater",
    "desert",
    "library",
    "rooftop",
    "kitchen",
    "outdoors",
    "indoors",
]
ACTIONS = [
    "eating",
    "reading book",
    "holding umbrella",
    "waving",
    "sleeping",
    "dancing",
    "drinking",
    "playing guitar",
    "holding sword",
    "cooking",
    "riding bicycle",
    "singing",
]
# Subjects that are not one figure test "something doing something" in them instead.
SCENE_KINDS = {"background", "bundle-backgrounds"}
SCENE_SUBJECTS = ["1girl", "1boy", "cat", "robot", "monster", "old man"]
NEGATIVE = "lowres, bad anatomy, bad hands, worst quality"


def _norm(tag: str) -> str:
    return tag.strip().lower().replace("_", " ")


def _absent(pool: list[str], present: set[str]) -> list[str]:
    return [t for t in pool if _norm(t) not in present]


def flexibility_prompts(
    core_tag: str,
    kind: str,
    tag_counts: Mapping[str, int],
    *,
    count: int = 4,
    size: int = 512,
    seed: int = 42,
) -> list[str]:
    """``count`` prompt lines built from tags absent from the dataset."""
    present = {_norm(t) for t, n in tag_counts.items() if n}
    poses, places, actions = (_absent(p, present) for p in (POSES, PLACES, ACTIONS))
    subjects = _absent(SCENE_SUBJECTS, present) if kind in SCENE_KINDS else []
    lines = []
    for i in range(max(0, count)):
        parts = [core_tag.strip()] if core_tag.strip() else []
        if subjects:
            parts.append(subjects[i % len(subjects)])
        for pool in (poses, places, actions):
            if pool:
                parts.append(pool[i % len(pool)])
        prompt = ", ".join(parts)
        lines.append(f"{prompt} --w {size} --h {size} --d {seed + i} --n {NEGATIVE}")
    return lines
