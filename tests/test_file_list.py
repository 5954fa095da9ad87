"""The file list widget in a small host app: keys, selection, and cost that stays flat.

The list draws only the rows on screen; ``row_info`` is called when a row is drawn,
so counting its calls shows what mounting and moving cost without timing anything.
"""

from __future__ import annotations

from conftest import require_shared
from lorapan.tui.widgets.file_list import FileList
from textual.app import App, ComposeResult


class Host(App):
    CSS = "FileList { height: 1fr; border: none; text-wrap: nowrap; text-overflow: ellipsis; }"

    def __init__(self, rows: list[str]) -> None:
        super().__init__()
        self.rows = rows
        self.info_calls = 0
        self.moved: list[str] = []
        self.selections: list[frozenset[str]] = []

    def row_info(self, rel: str) -> tuple[int, str]:
        self.info_calls += 1
        return len(rel), "E" if rel.endswith("7.png") else ""

    def compose(self) -> ComposeResult:
        yield FileList(self.row_info, id="files")

    def on_mount(self) -> None:
        files = self.query_one(FileList)
        files.show_rows(self.rows)
        files.focus()

    def on_file_list_cursor_moved(self, message: FileList.CursorMoved) -> None:
        self.moved.append(message.relpath)

    def on_file_list_selection_changed(self, message: FileList.SelectionChanged) -> None:
        self.selections.append(message.selection)


def names(n: int) -> list[str]:
    return [f"10_a/img_{i}.png" for i in range(n)]


def screen_text(app: App) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_ten_thousand_rows_draw_only_what_is_on_screen():
    app = Host(names(10_000))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        files = app.query_one(FileList)
        assert files.virtual_size.height == 10_000
        assert app.info_calls <= 3 * 20  # a screenful, not ten thousand
        app.info_calls = 0
        await pilot.press("j", "j", "j")
        assert files.current == "10_a/img_3.png"
        assert app.info_calls <= 3 * 2 * 3  # the rows the cursor left and reached
        app.info_calls = 0
        await pilot.press("end")
        assert files.current == "10_a/img_9999.png"
        assert "img_9999.png" in screen_text(app)
        assert app.info_calls <= 3 * 20


async def test_cursor_keys_wrap_and_page():
    app = Host(names(50))
    async with app.run_test(size=(60, 12)) as pilot:
        files = app.query_one(FileList)
        await pilot.press("k")  # up from the first row wraps to the last
        assert files.current == "10_a/img_49.png"
        await pilot.press("down")
        assert files.current == "10_a/img_0.png"
        await pilot.press("pagedown")
        assert files.cursor == files.scrollable_content_region.height
        await pilot.press("home")
        assert files.current == "10_a/img_0.png"
        assert app.moved[-1] == "10_a/img_0.png"


async def test_space_shift_and_star_select_and_the_rows_show_it():
    app = Host(names(6))
    async with app.run_test(size=(60, 12)) as pilot:
        files = app.query_one(FileList)
        await pilot.press("space")  # img_0, cursor to img_1
        assert files.selection == {"10_a/img_0.png"} and files.current == "10_a/img_1.png"
        await pilot.press("shift+down")  # img_1 (one key, one image more), cursor to img_2
        assert files.selection == {"10_a/img_0.png", "10_a/img_1.png"}
        assert files.current == "10_a/img_2.png"
        await pilot.press("J", "J")  # img_2, img_3
        assert files.selection == {f"10_a/img_{i}.png" for i in range(4)}
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[3].lstrip().startswith("●") and not lines[4].lstrip().startswith("●")
        await pilot.press("k", "space")  # img_3 off again
        assert "10_a/img_3.png" not in files.selection
        await pilot.press("asterisk")
        assert files.selection == set(names(6))
        await pilot.pause()
        assert app.selections[-1] == frozenset(names(6))


async def test_new_rows_keep_the_cursor_and_a_click_moves_it():
    app = Host(names(30))
    async with app.run_test(size=(60, 12)) as pilot:
        files = app.query_one(FileList)
        files.move_to("10_a/img_20.png")
        files.show_rows(names(30)[10:], keep="10_a/img_20.png")
        assert files.current == "10_a/img_20.png" and files.cursor == 10
        assert not files.contains("10_a/img_0.png")
        await pilot.pause()
        top = files.scroll_offset.y
        await pilot.click(FileList, offset=(3, 2))
        assert files.cursor == top + 2


async def test_long_names_end_in_an_ellipsis_and_changed_rows_redraw():
    rows = ["a_very_long_folder_name_indeed/" + "x" * 80 + ".png", "b.png"]
    app = Host(rows)
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        assert "…" in screen_text(app).splitlines()[0]
        files = app.query_one(FileList)
        files.selection.add("b.png")
        files.refresh_rows(["b.png"])
        await pilot.pause()
        assert screen_text(app).splitlines()[1].lstrip().startswith("●")


async def test_near_identical_folders_stay_told_apart_in_a_narrow_list():
    """The spiderverse set's folders differ in one letter after a shared ``20_``; cut at
    their end, both read ``20_A…``/``20_I…`` at best. The column keeps what differs."""
    suits = require_shared("fixtures", "real", "spiderverse-suits")
    rows = sorted(
        f"{folder.name}/{image.name}"
        for folder in suits.iterdir()
        for image in folder.glob("*.jpg")
    )
    assert {r.split("/")[0] for r in rows} == {"20_ATSV_MilesSuit", "20_ITSV_MilesSuit"}
    for width in (33, 35):  # the list (less padding and scrollbar) at 80 and 120 columns
        app = Host(rows)
        async with app.run_test(size=(width, 8)) as pilot:
            files = app.query_one(FileList)
            first_itsv = next(i for i, r in enumerate(rows) if r.startswith("20_ITSV"))
            files.move_to(rows[first_itsv])
            await pilot.pause()
            lines = screen_text(app).splitlines()
            atsv = [ln for ln in lines if "movie2_" in ln]
            itsv = [ln for ln in lines if "movie1_" in ln]
            assert atsv and itsv, lines
            folder_of = lambda line: line.split(".jpg", 1)[1].strip()  # noqa: E731
            assert all("ATS" in folder_of(ln) for ln in atsv), atsv
            assert all("ITS" in folder_of(ln) for ln in itsv), itsv
            assert all(len(ln.rstrip()) <= width for ln in lines)


async def test_a_folder_with_room_shows_whole():
    rows = ["20_ATSV_MilesSuit/a.png", "20_ITSV_MilesSuit/b.png"]
    app = Host(rows)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert "a.png  20_ATSV_MilesSuit/" in lines[0]
        assert "b.png  20_ITSV_MilesSuit/" in lines[1]
