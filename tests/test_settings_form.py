"""The settings form: per-field messages from core, only changed fields written, other
keys kept; lorapan.toml changed outside is taken live (or kept when broken)."""

from __future__ import annotations

import stat

import pytest
from conftest import write_dataset
from lorapan.core.dataset import Dataset
from lorapan.core.settings import SettingsError, load_settings
from lorapan.core.settings_form import check_form, form_values, save_form
from lorapan.core.settings_live import reload_settings

TOML = """\
# my notes
[dataset]
kind = "style"
core_tag = "ito style"

[tagger]
model = "~/models/wd"

[training]
preset = "style"
sd_scripts = "../sd-scripts"
"""


def _root(tmp_path, toml: str | None = TOML):
    root = write_dataset(tmp_path / "ds", {"a.png": "ito style, spiral", "b.png": "ito style"})
    if toml is not None:
        (root / "lorapan.toml").write_text(toml)
    return root


def test_form_values_come_from_the_dataset_and_training_tables(tmp_path):
    values = form_values(load_settings(_root(tmp_path)))
    assert values["kind"] == "style" and values["core_tag"] == "ito style"
    assert values["training.sd_scripts"] == "../sd-scripts"
    assert values["training.python"] == "" and values["caption_extension"] == ".txt"


def test_bad_fields_have_messages_and_nothing_is_written(tmp_path):
    root = _root(tmp_path)
    settings = load_settings(root)
    values = form_values(settings) | {
        "kind": "robot",
        "caption_extension": "txt",
        "core_tag": "ito, style",
    }
    check = check_form(values, root)
    assert set(check.errors) == {"kind", "caption_extension", "core_tag"}
    assert "allowed: character" in check.errors["kind"]
    assert "'.txt'" in check.errors["caption_extension"]
    with pytest.raises(SettingsError, match="Kind"):
        save_form(Dataset.open(root), settings, values)
    assert (root / "lorapan.toml").read_text() == TOML


def test_an_image_extension_is_refused_as_the_caption_extension(tmp_path):
    """'.jpg' would make every image its own (unreadable) caption."""
    root = _root(tmp_path)
    values = form_values(load_settings(root)) | {"caption_extension": ".JPG"}
    assert "an image's extension" in check_form(values, root).errors["caption_extension"]
    (root / "lorapan.toml").write_text('[dataset]\ncaption_extension = ".png"\n')
    with pytest.raises(SettingsError, match="every image would be read as its own caption"):
        load_settings(root)


def test_paths_that_do_not_exist_are_noted_and_saved_anyway(tmp_path):
    root = _root(tmp_path)
    sd = tmp_path / "sd-scripts"
    sd.mkdir()
    values = form_values(load_settings(root)) | {
        "training.python": "./venv/bin/python",
        "training.base_model": "org/some-model",
    }
    check = check_form(values, root)
    assert "train_network.py" in check.notes["training.sd_scripts"]
    assert "does not exist" in check.notes["training.python"]
    assert "training.base_model" not in check.notes  # a hub id
    (sd / "train_network.py").write_text("")
    py = root / "venv" / "bin" / "python"
    py.parent.mkdir(parents=True)
    py.write_text("#!/bin/sh\n")
    py.chmod(py.stat().st_mode | stat.S_IXUSR)
    check = check_form(values, root)
    assert check.ok and not check.notes


def test_saving_sets_only_what_changed_and_keeps_every_other_key(tmp_path):
    root = _root(tmp_path)
    ds = Dataset.open(root)
    values = form_values(ds.settings) | {
        "name": "Ito",
        "training.sd_scripts": "",  # emptied: unset
        "training.base_model": "/models/sd15.safetensors",
    }
    assert save_form(ds, ds.settings, values).written
    assert ds.settings.name == "Ito"  # the settings in use follow the file
    again = load_settings(root)
    assert again.name == "Ito" and again.kind == "style" and again.core_tag == "ito style"
    assert again.section("tagger") == {"model": "~/models/wd"}
    assert again.section("training") == {
        "preset": "style",
        "base_model": "/models/sd15.safetensors",
    }


def test_an_unchanged_form_writes_nothing(tmp_path):
    root = _root(tmp_path)
    ds = Dataset.open(root)
    assert not save_form(ds, ds.settings, form_values(ds.settings)).written
    assert (root / "lorapan.toml").read_text() == TOML
    assert ds.journal.transactions() == []  # no step to undo


def test_an_outside_change_is_taken_and_our_own_save_changes_nothing(tmp_path):
    root = _root(tmp_path)
    ds = Dataset.open(root)
    assert reload_settings(ds).changed == ()
    (root / "lorapan.toml").write_text(TOML.replace('kind = "style"', 'kind = "concept"'))
    result = reload_settings(ds)
    assert result.changed == ("[dataset] kind",) and result.error is None
    assert ds.settings.kind == "concept"
    save_form(ds, ds.settings, form_values(ds.settings) | {"name": "Ito"})
    assert ds.settings.name == "Ito" and reload_settings(ds).changed == ()


def test_a_broken_file_is_reported_and_the_settings_in_use_are_kept(tmp_path):
    root = _root(tmp_path)
    ds = Dataset.open(root)
    (root / "lorapan.toml").write_text('[dataset]\nkind = "style\n')
    result = reload_settings(ds)
    assert result.error and "not valid TOML" in result.error and "kept" in result.error
    assert ds.settings.kind == "style"
    (root / "lorapan.toml").write_text('[dataset]\nkind = "robot"\n')
    assert "robot" in (reload_settings(ds).error or "")
    assert ds.settings.kind == "style"


def test_a_new_caption_extension_reads_every_caption_again(tmp_path):
    root = _root(tmp_path, None)
    (root / "a.caption").write_text("ito style, from the caption file")
    ds = Dataset.open(root)
    assert ds.items["a.png"].tags == ("ito style", "spiral")
    (root / "lorapan.toml").write_text('[dataset]\ncaption_extension = ".caption"\n')
    result = reload_settings(ds)
    assert result.rescan and result.changed == ("[dataset] caption_extension",)
    assert ds.items["a.png"].tags == ("ito style", "from the caption file")
    assert ds.items["b.png"].tags == ("ito style",)  # no .caption: the .txt still


def test_the_folder_watcher_reports_lorapan_toml_apart_from_captions(tmp_path):
    import subprocess
    import sys
    import time

    from lorapan.core.watch import DatasetWatcher

    root = _root(tmp_path)
    ds = Dataset.open(root)
    seen: list[str] = []
    batches = []
    watcher = DatasetWatcher(
        ds, on_settings=lambda: seen.append("settings"), on_batch=batches.append, debounce=0.05
    )
    code = "import pathlib; p = pathlib.Path('lorapan.toml'); p.write_text(p.read_text() + '\\n')"
    with watcher:
        subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)
        end = time.monotonic() + 30  # bounded wait for the watcher's thread, polled
        while not seen and time.monotonic() < end:
            time.sleep(0.05)
    assert seen and not batches  # no caption batch for a settings file


def test_the_model_family_is_a_choice_that_picks_the_trainer(tmp_path):
    from lorapan.core.training.config import build_plan
    from lorapan.core.training.inputs import load_inputs

    root = _root(tmp_path, None)
    ds = Dataset.open(root)
    settings = ds.settings
    values = form_values(settings)
    assert values["training.model_family"] == "sd15"  # what training uses when unset
    assert not save_form(ds, settings, values).written  # the default is not written
    assert not (root / "lorapan.toml").exists()
    bad = check_form(values | {"training.model_family": "sd3"}, root)
    assert bad.errors == {"training.model_family": "one of: sd15, sdxl"}
    save_form(ds, settings, values | {"training.model_family": "sdxl"})
    assert 'model_family = "sdxl"' in (root / "lorapan.toml").read_text()
    plan = build_plan(load_inputs(root), tmp_path / "run")
    assert plan.sdxl and any(a.endswith("sdxl_train_network.py") for a in plan.argv)
