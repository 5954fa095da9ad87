"""A caption that holds a tag twice: a chip's key changes that chip, not its twin."""

from __future__ import annotations

from app_helpers import SIZE, app_for, build_dataset, caption, chips, settle

TWICE = {"img_1": "gob, red hair, solo, red hair", "img_2": "gob, red hair, smile"}


async def test_deleting_one_of_two_identical_tags_keeps_the_other(tmp_path):
    root = build_dataset(tmp_path / "data", TWICE)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t", "right", "right", "right")  # the second "red hair"
        assert chips(app).current_tag == "red hair" and chips(app).cursor == 3
        await pilot.press("d")
        await settle(app, pilot)
        assert chips(app).tags == ("gob", "red hair", "solo")
        await pilot.press("u")
        await settle(app, pilot)
    assert caption(root, "img_1") == TWICE["img_1"]


async def test_moving_the_second_occurrence_moves_it_and_a_rename_renames_it_only(tmp_path):
    root = build_dataset(tmp_path / "data", TWICE)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t", "right", "right", "right", "shift+left")
        await settle(app, pilot)
        assert caption(root, "img_1") == "gob, red hair, red hair, solo"
        await pilot.press("r")
        app.screen.center.tag_input.value = ""
        await pilot.press(*"blue hair", "enter")
        await settle(app, pilot)
    assert caption(root, "img_1") == "gob, red hair, blue hair, solo"


async def test_a_selection_deletes_the_tag_everywhere_it_is(tmp_path):
    root = build_dataset(tmp_path / "data", TWICE)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("asterisk", "t", "right")  # the union chip "red hair"
        await pilot.press("d")
        await settle(app, pilot)
    assert caption(root, "img_1") == "gob, solo"
    assert caption(root, "img_2") == "gob, smile"
