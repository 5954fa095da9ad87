"""What runs on worker threads: analysis, the tagger's cache, autotagging, bulk edits, fixes.

Each body takes what it needs and ``post`` (a widget's ``post_message``, which is
thread-safe), does its work through core, and ends with one message per outcome
(``lorapan.tui.messages``). None of them touches a widget or the screen's state:
the message handlers do that, on the event loop. Errors become messages too, so a
failure shows as a notification instead of ending the worker with an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lorapan.core.analysis.marks import clone_marks
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.settings import STATE_DIR
from lorapan.tui.errors import error_text
from lorapan.tui.jobs import Job
from lorapan.tui.messages import (
    AnalysisFinished,
    AnalysisProgress,
    AutotagFinished,
    EditFailed,
    EditWritten,
    FixApplied,
    Notice,
    SettingsReloaded,
    TaggerPredictions,
    WorkProgress,
)
from textual.app import App
from textual.message import Message
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from lorapan.core.rules.live import RulesRunner

Post = Callable[[Message], object]

#: How much nicer than the app the analysis's decoding processes run, so the scheduler
#: gives a key's frame the core first. (Not its thread here: a thread of this process
#: that holds the GIL at a low priority would keep the event loop waiting for it.)
ANALYSIS_NICENESS = 10


def report_failure(app: App, event: Worker.StateChanged) -> None:
    """Hand a worker that ended with an exception to the app, which tells the user.

    ``Worker.StateChanged`` goes only to the node that ran the worker (it does not
    bubble), so each screen or widget with workers forwards it here.
    """
    if event.state == WorkerState.ERROR:
        report = getattr(app, "report_worker_failure", None)
        if report is not None:
            report(event.worker)


def analyse(dataset: Dataset, force: bool, job: Job, post: Post) -> None:
    """Measure every image: the cached facts first, then progress, then all of them."""
    # Imported here, on the worker: the analysis modules (numpy, the process pool) are
    # not needed for the app's first paint.
    from lorapan.core.analysis.analyzer import Analyzer
    from lorapan.core.rules.inputs import analysis_config

    try:
        # the dataset's [analysis] thresholds at its training resolution, as `lorapan scan`
        # and the rules judge them; decoding yields the cores to the app
        analyzer = Analyzer(
            dataset.root, dataset.state_dir, analysis_config(dataset), niceness=ANALYSIS_NICENESS
        )
        rels = list(dataset.items)
        cached = analyzer.cached(rels)
        if cached:
            post(analysis_finished(cached, dataset.root, job=job, interim=True))
        facts = analyzer.run(
            rels,
            progress=lambda done, total: post(AnalysisProgress(done, total, job)),
            cancel=job.cancel,
            force=force,
        )
    except Exception as exc:
        post(AnalysisFinished({}, {}, False, f"analysis failed: {error_text(exc)}", job=job))
        return
    for notice in analyzer.cache.notices:  # a damaged cache was set aside and rebuilt
        post(Notice(notice, "warning"))
    post(analysis_finished(facts, dataset.root, job=job, cancelled=job.cancelled))


def analysis_finished(
    facts: dict[str, Any],
    root: Path,
    *,
    job: Job | None = None,
    cancelled: bool = False,
    interim: bool = False,
) -> AnalysisFinished:
    """The message for measured facts, with clone groups found once (pixel-checked)."""
    from lorapan.core.analysis.clones import find_groups  # on the worker, as above

    # the clone groups `lorapan scan` cached (state folder beside the analysis cache)
    groups = list(find_groups(facts, root=root, state_dir=root / STATE_DIR))
    return AnalysisFinished(
        facts, clone_marks(groups), cancelled, groups=groups, job=job, interim=interim
    )


def load_tagger_results(dataset: Dataset, rules: RulesRunner | None, post: Post) -> None:
    """Cached tagger scores to the rules (``tags.inconsistent``) and to the suggestions.

    Reads only the score cache: runs at start and after an autotag run.
    """
    # On the worker: these import numpy and the analysis, which the first paint does
    # not need (0.2-0.4 s on the event loop before the rows showed).
    from lorapan.core.rules.inputs import load_tagger_scores
    from lorapan.core.tagger import service as tagger

    if rules is not None:
        scores, categories = load_tagger_scores(dataset)
        if scores:
            rules.set_scores(scores, categories)  # queued for the rules thread
    try:
        options = tagger.tag_options(dataset, blacklist=tagger.dataset_blacklist(dataset))
        predictions = tagger.cached_predictions(dataset, options)
    except Exception as exc:  # a damaged cache only costs the suggestions
        post(Notice(f"cached tagger suggestions unavailable: {exc}", "warning"))
        return
    if predictions:
        post(TaggerPredictions(predictions))


def autotag(dataset: Dataset, relpaths: Sequence[str], job: Job, post: Post) -> None:
    """Run the configured tagger model over ``relpaths`` (scores are cached as they come)."""
    from lorapan.core.tagger import service as tagger  # on the worker: only when tagging
    from lorapan.core.tagger.model import TaggerModel

    try:
        model = TaggerModel.open(Path(tagger.configured_model(dataset) or "").expanduser())
        options = tagger.tag_options(dataset, blacklist=tagger.dataset_blacklist(dataset))
        result = tagger.predict(
            dataset,
            model,
            list(relpaths),
            options,
            progress=lambda done, total: post(WorkProgress(job.label, done, total, job)),
            cancel=job.cancel,
        )
    except Exception as exc:
        post(AutotagFinished(job, {}, f"autotagger failed: {exc}"))
        return
    post(AutotagFinished(job, result.predictions))


def write_edit(
    dataset: Dataset,
    changes: list[TagChange],
    label: str,
    retry: Callable[[list[str]], None] | None,
    post: Post,
) -> None:
    """Write a planned bulk edit (journaled, conflict-checked)."""
    try:
        result = dataset.apply_changes(changes, label)
    except Exception as exc:  # report, never crash the UI
        post(EditFailed(label, error_text(exc)))
        return
    post(EditWritten(result, retry))


def reload_settings(dataset: Dataset, post: Post) -> None:
    """Read lorapan.toml again (a new caption extension re-reads every caption: 10k files)."""
    from lorapan.core.settings_live import SettingsReload
    from lorapan.core.settings_live import reload_settings as reload

    try:
        result = reload(dataset)
    except Exception as exc:  # report, never crash the UI
        result = SettingsReload(error=f"cannot read lorapan.toml again: {exc}")
    post(SettingsReloaded(result))


def apply_fix(rules: RulesRunner, finding: Any, post: Post) -> None:
    """Apply a finding's fix on the rules thread and wait for it here, off the event loop."""
    try:
        outcome = rules.call(lambda engine: engine.apply_fix(finding)).result()
    except Exception as exc:
        post(EditFailed(f"fix {finding.rule_id}", error_text(exc)))
        return
    post(FixApplied(finding, outcome))
