"""Curation from the main screen: the gallery, the clone compare, setting images aside.

What the user points at decides what these work on: in the rules sidebar, the
finding under the cursor; on the tag chips, the images with that tag; otherwise the
file list's rows (the current filter) and its selection. The screens themselves are
in ``tui/screens`` (``gallery``, ``clone_compare``, ``set_aside``); this room opens
them, takes back what they return, and sends triage to core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lorapan.core.rules.model import CoverageItem, Finding
from lorapan.tui.screens.main.triage import Triage
from lorapan.tui.widgets.halfblocks import ThumbStore

if TYPE_CHECKING:
    from lorapan.tui.screens.gallery import GalleryResult
    from lorapan.tui.screens.main.screen import MainScreen


class Curation:
    """See module docstring; ``screen`` is the main screen it belongs to."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: thumbnails drawn for the gallery, kept while the app runs
        self.thumbs = ThumbStore()
        self.gallery_zoom: int | None = None  # the gallery opens at the size last used
        self.triage = Triage(screen)

    # ---- what the user points at --------------------------------------------------
    def pointed_images(self) -> tuple[list[str], str] | None:
        """A finding's or a tag's images when the focus is on one, else None."""
        screen = self.screen
        focused = screen.focused
        if focused is not None and screen.sidebar in focused.ancestors_with_self:
            item = screen.sidebar.current()
            if isinstance(item, (Finding, CoverageItem)) and item.images:
                label = item.rule_id if isinstance(item, Finding) else f"coverage.{item.id}"
                return list(item.images), label
            return None
        if focused is screen.center.chips:
            tag = screen.center.chips.current_tag
            if tag is not None:
                return self.tag_images(tag), f"tag {tag}"
        return None

    def tag_images(self, tag: str) -> list[str]:
        images = self.screen.dataset.index.images(tag)
        return [r for r in self.screen.dataset.items if r in images]

    def shown_label(self) -> str:
        pane = self.screen.pane
        if pane.image_set is not None:
            return pane.image_set[1]
        return f"filter {pane.filter_text}" if pane.filter_text else "all images"

    # ---- gallery ------------------------------------------------------------------------
    def open_gallery(self) -> None:
        """The gallery of what the user points at (a finding, a tag) or of the list's rows."""
        pointed = self.pointed_images()
        if pointed is not None:
            self.open_gallery_of(*pointed)
        else:
            self.open_gallery_of(list(self.screen.files.rows), self.shown_label(), pointed=False)

    def open_gallery_of_tag(self, tag: str) -> None:
        self.open_gallery_of(self.tag_images(tag), f"tag {tag}")

    def open_gallery_of(self, rows: list[str], label: str, pointed: bool = True) -> None:
        """The gallery of ``rows``; ``pointed``: not the list's rows (enter then shows them)."""
        # The curation screens are imported when first opened, as training and augment are.
        from lorapan.tui.screens.gallery import GalleryScreen

        screen = self.screen
        files = screen.files
        if not rows:
            screen.notify("no images to show", severity="warning", timeout=3)
            return
        gallery = GalleryScreen(
            screen.dataset,
            self.thumbs,
            rows,
            label,
            current=files.current if files.current in set(rows) else None,
            selection=files.selection,
            zoom=self.gallery_zoom,
            on_triage=self.take_out,
        )

        def closed(result: GalleryResult | None) -> None:
            self.gallery_closed(result, rows if pointed else None, label)

        screen.app.push_screen(gallery, closed)

    def gallery_closed(
        self, result: GalleryResult | None, pointed: list[str] | None, label: str
    ) -> None:
        """Back from the gallery: its selection, and the image it opened under the cursor."""
        if result is None:
            return
        self.gallery_zoom = result.zoom
        screen = self.screen
        files = screen.files
        if result.open is not None and pointed is not None:
            # A finding's or a tag's images: the list shows them too, as enter there does.
            live = [r for r in pointed if r in screen.dataset.items]
            screen.show_images(live, label)
        files.set_selection(r for r in result.selection if files.contains(r))
        if result.open is not None:
            if not files.move_to(result.open):
                screen.set_filter("")
                files.move_to(result.open)
            files.focus()

    # ---- triage -------------------------------------------------------------------------
    def take_out(self, kind: str, relpaths: list[str]) -> None:
        """Set aside (``kind`` "set-aside") or trash these images (asks when several)."""
        self.triage.request(kind, relpaths)

    def take_out_pointed(self, kind: str) -> None:
        """``x``/``D`` on the main screen: a finding's images, else the selection or image."""
        pointed = self.pointed_images()
        if pointed is not None and self.screen.focused is not self.screen.center.chips:
            images, label = pointed
            self.triage.request(kind, images, where=f" of {label}")
            return
        self.triage.request(kind, self.screen.targets())

    def open_set_aside_view(self) -> None:
        from lorapan.tui.screens.set_aside import SetAsideScreen  # see open_gallery

        screen = self.screen
        view = SetAsideScreen(
            screen.dataset, lambda images: self.triage.request("restore", images), screen.keys
        )
        screen.app.push_screen(view)

    # ---- clone compare ------------------------------------------------------------------
    def compare_clones(self) -> None:
        """The clone groups of what the user points at (a finding, the selection, the
        image), else every group starting at the current image's."""
        screen = self.screen
        marks = screen.marks
        if not marks.groups:
            if not marks.facts:
                keys = screen.keys("analyse")
                screen.notify(f"clone groups are known after the analysis ({keys})", timeout=4)
            else:
                screen.notify("no clone groups: no image here has a copy", timeout=4)
            return
        choice = self._groups_to_compare()
        if choice is None:
            return
        groups, start_group, start_at = choice
        from lorapan.tui.screens.clone_compare import CloneCompareScreen  # see open_gallery

        compare = CloneCompareScreen(
            screen.dataset,
            self.thumbs,
            groups,
            marks.facts,
            start_at=start_at,
            start_group=start_group,
            on_triage=self.take_out,
            keys=screen.keys,
        )
        screen.app.push_screen(compare, self._go_to)

    def _groups_to_compare(self) -> tuple[list, int, str | None] | None:
        # Here, not at the top: it imports numpy, which the first paint does not need.
        from lorapan.core.analysis.clone_review import groups_with

        screen = self.screen
        groups = screen.marks.groups
        pointed = self.pointed_images()
        if pointed is not None:
            images, label = pointed
            chosen = groups_with(groups, images)
            if not chosen:
                screen.notify(f"no image of {label} is in a clone group", timeout=3)
                return None
            return chosen, 0, None
        files = screen.files
        if files.selection:
            chosen = groups_with(groups, files.selection)
            if chosen:
                return chosen, 0, None
        current = files.current
        mine = groups_with(groups, [current] if current else [])
        start = groups.index(mine[0]) if mine else 0
        return list(groups), start, current if mine else None

    def _go_to(self, rel: str | None) -> None:
        """Back from a screen that named an image: the list's cursor on it."""
        if not rel or rel not in self.screen.dataset.items:
            return
        files = self.screen.files
        if not files.move_to(rel):
            self.screen.set_filter("")
            files.move_to(rel)
        files.focus()


class CurationActions:
    """The main screen's curation keys (``main`` scope: gallery, compare, triage keys)."""

    curation: Curation

    def action_gallery(self) -> None:
        self.curation.open_gallery()

    def action_compare_clones(self) -> None:
        self.curation.compare_clones()

    def action_set_aside(self) -> None:
        self.curation.take_out_pointed("set-aside")

    def action_trash(self) -> None:
        self.curation.take_out_pointed("trash")

    def action_set_aside_view(self) -> None:
        self.curation.open_set_aside_view()
