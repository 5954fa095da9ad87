"""The autotagger inside the app, with a real tiny ONNX model and onnxruntime.

The model (``tests/onnx_models.py``) scores tags from an image's mean colour, so a
pure red picture is seen as ``red``, ``dark``, ``^_^`` and ``long hair``. With fewer
than 15 images every tag the tagger sees is "rare", so the rules' ``tags.inconsistent``
finding lists the images whose caption lacks one: that needs the tagger's scores to
reach the rules engine, at start (from the score cache) and after a run in the app.
"""

from __future__ import annotations

from pathlib import Path

from app_helpers import app_for, caption, settle, wait_for
from lorapan.core.dataset import Dataset
from lorapan.core.tagger import service
from lorapan.core.tagger.model import TaggerModel
from onnx_models import make_model_dir
from PIL import Image

SIZE = (160, 48)
COLOURS = {"img_red": (255, 0, 0), "img_green": (0, 255, 0), "img_blue": (0, 0, 255)}


def tagged_dataset(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    for stem, rgb in COLOURS.items():
        Image.new("RGB", (64, 64), rgb).save(root / f"{stem}.png")
        (root / f"{stem}.txt").write_text("gob, solo\n", encoding="utf-8")
    model = make_model_dir(tmp_path / "models")
    (root / "lorapan.toml").write_text(
        f'kind = "concept"\ncore_tag = "gob"\n[tagger]\nmodel = "{model.as_posix()}"\n',
        encoding="utf-8",
    )
    return root


def inconsistent(app):
    """The tags.inconsistent finding the sidebar shows (None while there is none)."""
    sidebar = app.screen.query_one("#rules")
    found = [f for f in sidebar._findings.values() if f.rule_id == "tags.inconsistent"]
    return found[0] if found else None


def sees_scores(app) -> bool:
    f = inconsistent(app)
    return f is not None and f.severity == "warning"


async def test_autotag_from_the_palette_suggests_and_feeds_the_rules(tmp_path):
    root = tagged_dataset(tmp_path)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: inconsistent(app) is not None)
        before = inconsistent(app)
        assert before.severity == "advice" and "tagger" in before.message  # no scores yet

        await pilot.press("ctrl+p", *"Autotag whole", "enter")
        await settle(app, pilot)
        await wait_for(pilot, lambda: sees_scores(app))
        finding = inconsistent(app)
        assert set(finding.images) == {"img_red.png", "img_green.png", "img_blue.png"}
        assert "red" in finding.message or "dark" in finding.message

        panel = app.screen.query_one("#suggestions")
        assert panel.display and panel.relpath == "img_blue.png"  # first by name
        assert "blue" in [p.tag for p in panel.predictions]

        await pilot.press("S")  # to the suggestions
        assert app.focused is panel
        await pilot.press("A")  # accept every tag at or above the accept-all score
        await settle(app, pilot)
        await wait_for(
            pilot, lambda: sees_scores(app) and "img_blue.png" not in inconsistent(app).images
        )
        assert set(inconsistent(app).images) == {"img_green.png", "img_red.png"}

    tags = caption(root, "img_blue").split(", ")
    assert tags[:2] == ["gob", "solo"]
    assert {"blue", "dark", "long hair", "^_^"} <= set(tags)
    assert caption(root, "img_green") == "gob, solo"


async def test_cached_scores_reach_the_rules_and_suggestions_at_start(tmp_path):
    root = tagged_dataset(tmp_path)
    ds = Dataset.open(root)  # a tagger run before the app (as `lorapan autotag` does)
    model = TaggerModel.open(Path(service.configured_model(ds)))
    service.predict(ds, model, list(ds.items), service.tag_options(ds))

    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await wait_for(pilot, lambda: sees_scores(app))
        assert set(inconsistent(app).images) == {"img_red.png", "img_green.png", "img_blue.png"}
        await wait_for(pilot, lambda: app.screen.query_one("#suggestions").display)
        panel = app.screen.query_one("#suggestions")
        assert "blue" in [p.tag for p in panel.predictions]
        await pilot.press("j")  # the green image: its own suggestions
        await settle(app, pilot)
        assert "green" in [p.tag for p in panel.predictions]
        assert "blue" not in [p.tag for p in panel.predictions]
