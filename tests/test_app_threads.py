"""Threads and the rules engine: edits while image facts arrive and images appear.

The engine rebuilds synchronously, and edits come from the event loop (small edits),
a worker (bulk edits) and other threads (the folder watcher). The app runs every
engine call on the rules thread (``lorapan.core.rules.live``) and touches widgets
only on the event loop. This test makes all of that happen at once and then checks
that the UI thread never ran engine code, that reports reached the widgets on the
UI thread only, and that the report the app ends with is the one a fresh engine
computes from the files on disk.
"""

from __future__ import annotations

import random
import threading

import lorapan.tui.screens.main as main_screen
from app_helpers import app_for, build_dataset, settle, wait_for
from imagegen import flat_art
from lorapan.core.analysis.facts import ImageFacts
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.tui.messages import AnalysisFinished

SIZE = (120, 36)


def facts_for(rels: list[str], seed: int) -> dict[str, ImageFacts]:
    rng = random.Random(seed)
    return {
        rel: ImageFacts(
            rel,
            width=512,
            height=rng.choice((512, 384, 96)),
            sharpness=rng.uniform(5, 100),
            blurry=rng.random() < 0.3,
            low_res=rng.random() < 0.3,
            phash=rng.getrandbits(64),
        )
        for rel in rels
    }


def findings_of(report) -> set[tuple]:
    return {(f.rule_id, f.severity, f.key, tuple(f.images)) for f in report.findings}


async def test_edits_while_facts_arrive_and_images_appear(tmp_path, monkeypatch):
    caps = {f"img_{i}": f"gob, solo, t{i % 7}, shared" for i in range(80)}
    root = build_dataset(tmp_path / "data", caps)
    ui_thread = threading.get_ident()
    engine_threads: set[int] = set()
    report_threads: set[int] = set()

    def recording(name):
        original = getattr(RulesEngine, name)

        def wrapper(self, *args, **kwargs):
            if not getattr(self, "reference", False):
                engine_threads.add(threading.get_ident())
            return original(self, *args, **kwargs)

        return wrapper

    for name in ("rebuild", "update", "set_facts", "check", "apply_fix"):
        monkeypatch.setattr(RulesEngine, name, recording(name))
    show_report = main_screen.MainScreen.show_report

    def recording_show(self, report):
        report_threads.add(threading.get_ident())
        return show_report(self, report)

    monkeypatch.setattr(main_screen.MainScreen, "show_report", recording_show)

    app = app_for(root, tmp_path, rules=True)
    rels = list(Dataset.open(root).items)
    final_facts = facts_for(rels, seed=99)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        stop = threading.Event()

        def analysis() -> None:  # facts keep arriving, as from the analysis worker
            for seed in range(25):
                if stop.is_set():
                    break
                app.post_message(AnalysisFinished(facts_for(rels, seed), {}))
                stop.wait(0.02)
            app.post_message(AnalysisFinished(final_facts, {}))

        def new_images() -> None:  # images dropped in, as the folder watcher sees them
            for i in range(6):
                flat_art((64, 64), seed=100 + i).save(root / f"new_{i}.png")
                (root / f"new_{i}.txt").write_text("gob, new, shared\n")
                app.dataset.refresh_paths([f"new_{i}.png", f"new_{i}.txt"], "outside change")
                stop.wait(0.03)

        threads = [threading.Thread(target=analysis), threading.Thread(target=new_images)]
        for t in threads:
            t.start()
        try:
            for n in range(6):  # small edits on the event loop
                await pilot.press("j", "a", *f"edit{n}", "enter")
            await pilot.press("asterisk", "a", *"bulk", "enter")  # 80+ files: a worker
            await settle(app, pilot)
            await pilot.press("escape", "t", "d")  # and a delete on the current image
        finally:
            stop.set()
            for t in threads:
                t.join()
        await settle(app, pilot)

        def expected() -> set[tuple]:
            reference = RulesEngine.__new__(RulesEngine)
            reference.reference = True  # the test's own engine, not the app's
            reference.__init__(Dataset.open(root), facts=final_facts, live=False)
            return findings_of(reference.check())

        await wait_for(
            pilot,
            lambda: app.screen.report is not None and findings_of(app.screen.report) == expected(),
        )
        assert any("new_5.png" in images for *_, images in findings_of(app.screen.report))
        problems = [n.message for n in app._notifications if n.severity == "error"]
        assert problems == []

    assert engine_threads and ui_thread not in engine_threads
    assert report_threads == {ui_thread}
    assert "bulk" in (root / "img_79.txt").read_text()
