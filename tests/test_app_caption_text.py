"""The caption as text: edited in the app's text area or in $EDITOR, saved through the
journal (u undoes it), with the conflict check; leaving with changes asks first."""

from __future__ import annotations

import contextlib
import sys

from app_helpers import CAPTIONS, SIZE, app_for, caption, files, settle
from lorapan.tui.screens.caption_text import CaptionTextScreen
from lorapan.tui.screens.confirm import ChoiceScreen
from lorapan.tui.screens.main import MainScreen
from textual.widgets import TextArea

PROSE = "gob, a goblin with a third eye reads a scroll by candlelight, smiling"


async def _open_text(app, pilot) -> TextArea:
    await pilot.press("o")
    await pilot.pause()
    assert isinstance(app.screen, CaptionTextScreen)
    return app.screen.query_one(TextArea)


async def test_edit_the_caption_as_text_save_and_undo(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        area = await _open_text(app, pilot)
        assert area.text == CAPTIONS["img_1"] + "\n"
        area.load_text(PROSE + "\n")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert caption(ds_root, "img_1") == PROSE
        assert app.screen.center.chips.tags[-1] == "smiling"
        await pilot.press("u")
        await settle(app, pilot)
    assert (ds_root / "img_1.txt").read_text() == CAPTIONS["img_1"] + "\n"


async def test_leaving_with_changes_asks_and_discard_writes_nothing(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        area = await _open_text(app, pilot)
        await pilot.press("end", *", rain")
        assert area.text.startswith(CAPTIONS["img_1"] + ", rain")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("e")  # go on editing
        assert isinstance(app.screen, CaptionTextScreen)
        await pilot.press("escape", "d")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"]


async def test_a_caption_changed_on_disk_meanwhile_is_not_overwritten_unasked(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        area = await _open_text(app, pilot)
        (ds_root / "img_1.txt").write_text("gob, written by a script\n")
        area.load_text("gob, mine\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert caption(ds_root, "img_1") == "gob, written by a script"
        await pilot.press("r")  # show the disk's version; my text is dropped
        await pilot.pause()
        assert isinstance(app.screen, CaptionTextScreen)
        assert area.text == "gob, written by a script\n"
        area.load_text("gob, mine after all\n")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
    assert caption(ds_root, "img_1") == "gob, mine after all"


EDITOR = (
    "import sys, pathlib; p = pathlib.Path(sys.argv[1]); "
    "p.write_text(p.read_text().replace('outdoors', 'sunset'))"
)


async def test_E_edits_the_caption_in_EDITOR_and_saves_on_exit(ds_root, tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f'{sys.executable} -c "{EDITOR}"')
    app = app_for(ds_root, tmp_path)
    # headless Pilot runs cannot suspend: the editor runs in the test's own terminal
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("E")
        await settle(app, pilot)
        assert "caption text of img_1.png" in str(app.screen.query_one("#status").render())
        await pilot.press("j", "E")  # img_2 has no "outdoors": unchanged, nothing written
        await settle(app, pilot)
        assert files(app).current == "img_2.png"
    assert caption(ds_root, "img_1") == "gob, solo, red hair, sunset"
    assert caption(ds_root, "img_2") == CAPTIONS["img_2"]


async def test_without_EDITOR_the_app_says_how_to_set_it(ds_root, tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("E")
        await settle(app, pilot)
        assert any("set $EDITOR" in n.message for n in app._notifications)
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"]


async def test_a_long_prose_tag_shows_in_full_wrapped_in_the_chips(tmp_path):
    from app_helpers import build_dataset, chips

    sentence = "a goblin with a third eye reads an enormous scroll by candlelight in a cave"
    root = build_dataset(tmp_path / "data", {"img_1": f"gob, {sentence}, smiling"})
    app = app_for(root, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        widget = chips(app)
        width = widget.content_region.width
        assert len(sentence) > width  # wider than the pane
        lines = str(widget.render()).replace("\N{NO-BREAK SPACE}", " ").split("\n")
        assert len(lines) >= 3 and all(len(line) <= width for line in lines)
        assert sentence in " ".join(line.strip() for line in lines)
        assert "…" not in "".join(lines)
        await pilot.press("t", "right", "d")  # the wrapped chip is one chip
        await settle(app, pilot)
    assert caption(root, "img_1") == "gob, smiling"
