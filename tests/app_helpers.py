"""Helpers for tests that run the reviewer app headless (imported by the test_app_* modules).

The app runs on real files in tmp_path (real Dataset, journal, atomic writes).
Analysis, the folder watcher and the rules engine are off unless a test turns them
on, so a flow does not wait on process pools, observers or the rules thread.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from imagegen import flat_art
from lorapan.tui.app import make_app
from lorapan.tui.widgets.file_list import FileList
from lorapan.tui.widgets.tag_chips import TagChips
from textual.worker import WorkerCancelled, WorkerFailed

SIZE = (100, 32)
CAPTIONS = {
    "img_1": "gob, solo, red hair, outdoors",
    "img_2": "gob, solo, smile, indoors",
    "img_3": "gob, 1girl, long hair, outdoors",
    "img_10": "gob, solo, night",
}


def build_dataset(root: Path, captions: dict[str, str] | None = None) -> Path:
    """Small synthetic images (fixed content per name) with comma-separated captions."""
    root.mkdir(parents=True, exist_ok=True)
    for i, (stem, caption) in enumerate((captions or CAPTIONS).items()):
        flat_art((96, 64), seed=i).save(root / f"{stem}.png")
        (root / f"{stem}.txt").write_text(caption + "\n", encoding="utf-8")
    return root


def caption(root: Path, stem: str) -> str:
    return (root / f"{stem}.txt").read_text(encoding="utf-8").strip()


def app_for(root: Path, tmp_path: Path, **kw):
    """The app as ``lorapan DIR`` builds it, with its user config in ``tmp_path``."""
    kw.setdefault("analyse", False)
    kw.setdefault("watch", False)
    kw.setdefault("rules", False)
    return make_app(root, config_dir=tmp_path / "config", **kw)


async def settle(app, pilot, rounds: int = 3) -> None:
    """Wait for workers, the rules thread and queued messages; fail on a worker's error.

    Cancelled workers are expected (a newer preview decode replaces the last one). A
    worker that raised fails the test: the app records every such failure (its own
    workers' and those its screens hand it) in ``worker_failures``.
    """
    for _ in range(rounds):
        for worker in list(app.workers):
            with contextlib.suppress(WorkerCancelled):
                try:
                    await worker.wait()
                except WorkerFailed as exc:
                    raise AssertionError(f"worker {worker.name!r} failed: {exc.error!r}") from exc
        for _ in range(400):
            rules = getattr(app, "rules", None)
            if rules is None or rules.idle:
                break
            await pilot.pause(0.01)
        await pilot.pause(0.05)
    assert not getattr(app, "worker_failures", []), app.worker_failures


async def wait_for(pilot, condition, rounds: int = 200) -> None:
    """Poll ``condition`` between short pauses (work on plain threads, e.g. the rules)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def focus_finding(app, pilot, rule_id: str) -> None:
    """Open the rules sidebar (R) with the cursor on the first finding of ``rule_id``."""
    await pilot.press("R")
    await settle(app, pilot)
    sidebar = app.screen.query_one("#rules")
    oid = next(k for k, f in sidebar._findings.items() if f.rule_id == rule_id)
    sidebar.choose(oid)
    await pilot.pause(0.05)


def files(app) -> FileList:
    return app.screen.query_one(FileList)


def chips(app) -> TagChips:
    return app.screen.query_one(TagChips)
