"""The status bar names the kind the rules judge by: an inferred kind says so, a kind
set in lorapan.toml stands plain (it showed lorapan.toml's default, 'character', while
the sidebar checked the set as a background)."""

from __future__ import annotations

from pathlib import Path

from app_helpers import SIZE, app_for, wait_for
from conftest import write_dataset
from lorapan.tui.widgets.status_bar import StatusBar

ROOMS = {f"{i}.png": "no humans, scenery, indoors, bedroom, window\n" for i in range(6)}


def status(app) -> str:
    return str(app.main.query_one(StatusBar).render())


async def test_an_inferred_kind_is_shown_as_inferred(tmp_path: Path):
    root = write_dataset(tmp_path / "rooms", ROOMS)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.report is not None)
        assert "rooms · background (inferred)" in status(app)


async def test_a_kind_set_in_lorapan_toml_is_shown_plain(tmp_path: Path):
    root = write_dataset(tmp_path / "rooms", ROOMS)
    (root / "lorapan.toml").write_text('[dataset]\nkind = "style"\n')
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.report is not None)
        assert "rooms · style │" in status(app)


async def test_a_long_last_action_leaves_the_counts_and_its_undo_key(tmp_path: Path):
    """A rename of long tags pushed the image count off the line; it is cut in its
    middle instead, keeping how to undo it."""
    root = write_dataset(tmp_path / "rooms", ROOMS)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.report is not None)
        bar = app.main.query_one(StatusBar)
        counts = bar.counts
        bar.last_action = (
            "✓ rename 'a very long tag written by a captioner' → 'another long name' "
            "(6 images; u: undo)"
        )
        await pilot.pause()
        shown = status(app)
        assert len(shown) <= 80 and shown.endswith(" R rules")  # the hidden sidebar, shortened
        shown = shown.removesuffix(" R rules").rstrip()
        assert counts and shown.endswith(counts)
        assert "…" in shown
        assert shown.split(" │ ")[1].endswith("; u: undo)")  # how to undo it stays
