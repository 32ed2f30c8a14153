"""The dry run of an import, one line per card or row: what would happen and why. enter
asks to apply it (posted as `ApplyRequested`); the reason of the highlighted line, which is
often longer than the terminal is wide, is posted as `Explained` for the screen to show whole."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from crm_tui.services.import_plan import Action, ImportPlan, PlannedRecord

ACTION_STYLES = {
    Action.CREATE: "green",
    Action.UPDATE: "cyan",
    Action.SKIP: "dim",
    Action.MERGE: "dim",
    Action.REJECT: "bold red",
}


def explain(planned: PlannedRecord) -> str:
    return planned.reason + "".join(f"  ⚠ {warning}" for warning in planned.warnings)


ACTION_WIDTH, NUMBER_WIDTH, NAME_WIDTH = 9, 5, 24


class PlanTable(DataTable[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Import"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class ApplyRequested(Message):
        pass

    class Explained(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.plan: ImportPlan | None = None
        self.applied = False
        self._width = 0  # the width the columns were laid out for

    def on_mount(self) -> None:
        self._fill()

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self._fill()

    def _add_columns(self) -> None:
        # A CSV plan is about rows, a vCard plan about cards: say which in the header.
        unit = "Row" if self.plan is not None and self.plan.kind == "csv" else "Card"
        self.add_column("Action", width=ACTION_WIDTH)
        self.add_column(unit, width=NUMBER_WIDTH)
        self.add_column("Name", width=NAME_WIDTH)
        # "Why" takes the rest, so nothing scrolls sideways; the line under the table shows
        # the highlighted reason whole.
        fixed = ACTION_WIDTH + NUMBER_WIDTH + NAME_WIDTH + 2 * 4 + 2  # margins, scrollbar
        self._width = self.size.width
        self.add_column("Why", width=max(self._width - fixed, 20))

    def show(self, plan: ImportPlan | None, applied: bool = False) -> None:
        same_plan = plan is self.plan
        self.plan, self.applied = plan, applied
        self._fill()
        if not same_plan and self.row_count:
            self.move_cursor(row=0)
        self.refresh_bindings()

    def _fill(self) -> None:
        selected = self.cursor_row
        self.clear(columns=True)
        self._add_columns()
        plan = self.plan
        for planned in plan.records if plan else []:
            self.add_row(
                Text(planned.action.value, style=ACTION_STYLES[planned.action]),
                str(planned.number),
                planned.name,
                explain(planned),
            )
        if self.row_count:
            self.move_cursor(row=min(selected, self.row_count - 1))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return self.plan is not None and not self.applied
        return True

    def action_apply(self) -> None:
        if self.plan is not None and not self.applied:
            self.post_message(self.ApplyRequested())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.plan is not None and 0 <= event.cursor_row < len(self.plan.records):
            planned = self.plan.records[event.cursor_row]
            text = explain(planned)
            # A rejected row's reason already starts with where it is.
            if not text.startswith(planned.where):
                text = f"{planned.where}: {text}"
            self.post_message(self.Explained(text))
