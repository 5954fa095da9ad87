"""App-wide messages. Workers and other threads talk to the UI only through these.

``post_message`` is thread-safe, so a dataset listener running on a watcher or
worker thread posts :class:`DatasetChanged` and the app updates its widgets on
the event loop. High-rate messages override ``can_replace`` so a burst collapses
to the newest one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AnalysisProgress)


@dataclass
class AnalysisFinished(Message):
    facts: dict[str, Any]
    clone_groups: dict[str, str]
    cancelled: bool = False
    error: str | None = None
    #: the clone groups themselves, found once in the worker and handed to the rules
    groups: list[Any] | None = None


@dataclass
class WorkProgress(Message):
    """Progress of a bulk job (edits, tagging) shown in the status bar."""

    label: str
    done: int
    total: int

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
