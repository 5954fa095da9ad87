"""The preview setting: halfcell by default and as the fallback; sixel/tgp via textual-image."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from app_helpers import SIZE, app_for, build_dataset, settle, wait_for
from lorapan.tui.image_modes import resolve
from lorapan.tui.widgets.preview import Preview

HAVE_TEXTUAL_IMAGE = importlib.util.find_spec("textual_image") is not None


def without_textual_image(monkeypatch) -> None:
    """Make ``import textual_image...`` fail as it does where the extra is not installed."""
    for name in list(sys.modules):
        if name == "textual_image" or name.startswith("textual_image."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "textual_image", None)


@pytest.mark.parametrize("mode", ["sixel", "tgp"])
def test_graphics_modes_fall_back_to_halfcell_without_textual_image(monkeypatch, mode):
    without_textual_image(monkeypatch)
    backend = resolve(mode)
    assert backend.mode == "halfcell" and backend.widget is None
    assert "pip install textual-image" in backend.note


def test_auto_without_textual_image_is_halfcell_quietly(monkeypatch):
    without_textual_image(monkeypatch)
    assert resolve("auto").mode == "halfcell" and resolve("auto").note is None


def test_a_browser_session_gets_halfcell(monkeypatch):
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    backend = resolve("sixel")
    assert backend.mode == "halfcell" and "browser" in backend.note


async def test_app_asked_for_sixel_without_textual_image_draws_halfcell(monkeypatch, tmp_path):
    without_textual_image(monkeypatch)
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path, preview="sixel")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        preview = app.screen.query_one(Preview)
        await wait_for(pilot, lambda: preview.image_widget.showing_picture)
        assert preview.graphics_widget is None
        assert any("textual-image" in n.message for n in app._notifications)


@pytest.mark.skipif(not HAVE_TEXTUAL_IMAGE, reason="textual-image is not installed (optional)")
async def test_app_with_textual_image_shows_the_picture_as_sixel(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path, preview="sixel")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        preview = app.screen.query_one(Preview)
        graphics = preview.graphics_widget
        assert type(graphics).__module__ == "textual_image.widget.sixel"
        await wait_for(pilot, lambda: graphics.image is not None)
        assert graphics.display and not preview.image_widget.display
        # fitted to the pane in pixels (cell size x cells), aspect kept (96x64 source)
        w, h = graphics.image.size
        assert abs(w / h - 96 / 64) < 0.05
        await pilot.press("p")  # preview off: a message instead of the picture
        await settle(app, pilot)
        assert not graphics.display and preview.image_widget.display
