"""A report on the screen: its headline facts on a line or two, then each table under its
title, with the note under it (how it counts, or that rows were left out). `tab` goes from
table to table; the view scrolls to keep the highlighted row in sight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Static

from crm_tui.io.report_write import format_value, rows_left_out
from crm_tui.services.reports.model import DrillLink, RecordLink, Report, Table
from crm_tui.ui.widgets.report_table import ReportTable

FACT_GAP = " · "


@dataclass
class ViewPlace:
    """Where the person was in a report, kept over a reload: the table the keys were in, each
    table's cursor, how far down the view was scrolled."""

    focused: str | None = None
    cursors: dict[str, int] = field(default_factory=dict)
    scroll_y: float = 0


def fact_lines(report: Report, width: int) -> list[Text]:
    """The facts packed into lines of `width` cells, never splitting one fact over two."""
    lines: list[Text] = []
    line = Text()
    for fact in report.facts:
        piece = Text()
        piece.append(f"{fact.label} ", style="dim")
        piece.append(format_value(fact.value, fact.kind), style="bold")
        if line.cell_len and line.cell_len + len(FACT_GAP) + piece.cell_len > width:
            lines.append(line)
            line = Text()
        if line.cell_len:
            line.append(FACT_GAP, style="dim")
        line.append_text(piece)
    if line.cell_len:
        lines.append(line)
    return lines


def table_title(table: Table) -> Text:
    title = Text(table.title, style="bold")
    if any(isinstance(row.link, DrillLink) for row in table.rows):
        title.append("   enter lists the deals", style="dim")
    elif any(isinstance(row.link, RecordLink) for row in table.rows):
        title.append("   enter opens the card", style="dim")
    return title


def table_note(table: Table) -> str:
    return " ".join(part for part in (rows_left_out(table), table.note) if part)


class ReportView(VerticalScroll):
    """Shows one report, or a message in its place (while it is made, or why it could not be)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # The tables take the keys (and scroll this view as their cursor moves): focus on
        # the view itself would be one more stop for tab, doing nothing.
        self.can_focus = False
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static("Making the report…", classes="report-message")

    @property
    def room(self) -> int:
        """The cells a line may take: the view's width less its scrollbar's."""
        # Whether the scrollbar shows or not, so a table is drawn the same either way.
        return max(self.size.width - self.styles.gutter.width - self.styles.scrollbar_size_vertical, 20)

    @property
    def tables(self) -> list[ReportTable]:
        return list(self.query(ReportTable))

    @property
    def current(self) -> ReportTable | None:
        """The table the keys act on: the focused one, else the first."""
        focused = self.screen.focused
        if isinstance(focused, ReportTable) and focused in self.tables:
            return focused
        tables = self.tables
        return tables[0] if tables else None

    def place(self) -> ViewPlace:
        focused = self.screen.focused
        return ViewPlace(
            focused=focused.table.key if isinstance(focused, ReportTable) else None,
            cursors={table.table.key: table.cursor_row for table in self.tables},
            scroll_y=self.scroll_y,
        )

    async def show(self, report: Report, place: ViewPlace | None = None) -> None:
        """Draw `report`; `place` puts the cursors and the scroll back where they were."""
        self.report = report
        room = self.room
        widgets: list[Widget] = []
        lines = fact_lines(report, room)
        if lines:
            widgets.append(Static(Text("\n").join(lines), classes="report-facts"))
        for table in report.tables:
            widgets.append(Static(table_title(table), classes="report-table-title"))
            note = table_note(table)
            if table.rows:
                widgets.append(
                    ReportTable(table, room, id=f"table-{table.key}", classes="-noted" if note else "")
                )
            else:
                empty_classes = "report-empty -noted" if note else "report-empty"
                widgets.append(Static(Text(table.empty), classes=empty_classes))
            if note:
                widgets.append(Static(Text(note), classes="report-note"))
        had_focus = self.screen.focused is None or isinstance(self.screen.focused, ReportTable)
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(widgets)
            self.restore(place or ViewPlace(), had_focus)

    def restore(self, place: ViewPlace, take_focus: bool) -> None:
        tables = self.tables
        for table in tables:
            if table.table.key in place.cursors and table.row_count:
                row = min(place.cursors[table.table.key], table.row_count - 1)
                table.move_cursor(row=row, animate=False, scroll=False)
        if take_focus and tables:
            wanted = next((table for table in tables if table.table.key == place.focused), tables[0])
            wanted.focus(scroll_visible=False)
        self.scroll_to(y=place.scroll_y, animate=False, immediate=True)

    async def show_message(self, message: str) -> None:
        self.report = None
        with self.app.batch_update():
            await self.remove_children()
            await self.mount(Static(Text(message), classes="report-message"))

    def fit_to_width(self) -> None:
        """Redraw the tables for the width there is now (the terminal was resized)."""
        room = self.room
        for table in self.tables:
            if table.room != room:
                table.layout_for(room)
        if self.report is not None:
            facts = self.query(".report-facts")
            if facts:
                facts.first(Static).update(Text("\n").join(fact_lines(self.report, room)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if isinstance(event.data_table, ReportTable) and event.data_table.has_focus:
            self.follow(event.data_table)

    def on_descendant_focus(self) -> None:
        if isinstance(table := self.screen.focused, ReportTable):
            self.follow(table)

    def follow(self, table: ReportTable) -> None:
        """Keep the highlighted row in sight: the tables are as tall as their rows and do not
        scroll themselves, this view does. On a table's first row (tab just came to it) as
        much of the table as fits comes into view, under its title."""
        top = table.virtual_region.y
        if table.cursor_row == 0:
            window = self.scrollable_content_region.height
            start, end = top - 1, min(top + table.outer_size.height, top - 1 + window)
            if end <= window or table is self.tables[0]:
                # The report's start (its facts) stays in view while the first table's top is.
                self.scroll_to(y=0, animate=False, immediate=True)
                return
        else:
            start = top + 1 + table.cursor_row  # under the header; report rows are one line each
            end = start + 1
        self.scroll_to_region(Region(0, start, 1, end - start), animate=False, immediate=True)
