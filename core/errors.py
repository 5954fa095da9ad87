"""The errors lorapan shows a person: what is wrong, and what to do about it.

Every failure that is not a bug (a dataset another process is writing, a damaged
or crafted file under ``.lorapan/``, a folder that cannot be written) is raised as
a :class:`LorapanError`. The CLI prints ``message`` and ``hint`` and exits with its
code for the kind; the app shows them and keeps running. Anything else reaching
the top is a bug.
"""

from __future__ import annotations


class LorapanError(Exception):
    """A problem to show the user: ``message`` says what is wrong, ``hint`` what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class StateError(LorapanError):
    """lorapan's own state under ``.lorapan/`` is damaged, unsafe or cannot be written."""
