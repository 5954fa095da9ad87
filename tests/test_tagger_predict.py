"""Predictions through real onnxruntime sessions: colours, thresholds, MCut, ratings,
blacklist, kaomoji; the overlapped pipeline; the score cache."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from lorapan.core.tagger.labels import TagList
from lorapan.core.tagger.model import TaggerModel
from lorapan.core.tagger.pipeline import run_pipeline, run_sequential
from lorapan.core.tagger.predict import TagOptions, mcut_threshold, select
from lorapan.core.tagger.runner import score_images
from lorapan.core.tagger.scores import latest_model, load_scores, tag_categories
from onnx_models import SIZE, expected_scores, make_model_dir
from PIL import Image

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TaggerModel:
    return TaggerModel.open(make_model_dir(tmp_path_factory.mktemp("models")))


def solid(tmp_path: Path, name: str, colour: tuple[int, int, int], size: int = SIZE) -> Path:
    path = tmp_path / name
    Image.new("RGB", (size, size), colour).save(path)
    return path


def tags_of(model: TaggerModel, path: Path, opts: TagOptions | None = None) -> dict[str, float]:
    [result] = list(run_pipeline(model, [("x", path)]))
    assert result.scores is not None
    return {p.tag: p.score for p in select(result.scores, model.tags, opts or TagOptions())}


def test_red_image_gets_red_tags_with_the_models_scores(model: TaggerModel, tmp_path: Path) -> None:
    got = tags_of(model, solid(tmp_path, "red.png", RED))
    want = expected_scores(np.array([0, 0, 255.0]))  # B, G, R means
    assert got["red"] == pytest.approx(want[4], abs=1e-5)
    assert "red knight (series)" in got  # character above 0.85
    assert "blue" not in got and "green" not in got


def test_blue_image_is_not_red_because_channels_are_bgr(model: TaggerModel, tmp_path: Path) -> None:
    got = tags_of(model, solid(tmp_path, "blue.png", BLUE))
    assert "blue" in got and "red" not in got


def test_thresholds_per_category(model: TaggerModel, tmp_path: Path) -> None:
    path = solid(tmp_path, "green.png", GREEN)
    default = tags_of(model, path)
    assert "maybe char" not in default  # 0.7 < character 0.85
    assert "long hair" in default and "faint" not in default  # 0.6 > 0.35 > 0.3
    loose = tags_of(model, path, TagOptions(general=0.25, character=0.6))
    assert "maybe char" in loose and "faint" in loose
    strict = tags_of(model, path, TagOptions(general=0.65))
    assert "long hair" not in strict and "green" in strict


def test_characters_come_first_then_generals_by_score(model: TaggerModel, tmp_path: Path) -> None:
    [res] = list(run_pipeline(model, [("x", solid(tmp_path, "red.png", RED))]))
    preds = select(res.scores, model.tags, TagOptions())
    assert preds[0].category == "character"
    general_scores = [p.score for p in preds if p.category == "general"]
    assert general_scores == sorted(general_scores, reverse=True)


def test_rating_only_when_asked(model: TaggerModel, tmp_path: Path) -> None:
    path = solid(tmp_path, "red.png", RED)
    assert "general" not in tags_of(model, path)
    [res] = list(run_pipeline(model, [("x", path)]))
    preds = select(res.scores, model.tags, TagOptions(rating=True))
    ratings = [p for p in preds if p.category == "rating"]
    assert [(p.tag, round(p.score, 3)) for p in ratings] == [("general", 0.8)]


def test_blacklist_and_exclude_match_either_spelling(model: TaggerModel, tmp_path: Path) -> None:
    path = solid(tmp_path, "red.png", RED)
    opts = TagOptions.build(blacklist=["long hair"], exclude=["Red_Knight_(series)"])
    got = tags_of(model, path, opts)
    assert "long hair" not in got and "red knight (series)" not in got
    assert "red" in got


def test_tag_style_keeps_kaomoji(model: TaggerModel, tmp_path: Path) -> None:
    path = solid(tmp_path, "red.png", RED)
    spaced = tags_of(model, path, TagOptions(style="spaces"))
    assert "^_^" in spaced and "long hair" in spaced
    underscored = tags_of(model, path, TagOptions(style="underscores"))
    assert (
        "^_^" in underscored and "long_hair" in underscored and "red_knight_(series)" in underscored
    )


def test_mcut_threshold_cuts_at_the_widest_gap() -> None:
    assert mcut_threshold(np.array([0.9, 0.85, 0.2, 0.1])) == pytest.approx(0.525)
    assert mcut_threshold(np.array([0.5])) == 0.0


def test_mcut_keeps_tags_above_the_widest_gap_instead_of_the_threshold() -> None:
    names = ("general", "a", "b", "c", "d", "e", "hero", "extra")
    tags = TagList(names, np.array([9, 0, 0, 0, 0, 0, 4, 4], dtype=np.int16))
    scores = np.array([0.9, 0.95, 0.9, 0.5, 0.45, 0.1, 0.97, 0.2], dtype=np.float32)
    fixed = [p.tag for p in select(scores, tags, TagOptions())]
    assert fixed == ["hero", "a", "b", "c", "d"]
    mcut = [p.tag for p in select(scores, tags, TagOptions(mcut_general=True, mcut_character=True))]
    assert mcut == ["hero", "a", "b"]


def test_pipeline_keeps_order_and_reports_unreadable_images(
    model: TaggerModel, tmp_path: Path
) -> None:
    items = []
    for i in range(11):
        colour = (RED, GREEN, BLUE)[i % 3]
        items.append((f"img{i}", solid(tmp_path, f"img{i}.png", colour)))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 10)
    items.insert(4, ("broken", broken))
    items.append(("gone", tmp_path / "gone.png"))
    results = list(run_pipeline(model, items, batch_size=3, workers=2))
    assert sorted(r.key for r in results) == sorted(k for k, _ in items)
    good = [r for r in results if r.scores is not None]
    assert [r.key for r in good] == [k for k, _ in items if k not in ("broken", "gone")]
    errors = {r.key: r.error for r in results if r.error}
    assert set(errors) == {"broken", "gone"}
    assert "cannot read the image" in errors["broken"]
    sequential = {
        r.key: r.scores for r in run_sequential(model, items, batch_size=3) if r.scores is not None
    }
    for r in good:
        np.testing.assert_allclose(r.scores, sequential[r.key], rtol=1e-6)


def test_pipeline_stops_when_cancelled(model: TaggerModel, tmp_path: Path) -> None:
    items = [(f"i{i}", solid(tmp_path, f"i{i}.png", RED)) for i in range(40)]
    cancel = threading.Event()
    seen = []
    for r in run_pipeline(model, items, batch_size=2, cancel=cancel):
        seen.append(r.key)
        if len(seen) == 4:
            cancel.set()
    assert 4 <= len(seen) < 40


def test_scores_are_cached_and_reused_until_the_image_changes(
    model: TaggerModel, tmp_path: Path
) -> None:
    state = tmp_path / ".lorapan"
    red, blue = solid(tmp_path, "red.png", RED), solid(tmp_path, "blue.png", BLUE)
    items = [("red.png", red), ("blue.png", blue)]
    first = score_images(model, state, items)
    assert first.cached == 0 and first.stats.images == 2
    second = score_images(model, state, items)
    assert second.cached == 2 and second.stats.images == 0
    np.testing.assert_allclose(
        second.scores["red.png"][first.scores["red.png"] >= 0.01],
        first.scores["red.png"][first.scores["red.png"] >= 0.01],
        rtol=1e-6,
    )
    Image.new("RGB", (SIZE, SIZE), GREEN).save(red)  # same name, new content
    third = score_images(model, state, items)
    assert third.cached == 1 and third.stats.images == 1
    assert third.scores["red.png"][5] > 0.9  # "green" now


def test_rules_can_read_cached_scores_and_categories(model: TaggerModel, tmp_path: Path) -> None:
    state = tmp_path / ".lorapan"
    assert load_scores(state) == {} and latest_model(state) is None
    score_images(model, state, [("a/red.png", solid(tmp_path, "red.png", RED))])
    scores = load_scores(state)
    assert set(scores) == {"a/red.png"}
    assert scores["a/red.png"]["red"] > 0.9
    assert "blue" not in scores["a/red.png"] or scores["a/red.png"]["blue"] < 0.05
    assert latest_model(state) == model.id
    assert load_scores(state, model.id) == scores
    cats = tag_categories(state)
    assert (
        cats["red_knight_(series)"] == "character"
        and cats["red"] == "general"
        and cats["explicit"] == "rating"
    )


def test_cancelled_run_keeps_finished_scores(model: TaggerModel, tmp_path: Path) -> None:
    state = tmp_path / ".lorapan"
    items = [(f"i{i}.png", solid(tmp_path, f"i{i}.png", RED)) for i in range(20)]
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 5:
            cancel.set()

    run = score_images(model, state, items, batch_size=1, progress=progress, cancel=cancel)
    assert run.cancelled
    assert 5 <= len(load_scores(state)) < 20


def test_damaged_cache_is_set_aside_and_rebuilt(model: TaggerModel, tmp_path: Path) -> None:
    state = tmp_path / ".lorapan"
    state.mkdir()
    (state / "tagger.sqlite").write_bytes(b"this is not a database" * 10)
    assert load_scores(state) == {}
    run = score_images(model, state, [("red.png", solid(tmp_path, "red.png", RED))])
    assert run.stats.images == 1
    assert load_scores(state)["red.png"]["red"] > 0.9
    assert len(list(state.glob("tagger.sqlite.damaged-*"))) == 1


def test_unwritable_state_folder_still_tags(model: TaggerModel, tmp_path: Path) -> None:
    blocker = tmp_path / ".lorapan"
    blocker.write_text("a file where the state folder should be")
    run = score_images(model, blocker, [("red.png", solid(tmp_path, "red.png", RED))])
    assert run.scores["red.png"][4] > 0.9
    assert run.cache_note and "not cached" in run.cache_note
