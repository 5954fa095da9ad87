"""The rules sidebar and fix preview in a small host app over a real dataset."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Finding
from lorapan.core.settings import load_settings, save_settings
from lorapan.tui.screens.fix_preview import FixPreviewScreen
from lorapan.tui.widgets.rules_sidebar import RulesSidebar
from textual.app import App, ComposeResult
from textual.widgets import Static


class Host(App):
    """The host's part of the contract: filter, preview + apply, tick."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.ds = Dataset.open(root)
        self.engine = RulesEngine(self.ds)
        self.filtered: list[list[str]] = []
        self.previews: list[Finding] = []

    def compose(self) -> ComposeResult:
        yield RulesSidebar(id="rules")

    @property
    def sidebar(self) -> RulesSidebar:
        return self.query_one(RulesSidebar)

    def on_mount(self) -> None:
        self.engine.subscribe(self.sidebar.show_report)
        self.sidebar.show_report(self.engine.check())
        self.sidebar.focus()

    def on_rules_sidebar_filter_images(self, message: RulesSidebar.FilterImages) -> None:
        self.filtered.append(message.images)

    def on_rules_sidebar_preview_fix(self, message: RulesSidebar.PreviewFix) -> None:
        finding = message.finding
        self.previews.append(finding)

        def done(apply: bool | None) -> None:
            if apply:
                self.engine.apply_fix(finding)

        self.push_screen(FixPreviewScreen(finding, finding.fix.plan(self.ds)), done)

    def on_rules_sidebar_tick(self, message: RulesSidebar.Tick) -> None:
        self.ds.settings.tick(message.item_id, message.ticked)
        save_settings(self.ds.root, self.ds.settings)
        self.engine.settings_changed()
        self.sidebar.show_report(self.engine.check())


async def move_to(pilot, sidebar: RulesSidebar, key: str) -> None:
    for _ in range(200):
        item = sidebar.current()
        if isinstance(item, Finding) and item.key == key or getattr(item, "id", None) == key:
            return
        await pilot.press("down")
    raise AssertionError(f"{key} not reached")


async def test_enter_filters_to_the_findings_images(tmp_path: Path) -> None:
    app = Host(rf.character(tmp_path / "c", clean=False))
    async with app.run_test(size=(60, 40)) as pilot:
        first = app.sidebar.current()
        assert isinstance(first, Finding) and first.severity == "error"
        await move_to(pilot, app.sidebar, "tags.blacklist")
        await pilot.press("enter")
        assert app.filtered[-1] == ["img000.png"]
        readiness = str(app.sidebar.query_one("#readiness", Static).render())
        assert "error(s) to fix" in readiness and "numRepeats" in readiness


async def test_fix_preview_apply_writes_and_updates_the_sidebar(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c", clean=False)
    before = rf.snapshot_bytes(root)
    app = Host(root)
    async with app.run_test(size=(80, 40)) as pilot:
        await move_to(pilot, app.sidebar, "tags.blacklist")
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FixPreviewScreen)
        rows = [str(s.render()) for s in screen.query(".fix-row")]
        assert rows == ["img000.png  −muscular"]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, FixPreviewScreen)
        assert "muscular" not in (root / "img000.txt").read_text()
        assert not app.sidebar.report.find("tags.blacklist")
        app.ds.undo()
        await pilot.pause()
        assert rf.snapshot_bytes(root) == before
        assert app.sidebar.report.find("tags.blacklist")


async def test_fix_preview_escape_changes_nothing(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c", clean=False)
    before = rf.snapshot_bytes(root)
    app = Host(root)
    async with app.run_test(size=(80, 40)) as pilot:
        await move_to(pilot, app.sidebar, "tags.hair-unique")
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FixPreviewScreen)
        rows = [str(s.render()) for s in app.screen.query(".fix-row")]
        assert any("+green_gob_hair" in r and "−long hair" in r for r in rows)
        await pilot.press("escape")
        await pilot.pause()
        assert rf.snapshot_bytes(root) == before
        assert app.previews[-1].rule_id == "tags.hair-unique"


async def test_f_on_a_finding_without_fix_posts_nothing(tmp_path: Path) -> None:
    app = Host(rf.character(tmp_path / "c", clean=False))
    async with app.run_test(size=(80, 40)) as pilot:
        await move_to(pilot, app.sidebar, "tags.conflict")
        await pilot.press("f")
        await pilot.pause()
        assert app.previews == [] and not isinstance(app.screen, FixPreviewScreen)


async def test_space_ticks_a_manual_item_and_saves_it(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c")
    app = Host(root)
    async with app.run_test(size=(80, 50)) as pilot:
        await move_to(pilot, app.sidebar, "lateral-sides")
        await pilot.press("space")
        await pilot.pause()
        assert load_settings(root).checklist["lateral-sides"] is True
        item = app.sidebar.current()
        assert item.id == "lateral-sides" and item.ticked  # cursor kept on the item
        await pilot.press("space")
        await pilot.pause()
        assert load_settings(root).checklist["lateral-sides"] is False


def test_sidebar_snapshot(tmp_path: Path, snap_compare) -> None:
    root = rf.character(tmp_path / "c", clean=False)
    assert snap_compare(Host(root), terminal_size=(60, 30))


async def test_stem_collision_shows_in_the_sidebar(tmp_path: Path) -> None:
    app = Host(rf.stem_collision(tmp_path / "d"))
    async with app.run_test(size=(80, 50)) as pilot:
        await move_to(pilot, app.sidebar, "pair.stem-collision")
        assert app.sidebar.current().severity == "warning"
        await pilot.press("enter")
        assert app.filtered[-1] == ["a.jpg", "a.png"]


class PreviewHost(App):
    """Shows one fix's preview, the way the main screen does."""

    def __init__(self, finding: Finding, changes: list) -> None:
        super().__init__()
        self.finding, self.changes = finding, changes

    def on_mount(self) -> None:
        self.push_screen(FixPreviewScreen(self.finding, self.changes))


def _preview_texts(screen: FixPreviewScreen) -> dict[str, str]:
    return {w.id: str(w.render()) for w in screen.query(Static) if w.id}


async def test_a_settings_only_fix_is_undone_with_u() -> None:
    from lorapan.core.rules.model import Fix

    fix = Fix("set style tag 'x style'", lambda ds: [], "tags.style", settings={"style_tag": "x"})
    finding = Finding("tags.style", "warning", "no style tag is set", [], fix)
    app = PreviewHost(finding, [])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        texts = _preview_texts(app.screen)
        assert texts["fix-title"].endswith("— no caption changes")
        assert texts["fix-note"].endswith("(u reverts it)")  # journaled like a caption edit
        assert "apply (undo: u)" in texts["fix-keys"]


async def test_a_fix_with_captions_and_a_setting_says_what_undo_reverts() -> None:
    from lorapan.core.edits import TagChange
    from lorapan.core.rules.model import Fix

    change = TagChange("a.png", ("girl",), ("girl", "x style"))
    fix = Fix("set style tag", lambda ds: [change], "tags.style", settings={"style_tag": "x"})
    app = PreviewHost(Finding("tags.style", "warning", "m", ["a.png"], fix), [change])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        texts = _preview_texts(app.screen)
        assert texts["fix-title"].endswith("— 1 caption")
        assert "u reverts it with the captions" in texts["fix-note"]
        assert "apply (undo: u)" in texts["fix-keys"]


def test_a_field_split_reads_as_words_not_the_sentence_twice() -> None:
    from lorapan.core.edits import TagChange
    from lorapan.tui.screens.fix_preview import change_text

    sentence = "A young man smiles at the viewer in a yurt"
    change = TagChange("01.jpg", (f"[kose_token] {sentence}",), ("[kose token]", sentence))
    row = str(change_text(change))
    assert row.count(sentence) == 0
    assert "'[kose_token]' taken off the front of a sentence" in row
    assert "'[kose token]' first" in row
    plain = TagChange("02.jpg", ("gob", "muscular"), ("gob",))
    assert str(change_text(plain)) == "02.jpg  −muscular"
