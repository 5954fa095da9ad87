"""Pilot tests of the reviewer app's user flows; each checks the caption files on disk.

The app runs headless on real files in tmp_path (``app_helpers``: real Dataset,
journal, atomic writes; analysis, watcher and rules off unless a test is about them).
"""

from __future__ import annotations

import pytest
from app_helpers import (
    CAPTIONS,
    SIZE,
    app_for,
    build_dataset,
    caption,
    chips,
    files,
    focus_finding,
    settle,
)
from lorapan.core.dataset import Dataset
from lorapan.tui.screens.confirm import ChoiceScreen
from lorapan.tui.screens.conflict import ConflictScreen


async def test_list_is_in_natural_order_and_j_moves(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert files(app).rows == ["img_1.png", "img_2.png", "img_3.png", "img_10.png"]
        await pilot.press("j", "j")
        assert files(app).current == "img_3.png"
        assert chips(app).tags == ("gob", "1girl", "long hair", "outdoors")
        await pilot.press("k")
        assert files(app).current == "img_2.png"
        await pilot.press("a", *"blue sky", "enter")
        await settle(app, pilot)
    assert caption(ds_root, "img_2") == "gob, solo, smile, indoors, blue sky"
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"]
    assert caption(ds_root, "img_3") == CAPTIONS["img_3"]


async def test_filter_by_query_then_edit_only_touches_matches(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"outdoors AND solo", "enter")
        await settle(app, pilot)
        assert files(app).rows == ["img_1.png"]
        await pilot.press("slash")
        app.screen.query_one("#filter").value = ""
        await pilot.press(*"outdoors", "enter")
        await settle(app, pilot)
        assert files(app).rows == ["img_1.png", "img_3.png"]
        await pilot.press("asterisk", "a", *"sunlight", "enter")
        await settle(app, pilot)
    assert caption(ds_root, "img_1").endswith("sunlight")
    assert caption(ds_root, "img_3").endswith("sunlight")
    assert "sunlight" not in caption(ds_root, "img_2")
    assert "sunlight" not in caption(ds_root, "img_10")


async def test_bad_query_keeps_the_list_and_says_why(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"solo AND (", "enter")
        await settle(app, pilot)
        assert len(files(app).rows) == 4
        assert "missing" in app.screen.query_one("#filter").border_subtitle or any(
            "ends too early" in n.message for n in app._notifications
        )


async def test_multi_select_shows_shares_and_edits_the_selection(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("space")  # selects img_1, moves to img_2
        await pilot.press("shift+down", "J")  # img_2, img_3: one image a key
        await settle(app, pilot)
        assert files(app).selection == {"img_1.png", "img_2.png", "img_3.png"}
        chip = chips(app)
        assert chip.total == 3
        assert chip.shares["gob"] == 3 and chip.shares["solo"] == 2
        chip.focus()
        chip.cursor = chip.tags.index("solo")
        await pilot.press("d")
        await settle(app, pilot)
    assert caption(ds_root, "img_1") == "gob, red hair, outdoors"
    assert caption(ds_root, "img_2") == "gob, smile, indoors"
    assert caption(ds_root, "img_3") == CAPTIONS["img_3"]
    assert caption(ds_root, "img_10") == CAPTIONS["img_10"]  # not selected


async def test_remove_rename_and_move_to_front(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t", "right", "right", "d")  # delete "red hair"
        await settle(app, pilot)
        assert caption(ds_root, "img_1") == "gob, solo, outdoors"
        await pilot.press("left", "r", "ctrl+u", *"alone", "enter")  # rename "solo"
        await settle(app, pilot)
        assert caption(ds_root, "img_1") == "gob, alone, outdoors"
        await pilot.press("t", "right", "right", "f")  # "outdoors" to front
        await settle(app, pilot)
        # right after the dataset's anchor, which keep_tokens = 1 holds first (as
        # `lorapan edit --front` does), and the app says why
        assert caption(ds_root, "img_1") == "gob, outdoors, alone"
        assert any("kept 'gob' first" in n.message for n in app._notifications)
        await pilot.press("shift+right")  # move it back one place
        await settle(app, pilot)
        assert caption(ds_root, "img_1") == "gob, alone, outdoors"
        assert chips(app).tags == ("gob", "alone", "outdoors")


async def test_a_chip_does_not_move_in_front_of_the_anchor(ds_root, tmp_path):
    """The first tag (here 'gob', in every caption) is what keep_tokens = 1 holds: moving
    another tag before it writes nothing and says why; the cursor stays on the tag."""
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t", "right", "shift+left")  # "solo" before "gob"
        await settle(app, pilot)
        assert caption(ds_root, "img_1") == CAPTIONS["img_1"]
        assert any("kept 'gob' first" in n.message for n in app._notifications)
        assert chips(app).tags == ("gob", "solo", "red hair", "outdoors")
        assert chips(app).current_tag == "solo"  # the cursor stays with the tag


async def test_undo_and_redo_rewrite_the_file(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a", *"rain", "enter")
        await settle(app, pilot)
        assert caption(ds_root, "img_1").endswith(", rain")
        await pilot.press("u")
        await settle(app, pilot)
        assert caption(ds_root, "img_1") == CAPTIONS["img_1"]
        assert chips(app).tags == tuple(CAPTIONS["img_1"].split(", "))
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert caption(ds_root, "img_1").endswith(", rain")
        status = str(app.screen.query_one("#status").render())
        assert "✓ redo: add rain" in status


async def test_u_types_into_the_tag_input_instead_of_undoing(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a", *"rain", "enter")
        await settle(app, pilot)
        await pilot.press("a", *"umbrella", "ctrl+r", "enter")
        await settle(app, pilot)
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"] + ", rain, umbrella"


async def test_switch_theme_persists_and_leaves_captions_alone(ds_root, tmp_path):
    before = {p.name: p.read_bytes() for p in ds_root.glob("*.txt")}
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first = app.theme
        await pilot.press("T")
        await settle(app, pilot)
        chosen = app.theme
        assert chosen != first
    saved = (tmp_path / "config" / "config.toml").read_text()
    assert f'theme = "{chosen}"' in saved
    assert {p.name: p.read_bytes() for p in ds_root.glob("*.txt")} == before
    again = app_for(ds_root, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        assert again.theme == chosen


async def test_tag_frequency_renames_across_dataset_and_jumps(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("F")
        await settle(app, pilot)
        await pilot.press(*"outdo", "enter")  # the filter box has the focus
        await settle(app, pilot)
        assert app.screen.current_tag == "outdoors"
        await pilot.press("r", "ctrl+u", *"outside", "enter")
        await settle(app, pilot)
        # the list shows the tag under its new name, with its count, ready to jump to
        assert app.screen.query_one("#tf-filter").value == "outside"
        assert app.screen.rows == [("outside", 2)] and app.screen.current_tag == "outside"
        await pilot.press("enter")
        await settle(app, pilot)
        assert files(app).rows == ["img_1.png", "img_3.png"]
    assert caption(ds_root, "img_1") == "gob, solo, red hair, outside"
    assert caption(ds_root, "img_3") == "gob, 1girl, long hair, outside"
    assert caption(ds_root, "img_2") == CAPTIONS["img_2"]


async def test_conflict_keep_ours_replans_on_the_disk_version(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        (ds_root / "img_1.txt").write_text("gob, solo, hat\n")  # another program
        await pilot.press("a", *"rain", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("k")
        await settle(app, pilot)
        assert chips(app).tags == ("gob", "solo", "hat", "rain")
    assert caption(ds_root, "img_1") == "gob, solo, hat, rain"


async def test_conflict_reload_takes_the_disk_version(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        (ds_root / "img_1.txt").write_text("gob, solo, hat\n")
        await pilot.press("a", *"rain", "enter")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert chips(app).tags == ("gob", "solo", "hat")
    assert caption(ds_root, "img_1") == "gob, solo, hat"


@pytest.mark.parametrize("choice, expected", [("f", "gob, finished"), ("r", CAPTIONS["img_1"])])
async def test_interrupted_edit_offers_finish_or_roll_back(ds_root, tmp_path, choice, expected):
    ds = Dataset.open(ds_root)
    before = (ds_root / "img_1.txt").read_bytes()
    ds.journal.begin("crashed edit", [("img_1.txt", before, b"gob, finished\n")])
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press(choice)
        await settle(app, pilot)
        assert not app.dataset.journal.incomplete()
        assert chips(app).tags == tuple(expected.split(", "))
    assert caption(ds_root, "img_1") == expected


async def test_bulk_edit_runs_in_a_worker_and_writes_every_file(tmp_path):
    caps = {f"b_{i}": f"gob, n{i}" for i in range(90)}
    root = build_dataset(tmp_path / "bulk", caps)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("asterisk", "a", *"bulk", "enter")
        await settle(app, pilot)
        assert app.screen.busy_label is None
        await pilot.press("u")
        await settle(app, pilot)
        assert all(caption(root, s) == c for s, c in caps.items())
        await pilot.press("ctrl+r")
        await settle(app, pilot)
    assert all(caption(root, s) == c + ", bulk" for s, c in caps.items())


async def test_outside_change_reaches_the_chips_through_the_watcher(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        (ds_root / "img_1.txt").write_text("gob, written elsewhere\n")
        for _ in range(100):
            await pilot.pause(0.1)
            if chips(app).tags == ("gob", "written elsewhere"):
                break
        assert chips(app).tags == ("gob", "written elsewhere")
        await pilot.press("a", *"ours", "enter")
        await settle(app, pilot)
    assert caption(ds_root, "img_1") == "gob, written elsewhere, ours"


async def test_unreadable_image_shows_why(tmp_path):
    root = build_dataset(tmp_path / "data", {"a": "gob"})
    (root / "b.png").write_text("this is not a picture")
    (root / "b.txt").write_text("gob, broken\n")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        preview = app.screen.query_one("Preview")
        assert preview.thumb is not None and preview.thumb.image is None
        assert "text file" in preview.thumb.error
        caption_line = str(app.screen.query_one("#preview-caption").render())
        assert "unreadable" in caption_line
        await pilot.press("a", *"still editable", "enter")
        await settle(app, pilot)
    assert caption(root, "b") == "gob, broken, still editable"


async def test_keymap_file_remaps_undo(ds_root, tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "keymap.toml").write_text('[keys]\nundo = "z"\n')
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a", *"rain", "enter")
        await settle(app, pilot)
        await pilot.press("u")  # no longer undo
        await settle(app, pilot)
        assert caption(ds_root, "img_1").endswith("rain")
        await pilot.press("z")
        await settle(app, pilot)
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"]


async def test_help_lists_every_binding_with_its_key(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        text = str(app.screen.query_one("#help-text").render())
        for needle in (
            "Undo",
            "ctrl+r",
            "[tag-add]",
            "shift+down",
            "Query" if False else "tags>30",
        ):
            assert needle in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert files(app) is not None


async def test_palette_runs_an_action_by_name(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"All tags", "enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "TagFrequencyScreen"


async def test_sort_by_tag_count(tmp_path):
    root = build_dataset(tmp_path / "d", {"a2": "x", "a10": "x, y, z", "a1": "x, y"})
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert files(app).rows == ["a1.png", "a2.png", "a10.png"]
        await pilot.press("s")
        await settle(app, pilot)
        assert files(app).rows == ["a10.png", "a1.png", "a2.png"]


async def test_apply_a_fix_from_the_sidebar_then_undo(tmp_path):
    caps = dict(CAPTIONS, img_2="gob, solo, smile, indoors, solo")
    root = build_dataset(tmp_path / "data", caps)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        findings = app.screen.image_findings
        warnings_before = findings["img_2.png"][1]  # counted from the live rules report
        assert warnings_before >= 1
        await focus_finding(app, pilot, "tags.duplicate")
        await pilot.press("enter")  # show its images
        await settle(app, pilot)
        assert files(app).rows == ["img_2.png"]
        await focus_finding(app, pilot, "tags.duplicate")
        await pilot.press("f")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "FixPreviewScreen"
        await pilot.press("enter")
        await settle(app, pilot)
        assert caption(root, "img_2") == "gob, solo, smile, indoors"
        await settle(app, pilot)
        assert app.screen.image_findings.get("img_2.png", (0, 0))[1] == warnings_before - 1
        await pilot.press("u")
        await settle(app, pilot)
    assert caption(root, "img_2") == caps["img_2"]


async def test_the_fix_preview_names_the_kind_it_writes_and_u_takes_it_back(tmp_path):
    """Under an inferred kind a fix writes that kind with its captions (kind_pin): the
    preview says so before enter, and one u reverts the captions and lorapan.toml."""
    caps = {f"img_{i}": f"gob, 1girl, solo, smile {i}" for i in range(4)}
    caps["img_1"] = "gob, 1girl, solo, smile, smile"
    root = build_dataset(tmp_path / "data", caps)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await focus_finding(app, pilot, "tags.duplicate")
        await pilot.press("f")
        await settle(app, pilot)
        note = str(app.screen.query_one("#fix-note").render())
        assert "kind = 'character'" in note and "u reverts it with the captions" in note
        await pilot.press("enter")
        await settle(app, pilot)
        assert caption(root, "img_1") == "gob, 1girl, solo, smile"
        assert 'kind = "character"' in (root / "lorapan.toml").read_text()
        await pilot.press("u")
        await settle(app, pilot)
    assert caption(root, "img_1") == caps["img_1"] and not (root / "lorapan.toml").exists()


async def test_long_list_scrolls_to_the_last_row_and_refilters(tmp_path):
    """The file list sizes rows itself (one line each): end, filter and back stay right."""
    caps = {f"n_{i}": "gob, many" if i % 100 else "gob, rare" for i in range(600)}
    root = build_dataset(tmp_path / "long", caps)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert files(app).virtual_size.height == 600
        await pilot.press("end")
        await settle(app, pilot)
        assert files(app).current == "n_599.png"
        screen_text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "n_599.png" in screen_text
        await pilot.press("slash", *"rare", "enter")
        await settle(app, pilot)
        assert files(app).rows == [f"n_{i}.png" for i in range(0, 600, 100)]
        assert files(app).virtual_size.height == 6
        await pilot.press("escape")
        await settle(app, pilot)
        assert files(app).virtual_size.height == 600


async def test_a_worker_that_raises_is_shown_and_fails_settle(ds_root, tmp_path, monkeypatch):
    """Workers post their failures as messages; one that raises anyway is a bug the user
    is told about and a test cannot miss."""
    from lorapan.tui import workers

    def broken(*args):
        raise RuntimeError("boom in the tagger cache")

    monkeypatch.setattr(workers, "load_tagger_results", broken)
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.load_tagger_results()
        with pytest.raises(AssertionError, match="boom in the tagger cache"):
            await settle(app, pilot)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == ["tagger cache failed: boom in the tagger cache"]
        app.worker_failures.clear()


async def test_a_failed_bulk_edit_says_so_and_editing_goes_on(tmp_path, monkeypatch):
    caps = {f"b_{i}": f"gob, n{i}" for i in range(90)}
    root = build_dataset(tmp_path / "bulk", caps)
    real_apply = Dataset.apply_changes

    def failing(self, changes, label):
        changes = list(changes)
        if len(changes) > 64:
            raise OSError("disk full")
        return real_apply(self, changes, label)

    monkeypatch.setattr(Dataset, "apply_changes", failing)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("asterisk", "a", *"bulk", "enter")
        await settle(app, pilot)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == ["add bulk failed: disk full"]
        assert app.screen.busy_label is None
        await pilot.press("escape", "a", *"one", "enter")  # a small edit still works
        await settle(app, pilot)
    assert caption(root, "b_0") == "gob, n0, one"
    assert caption(root, "b_1") == "gob, n1"
