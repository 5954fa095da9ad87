"""The rules engine on its own thread (core/rules/live.py): reports, calls, folding, stop."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.edits import add_tag, plan
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.live import RulesRunner

WAIT = 60.0


class Sink:
    """Collects reports and errors from the rules thread."""

    def __init__(self) -> None:
        self.reports: list = []
        self.errors: list[str] = []
        self.threads: set[int] = set()
        self.arrived = threading.Semaphore(0)

    def report(self, report) -> None:
        self.threads.add(threading.get_ident())
        self.reports.append(report)
        self.arrived.release()

    def wait_report(self) -> None:
        assert self.arrived.acquire(timeout=WAIT), "no report from the rules thread"


def keys(report) -> set[tuple]:
    return {(f.rule_id, f.key, tuple(f.images)) for f in report.findings}


def edit(ds: Dataset, rel: str, tag: str) -> None:
    changes = plan({rel: ds.items[rel].tags}, [rel], lambda tags: add_tag(tags, tag))
    assert ds.apply_changes(changes, f"add {tag}").applied


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    return Dataset.open(rf.character(tmp_path / "c", clean=False, n=20))


def test_reports_come_from_the_rules_thread_and_follow_edits(dataset: Dataset):
    sink = Sink()
    runner = RulesRunner(dataset, on_report=sink.report, on_error=sink.errors.append)
    runner.start()
    try:
        sink.wait_report()
        rel = next(iter(dataset.items))
        edit(dataset, rel, "blue sky")  # from this thread: the runner only queues it
        sink.wait_report()
        engine_rels: Future = runner.call(lambda engine: sorted(engine.dataset.items))
        assert engine_rels.result(WAIT) == sorted(dataset.items)
        sink.wait_report()
        fresh = RulesEngine(Dataset.open(dataset.root), live=False).check()
        assert keys(sink.reports[-1]) == keys(fresh)
    finally:
        runner.stop()
    assert sink.errors == []
    assert threading.get_ident() not in sink.threads and len(sink.threads) == 1


def wait_idle(runner: RulesRunner) -> None:
    done = threading.Event()
    for _ in range(int(WAIT / 0.01)):
        if runner.idle:
            return
        done.wait(0.01)
    raise AssertionError("the rules thread did not become idle")


def test_jobs_queued_while_busy_fold_into_one_report(dataset: Dataset):
    sink = Sink()
    runner = RulesRunner(dataset, on_report=sink.report, on_error=sink.errors.append)
    busy, release = threading.Event(), threading.Event()

    def hold(engine) -> str:
        busy.set()
        release.wait(WAIT)
        return "held"

    held = runner.call(hold)  # queued before start: runs in the first batch, after the build
    runner.start()
    try:
        assert busy.wait(WAIT)
        for _ in range(10):
            runner.settings_changed()
        runner.set_scores(None)
        answer = runner.call(lambda engine: engine is not None)
        release.set()
        assert held.result(WAIT) == "held" and answer.result(WAIT) is True
        wait_idle(runner)
    finally:
        runner.stop()
    assert len(sink.reports) == 2 and sink.errors == []  # the build's, then one for the rest


def test_after_stop_calls_fail_instead_of_waiting_forever(dataset: Dataset):
    sink = Sink()
    runner = RulesRunner(dataset, on_report=sink.report, on_error=sink.errors.append)
    runner.start()
    sink.wait_report()
    runner.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        runner.call(lambda engine: None).result(WAIT)
    rel = next(iter(dataset.items))
    edit(dataset, rel, "after stop")  # no longer followed: no report, no error
    assert len(sink.reports) == 1 and sink.errors == []
