"""After the augment screen writes, the file list shows just the new images to tag."""

from __future__ import annotations

from app_helpers import SIZE, app_for, chips, files, settle
from imagegen import flat_art
from lorapan.tui.screens.augment import AugmentScreen
from lorapan.tui.screens.main import MainScreen


async def test_new_images_are_shown_for_tagging_by_hand(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    for i, stem in enumerate(("img_1", "img_2")):
        flat_art((768, 768), seed=i).save(root / f"{stem}.png")
        (root / f"{stem}.txt").write_text("gob, solo\n")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("G")
        await settle(app, pilot)
        assert isinstance(app.screen, AugmentScreen)
        await pilot.press("enter")  # the default ticks: mirror and grayscale of img_1
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        made = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*.png")
            if p.name not in ("img_1.png", "img_2.png")
        )
        assert made
        assert sorted(files(app).rows) == made
        assert files(app).current == files(app).rows[0]
        placeholder = app.screen.query_one("#filter").placeholder
        assert placeholder.startswith(f"new from augment ({len(made)})")
        status = str(app.screen.query_one("#status").render())
        assert f"{len(made)} new image(s)" in status

        await pilot.press("a", *"mirrored", "enter")  # tag the first new one by hand
        await settle(app, pilot)
        first = root / files(app).rows[0]
        assert "mirrored" in chips(app).tags
        assert "mirrored" in first.with_suffix(".txt").read_text()

        await pilot.press("escape")  # back to every image
        await settle(app, pilot)
        assert len(files(app).rows) == 2 + len(made)
