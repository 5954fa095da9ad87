"""The main screen: files | preview + tag chips | rules sidebar, status bar, footer.

The screen lays the panes out, routes keys and messages, and keeps what the panes
show in step with the current image. The rooms it delegates to:

- ``file_pane``: the filter box and the file list (which images show, sort order);
- ``image_pane``: preview, tag chips, the tag box (``tag_input``) and suggestions;
- ``annotations``: what analysis and rules say per image (markers, preview line);
- ``editing``: every caption edit, its conflicts, undo/redo, rule fixes and ticks;
- ``autotag``: tagger runs; ``summaries``: status counts, the selection's shared tags;
- ``findings``: a finding in full and what is chosen there; ``caption_edit``: the
  current caption as text (the text screen, ``$EDITOR``).
- ``curation``: the gallery, the clone compare, setting images aside or in the trash;
- ``other_screens``: the keys that open another screen over this one (settings, tag
  frequency, training, augment, a finding in full, the caption as text).

Workers never touch this screen: they post messages (``lorapan.tui.messages``) and
the handlers here change the state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from lorapan.core.dataset import Dataset
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.messages import (
    AnalysisFinished,
    AnalysisProgress,
    AutotagFinished,
    EditFailed,
    EditWritten,
    FixApplied,
    WorkProgress,
)
from lorapan.tui.screens.main.annotations import Annotations
from lorapan.tui.screens.main.autotag import Autotag
from lorapan.tui.screens.main.curation import Curation, CurationActions
from lorapan.tui.screens.main.editing import Editor
from lorapan.tui.screens.main.file_pane import FilePane
from lorapan.tui.screens.main.image_pane import ImagePane
from lorapan.tui.screens.main.other_screens import OtherScreens
from lorapan.tui.screens.main.summaries import analysis_text, counts_text, rules_hint
from lorapan.tui.screens.main.tag_input import TagInput
from lorapan.tui.screens.main.triage import TriageDone
from lorapan.tui.widgets.file_list import FileList
from lorapan.tui.widgets.keys_footer import KeysFooter
from lorapan.tui.widgets.rules_sidebar import RulesSidebar
from lorapan.tui.widgets.status_bar import StatusBar, kind_label
from lorapan.tui.widgets.suggestions import Suggestions
from lorapan.tui.widgets.tag_chips import TagChips
from lorapan.tui.workers import report_failure
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker

if TYPE_CHECKING:
    from lorapan.tui.app import LorapanApp


class MainScreen(CurationActions, OtherScreens, Screen):
    BINDINGS = bindings_for("main")
    #: the keymap scopes the command palette offers over this screen (and "app")
    PALETTE_SCOPES = ("main", "files", "chips")

    def __init__(
        self,
        dataset: Dataset,
        preview: bool = True,
        graphics: Any = None,
        cell: tuple[int, int] = (10, 20),
    ) -> None:
        """``graphics``: textual-image widget class for sixel/tgp (None: half-blocks)."""
        super().__init__()
        self.dataset = dataset
        self.preview_options = {"preview": preview, "graphics": graphics, "cell": cell}
        self.marks = Annotations(dataset)
        self.editor = Editor(self)
        self.autotag = Autotag(self)
        self.curation = Curation(self)
        #: what a bulk edit, fix or tagging run is doing; edits wait while it is set
        self.busy_label: str | None = None
        self.analysis_text = ""

    # ---- layout --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield FilePane(self.dataset, self.marks, id="left")
            yield ImagePane(self.dataset, self.marks, id="center", **self.preview_options)
            with Vertical(id="right"):
                yield RulesSidebar(id="rules")
        yield StatusBar(id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        ds = self.dataset
        status = self.query_one(StatusBar)
        status.dataset = ds.settings.name or ds.root.name
        status.kind = ds.settings.kind
        self.marks.compare_hint = f"{self.keys('compare-clones')}: compare"
        self.pane.apply_filter("")
        self.files.focus()
        self.update_status()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")
        self.update_status()  # narrow: the status bar says the sidebar is hidden, and its key

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Narrow terminals show the sidebar only while it has the focus."""
        if self.has_class("-show-rules") and self.sidebar not in event.widget.ancestors_with_self:
            self.show_rules(False)

    def show_rules(self, shown: bool) -> None:
        """Narrow terminals: the sidebar in the preview's place (``shown``), or hidden."""
        self.set_class(shown, "-show-rules")
        self.update_status()

    @property
    def host(self) -> LorapanApp:
        """The app, with its jobs, rules thread and keymap."""
        return cast("LorapanApp", self.app)

    def keys(self, binding_id: str) -> str:
        """The keys bound to ``binding_id`` now (after keymap.toml), for messages."""
        return display_keys(keys_for(binding_id, self.host.keymap))

    @property
    def pane(self) -> FilePane:
        return self.query_one(FilePane)

    @property
    def center(self) -> ImagePane:
        return self.query_one(ImagePane)

    @property
    def files(self) -> FileList:
        return self.query_one(FileList)

    @property
    def sidebar(self) -> RulesSidebar:
        return self.query_one(RulesSidebar)

    @property
    def report(self) -> Any:
        """The rules report shown now (None until the first one arrives)."""
        return self.marks.report

    @property
    def image_findings(self) -> dict[str, tuple[int, int]]:
        return self.marks.image_findings

    # ---- what the user works on ----------------------------------------------------
    def targets(self) -> list[str]:
        """Images an edit applies to: the selection, else the current image."""
        files = self.files
        if files.selection:
            return [r for r in self.dataset.items if r in files.selection]
        return [files.current] if files.current else []

    def set_filter(self, text: str) -> None:
        self.pane.set_filter(text)

    def show_images(self, images: Iterable[str], label: str) -> None:
        self.pane.show_images(images, label)
        self.show_rules(False)  # narrow: back to preview and chips beside the list

    # ---- keeping the panes in step ---------------------------------------------------
    @on(FilePane.Shown)
    def _rows_shown(self) -> None:
        self.center.follow(self.files)
        self.update_status()

    @on(FileList.CursorMoved)
    def _cursor_moved(self) -> None:
        self.center.follow_soon(self.files)

    @on(FileList.SelectionChanged)
    def _selection_changed(self) -> None:
        self.center.show_tags(self.files)
        self.update_status()

    def update_status(self) -> None:
        files = self.files
        status = self.query_one(StatusBar)
        status.counts = counts_text(
            len(self.dataset.items), len(files.rows), len(files.selection), self.pane.sort
        )
        status.work = " · ".join(p for p in (self.busy_label, self.analysis_text) if p)
        narrow, shown = self.has_class("-narrow"), self.has_class("-show-rules")
        status.hint = rules_hint(self.keys("focus-rules"), self.report, narrow, shown)

    def set_busy(self, label: str | None) -> None:
        self.busy_label = label
        self.update_status()

    def set_last_action(self, text: str) -> None:
        self.query_one(StatusBar).last_action = text

    def refresh_from_dataset(self, relpaths: set[str], reason: str) -> None:
        """Called by the app (on the event loop) after any change of the dataset."""
        self.center.tag_input.vocabulary_changed()
        self.curation.triage.dataset_changed(relpaths)
        if not self.pane.dataset_changed(relpaths):  # the same rows: redraw what changed
            files = self.files
            if files.current in relpaths or files.selection & relpaths:
                self.center.show_tags(files)
            if files.current in relpaths:
                self.center.show_caption_line(files.current)
        self.update_status()

    # ---- edits: what the widgets ask for ------------------------------------------------
    def open_tag_input(self, mode: str, value: str = "", index: int | None = None) -> None:
        targets = self.targets()
        if not targets:
            self.notify("no image to tag", severity="warning")
            return
        where = f"{len(targets)} selected images" if self.files.selection else "this image"
        back = "#tags" if self.focused is self.center.chips else "#files"
        self.center.tag_input.open(mode, where, value, return_to=back, index=index)

    @on(TagInput.Entered)
    def _tag_entered(self, event: TagInput.Entered) -> None:
        self.editor.typed(event.mode, event.old, event.text, self.targets(), event.index)

    @on(TagChips.Requested)
    def _chip_request(self, event: TagChips.Requested) -> None:
        # One image's chips are its tags in order (a tag written twice is two chips);
        # a selection's chips are the union, where a chip names a tag. The tag is read
        # from the captions now, not from the chips drawn (see TagChips.Requested).
        tags = self.center.tags_now(self.files)
        if not tags:
            return
        at = min(event.index, len(tags) - 1)
        tag = tags[at]
        index = None if self.files.selection else at
        if event.action == "rename":
            self.open_tag_input("rename", tag, index)
        elif event.action == "show":
            self.set_filter(f'tag:"{tag}"')
        else:
            position = 0 if event.action == "front" else at + event.position - event.index
            position = max(0, min(position, len(tags) - 1))
            if event.action == "move" and position == at:
                return
            self.center.chips.follow_tag(tag, position)
            self.editor.chip_edit(event.action, tag, position, self.targets(), index)

    @on(Suggestions.Accepted)
    def _suggestions_accepted(self, message: Suggestions.Accepted) -> None:
        self.editor.add_tags(list(message.tags), message.relpath)

    @on(EditWritten)
    def _edit_written(self, message: EditWritten) -> None:
        self.editor.written(message.result, message.retry)

    @on(EditFailed)
    def _edit_failed(self, message: EditFailed) -> None:
        self.editor.failed(message.label, message.error)

    @on(TriageDone)
    def _triage_done(self, message: TriageDone) -> None:
        self.curation.triage.done(message)

    @on(FixApplied)
    def _fix_applied(self, message: FixApplied) -> None:
        self.editor.fix_applied(message.finding, message.outcome)

    # ---- the rules sidebar --------------------------------------------------------------
    @on(RulesSidebar.FilterImages)
    def _finding_images(self, message: RulesSidebar.FilterImages) -> None:
        self.show_images(message.images, message.label or "finding")

    @on(RulesSidebar.PreviewFix)
    def _preview_fix(self, message: RulesSidebar.PreviewFix) -> None:
        self.editor.preview_fix(message.finding)

    @on(RulesSidebar.Tick)
    def _tick(self, message: RulesSidebar.Tick) -> None:
        self.editor.tick(message.item_id, message.ticked)

    def go_to_image(self, rel: str, among: list[str] | None = None, label: str = "") -> None:
        """Cursor to ``rel``: showing only ``among`` (labelled) when it holds it, else in
        the list as filtered now, or in every image."""
        if among is not None and rel in among:
            self.show_images(among, label)
        elif not self.files.move_to(rel):
            self.set_filter("")
        self.files.move_to(rel)
        self.files.focus()

    # ---- results from the app and from workers ---------------------------------------------
    def show_analysis_progress(self, message: AnalysisProgress) -> None:
        cancel = self.keys("cancel-work")
        self.analysis_text = f"analysing {message.done}/{message.total} ({cancel} cancels)"
        self.update_status()

    def show_analysis(self, message: AnalysisFinished) -> None:
        self.marks.set_analysis(message.facts, message.clone_groups, message.groups)
        self.analysis_text = analysis_text(message)
        if message.error:
            self.notify(message.error, title="Analysis", severity="error", timeout=8)
        self.files.refresh()  # every marker may have changed: redraw the rows on screen
        self.center.follow(self.files)
        self.update_status()

    def show_report(self, report: Any) -> None:
        self.files.refresh_rows(self.marks.set_report(report))
        status = self.query_one(StatusBar)
        status.kind = kind_label(getattr(report, "dataset", {}).get("kind"), status.kind)
        self.sidebar.show_report(report)
        self.update_status()  # the counts a narrow terminal's rules hint names

    def show_predictions(self, predictions: dict[str, list]) -> None:
        """Suggestions from the tagger (its score cache at start, or a run)."""
        self.center.add_predictions(predictions, self.files.current)

    @on(WorkProgress)
    def _work_progress(self, message: WorkProgress) -> None:
        message.stop()
        if self.host.jobs.is_current(message.job):
            self.set_busy(f"{message.label} {message.done}/{message.total}")

    @on(AutotagFinished)
    def _autotag_finished(self, message: AutotagFinished) -> None:
        self.autotag.finished(message)

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        report_failure(self.app, event)

    # ---- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # While typing, keys that type (u, /) must not also show as actions in the footer
        # (Textual does not filter "slash" itself).
        return not (action in ("undo", "redo", "filter") and isinstance(self.focused, Input))

    def action_filter(self) -> None:
        self.pane.open_filter()

    def action_clear(self) -> None:
        """Escape: close the tag box, else clear the filter box, the selection, the filter."""
        focused = self.focused
        if focused is self.center.tag_input:
            self.center.tag_input.close()
        elif focused is self.pane.box:
            self.set_filter("")
        elif self.files.selection:
            self.files.set_selection(())
        elif self.pane.narrowed:
            self.set_filter("")

    def action_add_tag(self) -> None:
        self.open_tag_input("add")

    def action_focus_tags(self) -> None:
        self.center.catch_up(self.files)
        self.center.chips.focus()

    def action_focus_files(self) -> None:
        self.files.focus()

    def action_focus_rules(self) -> None:
        """Into the rules sidebar (shown on narrow terminals too); again: back to the files."""
        rules = self.sidebar
        focused = self.focused
        if focused is not None and rules in focused.ancestors_with_self:
            self.show_rules(False)
            self.files.focus()
            return
        self.show_rules(True)
        self.call_after_refresh(rules.focus)

    def action_focus_suggestions(self) -> None:
        panel = self.center.suggestions
        if not panel.display:
            keys = self.keys("autotag")
            self.notify(f"no suggestions for this image (autotag: {keys})", timeout=3)
            return
        panel.focus()

    def action_cycle_sort(self) -> None:
        sort = self.pane.cycle_sort()
        if sort == "sharpness" and not self.marks.facts:
            self.notify("sharpness is known after the analysis finishes", timeout=3)
        if sort == "findings" and self.marks.report is None:
            self.notify("findings come from the rules engine", timeout=3)
        self.notify(f"sorted by {sort}", timeout=2)
        self.update_status()

    def action_toggle_preview(self) -> None:
        self.center.toggle_preview(self.files)

    def action_undo(self) -> None:
        self.editor.history("undo")

    def action_redo(self) -> None:
        self.editor.history("redo")

    def action_analyse(self) -> None:
        self.host.start_analysis(force=False)

    def action_cancel_work(self) -> None:
        """Cancel the newest analysis or tagging run; edits are written whole, never cut."""
        job = self.host.jobs.cancel_newest()
        if job is not None:
            self.notify(f"cancelling {job.label}…", timeout=2)
        elif self.busy_label:
            self.notify(f"{self.busy_label}: an edit is written whole", timeout=3)
        else:
            self.notify("no background work running", timeout=2)

    def action_autotag(self) -> None:
        self.autotag.start(self.targets())

    def action_autotag_all(self) -> None:
        self.autotag.start(list(self.dataset.items))
