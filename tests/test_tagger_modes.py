"""Suggest / add-missing / replace on real dataset folders, through the journal (undo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import require_shared
from lorapan.core.dataset import Dataset
from lorapan.core.tagger import modes, service
from lorapan.core.tagger.model import TaggerModel
from onnx_models import make_model_dir
from PIL import Image

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TaggerModel:
    return TaggerModel.open(make_model_dir(tmp_path_factory.mktemp("models")))


def make_dataset(root: Path, captions: dict[str, str | None], settings: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, caption in captions.items():
        Image.new("RGB", (32, 32), COLOURS[name.split("_")[0]]).save(root / f"{name}.png")
        if caption is not None:
            (root / f"{name}.txt").write_bytes(caption.encode())
    if settings:
        (root / "lorapan.toml").write_text(settings)
    return root


def predictions(ds: Dataset, model: TaggerModel, **overrides):
    opts = service.tag_options(ds, **overrides)
    return service.predict(ds, model, list(ds.items), opts).predictions


def test_suggest_lists_only_missing_tags_and_writes_nothing(
    tmp_path: Path, model: TaggerModel
) -> None:
    root = make_dataset(tmp_path / "ds", {"red": "tk, red, long hair", "blue": None})
    before = {p.name: p.read_bytes() for p in root.glob("*.txt")}
    ds = Dataset.open(root)
    preds = predictions(ds, model)
    lacking = modes.suggestions(ds, preds)
    assert "red" not in [p.tag for p in lacking["red.png"]]
    assert "long hair" not in [p.tag for p in lacking["red.png"]]
    assert "^_^" in [p.tag for p in lacking["red.png"]]
    assert "blue" in [p.tag for p in lacking["blue.png"]]
    assert modes.plan(ds, preds, "suggest") == []
    assert {p.name: p.read_bytes() for p in root.glob("*.txt")} == before
    assert not (root / "blue.txt").exists()


def test_add_missing_appends_and_undo_restores_bytes(tmp_path: Path, model: TaggerModel) -> None:
    root = make_dataset(tmp_path / "ds", {"red": "tk, solo, long_hair\r\n", "green": None})
    original = (root / "red.txt").read_bytes()
    ds = Dataset.open(root)
    changes = modes.plan(ds, predictions(ds, model), "add-missing")
    result = ds.apply_changes(changes, "autotag add-missing")
    assert result.ok and sorted(result.applied) == ["green.png", "red.png"]
    text = (root / "red.txt").read_bytes()
    assert text.startswith(b"tk, solo, long_hair, ") and text.endswith(b"\r\n")
    assert b"long hair" not in text  # already there as long_hair: not added twice
    assert (root / "green.txt").read_text().startswith("green")
    ds.undo()
    assert (root / "red.txt").read_bytes() == original
    assert not (root / "green.txt").exists()


def test_replace_puts_core_and_style_first(tmp_path: Path, model: TaggerModel) -> None:
    settings = '[dataset]\ncore_tag = "gob goblin focus"\nstyle_tag = "anime screencap"\n'
    root = make_dataset(tmp_path / "ds", {"red": "old tag, gob goblin focus, another"}, settings)
    ds = Dataset.open(root)
    [change] = modes.plan(ds, predictions(ds, model), "replace")
    assert change.after[:2] == ("gob goblin focus", "anime screencap")
    assert "red" in change.after and "old tag" not in change.after and "another" not in change.after
    ds.apply_changes([change], "autotag replace")
    assert (root / "red.txt").read_text().startswith("gob goblin focus, anime screencap, ")
    ds.undo()
    assert (root / "red.txt").read_text() == "old tag, gob goblin focus, another"


def test_replace_without_core_setting_keeps_shared_first_tag(
    tmp_path: Path, model: TaggerModel
) -> None:
    root = make_dataset(tmp_path / "ds", {"red": "tk, solo", "blue": "tk, smile"})
    ds = Dataset.open(root)
    changes = {c.relpath: c for c in modes.plan(ds, predictions(ds, model), "replace")}
    assert changes["red.png"].after[0] == "tk" and changes["blue.png"].after[0] == "tk"
    assert "smile" not in changes["blue.png"].after


def test_dataset_blacklist_and_tag_style_apply(tmp_path: Path, model: TaggerModel) -> None:
    settings = '[dataset]\ntag_style = "underscores"\nblacklist_extra = ["long hair"]\n'
    root = make_dataset(tmp_path / "ds", {"red": "tk"}, settings)
    ds = Dataset.open(root)
    tags = [p.tag for p in predictions(ds, model)["red.png"]]
    assert "long_hair" not in tags and "long hair" not in tags
    assert "red_knight_(series)" in tags and "^_^" in tags
    tags = [p.tag for p in predictions(ds, model, blacklist=["^_^"])["red.png"]]
    assert "^_^" not in tags


def test_keep_style_follows_what_captions_use(tmp_path: Path, model: TaggerModel) -> None:
    root = make_dataset(tmp_path / "ds", {"red": "short_hair, blue_eyes, looking_at_viewer"})
    ds = Dataset.open(root)
    assert service.dataset_tag_style(ds) == "underscores"
    assert "long_hair" in [p.tag for p in predictions(ds, model)["red.png"]]


def test_tagger_settings_thresholds_and_exclude(tmp_path: Path, model: TaggerModel) -> None:
    settings = "[tagger]\ngeneral_threshold = 0.25\ncharacter_threshold = 0.6\nexclude = ['dark']\n"
    root = make_dataset(tmp_path / "ds", {"green": None}, settings)
    ds = Dataset.open(root)
    tags = [p.tag for p in predictions(ds, model)["green.png"]]
    assert "faint" in tags and "maybe char" in tags and "dark" not in tags
    tags = [p.tag for p in predictions(ds, model, general=0.5)["green.png"]]
    assert "faint" not in tags


def test_accept_adds_chosen_suggestions_in_one_undoable_edit(
    tmp_path: Path, model: TaggerModel
) -> None:
    root = make_dataset(tmp_path / "ds", {"red": "tk", "blue": "tk"})
    ds = Dataset.open(root)
    result = modes.accept(ds, {"red.png": ["red", "^_^"], "blue.png": ["blue", "tk"]})
    assert result.ok
    assert (root / "red.txt").read_text() == "tk, red, ^_^"
    assert (root / "blue.txt").read_text() == "tk, blue"
    ds.undo()
    assert (root / "red.txt").read_text() == "tk" and (root / "blue.txt").read_text() == "tk"


def test_rethresholding_uses_cache_not_inference(tmp_path: Path, model: TaggerModel) -> None:
    root = make_dataset(tmp_path / "ds", {"red": None, "green": None, "blue": None})
    ds = Dataset.open(root)
    first = service.predict(ds, model, list(ds.items), service.tag_options(ds))
    assert first.run.stats.images == 3
    again = service.predict(ds, model, list(ds.items), service.tag_options(ds, general=0.25))
    assert again.run.stats.images == 0 and again.run.cached == 3
    assert "faint" in [p.tag for p in again.predictions["red.png"]]
    assert "faint" not in [p.tag for p in first.predictions["red.png"]]


def test_rules_blacklist_filters_real_v3_tags(tmp_path: Path) -> None:
    from lorapan.core.tagger.labels import read_tag_csv
    from lorapan.core.tagger.predict import select

    tags = read_tag_csv(require_shared("data", "wd-v3-selected_tags.csv"))
    root = make_dataset(tmp_path / "ds", {"red": "tk"})
    ds = Dataset.open(root)
    blacklist = service.dataset_blacklist(ds)
    assert "collarbone" in blacklist  # a body tag the guide removes from character datasets
    scores = np.zeros(len(tags), np.float32)
    for name, score in (("collarbone", 0.95), ("smile", 0.9), ("long_hair", 0.8), ("^_^", 0.7)):
        scores[tags.names.index(name)] = score
    kept = [p.tag for p in select(scores, tags, service.tag_options(ds, blacklist=blacklist))]
    assert kept == ["smile", "long hair", "^_^"]


def test_model_setting_is_relative_to_the_dataset(tmp_path: Path) -> None:
    root = make_dataset(tmp_path / "ds", {"red": None}, '[tagger]\nmodel = "models/tiny-tagger"\n')
    make_model_dir(root / "models")
    ds = Dataset.open(root)
    assert service.configured_model(ds) == str(root.resolve() / "models" / "tiny-tagger")
    model = TaggerModel.open(service.configured_model(ds))
    assert model.name == "tiny-tagger"


def test_cached_predictions_need_no_model(tmp_path: Path, model: TaggerModel) -> None:
    root = make_dataset(tmp_path / "ds", {"red": "tk", "blue": None})
    ds = Dataset.open(root)
    assert service.cached_predictions(ds, service.tag_options(ds)) == {}
    live = service.predict(ds, model, list(ds.items), service.tag_options(ds)).predictions
    reopened = Dataset.open(root)
    cached = service.cached_predictions(reopened, service.tag_options(reopened))
    assert {r: [p.tag for p in ps] for r, ps in cached.items()} == {
        r: [p.tag for p in ps] for r, ps in live.items()
    }
    looser = service.cached_predictions(reopened, service.tag_options(reopened, general=0.25))
    assert "faint" in [p.tag for p in looser["red.png"]]
