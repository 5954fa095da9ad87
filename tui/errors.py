"""Problems the core raises for a person (``LorapanError``), shown as messages.

The core raises one exception type for what is not a bug: another process writing
(``DatasetBusy``), damaged or unwritable state under ``.lorapan/`` (``StateError``,
``JournalError``). The app shows its message and hint and keeps running; anything
else reaching a handler is a bug and goes to the app's worker-failure path.
"""

from __future__ import annotations

from lorapan.core.errors import LorapanError
from textual.dom import DOMNode


def error_text(exc: BaseException) -> str:
    """What went wrong and, for a ``LorapanError``, what to do about it."""
    if isinstance(exc, LorapanError):
        return f"{exc.message}\n{exc.hint}" if exc.hint else exc.message
    return str(exc) or type(exc).__name__


def show_error(node: DOMNode, exc: BaseException, title: str = "") -> None:
    """Notify ``exc`` (from any widget or screen) long enough to read its hint."""
    node.notify(error_text(exc), title=title, severity="error", timeout=12)
