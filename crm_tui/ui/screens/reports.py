"""Mode 5: the reports — funnel, forecast, won/lost, sources, activity, health — for a period.

The picker on top names the reports (← → go from one to the next), the line under it says
the period (`p` steps through this month, last month, this quarter, this year; `c` types a
range) and what the report counts in it. `enter` on a row lists the deals behind it or opens
the record it names; `x` saves the report as a CSV file. The report is made in a worker each
time it is shown, so coming back to the mode shows what changed meanwhile; the report, the
period and the place in it are kept.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table as Grid
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from crm_tui.services.reports import REPORT_KEYS, REPORTS, build_report, report_spec
from crm_tui.services.reports.model import DrillLink, RecordLink, Report
from crm_tui.services.reports.period import Period, PeriodPreset, preset_period, stepped
from crm_tui.ui.database import crm_app, describe_failure, run_in_session
from crm_tui.ui.dialogs.report_dialogs import export_report_dialog, period_dialog
from crm_tui.ui.screens.base import ModeScreen
from crm_tui.ui.screens.report_deals import ReportDealsScreen
from crm_tui.ui.widgets.report_picker import ReportPicker
from crm_tui.ui.widgets.report_table import ReportTable
from crm_tui.ui.widgets.report_view import ReportView, ViewPlace


class ReportsScreen(ModeScreen):
    MODE = "reports"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: a focused table would take ← and → to scroll sideways.
        Binding("left", "report(-1)", "Report", key_display="←→", priority=True, show=False),
        Binding("right", "report(1)", "Report", key_display="←→", priority=True, tooltip="The next report"),
        Binding("left_square_bracket", "report(-1)", "Previous report", key_display="[", show=False),
        Binding("right_square_bracket", "report(1)", "Next report", key_display="]", show=False),
        Binding("p", "period(1)", "Period", tooltip="This month, last month, this quarter, this year"),
        Binding("P", "period(-1)", "Previous period", show=False, tooltip="The period before in the cycle"),
        Binding("c", "custom_period", "Custom", tooltip="A period of your own: from and to dates"),
        Binding("x", "export", "CSV", tooltip="Save the report as a CSV file"),
        Binding("enter", "open", "Open", show=False, tooltip="The deals behind the row, or its record"),
        Binding("tab", "table(1)", "Table", tooltip="The report's next table"),
        Binding("shift+tab", "table(-1)", "Previous table", show=False),
        Binding("ctrl+r", "reload", "Refresh", show=False, tooltip="Make the report again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.key = REPORT_KEYS[0]
        self.period = preset_period(PeriodPreset.THIS_MONTH)
        self.report: Report | None = None
        self.shown_once = False

    # ---------------------------------------------------------------- layout

    def compose_body(self) -> ComposeResult:
        with Vertical(id="reports-body"):
            yield ReportPicker(self.key, id="report-picker")
            yield Static("", id="report-period")
            yield ReportView(id="report-view")

    @property
    def view(self) -> ReportView:
        return self.query_one("#report-view", ReportView)

    def on_mount(self) -> None:
        self.show_period()
        self.load()

    def on_screen_resume(self) -> None:
        # Back from a card, the drill-down or another mode: the numbers may have changed.
        if self.shown_once:
            self.load(self.view.place())

    def on_resize(self) -> None:
        self.show_period()
        self.view.fit_to_width()

    def show_period(self) -> None:
        """`This month · 1 Nov – 30 Nov 2026 · deals created …`; a scope too long for the
        line goes under it, whole, rather than cut."""
        width = self.size.width - 2 or 80  # less the line's padding
        scope = self.report.scope if self.report is not None and self.report.key == self.key else ""
        line = Text(self.period.label, style="bold")
        if scope and line.cell_len + 3 + len(scope) <= width:
            line.append(f" · {scope}", style="dim")
            scope = ""
        hints = Text("p period · c custom · x CSV", style="dim", justify="right")
        grid = Grid.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True)
        # The hints give way first: on 80 columns a long scope needs the room.
        if line.cell_len + hints.cell_len + 2 <= width:
            grid.add_column(no_wrap=True, justify="right")
            grid.add_row(line, hints)
        else:
            grid.add_row(line)
        if scope:
            grid.add_row(Text(scope, style="dim"))
        self.query_one("#report-period", Static).update(grid)

    # ---------------------------------------------------------------- reading

    def load(self, place: ViewPlace | None = None) -> None:
        self._read(self.key, self.period, place)

    class Made(Message):
        """A report the screen asked for is ready, or could not be made (`failure` says why)."""

        def __init__(
            self, key: str, period: Period, report: Report | None, failure: str, place: ViewPlace | None
        ) -> None:
            super().__init__()
            self.key = key
            self.period = period
            self.report = report
            self.failure = failure
            self.place = place

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _read(self, key: str, period: Period, place: ViewPlace | None) -> None:
        try:
            report = run_in_session(self, lambda session: build_report(session, key, period))
        except Exception as error:  # said in the report's place; the other reports still work
            self.post_message(self.Made(key, period, None, describe_failure(error), place))
            return
        self.post_message(self.Made(key, period, report, "", place))

    async def on_reports_screen_made(self, event: ReportsScreen.Made) -> None:
        if (event.key, event.period) != (self.key, self.period):
            return  # another report or period was asked for meanwhile
        self.shown_once = True
        self.report = event.report
        self.show_period()
        if event.report is not None:
            await self.view.show(event.report, event.place)
        else:
            title = report_spec(event.key).title
            await self.view.show_message(f"The {title} report could not be made.\n\n{event.failure}")
        self.refresh_bindings()

    def switch(self, key: str | None = None, period: Period | None = None) -> None:
        """Show another report or period: from the top, the picker and period line at once."""
        self.key = key or self.key
        self.period = period or self.period
        self.report = None  # `x` waits for the report asked for, not the one still shown
        self.refresh_bindings()
        self.query_one("#report-picker", ReportPicker).show(self.key)
        self.show_period()
        self.load()

    # ---------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return self.report is not None
        if action == "open":
            table = self.view.current
            return table is not None and table.leads_anywhere
        if action == "table":
            return len(self.view.tables) > 1
        return True

    def action_table(self, step: int) -> None:
        tables = self.view.tables
        current = self.view.current
        if current is not None and len(tables) > 1:
            tables[(tables.index(current) + step) % len(tables)].focus(scroll_visible=False)

    def action_report(self, step: int) -> None:
        index = REPORT_KEYS.index(self.key)
        self.switch(key=REPORT_KEYS[(index + step) % len(REPORTS)])

    def on_report_picker_picked(self, event: ReportPicker.Picked) -> None:
        if event.key != self.key:
            self.switch(key=event.key)

    def action_period(self, step: int) -> None:
        self.switch(period=stepped(self.period, step))

    def action_custom_period(self) -> None:
        def chosen(period: Period | None) -> None:
            if period is not None:
                self.switch(period=period)

        self.app.push_screen(period_dialog(self.period), chosen)

    def action_export(self) -> None:
        report = self.report
        if report is None:
            return

        def saved(path: object) -> None:
            if path is not None:
                self.notify(f"Saved {report.title} ({report.period.span()}) to {path}")

        self.app.push_screen(export_report_dialog(report), saved)

    def action_reload(self) -> None:
        self.load(self.view.place())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, ReportTable):
            event.stop()
            self.follow(event.data_table)

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_open(self) -> None:
        if (table := self.view.current) is not None:
            self.follow(table)

    def follow(self, table: ReportTable) -> None:
        link = table.link
        if isinstance(link, DrillLink):
            self.app.push_screen(ReportDealsScreen(link))
        elif isinstance(link, RecordLink):
            crm_app(self).open_record(link.kind, link.id)


__all__ = ["ReportsScreen"]
