"""One table of a report as a keyboard list: its columns fitted to the room there is, the
chart column's numbers with a bar beside each, and `enter` on a row leading where the row's
link points (the deals behind it, or a record's card).

Cells are formatted by `io.report_write`, so the screen shows what the CSV export and
`crm-tui report` show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from crm_tui.io.report_write import bar, chart_title, chart_values, format_value
from crm_tui.services.reports.model import DrillLink, RecordLink, Table, ValueKind
from crm_tui.ui.widgets.plain_cell import PlainCell

# Columns read left to right; numbers line up on the right.
LEFT_KINDS = (ValueKind.TEXT, ValueKind.DATE)
GAP = 1  # the blank before each cell (the table's own cell padding is off: 80 columns are few)
MAX_BAR = 40  # and at most a third of the line, so the numbers after it stay near
MIN_BAR = 4  # narrower than this a bar says nothing: it is left out
WANTED_BAR = 10  # text columns give up room down to MIN_TEXT for a bar this long
MIN_TEXT = 14  # "No close date" and the like stay whole
BAR_STYLE = "cyan"


ONE_LINE = " + "  # sums in several currencies side by side…
STACKED = "\n"  # …or one currency under the other, when side by side leaves no room


@dataclass(frozen=True)
class Layout:
    """What to draw: the cell width of each column, the bar's (0: no bar), and how sums in
    several currencies are joined."""

    widths: list[int]
    bar_width: int
    currencies: str = ONE_LINE


def _widest_line(text: str) -> int:
    return max(cell_len(line) for line in text.split("\n"))


def fit(table: Table, room: int) -> Layout:
    """Column widths that fit `room` cells: each column as wide as its widest cell, the longest
    text columns cut (with "…") when the table would not fit, the bar taking what is left.
    When sums in several currencies side by side leave no room for the bar, they stack."""
    layout = _fit(table, room, ONE_LINE)
    charted = any(column.chart for column in table.columns)
    if charted and not layout.bar_width:
        stacked = _fit(table, room, STACKED)
        if stacked.bar_width:
            return stacked
    return layout


def _fit(table: Table, room: int, currencies: str) -> Layout:
    headers = header_texts(table)
    widths = [
        GAP
        + max(
            [cell_len(header)]
            + [
                _widest_line(format_value(row.values.get(column.key), column.kind, currencies))
                for row in table.rows
            ]
        )
        for column, header in zip(table.columns, headers, strict=True)
    ]
    charted = any(column.chart for column in table.columns)
    with_bar = _shrunk(table, widths, room - GAP - WANTED_BAR) if charted else widths
    bar_width = min(MAX_BAR, room // 3, room - sum(with_bar) - GAP) if charted else 0
    if bar_width >= MIN_BAR:
        return Layout(with_bar, bar_width + GAP, currencies)
    # No room for a bar worth drawing: the text columns keep what they can without one.
    return Layout(_shrunk(table, widths, room), 0, currencies)


def _shrunk(table: Table, natural: list[int], room: int) -> list[int]:
    """The widths with the widest text columns cut, a cell at a time, until they fit `room`
    (or every text column is down to MIN_TEXT, or to its own width if narrower)."""
    widths = natural.copy()
    over = sum(widths) - room
    while over > 0:
        candidates = [
            index
            for index, column in enumerate(table.columns)
            if column.kind in LEFT_KINDS and widths[index] > min(MIN_TEXT + GAP, natural[index])
        ]
        if not candidates:
            break
        widest = max(candidates, key=lambda index: widths[index])
        widths[widest] -= 1
        over -= 1
    return widths


def header_texts(table: Table) -> list[str]:
    """The headers people read; the chart column says what its bars measure (`Amount (RUB)`)."""
    return [chart_title(table) if column.chart else column.title for column in table.columns]


class ReportTable(DataTable[Any]):
    """Rows keyed by their index in the report's table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # In the footer (DataTable's own enter is not): listed only where a row leads somewhere.
        Binding("enter", "select_cursor", "Open", tooltip="The deals behind the row, or its card"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, table: Table, room: int, *, id: str | None = None, classes: str = "") -> None:
        super().__init__(cursor_type="row", show_cursor=False, cell_padding=0, id=id, classes=classes)
        self.table = table
        self.layout_for(room)

    def layout_for(self, room: int) -> None:
        """(Re)draw the table's columns and rows to fit `room` cells."""
        self.room = room
        layout = fit(self.table, room)
        cursor = self.cursor_row
        self.clear(columns=True)
        values = chart_values(self.table) or []
        largest = max(values, default=0.0)
        for index, (column, header) in enumerate(
            zip(self.table.columns, header_texts(self.table), strict=True)
        ):
            left = column.kind in LEFT_KINDS
            label = Text(" " * GAP + header) if left else Text(header, justify="right")
            self.add_column(label, width=layout.widths[index], key=column.key)
            if column.chart and layout.bar_width:
                self.add_column("", width=layout.bar_width, key="bar")
        for number, row in enumerate(self.table.rows):
            cells: list[PlainCell | Text] = []
            lines = 1
            for column in self.table.columns:
                text = format_value(row.values.get(column.key), column.kind, layout.currencies)
                left = column.kind in LEFT_KINDS
                if "\n" in text:  # stacked currencies: a cell of several lines
                    lines = max(lines, text.count("\n") + 1)
                    cells.append(Text(text, justify="right", no_wrap=True))
                else:
                    cells.append(PlainCell(" " * GAP + text if left else text, right=not left))
                if column.chart and layout.bar_width:
                    drawn = bar(values[number], largest, layout.bar_width - GAP) if values else ""
                    cells.append(PlainCell(" " * GAP + drawn, BAR_STYLE))
            self.add_row(*cells, key=str(number), height=lines)
        if self.table.rows:
            self.move_cursor(row=min(cursor, len(self.table.rows) - 1), animate=False)

    @property
    def link(self) -> RecordLink | DrillLink | None:
        """Where the highlighted row leads, if anywhere."""
        if not self.table.rows:
            return None
        return self.table.rows[min(self.cursor_row, len(self.table.rows) - 1)].link

    @property
    def leads_anywhere(self) -> bool:
        return any(row.link is not None for row in self.table.rows)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_cursor":
            return self.leads_anywhere
        return True

    def on_focus(self) -> None:
        self.show_cursor = True

    def on_blur(self) -> None:
        # Several tables on one screen: only the one the keys act on shows its cursor.
        self.show_cursor = False
