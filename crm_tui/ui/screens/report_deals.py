"""The deals behind a report's row (`enter` on a funnel stage): what they are, whose, where
they stand, for how much and when they should close. `enter` opens a deal's card, `escape`
goes back to the report as it was left.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from crm_tui.db.models import EntityKind
from crm_tui.money import format_money
from crm_tui.services.deals import DealRow
from crm_tui.services.reports.drill import drill_deals
from crm_tui.services.reports.model import DrillLink
from crm_tui.ui.database import crm_app, describe_failure, run_in_session
from crm_tui.ui.widgets.plain_cell import PlainCell
from crm_tui.ui.widgets.record_table import Column, fit_widths

LIMIT = 500
COLUMNS = (
    Column("Deal", 26, flex=True),
    Column("Client", 18, flex=True),
    Column("Stage", 11),
    Column("Amount", 14),
    Column("Close by", 10),
)
STAGE_STYLES = {"won": "green", "lost": "red"}


def count_line(shown: int, total: int) -> str:
    if total > shown:
        return f"first {shown:,} of {total:,} deals"
    return f"{total:,} deal{'' if total == 1 else 's'}"


class DealList(DataTable[PlainCell]):
    # In the footer: DataTable's own enter is not.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", tooltip="Open the deal's card"),
    ]


class ReportDealsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the report"),
        Binding("enter", "open", "Open", show=False, tooltip="Open the deal's card"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("ctrl+r", "reload", "Refresh", show=False, tooltip="Read the deals again"),
    ]

    def __init__(self, link: DrillLink) -> None:
        super().__init__()
        self.link = link
        self.rows: list[DealRow] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(Text(self.link.title, style="bold"), id="drill-title")
        yield Static("Loading…", id="drill-count")
        yield DealList(cursor_type="row", id="drill-deals")
        yield Footer()

    @property
    def table(self) -> DealList:
        return self.query_one("#drill-deals", DealList)

    def on_mount(self) -> None:
        self.table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        # Back from a deal's card, where the deal may have moved on.
        if self.loaded:
            self.load()

    @work(thread=True, exclusive=True, group="report-deals", exit_on_error=False)
    def load(self) -> None:
        try:
            rows, total = run_in_session(self, lambda session: drill_deals(session, self.link.deals, LIMIT))
        except Exception as error:  # said on the screen, never as a traceback
            self.app.call_from_thread(self.show_failure, describe_failure(error))
            return
        self.app.call_from_thread(self.show, rows, total)

    def show_failure(self, message: str) -> None:
        self.query_one("#drill-count", Static).update(Text(message, style="red"))

    def show(self, rows: list[DealRow], total: int) -> None:
        self.loaded = True
        self.rows = rows
        self.query_one("#drill-count", Static).update(count_line(len(rows), total))
        self.fill()

    def fill(self) -> None:
        table = self.table
        cursor = table.cursor_row
        table.clear(columns=True)
        widths = fit_widths(COLUMNS, max(table.size.width - 2, 40))
        for column, width in zip(COLUMNS, widths, strict=True):
            label = Text(column.label, justify="right") if column.label == "Amount" else column.label
            table.add_column(label, width=width)
        for row in self.rows:
            table.add_row(
                PlainCell(row.title, "bold"),
                PlainCell(row.company or row.contact),
                PlainCell(row.stage, STAGE_STYLES.get(row.stage_kind, "")),
                PlainCell(format_money(row.amount, row.currency), right=True),
                PlainCell(row.expected_close_on.strftime("%d.%m.%Y") if row.expected_close_on else ""),
                key=str(row.id),
            )
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1), animate=False)

    def on_resize(self) -> None:
        if self.loaded:
            self.fill()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if self.rows:
            row = self.rows[min(self.table.cursor_row, len(self.rows) - 1)]
            crm_app(self).open_record(EntityKind.DEAL, row.id)

    def action_back(self) -> None:
        self.dismiss()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_reload(self) -> None:
        self.load()
