"""Mode 5: the pipeline by stage (count, amount, probability-weighted) and leads by status."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from crm_tui.money import format_amounts
from crm_tui.services.reports.pipeline_summary import PipelineSummary, pipeline_summary
from crm_tui.ui.database import run_in_session
from crm_tui.ui.screens.base import ModeScreen
from crm_tui.ui.widgets.empty_state import EmptyState

BAR_WIDTH = 24


class ReportsScreen(ModeScreen):
    MODE = "reports"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="reports-body"):
            yield Label("Reports: deals by stage", id="list-title")
            yield Static("Loading…", id="report-stages")
            yield Label("Leads by status", classes="section-title")
            yield Static("", id="report-leads")
            yield EmptyState("No deals or leads to report on yet.", id="empty")

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="reports", exit_on_error=False)
    def load(self) -> None:
        summary = run_in_session(self, pipeline_summary)
        self.app.call_from_thread(self._show, summary)

    def _show(self, summary: PipelineSummary) -> None:
        has_data = any(stage.count for stage in summary.stages) or any(summary.leads_by_status.values())
        self.query_one("#empty", EmptyState).set_class(not has_data, "visible")
        for widget in self.query("#reports-body > Static, #reports-body > Label"):
            if not isinstance(widget, EmptyState) and widget.id != "list-title":
                widget.display = has_data
        self.query_one("#report-stages", Static).update(stage_table(summary))
        self.query_one("#report-leads", Static).update(lead_table(summary))


def _bar(value: int, largest: int) -> Text:
    filled = round(BAR_WIDTH * value / largest) if largest else 0
    return Text("█" * filled + "·" * (BAR_WIDTH - filled), style="cyan")


def stage_table(summary: PipelineSummary) -> Table:
    table = Table(box=None, padding=(0, 1), show_footer=True)
    table.add_column("Stage", footer="Open, weighted")
    table.add_column("Deals", justify="right")
    table.add_column("", no_wrap=True)
    table.add_column(
        "Amount", justify="right", no_wrap=True, footer=format_amounts(summary.weighted_open, "\n")
    )
    table.add_column("Prob.", justify="right")
    largest = max((stage.count for stage in summary.stages), default=0)
    for stage in summary.stages:
        style = {"won": "green", "lost": "red"}.get(stage.kind, "")
        table.add_row(
            Text(stage.name, style=style),
            str(stage.count),
            _bar(stage.count, largest),
            format_amounts(stage.amounts, "\n"),
            f"{stage.probability}%",
        )
    return table


def lead_table(summary: PipelineSummary) -> Table:
    table = Table(box=None, padding=(0, 1))
    table.add_column("Status")
    table.add_column("Leads", justify="right")
    table.add_column("", no_wrap=True)
    largest = max(summary.leads_by_status.values(), default=0)
    for status, count in summary.leads_by_status.items():
        table.add_row(status, str(count), _bar(count, largest))
    return table


__all__ = ["ReportsScreen"]
