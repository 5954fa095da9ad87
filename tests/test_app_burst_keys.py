"""Keys that arrive in one burst (tmux, a slow SSH link after a lag) are applied in the
order they were typed: Textual ran a text field's editing keys (backspace, arrows, home)
only after they bubbled up to the app, so characters typed after them came first and
``abc⌫⌫Z`` saved ``ab`` (a review saw ``style_tag = "an"`` written for ``3d``)."""

from __future__ import annotations

from app_helpers import SIZE, app_for, build_dataset, settle
from lorapan.tui.widgets.in_order import InOrderInput, InOrderTextArea
from textual import events
from textual.app import App

BURST = [
    ("a", "a"), ("b", "b"), ("c", "c"), ("backspace", "\x7f"), ("backspace", "\x7f"),
    ("Z", "Z"), ("left", None), ("Y", "Y"), ("home", None), ("X", "X"),
]  # fmt: skip
TYPED = "XaYZ"


def burst(app: App, keys=BURST) -> None:
    """Every key posted before any is handled, as a terminal delivers a burst."""
    for key, char in keys:
        app.post_message(events.Key(key, char))


class Field(App):
    def __init__(self, field) -> None:
        super().__init__()
        self.field = field

    def compose(self):
        yield self.field


async def test_a_burst_of_editing_keys_keeps_its_order_in_both_kinds_of_field():
    for field in (InOrderInput(), InOrderTextArea()):
        app = Field(field)
        async with app.run_test() as pilot:
            await pilot.pause()
            burst(app)
            await pilot.pause(0.3)
            assert (field.text if isinstance(field, InOrderTextArea) else field.value) == TYPED


async def test_the_filter_and_the_add_tag_field_take_a_burst_as_typed(tmp_path):
    root = build_dataset(tmp_path / "ds")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        burst(app)
        await pilot.pause(0.3)
        assert app.screen.query_one("#filter").value == TYPED
        await pilot.press("escape", "a")
        await pilot.pause()
        burst(app)
        await pilot.pause(0.3)
        assert app.screen.query_one("#tag-input").value == TYPED
