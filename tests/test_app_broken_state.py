"""Broken state and other writers never end the app (issue 13, items 5 and 10, app side):
a keymap.toml of the wrong shape, an unreadable config.toml, a journal entry undo cannot
use, another lorapan writing. Each is a message; the app keeps running."""

from __future__ import annotations

import subprocess
import sys

import pytest
from app_helpers import CAPTIONS, SIZE, app_for, caption, chips, settle, wait_for
from journal_craft import craft, write_op
from lorapan.core import writer_lock
from lorapan.tui.screens.confirm import ChoiceScreen
from lorapan.tui.screens.main import MainScreen


def messages(app) -> str:
    return "\n".join(n.message for n in app._notifications)


@pytest.mark.parametrize(
    "keymap",
    [
        'keys = "x"',
        'keys = ["u", "z"]',
        '[keys]\nundo = ","',
        "[keys]\nundo = 5",
        "[keys.undo]\nkey = 'z'",
        "[keys\nundo =",
    ],
    ids=["keys-string", "keys-list", "empty-key", "number", "table", "not-toml"],
)
async def test_a_keymap_of_the_wrong_shape_is_a_message_and_the_defaults_work(
    ds_root, tmp_path, keymap
):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "keymap.toml").write_text(keymap + "\n")
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "keymap.toml" in messages(app)
        await pilot.press("a", *"sunny", "enter")
        await settle(app, pilot)
        assert caption(ds_root, "img_1").endswith("sunny")
        await pilot.press("u")  # the default key still undoes
        await settle(app, pilot)
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('theme = "lorapan-light\n', "not valid TOML"),
        ('[training]\nnum_processes = "two"\n', "num_processes"),
        ('[dataset]\nkind = "style"\n', "no effect in the user config"),
    ],
    ids=["not-toml", "bad-training-value", "dataset-table"],
)
async def test_an_invalid_user_config_is_reported_in_the_app(ds_root, tmp_path, text, said):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(text)
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "config.toml" in messages(app) and said in messages(app)
        assert app.theme == "lorapan-dark"


@pytest.mark.parametrize("damage", ["malformed", "pack-missing"])
async def test_u_on_a_broken_journal_entry_offers_to_set_it_aside(ds_root, tmp_path, damage):
    if damage == "malformed":
        folder = ds_root / ".lorapan" / "journal"
        folder.mkdir(parents=True)
        (folder / "00000001-00000000aa.json").write_text('{"ops": 5}')
    else:
        before, after = b"gob, old\n", (ds_root / "img_1.txt").read_bytes()
        txn = craft(ds_root, 1, "applied", [write_op("img_1.txt", before, after)], [before, after])
        (ds_root / ".lorapan" / "journal" / f"{txn}.pack.json").unlink()
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert "cannot be used" in str(app.screen.query_one(".body").render())
        await pilot.press("l")  # leave it: asked again next time, nothing touched
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("u")  # undo stops at the set-aside entry
        await settle(app, pilot)
        assert "nothing to undo" in messages(app)
        await pilot.press("a", *"still works", "enter")
        await settle(app, pilot)
        assert chips(app).tags[-1] == "still works"
    assert list((ds_root / ".lorapan" / "journal" / "skipped").iterdir())
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"] + ", still works"


HOLD_LOCK = """
import sys, time
from pathlib import Path
from lorapan.core.writer_lock import WriterLock
with WriterLock(Path(sys.argv[1]) / ".lorapan").hold():
    print("holding", flush=True)
    sys.stdin.readline()
"""


async def test_another_writer_is_waited_for_off_screen_then_reported(ds_root, tmp_path):
    (ds_root / ".lorapan").mkdir()
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(ds_root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdout.readline().strip() == "holding"
    before = writer_lock.configure(2.0)  # the app waits a minute; two seconds here
    app = app_for(ds_root, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("u")
            assert "another lorapan is writing" in messages(app)
            await pilot.press("a", *"rain", "enter")
            await pilot.pause()
            assert "waiting for another lorapan" in app.screen.busy_label
            await pilot.press("j")  # the screen answers while the edit waits
            assert app.screen.files.current == "img_2.png"
            # the busy line clears when the worker ends; its message may land a moment later
            await wait_for(
                pilot,
                lambda: (
                    app.screen.busy_label is None
                    and ("not written" in messages(app) or "failed" in messages(app))
                ),
                rounds=400,
            )
    finally:
        writer_lock.configure(before.wait_s, before.on_wait)
        assert other.stdin is not None
        other.stdin.write("\n")
        other.stdin.close()
        other.wait(timeout=30)
    assert caption(ds_root, "img_1") == CAPTIONS["img_1"]
