"""Every key the help screen documents does its action in the running app, and keymap.toml
moves it: the new key works and ``?`` lists it.

For each scope of the keymap table (the app, the main screen, the file list, the chips,
…) the app is brought to the widget or screen that owns it, the owner's actions are
replaced by recorders (so pressing ``q`` records "request_quit" instead of quitting),
and every documented key is pressed. A widget whose ``BINDINGS`` drift from the table,
a key that a parent swallows, or a binding keymap.toml cannot reach fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from app_helpers import app_for, build_dataset, caption, settle
from lorapan.core.analysis.clones import CloneGroup
from lorapan.core.rules.model import Finding, Fix
from lorapan.core.tagger.predict import Prediction
from lorapan.tui.app import LorapanApp
from lorapan.tui.keymap import SPECS, KeySpec, load_keymap
from lorapan.tui.screens.augment import AugmentScreen
from lorapan.tui.screens.caption_text import CaptionTextScreen
from lorapan.tui.screens.clone_compare import CloneCompareScreen
from lorapan.tui.screens.finding import FindingScreen
from lorapan.tui.screens.fix_preview import FixPreviewScreen
from lorapan.tui.screens.gallery import GalleryScreen
from lorapan.tui.screens.help import HelpScreen, help_text
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.set_aside import SetAsideList, SetAsideScreen
from lorapan.tui.screens.settings import SettingsScreen
from lorapan.tui.screens.tag_frequency import TagFrequencyScreen
from lorapan.tui.screens.training import TrainingScreen
from lorapan.tui.screens.training_start import StartTrainingScreen
from lorapan.tui.widgets.clone_cards import CloneCards
from lorapan.tui.widgets.file_list import FileList
from lorapan.tui.widgets.halfblocks import ThumbStore
from lorapan.tui.widgets.rules_sidebar import RulesSidebar
from lorapan.tui.widgets.suggestions import Suggestions
from lorapan.tui.widgets.tag_chips import TagChips
from lorapan.tui.widgets.thumb_grid import ThumbGrid

WIDE = (160, 48)  # the rules sidebar shows beside the list
OWNERS = {
    "app": LorapanApp,
    "main": MainScreen,
    "files": FileList,
    "chips": TagChips,
    "suggestions": Suggestions,
    "rules": RulesSidebar,
    "fix": FixPreviewScreen,
    "finding": FindingScreen,
    "caption": CaptionTextScreen,
    "settings": SettingsScreen,
    "tags": TagFrequencyScreen,
    "gallery": ThumbGrid,
    "clones": CloneCards,
    "set-aside": SetAsideList,
    "training": TrainingScreen,
    "augment": AugmentScreen,
    "start": StartTrainingScreen,
}
SCOPES = list(OWNERS)
#: where the focus must be for a binding's default key to reach its owner (elsewhere on
#: its screen the focused widget has a key of its own: ↓ moves in the tag list)
FOCUS_FOR = {"tags-to-list": "#tf-filter"}
#: keys nobody types, to remap a whole scope onto in one app run
SPARE_KEYS = [f"f{n}" for n in range(2, 25)] + [f"ctrl+f{n}" for n in range(2, 13)]


def specs_of(scope: str) -> list[KeySpec]:
    return [s for s in SPECS if s.scope == scope]


def record_actions(monkeypatch, scope: str) -> list[str]:
    """Replace the actions of ``scope``'s bindings with recorders; returns the record."""
    calls: list[str] = []
    for spec in specs_of(scope):
        owner, name = OWNERS[scope], spec.action
        if name.startswith("app."):
            owner, name = LorapanApp, name.removeprefix("app.")
        base = name.partition("(")[0]  # "checkpoint(-1)" runs action_checkpoint(-1)

        def recorder(self, *args, _base=base) -> None:
            calls.append(called(_base, args))

        monkeypatch.setattr(owner, f"action_{base}", recorder)
    return calls


def called(base: str, args: tuple) -> str:
    """How a recorded call is written: the action string a binding names."""
    return f"{base}({', '.join(map(repr, args))})" if args else base


def expected(action: str) -> str:
    """A binding's action, as :func:`called` writes the call it makes."""
    base, _, rest = action.removeprefix("app.").partition("(")
    args = ast.literal_eval(f"({rest[:-1]},)") if rest else ()
    return called(base, args)


async def reach(scope: str, app, pilot) -> None:
    """Bring up the screen or widget that owns ``scope`` and focus it (without keys)."""
    main: MainScreen = app.screen
    if scope in ("app", "main", "files"):
        main.files.focus()
    elif scope == "chips":
        main.center.chips.focus()
    elif scope == "suggestions":
        panel = main.center.suggestions
        panel.show("img_1.png", [Prediction("blue sky", 0.9, "general")])
        panel.display = True
        panel.focus()
    elif scope == "rules":
        main.sidebar.focus()
    elif scope == "fix":
        finding = Finding("tags.duplicate", "warning", "a tag twice", ["img_1.png"])
        await app.push_screen(FixPreviewScreen(finding, []))
    elif scope == "finding":
        # with a fix, as tags.duplicate has: a finding without one offers no fix key
        fix = Fix("drop the repeats", lambda ds: [], rule_id="tags.duplicate")
        finding = Finding(
            "tags.duplicate", "warning", "a tag twice", ["img_1.png", "img_2.png"], fix=fix
        )
        await app.push_screen(FindingScreen(finding, []))
    elif scope == "caption":
        from lorapan.tui.screens.main.caption_edit import ImageCaption

        await app.push_screen(CaptionTextScreen(ImageCaption(main, "img_1.png")))
    elif scope == "settings":
        await app.push_screen(SettingsScreen(app.dataset))
    elif scope == "tags":
        await app.push_screen(TagFrequencyScreen(app.dataset, lambda *a: None))
        await pilot.pause()
        app.screen.query_one("#tf-list").focus()
    elif scope == "gallery":
        rows = list(app.dataset.items)
        await app.push_screen(GalleryScreen(app.dataset, ThumbStore(), rows, "all images"))
    elif scope == "clones":
        group = CloneGroup("img_1.png", [("img_2.png", "identical"), ("img_3.png", "flipped")])
        await app.push_screen(CloneCompareScreen(app.dataset, ThumbStore(), [group], {}))
    elif scope == "set-aside":
        await app.push_screen(SetAsideScreen(app.dataset, lambda images: None))
    elif scope == "training":
        await app.push_screen(TrainingScreen(app.dataset.root))
    elif scope == "augment":
        await app.push_screen(AugmentScreen(app.dataset, ["img_1.png"]))
    elif scope == "start":
        await app.push_screen(StartTrainingScreen(app.dataset.root))
    await pilot.pause()


def help_line(app, binding_id: str) -> str:
    """The line ``?`` shows for ``binding_id`` in the running app."""
    text = str(app.screen.query_one("#help-text").render())
    return next(line for line in text.splitlines() if f"[{binding_id}]" in line)


@pytest.mark.parametrize("scope", SCOPES)
async def test_every_documented_key_runs_its_action(scope, tmp_path, monkeypatch):
    root = build_dataset(tmp_path / "data")
    calls = record_actions(monkeypatch, scope)
    app = app_for(root, tmp_path, rules=scope == "rules")  # findings to press enter on
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await reach(scope, app, pilot)
        home = app.screen.focused
        for spec in specs_of(scope):
            if spec.id in FOCUS_FOR:
                app.screen.query_one(FOCUS_FOR[spec.id]).focus()
            elif home is not None:
                home.focus()
            for key in filter(None, (k.strip() for k in spec.keys.split(","))):
                calls.clear()
                await pilot.press(key)
                assert calls[-1:] == [expected(spec.action)], (spec.id, key, calls)


@pytest.mark.parametrize("scope", SCOPES)
async def test_every_binding_moves_with_keymap_toml_and_help_shows_it(scope, tmp_path, monkeypatch):
    specs = specs_of(scope)
    moved = dict(zip((s.id for s in specs), SPARE_KEYS, strict=False))
    assert len(moved) == len(specs)
    config = tmp_path / "config"
    config.mkdir()
    (config / "keymap.toml").write_text(
        "[keys]\n" + "".join(f'{i} = "{k}"\n' for i, k in moved.items())
    )
    assert load_keymap(config) == (moved, [])
    root = build_dataset(tmp_path / "data")
    calls = record_actions(monkeypatch, scope)
    app = app_for(root, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await reach(scope, app, pilot)
        for spec in specs:
            calls.clear()
            await pilot.press(moved[spec.id])
            assert calls[-1:] == [expected(spec.action)], (spec.id, calls)
        while len(app.screen_stack) > 2:  # back to the main screen
            app.pop_screen()
        await pilot.pause()
        if scope == "app":  # help itself moved (and is recorded): open it as its action does
            await app.push_screen(HelpScreen(app.keymap))
        else:
            app.screen.files.focus()
            await pilot.press("question_mark")
        await pilot.pause()
        for spec in specs:
            assert help_line(app, spec.id).split()[0] == moved[spec.id], spec.id


def test_screen_ids_are_accepted_in_keymap_toml(tmp_path):
    (tmp_path / "keymap.toml").write_text(
        '[keys]\ntraining-start = "S"\naugment-write = "ctrl+o"\nsuggest-dismiss = "X"\n'
    )
    keymap, problems = load_keymap(tmp_path)
    assert problems == []
    assert keymap == {"training-start": "S", "augment-write": "ctrl+o", "suggest-dismiss": "X"}
    text = help_text(keymap)
    assert "Training screen (ctrl+t)" in text
    for needle in ("[training-start]", "[training-reattach]", "[augment-write]", "[fix-apply]"):
        assert needle in text
    start_line = next(line for line in text.splitlines() if "[training-start]" in line)
    assert start_line.split()[0] == "S"


def test_help_shows_keys_as_typed_not_as_textual_names_them():
    text = help_text({})
    assert text.splitlines()[0].startswith("esc, q or ? closes this")
    assert "left_square_bracket" not in text and "equals_sign" not in text
    keys = {
        line.split("[")[-1].rstrip("]"): line.split()[0]
        for line in text.splitlines()
        if line.startswith("  ") and line.endswith("]")
    }
    assert keys["training-ckpt-prev"] == "["


async def test_training_and_augment_keys_follow_the_keymap(tmp_path):
    from imagegen import flat_art

    root = tmp_path / "data"
    root.mkdir()
    for i, stem in enumerate(("img_1", "img_2")):
        flat_art((768, 768), seed=i).save(root / f"{stem}.png")  # big enough to augment
        (root / f"{stem}.txt").write_text("gob, solo\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "keymap.toml").write_text(
        '[keys]\ntraining-back = "b"\naugment-cancel = "c"\naugment-write = "ctrl+o"\n'
    )
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert isinstance(app.screen, TrainingScreen)
        await pilot.press("escape")  # no longer "back"
        await settle(app, pilot)
        assert isinstance(app.screen, TrainingScreen)
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)

        await pilot.press("G")
        await settle(app, pilot)
        assert isinstance(app.screen, AugmentScreen)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert sorted(p.name for p in root.glob("*.png")) == ["img_1.png", "img_2.png"]
        await pilot.press("G")
        await settle(app, pilot)
        await pilot.press("enter")  # remapped: enter writes nothing now
        await settle(app, pilot)
        assert isinstance(app.screen, AugmentScreen)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
    made = sorted(p.name for p in root.rglob("*.png") if p.name not in ("img_1.png", "img_2.png"))
    assert made  # the flip and grayscale the screen ticks by default
    assert caption(root, "img_1").startswith("gob")


def test_a_letter_on_a_priority_binding_is_refused_with_a_reason(tmp_path: Path):
    (tmp_path / "keymap.toml").write_text(
        '[keys]\naugment-write = "w"\nquit = "ctrl+x"\nundo = "z"\n'
    )
    keymap, problems = load_keymap(tmp_path)
    assert keymap == {"quit": "ctrl+x", "undo": "z"}
    assert len(problems) == 1 and "augment-write" in problems[0] and "typed" in problems[0]
