"""Which picture the preview draws: ``auto | halfcell | sixel | tgp | off``.

``halfcell`` (rich-pixels, resized by us) is the default and works everywhere: tmux,
SSH, textual-serve, CI. ``sixel`` and ``tgp`` (kitty's graphics protocol) draw real
pixels through the optional ``textual-image`` package where the terminal supports
them. ``auto`` uses a graphics protocol only when textual-image is installed and
the terminal answered its probe, and halfcell otherwise.

textual-image probes the terminal when it is imported, and the probe cannot read
the answer once Textual owns stdin: :func:`resolve` must run before ``App.run``
(``make_app`` calls it). Nothing here fails: a missing package, a failed probe or a
browser session (textual-serve shows only halfcell) fall back to halfcell with a
note the app shows.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

MODES = ("auto", "halfcell", "sixel", "tgp", "off")
GRAPHICS = {"sixel": "SixelImage", "tgp": "TGPImage"}
#: Cell size in pixels when the terminal does not say (textual-image's own default).
DEFAULT_CELL = (10, 20)

Importer = Callable[[str], ModuleType]


@dataclass(frozen=True)
class PreviewBackend:
    """The mode in use; ``widget`` is textual-image's widget class for sixel/tgp."""

    mode: str
    widget: Any = None
    cell: tuple[int, int] = DEFAULT_CELL
    note: str | None = None


def _served() -> bool:
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def _cell_size(importer: Importer) -> tuple[int, int]:
    try:
        size = importer("textual_image._terminal").get_cell_size()
        return int(size.width), int(size.height)
    except Exception:  # noqa: BLE001 - any trouble: the default cell
        return DEFAULT_CELL


def resolve(mode: str, importer: Importer = importlib.import_module) -> PreviewBackend:
    """The backend for ``mode``; never raises (see module docstring)."""
    if mode in ("off", "halfcell") or mode not in MODES:
        return PreviewBackend(mode if mode == "off" else "halfcell")
    if _served():
        note = None if mode == "auto" else f"preview {mode} does not work in a browser; halfcell"
        return PreviewBackend("halfcell", note=note)
    try:
        widgets = importer("textual_image.widget")  # probes the terminal (before App.run)
    except ImportError:
        if mode == "auto":
            return PreviewBackend("halfcell")
        return PreviewBackend(
            "halfcell",
            note=f"preview {mode} needs the optional textual-image package "
            "(pip install textual-image); halfcell used",
        )
    except Exception as exc:  # noqa: BLE001 - a probe that went wrong
        return PreviewBackend("halfcell", note=f"textual-image failed ({exc}); halfcell used")
    chosen = mode
    if mode == "auto":
        chosen = _detected(importer)
        if chosen == "halfcell":
            return PreviewBackend("halfcell")
    widget = getattr(widgets, GRAPHICS[chosen], None)
    if widget is None:
        return PreviewBackend("halfcell", note=f"textual-image has no {chosen} widget; halfcell")
    return PreviewBackend(chosen, widget, _cell_size(importer))


def _detected(importer: Importer) -> str:
    """What textual-image's probe found: sixel, tgp, or halfcell for anything else."""
    try:
        renderables = importer("textual_image.renderable")
    except Exception:  # noqa: BLE001
        return "halfcell"
    best = getattr(renderables, "Image", None)
    if best is not None and best is getattr(renderables, "SixelImage", object()):
        return "sixel"
    if best is not None and best is getattr(renderables, "TGPImage", object()):
        return "tgp"
    return "halfcell"
