"""`tags.inconsistent` end to end with the real tiny ONNX tagger: autotag, check, fix, undo.

The model (``tests/onnx_models.py``) scores ``red`` high on red pictures, so a
dataset with three red images where one caption says ``red`` has two images lacking
an element seen in fewer than 15 images.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import rules_fixtures as rf
from conftest import run_lorapan
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.rules import engine as engine_mod
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.inputs import load_tagger_scores
from lorapan.core.rules.model import Finding
from lorapan.tui.screens.fix_preview import FixPreviewScreen
from onnx_models import make_model_dir
from PIL import Image
from test_rules_tui import Host, move_to

CORE = "gob focus, anime screencap"


def lorapan(*args: object, home: Path) -> subprocess.CompletedProcess:
    return run_lorapan(*args, env={"XDG_DATA_HOME": str(home)})


@pytest.fixture
def tagged(tmp_path: Path) -> dict[str, Path]:
    """20 images (3 red, 17 blue), autotagged by the real CLI: scores cached, captions untouched."""
    root = tmp_path / "ds"
    root.mkdir()
    for i in range(20):
        Image.new("RGB", (32, 32), (255, 0, 0) if i < 3 else (0, 0, 255)).save(
            root / f"{i:02d}.png"
        )
        (root / f"{i:02d}.txt").write_text(CORE + (", red" if i == 0 else ""))
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    home = tmp_path / "xdg"
    model = make_model_dir(tmp_path / "models")
    before = rf.snapshot_bytes(root)
    res = lorapan("autotag", root, "--model", model, home=home)
    assert res.returncode == 0, res.stderr
    assert rf.snapshot_bytes(root) == before  # suggest mode: only the score cache is written
    return {"root": root, "home": home}


def _inconsistent(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == "tags.inconsistent"]


def test_autotag_check_fix_undo_through_the_cli(tagged: dict[str, Path]) -> None:
    root, home = tagged["root"], tagged["home"]
    before = rf.snapshot_bytes(root)
    found = _inconsistent(json.loads(lorapan("check", root, "--json", home=home).stdout))
    assert [f["images"] for f in found] == [["01.png", "02.png"]]
    assert found[0]["severity"] == "warning" and "red" in found[0]["fix"]["label"]
    res = lorapan("fix", root, "--rule", "tags.inconsistent", home=home)
    assert res.returncode == 0, res.stderr
    assert (root / "01.txt").read_text() == CORE + ", red"
    assert (root / "02.txt").read_text() == CORE + ", red"
    assert not _inconsistent(json.loads(lorapan("check", root, "--json", home=home).stdout))
    assert lorapan("undo", root, home=home).returncode == 0
    assert rf.snapshot_bytes(root) == before


def test_set_scores_rechecks_only_the_images_whose_elements_changed(
    tagged: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ds = Dataset.open(tagged["root"])
    engine = RulesEngine(ds)
    engine.check()
    scores, categories = load_tagger_scores(ds)
    analysed: list[str] = []
    planned: list[int] = []
    real_analyse, real_steps = engine_mod.analyse, engine_mod.step_facts
    monkeypatch.setattr(
        engine_mod,
        "analyse",
        lambda ctx, item: analysed.append(item.relpath) or real_analyse(ctx, item),
    )
    monkeypatch.setattr(engine_mod, "step_facts", lambda *a: planned.append(1) or real_steps(*a))
    reports = []
    engine.subscribe(reports.append)
    engine.set_scores(scores, categories)
    assert sorted(analysed) == ["00.png", "01.png", "02.png"]  # the red ones, nothing else
    assert planned == []  # the training plan does not depend on scores
    assert reports[-1].find("tags.inconsistent")[0].images == ["01.png", "02.png"]
    fresh = RulesEngine(
        Dataset.open(tagged["root"]), live=False, scores=scores, categories=categories
    )
    assert [f.to_dict() for f in reports[-1].findings] == [
        f.to_dict() for f in fresh.check().findings
    ]
    analysed.clear()
    engine.set_scores(None)
    assert sorted(analysed) == ["00.png", "01.png", "02.png"]
    assert engine.check().find("tags.inconsistent")[0].key.endswith("needs-tagger")


def test_an_edit_after_scores_keeps_the_finding_live(tagged: dict[str, Path]) -> None:
    ds = Dataset.open(tagged["root"])
    engine = RulesEngine(ds)
    engine.set_scores(*load_tagger_scores(ds))
    tags = ds.items["01.png"].tags
    ds.apply_changes([TagChange("01.png", tags, (*tags, "red"))], "tag red")
    assert engine.check().find("tags.inconsistent")[0].images == ["02.png"]


async def test_sidebar_shows_the_finding_and_f_enter_adds_the_tags(
    tagged: dict[str, Path],
) -> None:
    root = tagged["root"]
    before = rf.snapshot_bytes(root)
    app = Host(root)  # the engine starts without scores, as the app does
    async with app.run_test(size=(80, 50)) as pilot:
        assert app.sidebar.report.find("tags.inconsistent")[0].key.endswith("needs-tagger")
        app.engine.set_scores(*load_tagger_scores(app.ds))  # what the app does after autotag
        await pilot.pause()
        await move_to(pilot, app.sidebar, "tags.inconsistent")
        item = app.sidebar.current()
        assert isinstance(item, Finding) and item.images == ["01.png", "02.png"]
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FixPreviewScreen)
        rows = [str(s.render()) for s in app.screen.query(".fix-row")]
        assert rows == ["01.png  +red", "02.png  +red"]
        await pilot.press("enter")
        await pilot.pause()
        assert (root / "02.txt").read_text() == CORE + ", red"
        assert not app.sidebar.report.find("tags.inconsistent")
        app.ds.undo()
        await pilot.pause()
        assert rf.snapshot_bytes(root) == before
        assert app.sidebar.report.find("tags.inconsistent")[0].images == ["01.png", "02.png"]
