"""Every screen's keys are in the keymap table: remappable by id and listed in help."""

from __future__ import annotations

import pytest
from app_helpers import SIZE, app_for, caption, settle
from lorapan.tui.keymap import SPEC_BY_ID, SPECS, load_keymap
from lorapan.tui.screens.augment import AugmentScreen
from lorapan.tui.screens.fix_preview import FixPreviewScreen
from lorapan.tui.screens.help import help_text
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.training import TrainingScreen
from lorapan.tui.screens.training_start import StartTrainingScreen
from lorapan.tui.widgets.rules_sidebar import RulesSidebar
from lorapan.tui.widgets.suggestions import Suggestions

WITH_IDS = [TrainingScreen, Suggestions, RulesSidebar, FixPreviewScreen, StartTrainingScreen]


@pytest.mark.parametrize("owner", WITH_IDS, ids=lambda c: c.__name__)
def test_table_matches_the_bindings_a_screen_declares(owner):
    declared = [b for b in owner.BINDINGS if getattr(b, "id", None)]
    assert declared
    for binding in declared:
        spec = SPEC_BY_ID[binding.id]
        assert (spec.keys, spec.action) == (binding.key, binding.action), binding.id


def test_augment_table_matches_its_bindings():
    declared = {(b.key, b.action) for b in AugmentScreen.BINDINGS}
    assert declared == {(s.keys, s.action) for s in SPECS if s.scope == "augment"}


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
    async with app.run_test(size=SIZE) as pilot:
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


def test_a_letter_on_a_priority_binding_is_refused_with_a_reason(tmp_path):
    from lorapan.tui.keymap import load_keymap

    (tmp_path / "keymap.toml").write_text(
        '[keys]\naugment-write = "w"\nquit = "ctrl+x"\nundo = "z"\n'
    )
    keymap, problems = load_keymap(tmp_path)
    assert keymap == {"quit": "ctrl+x", "undo": "z"}
    assert len(problems) == 1 and "augment-write" in problems[0] and "typed" in problems[0]
