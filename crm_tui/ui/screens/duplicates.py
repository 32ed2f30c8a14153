"""Likely duplicate contacts, one pair a line: enter opens the pair side by side to merge it,
`u` takes the last merge back. What counts as a duplicate is `services.contact_match`'s rule,
the one imports and lead conversion use."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from crm_tui.errors import CrmError
from crm_tui.services.contact_match import DuplicatePair, find_duplicates
from crm_tui.ui.database import describe_failure, run_in_session
from crm_tui.ui.widgets.plain_cell import PlainCell

RULE = "Same email, same phone, or a similar name at the same company."
# Each name's share of the width: at 80 columns, 20 cells a name and 32 for the reason (an
# email address is often the longest thing on the line).
NAME_SHARE = 5 / 18


class DuplicatesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        # Before the table's own enter (which the footer would not show).
        Binding("enter", "merge", "Merge…", priority=True),
        Binding("u", "undo", "Undo merge"),
        Binding("r", "reload", "Refresh", show=False),
        Binding("j", "down", "Down", show=False),
        Binding("k", "up", "Up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[DuplicatePair] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Label(self._title(), id="duplicates-title")
        yield Label(RULE, id="duplicates-rule")
        yield DataTable(id="duplicates-table", cursor_type="row", zebra_stripes=True)
        yield Static("No likely duplicates.", id="duplicates-empty")
        yield Footer()

    @property
    def table(self) -> DataTable[PlainCell]:
        return self.query_one("#duplicates-table", DataTable)

    def on_mount(self) -> None:
        self.query_one("#duplicates-empty").display = False
        self.load()

    def on_screen_resume(self) -> None:
        # Back from the merge screen: the pair merged is gone, others may be too.
        if self.loaded:
            self.load()

    def on_resize(self) -> None:
        self._fill()

    def _title(self) -> Text:
        count = f"{len(self.pairs):,}" if self.loaded else "looking…"
        return Text.assemble(
            (" DUPLICATES ", "reverse bold"), " ", (f"Likely duplicate contacts · {count}", "bold")
        )

    @work(thread=True, exclusive=True, group="duplicates", exit_on_error=False)
    def load(self) -> None:
        pairs = run_in_session(self, find_duplicates)
        self.app.call_from_thread(self._show, pairs)

    def _show(self, pairs: list[DuplicatePair]) -> None:
        self.pairs, self.loaded = pairs, True
        self.query_one("#duplicates-title", Label).update(self._title())
        self.query_one("#duplicates-empty").display = not pairs
        self.table.display = bool(pairs)
        self._fill()

    def _fill(self) -> None:
        table = self.table
        selected = table.cursor_row
        table.clear(columns=True)
        room = max(self.size.width - 2 - 2 * 3, 40)  # the scrollbar, each column's margins
        name = int(room * NAME_SHARE)
        table.add_column("First", width=name)
        table.add_column("Second", width=name)
        table.add_column("Why", width=room - 2 * name)
        for index, pair in enumerate(self.pairs):
            table.add_row(
                PlainCell(f"{pair.first_name} #{pair.first_id}"),
                PlainCell(f"{pair.second_name} #{pair.second_id}"),
                PlainCell(pair.why, "dim"),
                key=str(index),
            )
        if table.row_count:
            table.move_cursor(row=min(selected, table.row_count - 1))

    @property
    def selected(self) -> DuplicatePair | None:
        row = self.table.cursor_row
        return self.pairs[row] if self.pairs and 0 <= row < len(self.pairs) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_merge()

    def action_merge(self) -> None:
        pair = self.selected
        if pair is None:
            self.notify("No pair here to merge.", severity="warning")
            return
        from crm_tui.ui.screens.merge import MergeScreen

        # The older contact (lower id) stays by default; `s` on the merge screen swaps.
        self.app.push_screen(MergeScreen(pair.first_id, pair.second_id))

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    @work(thread=True, exclusive=True, group="duplicates-undo", exit_on_error=False)
    def action_undo(self) -> None:
        from crm_tui.services.merge import undo_merge

        try:
            result = run_in_session(self, undo_merge)
        except CrmError as error:  # nothing to undo, or undone already: said, not raised
            self.app.call_from_thread(self.notify, describe_failure(error), severity="warning")
            return
        self.app.call_from_thread(self.notify, result.message)
        self.app.call_from_thread(self.load)
