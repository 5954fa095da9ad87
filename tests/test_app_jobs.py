"""One cancel per job: C stops the newest run (and says which), a second C the next one.

The analysis and the autotagger run their real worker threads here, with bodies that
hold until their own cancel event is set, so both are still running when C is pressed;
what is checked is which run each C stops and what the user is told.
"""

from __future__ import annotations

import threading

from app_helpers import SIZE, app_for, build_dataset, settle, wait_for
from lorapan.tui import workers
from lorapan.tui.jobs import Job, Jobs
from lorapan.tui.messages import AnalysisFinished, AutotagFinished

WAIT = 30.0


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


def test_jobs_cancel_newest_first_and_a_new_run_replaces_its_kind():
    jobs = Jobs()
    analysis = jobs.start("analysis", "analysis")
    tagging = jobs.start("autotag", "autotagging")
    assert jobs.cancel_newest() is tagging and tagging.cancelled and not analysis.cancelled
    assert jobs.cancel_newest() is analysis and analysis.cancelled
    assert jobs.cancel_newest() is None
    again = jobs.start("analysis", "analysis")
    assert jobs.running == [tagging, again] and not again.cancelled
    assert jobs.finish(analysis) is False  # replaced: its late outcome is dropped
    assert jobs.finish(again) is True and jobs.is_current(None)


async def test_c_cancels_the_autotag_then_the_analysis(tmp_path, monkeypatch):
    root = build_dataset(tmp_path / "data")
    (root / "lorapan.toml").write_text('[tagger]\nmodel = "models/none"\n')
    started: dict[str, Job] = {}
    ready = threading.Event()

    def held_analysis(dataset, force, job, post) -> None:
        started["analysis"] = job
        ready.set()
        job.cancel.wait(WAIT)
        post(AnalysisFinished({}, {}, cancelled=job.cancelled, job=job))

    def held_autotag(dataset, relpaths, job, post) -> None:
        started["autotag"] = job
        job.cancel.wait(WAIT)
        post(AutotagFinished(job, {}))  # what was tagged before the cancel: nothing

    monkeypatch.setattr(workers, "analyse", held_analysis)
    monkeypatch.setattr(workers, "autotag", held_autotag)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("A")
        await wait_for(pilot, ready.is_set)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: "autotag" in started)
        assert app.work_in_flight() == ["autotagging 1 image(s)…"]

        await pilot.press("C")
        await wait_for(pilot, lambda: app.screen.busy_label is None)
        assert "cancelling autotagging…" in notices(app)
        assert started["autotag"].cancelled and not started["analysis"].cancelled
        assert [j.kind for j in app.jobs.running] == ["analysis"]

        await pilot.press("C")
        await settle(app, pilot)
        assert "cancelling analysis…" in notices(app)
        assert app.jobs.running == []
        assert "analysis cancelled" in str(app.screen.query_one("#status").render())
        await pilot.press("C")
        await pilot.pause()
        assert notices(app)[-1] == "no background work running"
