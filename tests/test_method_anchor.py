"""The anchor invariant: whatever lorapan writes, a caption's trigger stays its first field.

kohya's ``keep_tokens = 1`` keeps the first comma field fixed, so a fix, a bulk edit,
an autotag mode or an augmented caption that moved the trigger would silently train
a LoRA on the wrong token. The property tests build real datasets from random
captions that all start with a trigger and run every fix, edit operation, autotag mode
and augment caption over them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import rules_fixtures as rf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lorapan.core import edits
from lorapan.core.augment.collage import merge_tags
from lorapan.core.augment.tagging import copy_tags
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import (
    Anchor,
    anchor_of,
    insert_after_anchor,
    protect_anchor,
    put_first,
    restyle,
    tag_key,
)
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.fixes import apply_fix, compose
from lorapan.core.rules.model import Fix
from lorapan.core.settings import load_settings
from lorapan.core.tagger import modes
from lorapan.core.tagger.predict import Prediction

TRIGGERS = ["tk", "M1N2N3Z4_K", "Yanagise Eika", "itojunji style", "[aldar kose token]"]
POOL = [
    "1girl", "1boy", "male focus", "muscular", "solo", "standing", "sitting", "smile",
    "green hair", "long hair", "short hair", "red eyes", "blue eyes", "white background",
    "white_background", "simple background", "blurry", "low quality", "anime screencap",
    "rating:general", "(no humans)", "armor", "helmet", "from behind", "outdoors", "sky",
    "holding sword", "looking at viewer", "^_^", "full body", "upper body",
]  # fmt: skip
STYLE = "anime screencap"

trigger_st = st.one_of(
    st.sampled_from(TRIGGERS),
    st.from_regex(r"[A-Z][a-z0-9]{1,6}(_[A-Z0-9]{1,3}| [A-Z][a-z]{2,5})?", fullmatch=True),
)
tags_st = st.lists(st.sampled_from(POOL), min_size=0, max_size=8)
captions_st = st.lists(tags_st, min_size=2, max_size=6)
config_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["character", "style", "background", "couple"]),
        "core": st.booleans(),  # the trigger confirmed as core tag, or only the anchor
        "style": st.sampled_from(["explicit", "unset", "other"]),
    }
)
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _clean(trigger: str, tags: list[str]) -> list[str]:
    """Captions start with the trigger; the pool never repeats it."""
    return [t for t in tags if tag_key(t) != tag_key(trigger)]


def _write(root: Path, trigger: str, captions: list[list[str]], config: dict) -> Path:
    caps = {
        f"{i:02d}.png": ", ".join([trigger, *_clean(trigger, c)]) for i, c in enumerate(captions)
    }
    rf.write_images(root, caps)
    dataset: dict = {"kind": config["kind"]}
    if config["core"]:
        dataset["core_tag"] = trigger
    doc = {"dataset": dataset}
    if config["style"] == "explicit":
        dataset["style_tag"] = STYLE
    elif config["style"] == "other":
        dataset["style_tag"] = "ink wash"
    import tomli_w

    (root / "lorapan.toml").write_bytes(tomli_w.dumps(doc).encode())
    return root


def _first_keys(root: Path) -> list[str]:
    ds = Dataset.open(root)
    return [tag_key(it.tags[0]) if it.tags else "" for it in ds.items.values()]


def _fix_everything(root: Path) -> tuple[Dataset, list]:
    """What `lorapan fix --rule <every rule>` does: settings first, then one composed plan."""
    ds = Dataset.open(root)
    engine = RulesEngine(ds, live=False)
    for f in engine.check().findings:
        if f.fix is not None and f.fix.settings:
            apply_fix(ds, Fix(f.fix.label, lambda _ds: [], f.fix.rule_id, settings=f.fix.settings))
            engine.settings_changed()
    todo = [f.fix for f in engine.check().findings if f.fix is not None]
    changes, _steps = compose(ds, todo)
    ds.apply_changes(changes, label="fix everything")
    return ds, changes


@PROPERTY
@given(trigger=trigger_st, captions=captions_st, config=config_st)
def test_every_fix_keeps_the_trigger_first_and_puts_the_style_second(
    trigger: str, captions: list[list[str]], config: dict
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = _write(Path(tmp) / "d", trigger, captions, config)
        before = {rel: it.tags for rel, it in Dataset.open(root).items.items()}
        ds, _changes = _fix_everything(root)
        key = tag_key(trigger)
        assert _first_keys(root) == [key] * len(captions)
        style = load_settings(root).style_tag
        for rel, item in Dataset.open(root).items.items():
            had = {tag_key(t) for t in before[rel]}
            if style and tag_key(style) not in had and tag_key(style) in map(tag_key, item.tags):
                assert tag_key(item.tags[1]) == tag_key(style), item.tags
        # and a second run finds nothing that moves it either
        _fix_everything(root)
        assert _first_keys(root) == [key] * len(captions)


EDIT_OPS = {
    "add": lambda tags, t, pos: edits.add_tag(tags, t, pos),
    "front": lambda tags, t, pos: edits.move_to_front(tags, t),
    "sort": lambda tags, t, pos: edits.sort_tags(tags, keep_first=0),
    # renaming or moving another tag than the anchor (renaming the trigger is a user's call)
    "replace": lambda tags, t, pos: edits.replace_tag(tags, tags[-1] if len(tags) > 1 else t, t),
    "remove-other": lambda tags, t, pos: edits.remove_tag(tags, t),
    "move": lambda tags, t, pos: edits.move_tag(tags, tags[-1], pos) if len(tags) > 1 else tags,
    "dedupe": lambda tags, t, pos: edits.dedupe(tags),
}
#: --tag-style goes through restyle(), which never respells the anchor
RESTYLE = {"underscores", "spaces"}


@given(
    trigger=trigger_st,
    tags=tags_st,
    op=st.sampled_from(sorted(EDIT_OPS) + sorted(RESTYLE)),
    other=st.sampled_from(POOL),
    pos=st.integers(0, 9),
)
def test_every_edit_operation_keeps_the_anchor_first(
    trigger: str, tags: list[str], op: str, other: str, pos: int
) -> None:
    caption = (trigger, *_clean(trigger, tags))
    anchor = Anchor(frozenset({tag_key(trigger)}), {tag_key(trigger): trigger}, "core tag")
    if tag_key(other) == tag_key(trigger):
        return
    if op in RESTYLE:
        fn = protect_anchor(lambda t: restyle(t, op, anchor), anchor)
    else:
        fn = protect_anchor(lambda t: EDIT_OPS[op](t, other, pos), anchor)
    after = fn(caption)
    assert after[0] == trigger
    assert insert_after_anchor(after, STYLE, anchor)[:2] in {(trigger, STYLE), after[:2]}


#: `lorapan edit` arguments that edit other tags than the anchor (``{o}``: a pool tag)
CLI_EDITS = {
    "add": ["--add", "{o}"],
    "add-first": ["--add", "{o}", "--at", "0"],
    "front": ["--front", "{o}"],
    "sort": ["--sort"],
    "replace": ["--replace", "{o}=renamed {o}"],
    "remove": ["--remove", "{o}"],
    "dedupe-front": ["--dedupe", "--front", "{o}", "--add", "{o}"],
    "underscores": ["--tag-style", "underscores"],
    "spaces": ["--tag-style", "spaces", "--front", "{o}"],
}


def _lorapan(*argv: object) -> str:
    """The real `lorapan` entry point in this process; its stdout."""
    import contextlib
    import io

    from lorapan.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in argv])
    assert code == 0, out.getvalue()
    return out.getvalue()


@PROPERTY
@given(
    trigger=trigger_st,
    captions=captions_st,
    config=config_st,
    op=st.sampled_from(sorted(CLI_EDITS)),
    other=st.sampled_from(POOL),
)
def test_lorapan_edit_keeps_the_trigger_first_and_spelled_as_written(
    trigger: str, captions: list[list[str]], config: dict, op: str, other: str
) -> None:
    """The edit command's real path (arguments, planner, journal, bytes on disk)."""
    if tag_key(other) == tag_key(trigger):
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = _write(Path(tmp) / "d", trigger, captions, config)
        before = {rel: it.tags for rel, it in Dataset.open(root).items.items()}
        args = [a.format(o=other) for a in CLI_EDITS[op]]
        _lorapan("edit", root, *args)
        after = Dataset.open(root).items
        for rel, item in after.items():
            assert item.tags[0] == trigger, (op, item.tags)
            assert "^ ^" not in item.tags  # a kaomoji is never respelled
            if op in ("underscores", "spaces"):
                assert item.tags.count("^_^") == before[rel].count("^_^")
        _lorapan("undo", root)
        assert {rel: it.tags for rel, it in Dataset.open(root).items.items()} == before


@PROPERTY
@given(trigger=trigger_st, captions=captions_st, preds=tags_st, config=config_st)
def test_autotag_modes_and_augment_captions_keep_the_trigger_first(
    trigger: str, captions: list[list[str]], preds: list[str], config: dict
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = _write(Path(tmp) / "d", trigger, captions, config)
        ds = Dataset.open(root)
        key = tag_key(trigger)
        predictions = {rel: [Prediction(t, 0.9, "general") for t in preds] for rel in ds.items}
        for mode in ("add-missing", "replace"):
            for ch in modes.plan(ds, predictions, mode):
                assert tag_key(ch.after[0]) == key, (mode, ch.after)
                style = ds.settings.style_tag
                if mode == "replace" and style:
                    assert tag_key(ch.after[1]) == tag_key(style)
        for item in ds.items.values():
            made = copy_tags(item.tags, ds.settings, extra=["monochrome", "greyscale"])
            assert tag_key(made[0]) == key
        a, b = list(ds.items.values())[:2]
        core = ds.settings.core_tag or None
        collage = merge_tags([a.tags, b.tags], ds.settings, core)
        if core:
            assert tag_key(collage[0]) == key


def test_put_first_moves_a_trigger_written_last_with_its_full_stop() -> None:
    tags = ("a boy wearing two candles on his head", "holding a lighted match", "itojunji style.")
    assert put_first(tags, "itojunji style") == (
        "itojunji style",
        "a boy wearing two candles on his head",
        "holding a lighted match",
    )


def test_put_first_splits_a_trigger_that_leads_a_sentence_and_drops_its_last_copy() -> None:
    tags = (
        "**[aldar_kose_token]** Это 3D-анимация в стиле CGI",
        "на фоне рынка.",
        "[aldar kose token]",
    )
    assert put_first(tags, "[aldar kose token]") == (
        "[aldar kose token]",
        "Это 3D-анимация в стиле CGI",
        "на фоне рынка.",
    )


def test_put_first_keeps_the_captions_own_spelling_of_the_core_tag() -> None:
    assert put_first(("smile", "Gob Focus"), "gob focus") == ("Gob Focus", "smile")


def test_the_anchor_is_each_folders_first_tag_and_restyle_keeps_its_spelling(
    tmp_path: Path,
) -> None:
    caps = {f"8_a/{i}.png": f"Yanagise Eika, long hair, smile {i}" for i in range(5)}
    caps |= {f"8_b/{i}.png": f"M1N2N3Z4_K, armor {i}" for i in range(5)}
    caps |= {f"8_c/{i}.png": f"BG-{i:03d}, no humans" for i in range(5)}  # ids: no anchor
    root = rf.write_images(tmp_path / "d", caps)
    anchor = anchor_of(Dataset.open(root))
    assert anchor.keys == {"yanagise eika", "m1n2n3z4 k"}
    assert anchor.spelled("m1n2n3z4 k") == "M1N2N3Z4_K"
    assert restyle(("Yanagise Eika", "long hair"), "underscores", anchor) == (
        "Yanagise Eika",
        "long_hair",
    )
    assert restyle(("M1N2N3Z4_K", "white_background"), "spaces", anchor) == (
        "M1N2N3Z4_K",
        "white background",
    )


def test_fix_puts_the_style_after_an_unconfirmed_trigger_not_before_it(tmp_path: Path) -> None:
    """The issue's first report: `anime screencap, tk, 1girl` broke keep_tokens = 1."""
    caps = {
        f"5_tk girl/{i}.png": f"tk, 1girl, smile, {'sitting' if i % 2 else 'standing'}"
        for i in range(6)
    }
    root = rf.write_images(tmp_path / "d", caps)
    rf.write_settings(root, {"kind": "character"})  # style_tag stated, core tag not
    _fix_everything(root)
    for item in Dataset.open(root).items.values():
        assert item.tags[:2] == ("tk", "anime screencap")


def test_edit_says_why_front_left_the_anchor_first_and_how_to_change_it(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"Yanagise Eika, long_hair, smile {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "d", caps)
    out = _lorapan("edit", root, "--front", "smile 0", "--add", "1girl", "--at", "0")
    assert "kept 'Yanagise Eika' first in 4 captions" in out
    assert "core_tag" in out
    assert (root / "0.txt").read_text() == "Yanagise Eika, smile 0, 1girl, long_hair"
    out = _lorapan("edit", root, "--tag-style", "underscores", "--dry-run", "--json")
    assert '"anchor_held": 0' in out
    _lorapan("edit", root, "--tag-style", "underscores")
    assert (root / "1.txt").read_text() == "Yanagise Eika, 1girl, long_hair, smile_1"


def test_tag_style_keeps_a_trigger_written_last(tmp_path: Path) -> None:
    """No anchor (the first tags differ), but every caption ends with the trigger."""
    caps = {f"{i}.png": f"pose {i}, red hair, Itojunji Style" for i in range(4)}
    root = rf.write_images(tmp_path / "d", caps)
    _lorapan("edit", root, "--tag-style", "underscores")
    assert (root / "2.txt").read_text() == "pose_2, red_hair, Itojunji Style"
