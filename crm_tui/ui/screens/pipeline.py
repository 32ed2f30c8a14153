"""Mode 3: open deals in pipeline order, with the count and sum of each stage on top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.widgets import Label

from crm_tui.dates import days_since
from crm_tui.db.models import EntityKind, StageKind
from crm_tui.money import format_amounts, format_money
from crm_tui.services import deals
from crm_tui.ui.database import run_in_session
from crm_tui.ui.screens.base import ListScreen
from crm_tui.ui.widgets.record_table import Column, RecordTable


class PipelineScreen(ListScreen):
    MODE = "pipeline"
    TITLE = "Pipeline: open deals"
    KIND: ClassVar[EntityKind] = EntityKind.DEAL
    EMPTY_MESSAGE = "No open deals. Press [b]a[/b] to add one."

    def columns(self) -> Sequence[Column]:
        return [
            Column("Stage", 11),
            Column("Deal", 24, flex=True),
            Column("Client", 16, flex=True),
            Column("Amount", 13),
            Column("Days", 4),
            Column("Close by", 8),
        ]

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[deals.DealRow]:
        return deals.list_deals(session, offset=offset, limit=limit)

    def count(self, session: Any) -> int:
        return deals.count_deals(session)

    def cells(self, row: deals.DealRow) -> Sequence[str | Text]:
        return [
            row.stage,
            Text(row.title, style="bold"),
            row.company or row.contact,
            Text(format_money(row.amount, row.currency), justify="right"),
            Text(str(days_since(row.stage_entered_at)), justify="right"),
            row.expected_close_on.strftime("%d.%m.%y") if row.expected_close_on else "",
        ]

    def on_record_table_loaded(self, event: RecordTable.Loaded) -> None:
        # (The title came with the rows, from ListScreen.show_loaded.)
        self._load_totals()

    @work(thread=True, exclusive=True, group="pipeline-totals", exit_on_error=False)
    def _load_totals(self) -> None:
        totals = run_in_session(self, deals.stage_totals)
        self.app.call_from_thread(self._show_totals, totals)

    def _show_totals(self, totals: list[deals.StageTotal]) -> None:
        """One column per open stage: its name and count, then its sum in each currency."""
        open_totals = [total for total in totals if total.kind == StageKind.OPEN.value]
        grid = Table.grid(padding=(0, 3))
        for _ in open_totals:
            grid.add_column(no_wrap=True, overflow="ellipsis")
        grid.add_row(*[Text(f"{total.name} · {total.count}", style="bold") for total in open_totals])
        grid.add_row(*[format_amounts(total.amounts, separator="\n") for total in open_totals])
        summary = self.query_one("#list-summary", Label)
        summary.update(grid)
        summary.display = bool(open_totals)
