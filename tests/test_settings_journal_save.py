"""The settings screen's save is one journaled step: `u` and `lorapan undo` take it back.

Real files, the real journal, the real app (Pilot) and real `lorapan` subprocesses. The
save is made on lorapan.toml as it is on disk (an outside change not yet read back is
kept, comments too), is named by the keys it changes, and walks in order with checklist
ticks and caption edits: a tick, then a save, then undo, undo gives the file back byte
for byte at each step. What stops a save (a file that does not parse, a read-only file,
a file changed while it is written, another lorapan writing) is said and nothing is
written; the app keeps going with the form open.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from app_helpers import SIZE, app_for, build_dataset, caption, settle, wait_for
from lorapan.core import settings_form
from lorapan.core.dataset import Dataset
from lorapan.core.settings import SettingsError, load_settings
from lorapan.core.settings_form import form_values, save_form
from lorapan.core.writer_lock import DatasetBusy
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.settings import SettingsScreen
from lorapan.tui.widgets.status_bar import StatusBar
from textual.widgets import Input

#: A user's own lorapan.toml: comments and a layout tomli-w would not write.
TOML = b"""# the goblin set, second pass
[dataset]
kind = "character"   # checked by eye
style_tag = "anime screencap"

[training]
network_dim = 32
"""
ITEM = "lateral-sides"  # a manual checklist item of a character set

HOLD_LOCK = """
import sys
from pathlib import Path
from lorapan.core.writer_lock import WriterLock
with WriterLock(Path(sys.argv[1]) / ".lorapan").hold():
    print("holding", flush=True)
    sys.stdin.readline()
"""


def dataset(tmp_path: Path, toml: bytes = TOML) -> Path:
    root = build_dataset(tmp_path / "data")
    (root / "lorapan.toml").write_bytes(toml)
    return root


def settings_bytes(root: Path) -> bytes:
    return (root / "lorapan.toml").read_bytes()


class OtherWriter:
    """A second process holding the dataset's writer lock until ``release``."""

    def __init__(self, root: Path) -> None:
        (root / ".lorapan").mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "holding"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# ---- core: the step -------------------------------------------------------------------


def test_a_save_is_one_step_undone_and_redone_byte_for_byte(tmp_path):
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    values = form_values(ds.settings) | {"core_tag": "gob", "training.base_model": "org/m"}
    saved = save_form(ds, ds.settings, values)
    assert saved.written and not saved.result.conflicts
    assert saved.result.label == "settings: dataset.core_tag, training.base_model"
    assert [t.label for t in ds.journal.transactions()] == [saved.result.label]
    after = settings_bytes(root)
    assert after.startswith(b"# the goblin set") and b"# checked by eye" in after
    assert b'core_tag = "gob"' in after and b"network_dim = 32" in after
    assert ds.settings.core_tag == "gob"  # the settings in use follow the file
    assert saved.reload.changed == ("[dataset] core_tag", "[training]")

    undone = ds.undo()
    assert undone is not None and undone.settings and not undone.conflicts
    assert undone.label == "undo: settings: dataset.core_tag, training.base_model"
    assert settings_bytes(root) == TOML
    assert ds.settings.core_tag == ""
    assert ds.redo().settings
    assert settings_bytes(root) == after and ds.settings.core_tag == "gob"


def test_the_step_is_made_on_the_file_as_it_is_on_disk(tmp_path):
    """An outside change the app has not read back yet is kept, and named nowhere."""
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    shown = ds.settings  # what the form showed
    outside = TOML.replace(b'kind = "character"', b'kind = "style"') + b'\n[notes]\na = "x"\n'
    (root / "lorapan.toml").write_bytes(outside)
    saved = save_form(ds, shown, form_values(shown) | {"name": "Gob"})
    assert saved.result.label == "settings: dataset.name"
    on_disk = load_settings(root)
    assert on_disk.kind == "style" and on_disk.name == "Gob"
    assert on_disk.section("notes") == {"a": "x"}
    assert ds.settings.kind == "style"  # read back with the save
    assert ds.undo().settings
    assert settings_bytes(root) == outside


def test_nothing_changed_writes_nothing_and_leaves_no_step(tmp_path):
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    shown = ds.settings
    named = TOML.replace(b"[training]", b'name = "Gob"\n\n[training]')
    (root / "lorapan.toml").write_bytes(named)  # another editor, first
    saved = save_form(ds, shown, form_values(shown) | {"name": "Gob"})
    assert not saved.written and saved.result.unchanged == 1
    assert settings_bytes(root) == named
    assert ds.journal.transactions() == []


def test_a_file_that_does_not_parse_is_not_written_over(tmp_path):
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    broken = b'[dataset]\nkind = "sty\n'
    (root / "lorapan.toml").write_bytes(broken)
    with pytest.raises(SettingsError, match="not valid TOML"):
        save_form(ds, ds.settings, form_values(ds.settings) | {"name": "Gob"})
    assert settings_bytes(root) == broken
    assert ds.journal.transactions() == []


def test_a_read_only_file_is_refused_without_an_empty_step(tmp_path):
    root = dataset(tmp_path)
    (root / "lorapan.toml").chmod(0o444)
    ds = Dataset.open(root)
    saved = save_form(ds, ds.settings, form_values(ds.settings) | {"name": "Gob"})
    assert not saved.written
    assert [(rel, "read-only" in why) for rel, why in saved.result.conflicts] == [
        ("lorapan.toml", True)
    ]
    assert settings_bytes(root) == TOML
    assert ds.journal.transactions() == []  # `u` has nothing empty to take back


def test_a_file_changed_while_it_is_written_is_a_conflict(tmp_path, monkeypatch):
    """Another editor saves between the read and the write: its bytes stay."""
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    theirs = TOML + b"# their line\n"
    real_dump = settings_form.dump_toml

    def dump_then_other_editor_writes(doc, old):
        out = real_dump(doc, old)
        (root / "lorapan.toml").write_bytes(theirs)
        return out

    monkeypatch.setattr(settings_form, "dump_toml", dump_then_other_editor_writes)
    saved = save_form(ds, ds.settings, form_values(ds.settings) | {"name": "Gob"})
    assert not saved.written
    assert [rel for rel, _ in saved.result.conflicts] == ["lorapan.toml"]
    assert settings_bytes(root) == theirs
    assert ds.settings.name == ""


def test_another_lorapan_writing_refuses_the_save(tmp_path):
    root = dataset(tmp_path)
    ds = Dataset.open(root)
    other = OtherWriter(root)
    try:
        with pytest.raises(DatasetBusy, match="another lorapan is writing"):
            save_form(ds, ds.settings, form_values(ds.settings) | {"name": "Gob"}, wait_s=0)
    finally:
        other.release()
    assert settings_bytes(root) == TOML


# ---- the CLI: `lorapan undo` walks ticks and saves in order ----------------------------


def test_lorapan_undo_takes_back_a_save_then_the_tick_before_it(tmp_path, lorapan_cmd):
    root = dataset(tmp_path)
    assert lorapan_cmd("checklist", root, "--tick", ITEM).returncode == 0
    ticked = settings_bytes(root)
    ds = Dataset.open(root)
    assert save_form(ds, ds.settings, form_values(ds.settings) | {"name": "Gob"}).written
    saved = settings_bytes(root)
    assert b"# the goblin set" in saved and f"{ITEM} = true".encode() in saved

    res = lorapan_cmd("history", root)
    assert res.returncode == 0 and "settings: dataset.name" in res.stdout
    res = lorapan_cmd("undo", root)
    assert res.returncode == 0, res.stderr
    assert "undo: settings: dataset.name: lorapan.toml changed" in res.stdout
    assert settings_bytes(root) == ticked
    res = lorapan_cmd("undo", root, "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["label"] == f"undo: tick {ITEM}"
    assert settings_bytes(root) == TOML
    assert lorapan_cmd("redo", root).returncode == 0
    assert lorapan_cmd("redo", root).returncode == 0
    assert settings_bytes(root) == saved


# ---- the app: ctrl+s, then u ----------------------------------------------------------


def status(app) -> str:
    return str(app.screen.query_one(StatusBar).render())


def messages(app) -> str:
    return "\n".join(n.message for n in app._notifications)


async def save_name(app, pilot, name: str) -> None:
    """O, then type ``name`` into the Name field and ctrl+s."""
    await pilot.press("O")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    screen.query_one("#set-name", Input).value = name
    await pilot.press("ctrl+s")
    await settle(app, pilot)


async def test_ctrl_s_is_a_step_that_u_takes_back(tmp_path):
    root = dataset(tmp_path)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await save_name(app, pilot, "Gob")
        assert isinstance(app.screen, MainScreen)
        assert load_settings(root).name == "Gob"
        assert "✓ settings: dataset.name (u: undo)" in status(app)
        assert "Gob · character" in status(app)  # taken as an outside change is
        saved = settings_bytes(root)

        await pilot.press("u")
        await settle(app, pilot)
        assert settings_bytes(root) == TOML
        assert app.dataset.settings.name == ""
        assert "undo: settings: dataset.name (lorapan.toml; ctrl+r: redo)" in status(app)
        assert "Gob" not in status(app)

        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert settings_bytes(root) == saved
        await wait_for(pilot, lambda: "Gob · character" in status(app))


async def test_a_tick_then_a_save_then_u_u_restores_both_in_order(tmp_path):
    root = dataset(tmp_path)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: app.screen.report is not None)
        await pilot.press("R")  # the rules sidebar, down to the manual item
        await pilot.pause()
        for _ in range(60):
            if getattr(app.screen.sidebar.current(), "id", None) == ITEM:
                break
            await pilot.press("j")
        await pilot.press("space")
        await settle(app, pilot)
        ticked = settings_bytes(root)
        assert load_settings(root).checklist == {ITEM: True}
        await pilot.press("R")  # back to the files
        await save_name(app, pilot, "Gob")
        assert load_settings(root).name == "Gob"

        await pilot.press("u")  # the save first
        await settle(app, pilot)
        assert settings_bytes(root) == ticked
        await pilot.press("u")  # then the tick: the save no longer stands in its way
        await settle(app, pilot)
        assert settings_bytes(root) == TOML
        assert f"undo: tick {ITEM}" in status(app)
        assert "changed since" not in messages(app)


@pytest.mark.parametrize("problem", ["does not parse", "read-only", "another writer"])
async def test_a_save_that_cannot_be_made_says_why_and_keeps_the_form(tmp_path, problem):
    root = dataset(tmp_path)
    app = app_for(root, tmp_path)
    other = None
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        if problem == "does not parse":
            (root / "lorapan.toml").write_bytes(b'[dataset]\nkind = "sty\n')
        elif problem == "read-only":
            (root / "lorapan.toml").chmod(0o444)
        else:
            other = OtherWriter(root)
        on_disk = settings_bytes(root)
        try:
            await save_name(app, pilot, "Gob")
        finally:
            if other is not None:
                other.release()
        assert isinstance(app.screen, SettingsScreen)  # the typing is not lost
        assert app.screen.query_one("#set-name", Input).value == "Gob"
        expected = {
            "does not parse": "not saved: ",
            "read-only": "not saved: lorapan.toml is read-only",
            "another writer": "not saved: another lorapan is writing to this dataset",
        }[problem]
        assert expected in messages(app)
        assert settings_bytes(root) == on_disk
        assert app.dataset.journal.transactions() == []
        if problem == "does not parse":
            assert "not valid TOML" in messages(app)
        (root / "lorapan.toml").chmod(0o644)
        (root / "lorapan.toml").write_bytes(TOML)
        await pilot.press("ctrl+s")  # the app kept going: now it saves
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
    assert load_settings(root).name == "Gob"
    assert caption(root, "img_1") == "gob, solo, red hair, outdoors"
