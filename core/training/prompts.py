"""Flexibility sample prompts (the guide's last step), suited to the subject kind.

The guide's test of a finished LoRA, by kind: a character "able to do a pose it is not
trained on"; a background that can "add something doing something"; clothing and
assets that "can be used, broken, or turned into monster"; a concept or style that
"can cater to aliens". Each prompt starts with the subject's tag (the core tag, else
the dataset's trigger as its owner wrote it: :func:`prompt_subject`; each subject's
own tag in turn when there are several: :func:`prompt_subjects`) and adds only
what the captions never contain. Written as a kohya ``--sample_prompts`` file (one
prompt per line with ``--w --h --d --n``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
# A background or scene: something happening in it (the guide: "add something doing
# something"), at another time or in other weather; never a place of its own.
SCENE_KINDS = {"background", "bundle-backgrounds"}
SCENE_SUBJECTS = ["1girl", "1boy", "cat", "robot", "monster", "old man"]
SCENE_ACTIONS = ["running", "sleeping", "fighting", "dancing", "reading book", "eating"]
SCENE_TIMES = ["night", "rain", "snow", "sunset", "fog", "fire"]
# Clothing and assets: used, broken, turned into a monster, in another place.
ASSET_KINDS = {"asset", "bundle-costumes"}
ASSET_USES = [
    "1girl holding it",
    "broken",
    "turned into a monster",
    "1boy wearing it",
    "on fire",
    "in a forest",
]
# Styles and concepts: subjects the set never shows, down to an alien.
STYLE_KINDS = {"style", "concept", "bundle-concepts"}
STYLE_SUBJECTS = [
    "alien creature",
    "old man portrait",
    "dragon",
    "city street at night",
    "bowl of fruit",
    "robot",
    "horse running",
    "mountain landscape",
]
NEGATIVE = "lowres, bad anatomy, bad hands, worst quality"


def _norm(tag: str) -> str:
    return tag.strip().lower().replace("_", " ")


def _absent(pool: list[str], present: set[str]) -> list[str]:
    return [t for t in pool if _norm(t) not in present]


def _pools(kind: str, present: set[str]) -> list[list[str]]:
    """The lists a prompt takes one item of each from, for this kind."""
    if kind in SCENE_KINDS:
        subjects = _absent(SCENE_SUBJECTS, present)
        doing = [
            f"{s} {a}" for s, a in zip(subjects, _absent(SCENE_ACTIONS, present), strict=False)
        ]
        return [doing or subjects, _absent(SCENE_TIMES, present)]
    if kind in ASSET_KINDS:
        return [_absent(ASSET_USES, present)]
    if kind in STYLE_KINDS:
        return [_absent(STYLE_SUBJECTS, present), _absent(PLACES, present)]
    return [_absent(p, present) for p in (POSES, PLACES, ACTIONS)]


def flexibility_prompts(
    subject: str | Sequence[str],
    kind: str,
    tag_counts: Mapping[str, int],
    *,
    count: int = 4,
    size: int = 512,
    seed: int = 42,
) -> list[str]:
    """``count`` prompt lines: the subject's tag, then what the dataset never shows.

    Several subjects (a bundle, two styles in one set) take turns, and each gets at
    least one prompt (``count`` grows to their number when it is smaller): a sample
    of one subject says nothing about the others.
    """
    subjects = [subject] if isinstance(subject, str) else list(subject)
    subjects = [t.strip() for t in subjects if t.strip()] or [""]
    present = {_norm(t) for t, n in tag_counts.items() if n}
    pools = _pools(kind, present)
    lines = []
    for i in range(max(0, count, len(subjects) if count > 0 else 0)):
        tag = subjects[i % len(subjects)]
        parts = [tag] if tag else []
        for pool in pools:
            if pool:
                parts.append(pool[i % len(pool)])
        prompt = ", ".join(parts)
        lines.append(f"{prompt} --w {size} --h {size} --d {seed + i} --n {NEGATIVE}")
    return lines


def prompt_subject(dataset: Any) -> str:
    """The tag a sample prompt starts with: the core tag, else the dataset's trigger as
    its owner wrote it (kohya folder token, class_tokens, the tag every caption starts
    with); '' when there is none (the caller may fall back to the output name)."""
    from lorapan.core.method.anchor import anchor_of
    from lorapan.core.method.names import not_a_name
    from lorapan.core.method.triggers import find_triggers, main_trigger

    core = dataset.settings.core_tag.strip()
    if core:
        return core
    trigger = main_trigger(find_triggers(dataset))
    if trigger is not None:
        return trigger.tag
    first = anchor_of(dataset).single
    return "" if not first or not_a_name(first) else first  # not a tagger's '1girl'


def prompt_subjects(dataset: Any) -> list[str]:
    """The tags sample prompts start with: the one of :func:`prompt_subject`, else each
    subject's own first tag when the dataset holds several (two styles in their own
    folders, a bundle of costumes) and no tag names them all; [] when there is none."""
    from lorapan.core.method.kind import subjects_of

    single = prompt_subject(dataset)
    if single:
        return [single]
    return [first for first, _folder, _rels in subjects_of(dataset)]
