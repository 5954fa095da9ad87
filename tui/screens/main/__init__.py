"""The main screen and the rooms it is built from (see ``screen``'s docstring)."""

from lorapan.tui.screens.main.screen import MainScreen

__all__ = ["MainScreen"]
