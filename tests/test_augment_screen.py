"""The augment screen in a tiny host app: keyboard choices, preview, enter writes, esc leaves."""

from __future__ import annotations

import asyncio

import imagegen as gen
from lorapan.core.dataset import Dataset
from lorapan.tui.screens.augment import AugmentScreen
from textual.app import App
from textual.widgets import Input, OptionList, SelectionList


class Host(App):
    def __init__(self, dataset: Dataset, relpaths: list[str] | None) -> None:
        super().__init__()
        self.dataset = dataset
        self.relpaths = relpaths
        self.results: list[list[str] | None] = []

    def on_mount(self) -> None:
        self.push_screen(AugmentScreen(self.dataset, self.relpaths), self.results.append)


def make_dataset(root):
    root.mkdir(parents=True, exist_ok=True)
    gen.save(gen.flat_art((1024, 768), seed=7), root / "gob.png")
    (root / "gob.txt").write_text("gob goblin focus, anime screencap, smile\n")
    gen.save(gen.flat_art((800, 1000), seed=8), root / "ana.png")
    (root / "ana.txt").write_text("ana elf focus, anime screencap, 1girl, solo, bow\n")
    return Dataset.open(root)


async def settle(pilot, app, limit: float = 30.0) -> None:
    """Wait (up to ``limit`` seconds) for the write worker and the dismiss it schedules.

    Bounded by time, not by a count of pauses: on a loaded machine the write worker
    can take longer than 50 event-loop turns.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not app.results and loop.time() < deadline:
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)


def preview_lines(app) -> list[str]:
    preview = app.screen.query_one("#aug-preview", OptionList)
    return [str(preview.get_option_at_index(i).prompt) for i in range(preview.option_count)]


async def test_ticks_and_typed_boxes_update_the_preview_and_enter_writes(tmp_path):
    ds = make_dataset(tmp_path)
    app = Host(ds, ["gob.png"])
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        # defaults, as `lorapan augment`: the guide's alterations of the source alone
        names = [line.split()[0] for line in preview_lines(app)]
        assert len(names) == 6 and "gob__flip.png" in names and "gob__gray.png" in names
        assert not any("quality" in n or "jpeg" in n for n in names)
        await pilot.press("space")  # tick "crops: grid 2x2" (first row)
        await pilot.pause()
        names = [line.split()[0] for line in preview_lines(app)]
        # each crop cloned once (alterations in turn), the source its grayscale copy:
        # 4 + 4 + 1, in the guide's 15-20 with a few more crops, not 4 x 6 + 5
        crops = [n for n in names if n.startswith("gob__crop-g2x2-") and n.count("__") == 1]
        assert len(crops) == 4 and len(names) == 9, names
        assert "gob__gray.png" in names and "gob__flip.png" not in names
        clones = [n.split("__")[2].split("-")[0] for n in names if n.count("__") == 2]
        assert len(set(clones)) == 4, clones  # the alterations taken in turn
        await pilot.press("space")  # untick it again
        await pilot.press("tab")
        assert isinstance(app.focused, Input)
        await pilot.press(*"0,0,0.5,1")
        await pilot.pause()
        lines = preview_lines(app)
        assert any(line.startswith("gob__crop-box-1.png  512x768") for line in lines)
        await pilot.press("enter")
        await settle(pilot, app)
    assert len(app.results) == 1
    made = app.results[0]
    assert made is not None and "gob__crop-box-1.png" in made and "gob__gray.png" in made
    for rel in made:
        assert (tmp_path / rel).is_file() and (tmp_path / rel).with_suffix(".txt").is_file()
    assert Dataset.open(tmp_path).undo().ok
    assert not any((tmp_path / rel).exists() for rel in made)


async def test_a_bad_box_is_shown_and_nothing_is_written(tmp_path):
    ds = make_dataset(tmp_path)
    app = Host(ds, ["gob.png"])
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        await pilot.press("tab", *"0.5,0,0.2,1")
        await pilot.pause()
        status = app.screen.query_one("#aug-status")
        assert "x0 must be below x1" in str(status.render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AugmentScreen)  # still open: nothing written
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".lorapan") == [
        "ana.png", "ana.txt", "gob.png", "gob.txt",
    ]  # fmt: skip


async def test_two_images_offer_a_collage(tmp_path):
    ds = make_dataset(tmp_path)
    app = Host(ds, ["gob.png", "ana.png"])
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        choices = app.screen.query_one("#aug-choices", SelectionList)
        # untick the two default alterations, tick the collage (last row)
        choices.deselect_all()
        choices.select("collage")
        await pilot.pause()
        assert [line.split()[0] for line in preview_lines(app)] == [
            "gob__gray.png", "ana__gray.png", "collage__gob+ana.png",
        ]  # fmt: skip
        await pilot.press("enter")
        await settle(pilot, app)
    assert "collage__gob+ana.png" in app.results[0]
    caption = (tmp_path / "collage__gob+ana.txt").read_text()
    assert caption.startswith("gob and ana couple focus, anime screencap")
    assert "1girl" not in caption and "solo" not in caption


async def test_targets_come_from_the_calling_screen(tmp_path):
    from textual.screen import Screen

    class Caller(Screen):
        def targets(self) -> list[str]:
            return ["ana.png"]

    ds = make_dataset(tmp_path)

    class CallerHost(App):
        def on_mount(self) -> None:
            self.push_screen(Caller())
            self.push_screen(AugmentScreen(ds))

    app = CallerHost()
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, AugmentScreen)
        assert app.screen.relpaths == ["ana.png"]
        assert preview_lines(app)[0].startswith("ana__")


async def test_remapped_keys_work_in_the_app_and_the_hints_show_them(tmp_path):
    """keymap.toml moves write, cancel and undo: the old keys do nothing, the hints follow."""
    from lorapan.tui.app import make_app
    from lorapan.tui.screens.main import MainScreen

    root = tmp_path / "data"
    make_dataset(root)
    config = tmp_path / "config"
    config.mkdir()
    (config / "keymap.toml").write_text(
        '[keys]\naugment-write = "ctrl+o"\naugment-cancel = "ctrl+x"\nundo = "z"\n'
    )
    app = make_app(root, config_dir=config, analyse=False, watch=False, rules=False)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert isinstance(app.screen, AugmentScreen)
        hint = str(app.screen.query_one("#aug-keys").render())
        assert "ctrl+o: write all" in hint and "ctrl+x: cancel" in hint
        assert "enter" not in hint and "esc" not in hint
        await pilot.press("escape", "enter")  # the old keys: neither leaves nor writes
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AugmentScreen)
        assert not list(root.glob("*__*.png"))
        await pilot.press("ctrl+o")
        deadline = asyncio.get_running_loop().time() + 30
        while not isinstance(app.screen, MainScreen):
            assert asyncio.get_running_loop().time() < deadline, "the write never finished"
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
        assert isinstance(app.screen, MainScreen)
        messages = [n.message for n in app._notifications]
        assert any("(z undoes)" in m for m in messages), messages
    made = {p.name for p in root.glob("*__*.png")}
    # the first image by name; the old enter ticked the first row (grid 2x2): one clone each
    assert "ana__gray.png" in made and len([n for n in made if "crop-g2x2" in n]) == 8
