"""App-wide messages. Workers and other threads talk to the UI only through these.

``post_message`` is thread-safe, so a dataset listener running on a watcher or
worker thread posts :class:`DatasetChanged` and the app updates its widgets on
the event loop. Each worker ends with one message per outcome (finished, failed)
and the handler of that message, on the event loop, changes the state; a worker
never calls back into the UI. High-rate messages override ``can_replace`` so a
burst collapses to the newest one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lorapan.core.dataset import ApplyResult
from lorapan.tui.jobs import Job
from textual.message import Message


@dataclass
class DatasetChanged(Message):
    """Captions or images changed (our edit, undo, reload, outside change)."""

    relpaths: set[str] = field(default_factory=set)
    reason: str = ""


@dataclass
class AnalysisProgress(Message):
    done: int
    total: int
    job: Job | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AnalysisProgress)


@dataclass
class AnalysisFinished(Message):
    facts: dict[str, Any]
    #: relpath -> what the reviewer says about its clone group (core.analysis.marks)
    clone_groups: dict[str, str]
    cancelled: bool = False
    error: str | None = None
    #: the clone groups themselves, found once in the worker and handed to the rules
    groups: list[Any] | None = None
    job: Job | None = None
    #: the facts cached from earlier runs, shown while the run measures the rest
    interim: bool = False


@dataclass
class WorkProgress(Message):
    """Progress of a bulk job (edits, tagging) shown in the status bar."""

    label: str
    done: int
    total: int
    job: Job | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, WorkProgress) and message.label == self.label


@dataclass
class RulesReport(Message):
    """A fresh rules report (from the engine's subscription or a check)."""

    report: Any

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RulesReport)


@dataclass
class Notice(Message):
    """A notification from another thread (the app shows it)."""

    text: str
    severity: str = "information"


@dataclass
class TaggerPredictions(Message):
    """Tagger suggestions read from the score cache: relpath -> predictions."""

    predictions: dict[str, list[Any]]


@dataclass
class AutotagFinished(Message):
    """An autotag run ended: the predictions per image, or why it failed."""

    job: Job
    predictions: dict[str, list[Any]]
    error: str | None = None


@dataclass
class EditWritten(Message):
    """A bulk edit was written on a worker; ``retry`` plans it again ("keep ours")."""

    result: ApplyResult
    retry: Callable[[list[str]], None] | None = None


@dataclass
class EditFailed(Message):
    """An edit or a fix could not be written (nothing was changed, or the journal says)."""

    label: str
    error: str


class SettingsFileChanged(Message):
    """The folder watcher saw lorapan.toml change (a burst of saves is one)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SettingsFileChanged)


@dataclass
class SettingsReloaded(Message):
    """lorapan.toml was read again: ``result`` is core's ``SettingsReload``."""

    result: Any


@dataclass
class FixApplied(Message):
    """A rule's fix ran on the rules thread: ``outcome`` is the engine's FixOutcome."""

    finding: Any
    outcome: Any
