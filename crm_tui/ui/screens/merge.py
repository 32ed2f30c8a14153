"""Two contacts side by side, to merge them into one: one row per field, ←/→ picks whose value
stays (marked ●), `s` swaps which contact stays, `m` merges. Under the fields, what moves to the
contact that stays: emails, phones, tags, deals, activities and the timeline.

Dismissed with True after a merge, False when cancelled. The merge itself, and what it moves,
is `services.merge`'s; this screen only shows the choice and passes it on.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label
from textual.worker import Worker, WorkerState

from crm_tui.services.merge import MERGE_FIELDS, MergeField, MergePreview, merge_contacts, merge_preview
from crm_tui.ui.database import describe_failure, run_in_session
from crm_tui.ui.widgets.plain_cell import PlainCell

CHOSEN = "● "
NOT_CHOSEN = "  "
LABEL_WIDTH = 12
HINT = "←/→ picks the value that stays (●); the rows from Emails down all move."


class MergeScreen(Screen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        # Before the table's own ← and →, which would scroll it sideways.
        Binding("left,h,1", "pick(False)", "This one", priority=True, key_display="←"),
        Binding("right,l,2", "pick(True)", "That one", priority=True, key_display="→"),
        Binding("s", "swap", "Swap"),
        Binding("m,ctrl+s", "merge", "Merge", tooltip="Merge the two contacts into the one that stays"),
        Binding("j", "down", "Down", show=False),
        Binding("k", "up", "Up", show=False),
    ]

    def __init__(self, survivor_id: int, other_id: int) -> None:
        super().__init__()
        self.survivor_id = survivor_id
        self.other_id = other_id
        self.preview: MergePreview | None = None
        self.take: set[str] = set()  # the fields whose value comes from the other contact
        self.merging = False

    def compose(self) -> ComposeResult:
        yield Label("", id="merge-title")
        yield Label(HINT, id="merge-hint")
        yield DataTable(id="merge-table", cursor_type="row")
        yield Label("", id="merge-summary")
        yield Footer()

    @property
    def table(self) -> DataTable[PlainCell]:
        return self.query_one("#merge-table", DataTable)

    def on_mount(self) -> None:
        self.load()

    def on_resize(self) -> None:
        self._fill()

    # ---------------------------------------------------------------- reading

    @work(thread=True, exclusive=True, group="merge-preview", exit_on_error=False)
    def load(self) -> None:
        survivor_id, other_id = self.survivor_id, self.other_id
        preview = run_in_session(self, lambda session: merge_preview(session, survivor_id, other_id))
        self.app.call_from_thread(self._show, preview)

    def _show(self, preview: MergePreview) -> None:
        if self.preview is None:
            self.take = preview.suggested
        self.preview = preview
        title = Text.assemble(
            (" MERGE ", "reverse bold"),
            " ",
            (f"{preview.other_name} #{preview.other_id}", "bold"),
            " into ",
            (f"{preview.survivor_name} #{preview.survivor_id}", "bold"),
        )
        self.query_one("#merge-title", Label).update(title)
        self.query_one("#merge-summary", Label).update(
            Text.assemble(
                "Moves to ",
                (preview.survivor_name, "bold"),
                f": {preview.moving.describe()}. ",
                (preview.other_name, "bold"),
                " is archived, not deleted.",
            )
        )
        self._fill()

    def _fill(self) -> None:
        preview = self.preview
        if preview is None:
            return
        table = self.table
        selected = table.cursor_row
        table.clear(columns=True)
        room = max(self.size.width - 2 - 2 * 3, 40)  # the scrollbar, each column's margins
        side = (room - LABEL_WIDTH) // 2
        table.add_column("Field", width=LABEL_WIDTH)
        table.add_column(
            Text(f"#{preview.survivor_id} {preview.survivor_name} · stays", style="bold"), width=side
        )
        table.add_column(Text(f"#{preview.other_id} {preview.other_name} · archived"), width=side)
        for row in preview.fields:
            from_other = row.name in self.take
            if row.differs:
                cells = (
                    self._cell(row.survivor_value, not from_other),
                    self._cell(row.other_value, from_other),
                )
            else:  # nothing to choose
                cells = PlainCell(NOT_CHOSEN + row.survivor_value), PlainCell(NOT_CHOSEN + row.other_value)
            table.add_row(PlainCell(row.label, "dim"), *cells, key=row.name)
        for row in preview.children:
            table.add_row(
                PlainCell(row.label, "dim italic"),
                PlainCell(NOT_CHOSEN + row.survivor_value),
                PlainCell(NOT_CHOSEN + row.other_value, "dim" if row.other_value == "—" else ""),
                key=row.name,
            )
        if table.row_count:
            table.move_cursor(row=min(selected, table.row_count - 1))

    @staticmethod
    def _cell(value: str, chosen: bool) -> PlainCell:
        return PlainCell(CHOSEN + value, "bold") if chosen else PlainCell(NOT_CHOSEN + value, "dim")

    def _highlighted(self) -> MergeField | None:
        row = self.table.cursor_row
        if self.preview is None or not 0 <= row < len(self.preview.fields):
            return None  # the rows of what moves are not a choice
        return self.preview.fields[row]

    # ---------------------------------------------------------------- choosing

    def action_pick(self, from_other: bool) -> None:
        field = self._highlighted()
        if field is None:
            return
        if from_other:
            self.take.add(field.name)
        else:
            self.take.discard(field.name)
        self._fill()

    def action_swap(self) -> None:
        """The other contact stays instead; every field keeps the value chosen for it."""
        if self.preview is None or self.merging:
            return
        differing = {row.name for row in self.preview.fields if row.differs}
        self.take = {name for name in MERGE_FIELDS if name in differing and name not in self.take}
        self.survivor_id, self.other_id = self.other_id, self.survivor_id
        self.load()

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(False)

    # ---------------------------------------------------------------- merging

    def action_merge(self) -> None:
        if self.preview is None or self.merging:
            return
        self.merging = True
        self.query_one("#merge-summary", Label).update("Merging…")
        self._merge(self.survivor_id, self.other_id, set(self.take))

    @work(thread=True, exclusive=True, group="merge-run", exit_on_error=False)
    def _merge(self, survivor_id: int, other_id: int, take: set[str]) -> str:
        result = run_in_session(self, lambda session: merge_contacts(session, survivor_id, other_id, take))
        return f"{result.message} u undoes it."

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group not in ("merge-preview", "merge-run"):
            return
        if event.state == WorkerState.SUCCESS and event.worker.group == "merge-run":
            event.stop()
            self.notify(str(event.worker.result))
            self.dismiss(True)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            event.stop()  # said here, once, instead of by the app
            self.notify(describe_failure(event.worker.error), title="Could not merge", severity="error")
            if self.preview is None or event.worker.group == "merge-preview":
                self.dismiss(False)  # nothing to show: one of the two is gone or archived
            else:
                self.merging = False
                self._show(self.preview)
