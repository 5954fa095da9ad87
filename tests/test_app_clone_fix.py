"""The clones.ratio fix from the app's rules sidebar: f shows which images go, enter
sets them aside (journaled moves into .lorapan/excluded), u brings them back.

The app gets this through the rules' own fix mechanism (``engine.apply_fix``), with no
code of its own for it: this test drives the real app over real files.
"""

from __future__ import annotations

from pathlib import Path

from app_helpers import app_for, settle, wait_for
from lorapan.core.rules.model import Finding
from lorapan.tui.screens.fix_preview import FixPreviewScreen
from test_app_clone_compare import analysed, clone_dataset

EXCLUDED = Path(".lorapan/excluded")


async def to_finding(pilot, sidebar, rule_id: str) -> None:
    for _ in range(100):
        item = sidebar.current()
        if isinstance(item, Finding) and item.rule_id == rule_id:
            return
        await pilot.press("down")
    raise AssertionError(f"{rule_id} not in the sidebar")


async def test_f_on_clones_ratio_sets_the_extra_copies_aside_and_u_undoes(tmp_path):
    # a.png with b.png (resized) and c.png (identical), its flip f.png, d.png, e.png:
    # 2 clones of 6 images; the fix must take out both copies, never the original or flip
    root = clone_dataset(tmp_path / "data")
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await analysed(app, pilot)
        await wait_for(pilot, lambda: app.main.report and app.main.report.find("clones.ratio"))
        await pilot.press("R")
        await settle(app, pilot)
        await to_finding(pilot, app.main.sidebar, "clones.ratio")
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, FixPreviewScreen)
        rows = sorted(str(s.render()) for s in app.screen.query(".fix-row"))
        assert rows == [
            "b.png  −set aside (resized copy of a.png)",
            "c.png  −set aside (identical copy of a.png)",
        ]
        await pilot.press("enter")
        await settle(app, pilot)
        await wait_for(pilot, lambda: (root / EXCLUDED / "b.png").exists())
        assert (root / EXCLUDED / "c.png").exists() and (root / EXCLUDED / "c.txt").exists()
        assert not (root / "b.png").exists() and (root / "a.png").exists()
        assert (root / "f.png").exists()  # the flip is an altered copy the guide wants
        await wait_for(pilot, lambda: not app.main.report.find("clones.ratio"))
        await pilot.press("escape")  # back to the file list
        await pilot.press("u")
        await settle(app, pilot)
        await wait_for(pilot, lambda: (root / "b.png").exists() and (root / "c.png").exists())
        assert not (root / EXCLUDED / "b.png").exists()
