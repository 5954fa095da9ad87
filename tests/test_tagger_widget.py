"""The suggestions widget in a tiny host app: keys post Accepted/Dismissed messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from lorapan.core.dataset import Dataset
from lorapan.core.tagger import modes, service
from lorapan.core.tagger.model import TaggerModel
from lorapan.core.tagger.predict import Prediction
from lorapan.tui.widgets.suggestions import Suggestions
from onnx_models import make_model_dir
from PIL import Image
from textual.app import App, ComposeResult

PREDS = [
    Prediction("long hair", 0.60, "general"),
    Prediction("red", 0.97, "general"),
    Prediction("red knight (series)", 0.91, "character"),
    Prediction("^_^", 0.40, "general"),
]


class Host(App):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[Suggestions.Accepted | Suggestions.Dismissed] = []

    def compose(self) -> ComposeResult:
        yield Suggestions(id="sugg")

    def on_suggestions_accepted(self, message: Suggestions.Accepted) -> None:
        self.got.append(message)

    def on_suggestions_dismissed(self, message: Suggestions.Dismissed) -> None:
        self.got.append(message)


def shown(widget: Suggestions) -> list[str]:
    return [p.tag for p in widget.predictions]


async def test_lists_best_first_without_tags_the_caption_has() -> None:
    app = Host()
    async with app.run_test() as pilot:
        w = app.query_one(Suggestions)
        w.show("a.png", PREDS, have=["long_hair"])
        await pilot.pause()
        assert shown(w) == ["red", "red knight (series)", "^_^"]
        assert w.option_count == 3
        assert "a.png" in str(w.border_title)


async def test_enter_accepts_the_highlighted_tag() -> None:
    app = Host()
    async with app.run_test() as pilot:
        w = app.query_one(Suggestions)
        w.show("a.png", PREDS)
        w.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        [msg] = app.got
        assert isinstance(msg, Suggestions.Accepted)
        assert (msg.relpath, msg.tags) == ("a.png", ["red knight (series)"])
        assert "red knight (series)" not in shown(w)


async def test_accept_all_above_the_score_which_plus_minus_adjust() -> None:
    app = Host()
    async with app.run_test() as pilot:
        w = app.query_one(
            Suggestions,
        )
        w.show("a.png", PREDS)
        w.focus()
        await pilot.press("plus", "plus", "plus", "plus", "plus", "plus", "plus", "plus")
        assert w.min_score == pytest.approx(0.9)
        await pilot.press("A")
        await pilot.pause()
        assert app.got[-1].tags == ["red", "red knight (series)"]
        await pilot.press("minus", "minus", "minus", "minus", "minus", "minus")
        assert w.min_score == pytest.approx(0.6)
        await pilot.press("A")
        await pilot.pause()
        assert app.got[-1].tags == ["long hair"]
        assert shown(w) == ["^_^"]


async def test_dismissed_tags_stay_gone_for_that_image() -> None:
    app = Host()
    async with app.run_test() as pilot:
        w = app.query_one(Suggestions)
        w.show("a.png", PREDS)
        w.focus()
        await pilot.press("d")
        await pilot.pause()
        msg = app.got[-1]
        assert isinstance(msg, Suggestions.Dismissed) and msg.tags == ["red"]
        w.show("a.png", PREDS)
        assert "red" not in shown(w)
        w.show("b.png", PREDS)
        assert "red" in shown(w)
        await pilot.press("D")
        await pilot.pause()
        assert app.got[-1].relpath == "b.png" and len(app.got[-1].tags) == 4
        assert shown(w) == []


async def test_keys_do_nothing_without_suggestions() -> None:
    app = Host()
    async with app.run_test() as pilot:
        w = app.query_one(Suggestions)
        w.show(None, [])
        w.focus()
        await pilot.press("enter", "A", "d", "D")
        await pilot.pause()
        assert app.got == []


async def test_accepting_through_the_host_edits_the_caption(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    root.mkdir()
    Image.new("RGB", (32, 32), (255, 0, 0)).save(root / "red.png")
    (root / "red.txt").write_text("tk")
    ds = Dataset.open(root)
    model = TaggerModel.open(make_model_dir(tmp_path / "models"))
    preds = service.predict(ds, model, ["red.png"], service.tag_options(ds)).predictions["red.png"]

    class Editor(Host):
        def on_suggestions_accepted(self, message: Suggestions.Accepted) -> None:
            modes.accept(ds, {message.relpath: message.tags})

    app = Editor()
    async with app.run_test() as pilot:
        w = app.query_one(Suggestions)
        w.show("red.png", preds, have=ds.items["red.png"].tags)
        w.focus()
        await pilot.press("enter")
        await pilot.pause()
    assert (root / "red.txt").read_text() == "tk, red"
    ds.undo()
    assert (root / "red.txt").read_text() == "tk"


async def test_remapped_keys_in_the_app_and_the_border_names_them(tmp_path: Path) -> None:
    """keymap.toml moves accept-all to Y and dismiss to X: the panel follows, d does nothing."""
    from app_helpers import app_for, caption, settle, wait_for
    from test_app_tagger import SIZE, tagged_dataset

    root = tagged_dataset(tmp_path)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "keymap.toml").write_text(
        '[keys]\nsuggest-accept-above = "Y"\nsuggest-dismiss = "X"\n'
    )
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+g")  # autotag the current image (img_blue.png)
        await settle(app, pilot)
        panel = app.screen.query_one("#suggestions", Suggestions)
        await wait_for(pilot, lambda: panel.display and bool(panel.predictions))
        assert str(panel.border_subtitle).startswith("Y: ")
        await pilot.press("S")
        assert app.focused is panel
        before = shown(panel)
        await pilot.press("d")  # the old dismiss key
        await pilot.pause()
        assert shown(panel) == before
        await pilot.press("X")
        await pilot.pause()
        assert shown(panel) == before[1:]
        above = {p.tag for p in panel.predictions if p.score >= panel.min_score}
        assert above
        await pilot.press("Y")
        await settle(app, pilot)
    tags = caption(root, "img_blue").split(", ")
    assert above <= set(tags)
    assert before[0] not in tags  # dismissed, not accepted
