"""Before a run starts: pick the preset, add ``key=value`` overrides, see the predicted steps.

The overrides are the same keys as ``lorapan train --set`` (Civitai keys such as
``targetSteps`` and settings such as ``resolution``/``output_name``). The plan is
rebuilt off the event loop after each change (the workers post ``DatasetRead`` and
``Planned``; their handlers change the dialog), so the step count shown is the one
the run will be started with. ctrl+s starts, escape cancels (the default keys;
the bindings have ids, so ``keymap.toml`` remaps them, and the buttons name the keys
in use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.training import presets as P
from lorapan.core.training.inputs import TrainInputs
from lorapan.tui.keymap import bindings_for, display_keys
from lorapan.tui.screens.confirm import DIALOG_CSS
from lorapan.tui.widgets.in_order import InOrderTextArea
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static, TextArea
from textual.worker import get_current_worker

AUTO = "auto"


@dataclass
class StartChoice:
    """What the user confirmed: a preset name (None: the dataset's default) and overrides."""

    preset: str | None
    overrides: dict[str, str] = field(default_factory=dict)
    total_steps: int = 0  # as predicted in the dialog
    inputs: TrainInputs | None = None  # the dataset as read for the prediction


class StartTrainingScreen(ModalScreen[StartChoice | None]):
    DEFAULT_CSS = (
        "StartTrainingScreen { align: center middle; }\n"
        + DIALOG_CSS
        + """
    StartTrainingScreen .dialog { width: 84; max-width: 100%; max-height: 100%; padding: 0 1; }
    StartTrainingScreen .dialog > .title { margin-bottom: 0; }
    StartTrainingScreen #start-overrides { height: 5; }
    StartTrainingScreen #start-plan { height: auto; max-height: 9; overflow-y: auto; }
    StartTrainingScreen .hint { color: $text-muted; height: 1; }
    StartTrainingScreen #start-buttons { dock: bottom; height: 3; margin-top: 0; }
    """
    )
    # Ids for keymap.toml; to move into the keymap table (scope "start") as KeySpecs.
    BINDINGS = bindings_for("start")

    def __init__(self, root: Path, overrides: str = "") -> None:
        super().__init__()
        self.root = Path(root)
        self.initial_overrides = overrides
        self.typed = overrides  # the overrides as typed, kept when the dialog is cancelled
        self.inputs: TrainInputs | None = None
        self.choice: StartChoice | None = None  # the last plan that built without error
        self.plan_text = ""
        self.plans_built = 0
        self._shown_for: tuple[str | None, str] | None = None

    def compose(self) -> ComposeResult:
        options = [(Text("auto: from the dataset's kind or [training] preset"), AUTO)]
        options += [(name, name) for name in P.preset_names()]
        with Vertical(classes="dialog"):
            yield Label("Start a training run", classes="title")
            yield Select(options, value=AUTO, allow_blank=False, id="start-preset")
            yield Static(
                "Overrides, key=value per line (as --set): targetSteps=600, resolution=512 …",
                classes="hint",
                markup=False,
            )
            yield InOrderTextArea(self.initial_overrides, id="start-overrides")
            yield Static("reading the dataset…", id="start-plan", markup=False)
            with Horizontal(id="start-buttons"):  # docked: visible however small the terminal
                go = f"Start ({self.keys('start-confirm')})"
                yield Button(go, id="start-go", variant="primary", disabled=True)
                yield Button(f"Cancel ({self.keys('start-cancel')})", id="start-cancel")

    def keys(self, binding_id: str) -> str:
        """The keys bound to ``binding_id`` now: the user's keymap, else the default."""
        keymap = getattr(self.app, "keymap", None) or {}
        if binding_id in keymap:
            return display_keys(keymap[binding_id])
        return display_keys(next(b.key for b in self.BINDINGS if b.id == binding_id))

    def on_mount(self) -> None:
        self.query_one("#start-overrides", TextArea).focus()
        self.load()

    @dataclass
    class DatasetRead(Message):
        """The dataset as training reads it (``inputs``), or why it could not be read."""

        inputs: TrainInputs | None
        error: str = ""

    @dataclass
    class Planned(Message):
        """A plan for ``source`` (preset, overrides text): what to show, and the choice
        it would start (None: the overrides or the settings are not usable)."""

        text: str
        choice: StartChoice | None
        source: tuple[str | None, str] | None = None

    @work(thread=True, exclusive=True, group="start-plan", exit_on_error=False)
    def load(self) -> None:
        from lorapan.core.training.inputs import load_inputs

        try:
            inputs = load_inputs(self.root)
        except (ValueError, OSError) as exc:
            self.post_message(self.DatasetRead(None, f"cannot read the dataset: {exc}"))
            return
        self.post_message(self.DatasetRead(inputs))

    @on(DatasetRead)
    def _dataset_read(self, message: DatasetRead) -> None:
        if message.inputs is None:
            self._show(self.Planned(message.error, None))
            return
        self.inputs = message.inputs
        self.replan()

    @on(Select.Changed)
    @on(TextArea.Changed)
    def _changed(self) -> None:
        self.typed = self.query_one("#start-overrides", TextArea).text
        if self.inputs is not None:
            self.replan()

    def _current(self) -> tuple[str | None, str]:
        preset = self.query_one("#start-preset", Select).value
        text = self.query_one("#start-overrides", TextArea).text
        return (None if preset in (AUTO, Select.BLANK) else str(preset)), text

    def replan(self) -> None:
        self._plan(*self._current())

    @work(thread=True, exclusive=True, group="start-plan", exit_on_error=False)
    def _plan(self, preset: str | None, text: str) -> None:
        from lorapan.core.training.config import build_plan
        from lorapan.core.training.preflight import steps_summary
        from lorapan.core.training.runs import new_run_dir
        from lorapan.core.user_config import load_user_config

        try:
            overrides = P.parse_override_lines(text)
            plan = build_plan(
                self.inputs,
                new_run_dir(self.root, create=False),
                preset=preset,
                overrides=overrides,
                user_table=load_user_config().table("training"),
            )
        except (ValueError, OSError) as exc:
            choice, message = None, f"✗ {exc}"
        else:
            family = "SDXL" if plan.sdxl else "SD1.5"
            message = "\n".join(
                [
                    f"preset {plan.preset} ({family})",
                    steps_summary(plan),
                    plan.sampling.text(plan.steps.total_steps),
                    *(f"! {w}" for w in plan.warnings),  # before the start, not after it
                ]
            )
            choice = StartChoice(preset, overrides, plan.steps.total_steps, self.inputs)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Planned(message, choice, (preset, text)))

    @on(Planned)
    def _show(self, message: Planned) -> None:
        self.plans_built += 1
        self._shown_for = message.source
        self.plan_text, self.choice = message.text, message.choice
        self.query_one("#start-plan", Static).update(message.text)
        self.query_one("#start-go", Button).disabled = message.choice is None

    @on(Button.Pressed, "#start-go")
    def action_confirm(self) -> None:
        if self._shown_for != self._current():
            self.notify("still working out the steps for this change; try again", timeout=3)
            return
        if self.choice is None:
            self.notify("fix the overrides first (see the message above)", severity="warning")
            return
        self.dismiss(self.choice)

    @on(Button.Pressed, "#start-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
