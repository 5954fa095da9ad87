"""Setting images aside, trashing and restoring them from the app, through ``core.triage``.

Every entry point (``x``/``D`` on the list or a selection, on a finding in the rules
sidebar, in the gallery, ``enter``/``x`` in the clone compare, ``enter`` in the
set-aside view) comes here as (kind, images). More than one image asks first; then
the moves run (journaled by core: ``u`` undoes them like any edit), on the event loop
for a few images and on a worker for more; either way they end with a
:class:`TriageDone` for :meth:`Triage.done` (the main screen hands the worker's back).
The lists, the gallery and the open views follow through the dataset's change
notifications, as for any edit. Core does the moves (``lorapan.core.triage``:
``set_aside``, ``trash``, ``restore``, each one journal transaction of checked moves).

What the analysis knows is kept in step here too: an image that leaves takes its
place in a clone group with it (so ``clones.ratio`` counts what is left), and an
image that comes back (a restore, an undo) is measured again, from the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from lorapan.core import triage
from lorapan.core.analysis.marks import clone_marks
from lorapan.core.dataset import ApplyResult, Dataset
from lorapan.tui.screens.confirm import ConfirmScreen
from textual.message import Message

if TYPE_CHECKING:
    from lorapan.tui.screens.main.screen import MainScreen

#: More images than this move on a worker (each image is a few renames and fsyncs).
BULK = 16
KINDS = {
    # kind: (verb for messages, where the files go)
    "set-aside": ("set aside", ".lorapan/excluded/ (kohya does not read it)"),
    "trash": ("trash", ".lorapan/trash/ (delete that folder to free the space)"),
    "restore": ("restore", "back where they were"),
}


@dataclass
class TriageDone(Message):
    """Images were moved on a worker: the result, or why nothing was."""

    kind: str
    result: ApplyResult | None
    error: str | None = None


def run_triage(dataset: Dataset, kind: str, images: list[str], post: Callable) -> None:
    """The body of the moves (on a worker for many images): one journaled batch."""
    try:
        if kind == "set-aside":
            result = triage.set_aside(dataset, images)
        elif kind == "trash":
            result = triage.trash(dataset, images)
        else:
            result = triage.restore(dataset, images)
    except Exception as exc:  # report, never crash the UI
        post(TriageDone(kind, None, str(exc)))
        return
    post(TriageDone(kind, result))


def count(n: int) -> str:
    return f"{n} image{'s' * (n != 1)}"


class Triage:
    """See module docstring; ``screen`` is the main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.dataset = screen.dataset
        #: images set aside or trashed in this session (they may come back by undo)
        self.taken_out: set[str] = set()

    def request(self, kind: str, images: list[str], where: str = "") -> None:
        """Move ``images`` (asking first when there are several)."""
        images = list(dict.fromkeys(images))
        if not images:
            self.screen.notify("no image to move", severity="warning", timeout=3)
            return
        if len(images) == 1:
            self.start(kind, images)
            return
        verb, place = KINDS[kind]
        names = ", ".join(r.rpartition("/")[2] for r in images[:4])
        more = f" and {len(images) - 4} more" if len(images) > 4 else ""
        undo = self.screen.keys("undo")
        title = f"{verb.capitalize()} {count(len(images))}{where}?"
        body = f"{names}{more}\n\nThey move to {place}, with their captions. {undo} undoes it."

        def decided(choice: str | None) -> None:
            if choice == "yes":
                self.start(kind, images)

        self.screen.app.push_screen(ConfirmScreen(title, body, yes=verb.capitalize()), decided)

    def start(self, kind: str, images: list[str]) -> None:
        screen = self.screen
        if screen.busy_label:
            screen.notify(f"still busy: {screen.busy_label}", severity="warning")
            return
        verb, _ = KINDS[kind]
        if len(images) <= BULK:  # a few moves: at once, as the editor writes a few captions
            run_triage(self.dataset, kind, images, self.done)
            return
        screen.set_busy(f"{verb}: moving {count(len(images))}…")
        screen.run_worker(
            partial(run_triage, self.dataset, kind, images, screen.post_message),
            name=f"{verb} images",
            group="triage",
            thread=True,
            exit_on_error=False,
        )

    def done(self, message: TriageDone) -> None:
        screen = self.screen
        screen.set_busy(None)
        verb, _ = KINDS[message.kind]
        result = message.result
        if result is None:
            screen.notify(f"{verb} failed: {message.error}", severity="error", timeout=8)
            return
        moved = list(result.applied)
        if message.kind == "restore":
            self.taken_out.update(moved)  # back in: dataset_changed measures them again
            self.follow_now(set(moved), result.label)
        else:
            self.follow_now(set(moved), result.label)
            self.taken_out.update(moved)
        if moved:
            undo, view = screen.keys("undo"), screen.keys("set-aside-view")
            screen.set_last_action(f"✓ {verb}: {count(len(moved))} ({undo}: undo · {view}: list)")
            if screen.app.screen is not screen:  # the gallery or the compare: no status bar
                names = ", ".join(r.rpartition("/")[2] for r in moved[:3])
                more = f" and {len(moved) - 3} more" if len(moved) > 3 else ""
                screen.notify(f"{verb}: {names}{more} ({undo} on the list undoes)", timeout=3)
        if result.conflicts:
            first = "; ".join(f"{r.rpartition('/')[2]}: {why}" for r, why in result.conflicts[:3])
            screen.notify(
                f"{verb}: {count(len(result.conflicts))} left where they were: {first}",
                severity="warning",
                timeout=8,
            )

    def follow_now(self, moved: set[str], label: str) -> None:
        """Redraw the lists now, not after the app's batch of changes: a key pressed
        right after (``x`` again in the gallery) acts on what is shown."""
        screen = self.screen
        if not moved:
            return
        screen.refresh_from_dataset(moved, label)
        top = screen.app.screen
        if top is not screen and hasattr(top, "refresh_from_dataset"):
            top.refresh_from_dataset(moved, label)

    # ---- keeping the analysis in step -----------------------------------------------------
    def dataset_changed(self, relpaths: set[str]) -> None:
        """Called on every dataset change: images that left leave their clone groups;
        images set aside earlier that are back (undo) are measured again."""
        items = self.dataset.items
        gone = {r for r in relpaths if r not in items}
        back = {r for r in relpaths if r in items and r in self.taken_out}
        if gone:
            self.left_groups(gone)
        if back:
            self.taken_out -= back
            self.came_back(back)

    def left_groups(self, gone: set[str]) -> None:
        marks = self.screen.marks
        if not marks.groups or not any(
            g.original in gone or any(r in gone for r, _ in g.members) for g in marks.groups
        ):
            return
        from lorapan.core.analysis.clone_review import without  # numpy: not before first paint

        groups = [left for g in marks.groups if (left := without(g, gone)) is not None]
        facts: dict[str, Any] = {r: f for r, f in marks.facts.items() if r not in gone}
        marks.set_analysis(facts, clone_marks(groups), groups)
        self.screen.files.refresh()  # the = markers of the group's other images
        self.screen.host.services.set_facts(facts, groups)

    def came_back(self, images: Any) -> None:
        """Images returned: measure them (cached) so their clone groups are found again."""
        if images and self.screen.marks.facts:
            self.screen.host.start_analysis()
