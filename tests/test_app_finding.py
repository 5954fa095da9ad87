"""A finding in full: the whole message, its fix's changes per image, go to an image,
apply the fix; j/k move in the sidebar and the cursors stay put after a fix."""

from __future__ import annotations

from dataclasses import replace

from app_helpers import app_for, build_dataset, caption, files, settle, wait_for
from lorapan.core.rules.model import Finding
from lorapan.tui.screens.finding import FindingScreen
from lorapan.tui.screens.main import MainScreen

WIDE = (160, 48)
CAPTIONS = {
    "img_1": "gob, solo, red hair, outdoors",
    "img_2": "gob, solo, smile, indoors",
    "img_3": "gob, 1girl, long hair, outdoors",
    "img_10": "gob, solo, night",
}


def styled(root):
    """The guide's style tag stated: tags.style then lists the captions that lack it."""
    (root / "lorapan.toml").write_text('[dataset]\nstyle_tag = "anime screencap"\n')
    return root


async def _to_finding(app, pilot, rule_id: str) -> Finding:
    """Rules sidebar, then j until its cursor is on ``rule_id``."""
    await wait_for(pilot, lambda: app.screen.report is not None)
    await pilot.press("R")
    await pilot.pause()
    return await _down_to(app, pilot, rule_id)


async def _down_to(app, pilot, rule_id: str) -> Finding:
    """j in the focused sidebar until its cursor is on ``rule_id``."""
    sidebar = app.screen.sidebar
    for _ in range(30):
        item = sidebar.current()
        if isinstance(item, Finding) and item.rule_id == rule_id:
            return item
        await pilot.press("j")
    raise AssertionError(f"{rule_id} not in the sidebar")


def status(app) -> str:
    return str(app.screen.query_one("StatusBar").render())


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_the_detail_shows_the_whole_message_and_goes_to_an_image(tmp_path):
    root = styled(build_dataset(tmp_path / "data", CAPTIONS))
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        finding = await _to_finding(app, pilot, "tags.style")
        assert len(finding.message) > 90  # the sidebar cuts it
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FindingScreen)
        message = text_of(screen, "#fd-message")
        assert " ".join(message.split()) == finding.message  # wrapped, not cut
        assert "…" not in message
        rows = screen.rows
        assert [r for r, _ in rows] == ["img_1.png", "img_2.png", "img_3.png", "img_10.png"]
        assert all(change == "+anime screencap" for _, change in rows)
        await pilot.press("j", "j", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert files(app).current == "img_3.png"
        assert files(app).rows == ["img_1.png", "img_2.png", "img_3.png", "img_10.png"]
        assert app.screen.focused is files(app)
    assert caption(root, "img_3") == CAPTIONS["img_3"]  # going there changes nothing


async def test_f_in_the_detail_applies_the_fix_and_the_cursors_stay(tmp_path):
    root = styled(build_dataset(tmp_path / "data", CAPTIONS))
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j")  # the file list on img_3
        finding = await _to_finding(app, pilot, "tags.style")
        sidebar = app.screen.sidebar
        at = sidebar.list.highlighted
        await pilot.press("i", "f")
        await settle(app, pilot)
        await wait_for(pilot, lambda: not app.screen.report.find("tags.style"))
        assert isinstance(app.screen, MainScreen)
        assert files(app).current == "img_3.png"
        # the fixed finding is gone: the cursor holds its place, on the line after it
        now = sidebar.current()
        assert now is not None and getattr(now, "rule_id", "") != "tags.core"
        assert sidebar.list.highlighted >= at
        assert "(4 images; u: undo)" in status(app)  # counted as the CLI counts them
        # the fix was made for the inferred kind: it is kept, and the app says so
        assert 'kind = "character"' in (root / "lorapan.toml").read_text()
        assert any("kind = 'character' (as inferred)" in n.message for n in app._notifications)
        await pilot.press("u")
        await settle(app, pilot)
        assert caption(root, "img_1") == CAPTIONS["img_1"]
        assert "(4 images; ctrl+r: redo)" in status(app)
    assert finding.fix is not None


async def test_palette_opens_the_finding_in_full(tmp_path):
    root = styled(build_dataset(tmp_path / "data", CAPTIONS))
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: app.screen.report is not None)
        await pilot.press("ctrl+p", *"finding in full")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, FindingScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


def footer_line(app) -> str:
    return app.screen._compositor.render_strips()[-1].text


async def test_the_footer_offers_the_fix_only_when_the_finding_has_one(tmp_path):
    root = styled(build_dataset(tmp_path / "data", CAPTIONS))
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        finding = await _to_finding(app, pilot, "coverage.face")  # above tags.style
        assert finding.fix is None
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, FindingScreen)
        assert "Apply fix" not in footer_line(app)
        assert "No automatic fix" in text_of(app.screen, "#fd-fix")
        await pilot.press("escape")
        await pilot.pause()
        finding = await _down_to(app, pilot, "tags.style")
        assert finding.fix is not None
        await pilot.press("i")
        await pilot.pause()
        assert "Apply fix" in footer_line(app)


async def test_a_fix_that_only_writes_a_setting_is_shown_applied_and_undone(tmp_path):
    """caption.tokens' fix writes [training] max_token_length: the detail says so and
    that u takes it back, f writes it, and u restores lorapan.toml byte for byte."""
    long = ", ".join(["gob", "solo", *(f"detail {i}" for i in range(30))])  # > 75 tokens
    root = styled(build_dataset(tmp_path / "data", {**CAPTIONS, "img_1": long}))
    before = (root / "lorapan.toml").read_bytes()
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await _to_finding(app, pilot, "caption.tokens")
        await pilot.press("i")
        await pilot.pause()
        note = " ".join(text_of(app.screen, "#fd-note").split())
        assert "training.max_token_length = 150 (u reverts it with the fix)" in note
        await pilot.press("f")
        await settle(app, pilot)
        await wait_for(pilot, lambda: not app.screen.report.find("caption.tokens"))
        assert "max_token_length = 150" in (root / "lorapan.toml").read_text()
        # the status line says what u will take back (it kept the previous edit's)
        assert "✓ fix caption.tokens: lorapan.toml (u: undo)" in status(app)
        await pilot.press("u")
        await settle(app, pilot)
        await wait_for(pilot, lambda: (root / "lorapan.toml").read_bytes() == before)
        await wait_for(pilot, lambda: bool(app.screen.report.find("caption.tokens")))


async def test_the_sidebar_cursor_stays_at_the_top_until_the_user_moves_it(tmp_path):
    """A finding a later report adds above (analysis finishing) becomes the top one the
    cursor is on; once the user moved it, reports keep it on their finding."""
    root = styled(build_dataset(tmp_path / "data", CAPTIONS))
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await pilot.pause()
        sidebar = app.screen.sidebar
        first = sidebar.current()
        report = app.screen.report
        urgent = Finding("image.unreadable", "error", "1 image will not decode", ["img_1.png"])
        sidebar.show_report(replace(report, findings=[urgent, *report.findings]))
        assert sidebar.current().rule_id == "image.unreadable"
        await pilot.press("j")
        chosen = sidebar.current()
        sidebar.show_report(replace(report, findings=[urgent, *report.findings]))
        assert sidebar.current() is not None and sidebar.current().key == chosen.key
        assert first is not None


async def test_going_to_a_caption_without_an_image_says_so_instead_of_an_empty_list(tmp_path):
    root = styled(build_dataset(tmp_path / "data", CAPTIONS))
    (root / "lost.txt").write_text("gob, solo")  # its image was deleted
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await pilot.pause()
        sidebar = app.screen.sidebar
        oid = next(
            k
            for k, f in sidebar._findings.items()
            if f.rule_id == "pair.orphans" and f.images == ["lost.txt"]
        )
        sidebar.choose(oid)
        await pilot.press("i")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FindingScreen)  # not a filter that shows nothing
        assert any("lost.txt has no image" in n.message for n in app._notifications)
