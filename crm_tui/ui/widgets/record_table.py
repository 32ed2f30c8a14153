"""A keyboard list of database records that loads a page at a time.

Rows are keyed by the record's id. The first page comes in a thread worker; the next one is
fetched when the cursor comes near the last loaded row, so 100,000 records open as fast as
100 and never all sit in the widget at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets._data_table import RowKey, SegmentLines

from crm_tui.ui.database import run_in_session
from crm_tui.ui.widgets.plain_cell import PlainCell

Row = TypeVar("Row")

PAGE_SIZE = 50
# How close to the last loaded row the cursor may come before the next page is fetched.
PREFETCH_MARGIN = 20


@dataclass(frozen=True)
class Column:
    """A list column. A `flex` column shares the room left by the fixed ones, in proportion
    to its `width`, so the list fits the terminal instead of running off its right edge."""

    label: str
    width: int
    flex: bool = False
    # Shown only when the list is at least this wide: on 80 columns a list keeps the columns
    # that matter most readable instead of squeezing every one to a few letters.
    wide_only: int = 0


MIN_FLEX_WIDTH = 6


def fit_widths(columns: Sequence[Column], room: int, padding: int = 2) -> list[int]:
    """Column widths that fill `room` cells, `padding` cells of each column going to its margins."""
    fixed = sum(column.width for column in columns if not column.flex)
    weights = sum(column.width for column in columns if column.flex)
    spare = room - fixed - padding * len(columns)
    widths = []
    for column in columns:
        if column.flex and weights:
            widths.append(max(MIN_FLEX_WIDTH, spare * column.width // weights))
        else:
            widths.append(column.width)
    return widths


class RecordTable(DataTable[Any], Generic[Row]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    class Loaded(Message):
        """A page arrived; `total` is the number of records in the whole list."""

        def __init__(self, table: RecordTable[Any], total: int) -> None:
            super().__init__()
            self.table = table
            self.total = total

        @property
        def control(self) -> RecordTable[Any]:
            return self.table

    class Opened(Message):
        """The user pressed enter on a row."""

        def __init__(self, table: RecordTable[Any], record_id: int) -> None:
            super().__init__()
            self.table = table
            self.record_id = record_id

        @property
        def control(self) -> RecordTable[Any]:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        fetch_page: Callable[[Any, int, int], Sequence[Row]],
        count: Callable[[Any], int],
        row_id: Callable[[Row], int],
        cells: Callable[[Row], Sequence[str | Text]],
        *,
        loaded: Callable[[int], None] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._columns_spec = columns
        self._fetch_page = fetch_page
        self._count = count
        self._row_id = row_id
        self._cells = cells
        # Called with the total as the rows go in, in the same screen update (the Loaded
        # message comes a frame later: a count shown from it lagged a search by 16 ms or more).
        self._loaded = loaded
        self.total = 0
        self._loading_more = False
        # A first page on its way: a second reload now (the screen's resume right after mount)
        # would read the same page again, at the same time, each twice as slow.
        self.reloading = False
        # Which reload the rows on the screen answer: a search typed fast starts a reload per
        # keystroke, and a thread cannot be stopped, so an older answer arriving late is dropped.
        self._generation = 0
        self._records: list[Row] = []
        self._widths: list[int] = []
        self._shown = [index for index, column in enumerate(columns) if not column.wide_only]

    def on_mount(self) -> None:
        self._set_columns([self._columns_spec[index].width for index in self._shown])
        self.reload()

    def _set_columns(self, widths: list[int]) -> None:
        self._widths = widths
        for index, width in zip(self._shown, widths, strict=True):
            self.add_column(self._columns_spec[index].label, width=width)

    def on_resize(self) -> None:
        # The vertical scrollbar takes two cells of the widget's width.
        room = self.size.width - 2
        shown = [index for index, column in enumerate(self._columns_spec) if room >= column.wide_only]
        widths = fit_widths([self._columns_spec[index] for index in shown], room)
        if widths == self._widths and shown == self._shown:
            return
        selected = self.cursor_row
        self.clear(columns=True)
        self._shown = shown
        self._set_columns(widths)
        for record in self._records:
            self.add_row(*self._cells_of(record), key=str(self._row_id(record)))
        if self.row_count:
            self.move_cursor(row=min(selected, self.row_count - 1))

    def _cells_of(self, record: Row) -> list[Text | PlainCell]:
        # Not str: DataTable reads a str as markup, so a name like "Smith [old]" lost its
        # bracketed part. Plain cells draw far faster than Text; only Text with spans of
        # several styles stays Text.
        cells: list[Text | PlainCell] = []
        every = self._cells(record)
        for cell in (every[index] for index in self._shown):
            if isinstance(cell, str):
                cells.append(PlainCell(cell))
            elif not cell.spans and cell.justify in (None, "default", "left", "right"):
                cells.append(PlainCell(cell.plain, cell.style, right=cell.justify == "right"))
            else:
                cells.append(cell)
        return cells

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A plain cell as one styled segment; anything else as DataTable draws it.

        DataTable sends every cell through Rich (Styled, Padding, two passes of line
        splitting): 90 ms for a screenful of rows, most of the first paint on a large
        database. A plain one-line cell needs only its text cut to width and the same styles
        DataTable would give it (row, cursor, hover, the cell's mouse meta)."""
        cell = self._plain_cell(row_index, column_index)
        if cell is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            row_index < self.fixed_rows or column_index < self.fixed_columns,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        style += cell.style + component_style + post_style
        padding = " " * self.cell_padding
        return [[Segment(padding + cell.fitted(width - 2 * self.cell_padding) + padding, style)]]

    def _plain_cell(self, row_index: int, column_index: int) -> PlainCell | None:
        if row_index < 0 or column_index < 0:
            return None  # the header and row labels
        row_key = self._row_locations.get_key(row_index)
        if row_key is None or self.rows[row_key].height != 1:
            return None
        # The stored value itself: DataTable's own lookup builds the whole row's renderables
        # for each cell asked about, nine times a line.
        column_key = self._column_locations.get_key(column_index)
        cell = self._data.get(row_key, {}).get(column_key) if column_key is not None else None
        return cell if isinstance(cell, PlainCell) else None

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """One line of a row, as DataTable draws it for a row cursor without fixed columns or
        row labels (what these lists are), with what is the same for the whole line worked
        out once per line rather than once per cell: the columns' widths, whether the row is
        under the cursor or the mouse, the row's style. A screenful of rows drawn afresh on
        each keystroke of a search took 16 ms at 120×40, a third of the budget."""
        if (
            self.fixed_columns
            or self.cursor_type != "row"
            or (self._labelled_row_exists and self.show_row_labels)
        ):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            self.cursor_type,
            self.show_cursor,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        if cache_key in self._row_render_cache:
            return self._row_render_cache[cache_key]
        row_index = self._row_locations.get(row_key)
        if row_index is None:
            row_index = -1  # the header
        row_style = self._get_row_style(row_index, base_style)
        cursor = row_index == cursor_location.row
        hover = row_index == hover_location.row
        columns = self.ordered_columns
        widths = [column.get_render_width(self) for column in columns]
        component_style, post_style = self._get_styles_to_render_cell(
            row_index == -1,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        over = component_style + post_style
        padding = " " * self.cell_padding
        row = self.rows.get(row_key)
        data = self._data.get(row_key, {}) if row is not None and row.height == 1 else {}
        line: SegmentLines = []
        for column_index, (column, width) in enumerate(zip(columns, widths, strict=True)):
            cell = data.get(column.key)
            if isinstance(cell, PlainCell):
                meta = Style.from_meta({"row": row_index, "column": column_index})
                text = padding + cell.fitted(width - 2 * self.cell_padding) + padding
                line.append([Segment(text, row_style + meta + cell.style + over)])
            else:
                lines = self._render_cell(
                    row_index, column_index, row_style, width, cursor=cursor, hover=hover
                )
                line.append(lines[line_no])
        # The rest of the line, past the last column, in the row's colours (without the css
        # priorities of the cells, as DataTable extends a row).
        remaining = max(0, self.size.width - sum(widths) - self._row_label_column_width)
        extend_style, _ = self._get_styles_to_render_cell(
            row_index == -1,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            False,
            False,
        )
        extend_style = (
            row_style + extend_style + Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        )
        line.append([Segment(" " * remaining, extend_style)])
        rendered: tuple[SegmentLines, SegmentLines] = ([], line)
        self._row_render_cache[cache_key] = rendered
        return rendered

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Every column of these lists has a set width and every row one line, so measuring
        each new cell, as DataTable does (12 ms for a page of 50, on every keystroke of a
        search), would change nothing: only the scrollable size needs the new total."""
        if any(column.auto_width for column in self.columns.values()) or any(
            self.rows[key].auto_height for key in new_rows if key in self.rows
        ):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header)

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        """DataTable reads the row's component style afresh for every line drawn (a tenth of
        a millisecond each); the widget's cache of component styles answers the same at once.
        (These lists have no fixed rows.)"""
        if row_index == -1:
            return self.get_component_rich_style("datatable--header")
        if not self.zebra_stripes:
            return base_style
        return self.get_component_rich_style("datatable--odd-row" if row_index % 2 else "datatable--even-row")

    @property
    def records(self) -> list[Row]:
        """The records loaded so far, in list order."""
        return self._records

    def redraw_row(self, record_id: int) -> None:
        """Draw a record's cells again (what they show changed, the record did not)."""
        key = str(record_id)
        if key not in self.rows:
            return
        record = next(record for record in self._records if self._row_id(record) == record_id)
        row_index = self.get_row_index(key)
        for column_index, cell in enumerate(self._cells_of(record)):
            self.update_cell_at(Coordinate(row_index, column_index), cell)

    @property
    def loaded(self) -> int:
        return self.row_count

    def reload(self) -> None:
        """Read the list again from the first page, keeping the cursor on the same record."""
        self.reloading = True
        self._generation += 1
        self._load(offset=0, replace=True)

    @work(thread=True, exclusive=True, group="record-table", exit_on_error=False)
    def _load(self, offset: int, replace: bool) -> None:
        generation = self._generation

        def read(session: Any) -> tuple[int, Sequence[Row]]:
            total = self._count(session) if replace else self.total
            keep = max(PAGE_SIZE, self.row_count) if replace else PAGE_SIZE
            return total, self._fetch_page(session, offset, keep)

        total, rows = run_in_session(self, read)
        self.app.call_from_thread(self._show, total, rows, replace, generation)

    def _show(self, total: int, rows: Sequence[Row], replace: bool, generation: int) -> None:
        if generation != self._generation:
            return
        # One screen update for the cleared list and its new rows, not one per step.
        with self.app.batch_update():
            self._show_rows(total, rows, replace)
            if self._loaded is not None:
                self._loaded(total)
        self.post_message(self.Loaded(self, total))

    def _show_rows(self, total: int, rows: Sequence[Row], replace: bool) -> None:
        selected, position = self.selected_id, self.cursor_row
        if replace:
            self.reloading = False
            self.clear()
            self._records = []
        for row in rows:
            key = str(self._row_id(row))
            if key not in self.rows:
                self._records.append(row)
                self.add_row(*self._cells_of(row), key=key)
        self.total = total
        self._loading_more = False
        if replace and selected is not None and str(selected) in self.rows:
            self.move_cursor(row=self.get_row_index(str(selected)))
        elif replace and self.row_count:
            # The record left the list (a lead converted out of the inbox): the cursor stays
            # where it was, which is now on the next record.
            self.move_cursor(row=min(position, self.row_count - 1))

    @property
    def selected_id(self) -> int | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # the cursor can point past a list that just shrank
            return None
        return int(key.value) if key.value is not None else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= self.row_count - PREFETCH_MARGIN
        if near_end and self.row_count < self.total and not self._loading_more:
            self._loading_more = True
            self._load(offset=self.row_count, replace=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Opened(self, int(event.row_key.value)))

    def action_scroll_top(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(row=max(self.row_count - 1, 0))
