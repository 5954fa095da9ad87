"""The settings screen writes lorapan.toml through core (other keys kept, messages from
core under each field), and lorapan.toml changed outside is taken live, like captions."""

from __future__ import annotations

from app_helpers import SIZE, app_for, settle, wait_for
from lorapan.tui.screens.confirm import ChoiceScreen
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.settings import SettingsScreen
from lorapan.tui.widgets.status_bar import StatusBar
from textual.widgets import Input, Select, Static

TOML = '# notes kept\n[dataset]\nkind = "character"\n\n[tagger]\nmodel = "~/wd"\n'


def status(app) -> str:
    return str(app.screen.query_one(StatusBar).render())


def message(screen, field: str) -> Static:
    return screen.query_one(f"#set-{field}-msg", Static)


async def test_settings_are_edited_checked_and_saved_keeping_other_keys(ds_root, tmp_path):
    (ds_root / "lorapan.toml").write_text(TOML)
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("O")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#set-kind", Select).value = "style"
        await pilot.press("down")  # kind → name
        assert screen.focused is screen.query_one("#set-name", Input)
        await pilot.press(*"Gob", "down", *"gob", "down", "down")
        ext = screen.query_one("#set-caption-extension", Input)
        assert screen.focused is ext
        await pilot.press("ctrl+u", *"txt")
        await pilot.pause()
        assert "must look like '.txt'" in str(message(screen, "caption-extension").render())
        await pilot.press("ctrl+s")  # refused: the field says why
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert "style" not in (ds_root / "lorapan.toml").read_text()
        await pilot.press("home", ".")
        await pilot.pause()
        assert "must look" not in str(message(screen, "caption-extension").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        await wait_for(pilot, lambda: app.dataset.settings.kind == "style")
        await settle(app, pilot)
        assert "Gob · style" in status(app)
    text = (ds_root / "lorapan.toml").read_text()
    assert 'kind = "style"' in text and 'name = "Gob"' in text and 'core_tag = "gob"' in text
    assert 'model = "~/wd"' in text  # a table lorapan's form does not edit


async def test_leaving_with_changes_asks_first(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("O", "down", *"Gob", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert not (ds_root / "lorapan.toml").exists()


async def test_lorapan_toml_changed_outside_is_taken_live(ds_root, tmp_path):
    (ds_root / "lorapan.toml").write_text(TOML)
    app = app_for(ds_root, tmp_path, watch=True, rules=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: app.screen.report is not None)
        assert app.screen.report.readiness.kind == "character"
        (ds_root / "lorapan.toml").write_text(TOML.replace("character", "style"))
        await wait_for(pilot, lambda: app.dataset.settings.kind == "style", rounds=600)
        await wait_for(pilot, lambda: app.screen.report.readiness.kind == "style", rounds=600)
        assert "style" in status(app)
        (ds_root / "lorapan.toml").write_text('[dataset]\nkind = "sty')  # half-saved
        await wait_for(
            pilot,
            lambda: any("not valid TOML" in n.message for n in app._notifications),
            rounds=600,
        )
        assert app.dataset.settings.kind == "style"  # kept
