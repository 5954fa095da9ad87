"""The app answers a key before background work: what a user notices of that.

- the file list is on screen before the rules engine and the analysis start;
- moving on cancels the prefetch of the images around the one the cursor left;
- while a new image decodes, the line under the preview names it (not the last
  image's size beside the new name).

No timing is asserted: decodes are held on events, so each test sees one order.
"""

from __future__ import annotations

import threading

from app_helpers import SIZE, app_for, build_dataset, files, settle, wait_for
from lorapan.tui.services import Services
from lorapan.tui.widgets import preview as preview_module
from lorapan.tui.widgets.preview import Preview

CAPTIONS = {f"img_{i}": f"gob, tag {i}" for i in range(8)}


def screen_text(app) -> str:
    """The screen as text; chips join their words with no-break spaces, read as spaces."""
    return "\n".join(s.text for s in app.screen._compositor.render_strips()).replace("\xa0", " ")


async def test_the_rows_are_on_screen_before_the_rules_and_analysis_start(tmp_path, monkeypatch):
    root = build_dataset(tmp_path / "data", CAPTIONS)
    seen: dict[str, str] = {}
    app = app_for(root, tmp_path, rules=True)

    def start_rules(self) -> None:  # what the screen showed when the rules were started
        seen["rules"] = screen_text(app)

    def start_analysis(force: bool = False) -> None:
        seen["analysis"] = screen_text(app)

    monkeypatch.setattr(Services, "start_rules", start_rules)
    monkeypatch.setattr(app, "start_analysis", start_analysis)
    app.analyse_on_open = True
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(seen) == 2)
    assert "img_0.png" in seen["rules"] and "img_7.png" in seen["rules"]
    assert "img_0.png" in seen["analysis"]


class HeldDecodes:
    """Stands in for ``make_thumb``: records each decode; a decode of an image in
    ``held`` (or of any image once ``hold`` is set) waits until ``release``."""

    def __init__(self, *held: str) -> None:
        self.real = preview_module.make_thumb
        self.held = set(held)
        self.asked: list[str] = []
        self.hold = threading.Event()
        self.release = threading.Event()
        self.waiting = threading.Event()

    def __call__(self, path, box, draw=True):
        self.asked.append(path.stem)
        if self.hold.is_set() or path.stem in self.held:
            self.waiting.set()
            self.release.wait(10)
        return self.real(path, box, draw)


async def test_moving_on_cancels_the_prefetch_around_the_image_left(tmp_path, monkeypatch):
    root = build_dataset(tmp_path / "data", CAPTIONS)
    # img_0 shows at start, then its neighbours img_1, img_2 are prefetched: img_1 is
    # held mid-decode. img_7's decode is held too, so nothing but the key cancels.
    decodes = HeldDecodes("img_1", "img_7")
    monkeypatch.setattr(preview_module, "make_thumb", decodes)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, decodes.waiting.is_set)
        assert decodes.asked[-1] == "img_1" and "img_2" not in decodes.asked
        preview = app.screen.query_one(Preview)
        prefetch = [w for w in preview.workers if w.group == "prefetch"]
        assert prefetch and not prefetch[0].is_cancelled
        await pilot.press("end")  # img_7: not cached, its decode must come first
        await wait_for(pilot, lambda: prefetch[0].is_cancelled)
        decodes.release.set()
        await settle(app, pilot)
        assert files(app).current == "img_7.png" and preview.thumb is not None
    # the prefetch stopped after the image it was decoding: img_2, beside the image
    # left, was never decoded
    assert "img_2" not in decodes.asked


async def test_the_line_under_a_decoding_preview_names_the_new_image_only(tmp_path, monkeypatch):
    root = build_dataset(tmp_path / "data", CAPTIONS)
    decodes = HeldDecodes()
    monkeypatch.setattr(preview_module, "make_thumb", decodes)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "img_0.png · 96×64" in screen_text(app)
        decodes.hold.set()
        await pilot.press("end")  # img_7: not cached, held while decoding
        await wait_for(pilot, lambda: "decoding…" in screen_text(app))
        text = screen_text(app)
        assert "img_7.png" in text and "96×64" not in text
        decodes.release.set()
        await settle(app, pilot)
        assert "img_7.png · 96×64" in screen_text(app)


async def test_chips_that_do_not_fit_say_how_many_more_and_follow_the_chip_cursor(tmp_path):
    # The chips keep their height from image to image (so the preview keeps its size):
    # tags beyond it are counted, and moving through the chips brings them into view.
    many = ", ".join(f"tag number {i}" for i in range(60))
    root = build_dataset(tmp_path / "data", {"a": "gob, solo", "b": f"gob, {many}"})
    app = app_for(root, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        preview_height = app.screen.query_one(Preview).size.height
        await pilot.press("j")
        await settle(app, pilot)
        assert app.screen.query_one(Preview).size.height == preview_height
        text = screen_text(app)
        assert "more tags" in text and "tag number 59" not in text
        await pilot.press("t", *["right"] * 61)  # to the chips, then to their last
        await settle(app, pilot)
        assert "tag number 59" in screen_text(app)
