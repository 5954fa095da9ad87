"""Augment screen: crops, altered clones and collages for the current image or selection.

Keyboard only: ↑/↓ and space tick what to make, tab moves to the box field (custom
crops typed as fractions ``x0,y0,x1,y1; ...``) and to the preview list, which
shows every file that will be made (name, size, how) and what is skipped. Enter
writes them all in one journaled transaction (``u`` on the main screen undoes
it); escape leaves without writing. Those are the default keys: the bindings come
from the keymap table (scope ``augment``) and the hint line shows the keys the
user's ``keymap.toml`` gives them. The screen dismisses with the new images'
relpaths, so the app can show them for the manual tagging the guide asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from lorapan.core.augment import EACH_ALL, EACH_ONE
from lorapan.core.augment.collage import MAX_IMAGES, MIN_IMAGES, CollageError, plan_collage
from lorapan.core.augment.crops import SpecError
from lorapan.core.augment.outputs import Output, Skipped
from lorapan.core.augment.plan import AugmentPlan, Options, min_size_setting, plan_augment
from lorapan.core.augment.writer import WriteResult, write_outputs
from lorapan.core.dataset import Dataset
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.widgets.in_order import InOrderInput
from lorapan.tui.workers import report_failure
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

CROP_CHOICES = (
    ("crop:grid", "crops: grid 2x2", "grid"),
    ("crop:grid3", "crops: grid 3x3", "grid:3x3"),
    ("crop:pizza", "crops: pizza, 8 slices (backgrounds)", "pizza:8"),
    ("crop:centre", "crops: centre", "centre"),
)
ALTER_CHOICES = (
    ("alter:aspect", "alter: aspect ratio", "aspect"),
    ("alter:rotate", "alter: rotate 8°", "rotate"),
    ("alter:flip", "alter: mirror", "flip"),
    ("alter:colour", "alter: colour tint + enhance", "colour"),
    ("alter:grayscale", "alter: grayscale (always one per source)", "grayscale"),
    ("alter:quality", "alter: quality (jpeg, low resolution)", "quality"),
)
#: Ticked when the screen opens: the guide's angle, aspect ratio, orientation, colour
#: overlay and the grayscale copy it requires (``lorapan augment``'s crop clones).
ALTER_DEFAULTS = frozenset(
    ("alter:aspect", "alter:rotate", "alter:flip", "alter:colour", "alter:grayscale")
)
FLAG_CHOICES = (
    ("flag:alter-crops", "alter each crop too (the guide's recipe)"),
    ("flag:each-one", "one altered clone per crop, alterations in turn (the guide's 15-20)"),
    ("flag:crossover", "add `crossover` (constant background)"),
)
COLLAGE = "collage"


class AugmentScreen(ModalScreen[list[str] | None]):
    """See module docstring. ``relpaths``: the images to work on (default: the
    calling screen's current image or selection, through its ``targets()``)."""

    DEFAULT_CSS = """
    AugmentScreen { align: center middle; }
    AugmentScreen > Vertical { width: 110; max-width: 98%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    AugmentScreen #aug-title { text-style: bold; }
    AugmentScreen #aug-choices { height: 12; }
    AugmentScreen #aug-preview { height: 1fr; }
    AugmentScreen #aug-status { height: auto; color: $text-muted; }
    AugmentScreen #aug-status.-error { color: $error; }
    """
    BINDINGS = bindings_for("augment")

    @dataclass
    class Written(Message):
        """The writer worker finished (some outputs may have been skipped)."""

        result: WriteResult

    @dataclass
    class Failed(Message):
        """The writer worker could not write (nothing, or what the journal says)."""

        error: str

    def __init__(self, dataset: Dataset, relpaths: list[str] | None = None) -> None:
        super().__init__()
        self.dataset = dataset
        self.relpaths = list(relpaths) if relpaths is not None else None
        self.plan: AugmentPlan | None = None
        self.collage: Output | None = None
        self.error: str | None = None
        self.writing = False

    # ---- layout --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Augment", id="aug-title", markup=False)  # image names
            yield SelectionList[str](id="aug-choices")
            yield InOrderInput(placeholder="custom crops: x0,y0,x1,y1; x0,y0,x1,y1", id="aug-boxes")
            yield OptionList(id="aug-preview", markup=False)  # relpaths, reasons
            yield Static("", id="aug-status", markup=False)
            yield Static(self.key_hint(), id="aug-keys", markup=False)

    def keys(self, binding_id: str) -> str:
        """The keys bound to ``binding_id`` now (after the user's keymap), for hints."""
        return display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))

    def key_hint(self) -> str:
        # space and tab belong to Textual's list and focus chain, not to the keymap
        write, cancel = self.keys("augment-write"), self.keys("augment-cancel")
        return f"space: tick   tab: next field   {write}: write all   {cancel}: cancel"

    def on_mount(self) -> None:
        if self.relpaths is None:
            self.relpaths = self._caller_targets()
        self.relpaths = [r for r in self.relpaths if r in self.dataset.items]
        count = len(self.relpaths)
        names = ", ".join(self.relpaths[:3]) + (" …" if count > 3 else "")
        self.query_one("#aug-title", Label).update(f"Augment {count} image(s): {names}")
        choices = self.query_one("#aug-choices", SelectionList)
        for value, label, _ in CROP_CHOICES:
            choices.add_option((label, value, False))
        for value, label, _ in ALTER_CHOICES:
            choices.add_option((label, value, value in ALTER_DEFAULTS))
        for value, label in FLAG_CHOICES:
            choices.add_option((label, value, value != "flag:crossover"))
        if MIN_IMAGES <= count <= MAX_IMAGES:
            choices.add_option((f"collage of these {count} images (couple/group)", COLLAGE))
        choices.highlighted = 0
        choices.focus()
        self.replan()

    def _caller_targets(self) -> list[str]:
        for screen in reversed(self.app.screen_stack[:-1]):
            targets = getattr(screen, "targets", None)
            if callable(targets):
                return list(targets())
        return []

    # ---- planning ------------------------------------------------------------
    def options(self) -> tuple[Options, bool]:
        ticked = set(self.query_one("#aug-choices", SelectionList).selected)
        crops = [spec for value, _, spec in CROP_CHOICES if value in ticked]
        boxes = self.query_one("#aug-boxes", Input).value.strip()
        if boxes:
            crops.append(boxes)
        alter = [spec for value, _, spec in ALTER_CHOICES if value in ticked]
        opts = Options(
            crops=";".join(crops),
            alter=",".join(alter),
            min_size=min_size_setting(self.dataset),
            crossover="flag:crossover" in ticked,
            alter_crops="flag:alter-crops" in ticked,
            # as `lorapan augment --crops`: each crop cloned once, the source's gray copy
            each=EACH_ONE if crops and "flag:each-one" in ticked else EACH_ALL,
        )
        return opts, COLLAGE in ticked

    def replan(self) -> None:
        opts, collage = self.options()
        self.error = None
        try:
            self.plan = plan_augment(self.dataset, self.relpaths or [], opts)
        except SpecError as exc:
            self.plan, self.error = None, str(exc)
        self.collage = None
        if collage and self.error is None:
            try:
                self.collage = plan_collage(self.dataset, self.relpaths or [])
            except CollageError as exc:
                self.error = str(exc)
        self._show()

    @property
    def outputs(self) -> list[Output]:
        outs = list(self.plan.outputs) if self.plan else []
        return outs + ([self.collage] if self.collage else [])

    def _show(self) -> None:
        preview = self.query_one("#aug-preview", OptionList)
        preview.clear_options()
        rows: list[Option] = []
        for out in self.outputs:
            line = f"{out.relpath}  {out.size[0]}x{out.size[1]}  {out.description}"
            rows.append(Option(line, id=out.relpath))
        skipped: list[Skipped] = self.plan.skipped if self.plan else []
        for skip in skipped:
            rows.append(Option(f"skip {skip.name}: {skip.reason}", disabled=True))
        for rel, message in self.plan.problems if self.plan else []:
            rows.append(Option(f"cannot use {rel}: {message}", disabled=True))
        preview.add_options(rows)
        status = self.query_one("#aug-status", Static)
        status.set_class(self.error is not None, "-error")
        if self.error:
            status.update(self.error)
            return
        hints = self.plan.hints if self.plan else []
        text = f"{len(self.outputs)} new image(s) will be made, each with a caption"
        if skipped:
            text += f"; {len(skipped)} too small, skipped"
        status.update("\n".join([text, *hints]))

    @on(SelectionList.SelectedChanged)
    def _ticked(self) -> None:
        self.replan()

    @on(Input.Changed, "#aug-boxes")
    def _boxes(self) -> None:
        self.replan()

    # ---- writing -------------------------------------------------------------
    def action_write(self) -> None:
        if self.writing:
            return
        if self.error:
            self.notify(self.error, severity="error")
            return
        outputs = self.outputs
        if not outputs:
            self.notify("nothing to make: tick a crop or an alteration", severity="warning")
            return
        self.writing = True
        self.query_one("#aug-status", Static).update(f"making {len(outputs)} image(s)…")
        self._write(outputs)

    @work(thread=True, exclusive=True, group="augment", exit_on_error=False)
    def _write(self, outputs: list[Output]) -> None:
        label = f"augment {', '.join(self.relpaths or [])}"
        try:
            result = write_outputs(self.dataset, outputs, label)
        except OSError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Written(result))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.writing = False
        self.notify(f"augment failed: {message.error}", severity="error", timeout=8)

    @on(Written)
    def _done(self, message: Written) -> None:
        result = message.result
        problems = len(result.conflicts) + len(result.errors)
        undo = self.keys("undo")
        message = f"made {len(result.images)} image(s); tag each by hand ({undo} undoes)"
        if problems:
            message += f"; {problems} not made (see the journal)"
        self.notify(message, severity="warning" if problems else "information", timeout=6)
        self.dismiss(result.images)

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_failure(self.app, event)

    def action_cancel(self) -> None:
        if not self.writing:
            self.dismiss(None)
