"""The deal stages, in board order: add, rename, reorder, delete, probability and stale days.

Opened from the palette ("Edit deal stages") or `S` on the board. The rules (a won and a lost
stage always exist, a stage with deals is emptied into another before it goes) are
`services.stages`'; this screen asks the questions they need answered and says what they refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from crm_tui.db.models import Stage, StageKind
from crm_tui.errors import CrmError
from crm_tui.services import stages
from crm_tui.ui.database import run_in_session
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.widgets.plain_cell import PlainCell

HINT = "Deals go through the open stages in this order; won and lost close them."
CANCEL = "Cancel"
# Columns after the stage's name: (header, width); the name takes the rest of the line.
NUMBERS = (("Kind", 4), ("Probability", 11), ("Stale after", 11), ("Deals", 7))


def stale_text(stage: Stage) -> str:
    if stage.kind != StageKind.OPEN or stage.rot_days is None:
        return "—"
    return f"{stage.rot_days} day" + ("" if stage.rot_days == 1 else "s")


class StagesScreen(Screen[None]):
    DEFAULT_CSS = """
    StagesScreen #stages-title {
        height: 1;
        width: 100%;
        padding: 0 1;
        background: $panel;
    }
    StagesScreen #stages-hint {
        width: 100%;
        padding: 0 1;
        color: $text-muted;
    }
    StagesScreen #stages-table {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("a", "add", "Add", tooltip="Add an open stage (before Won)"),
        Binding("e", "edit", "Edit", tooltip="Rename; probability and stale days of an open stage"),
        # Before the table's own enter (which the footer would not show).
        Binding("enter", "edit", "Edit", show=False, priority=True),
        Binding("K,shift+up", "move(-1)", "Move up", tooltip="Move the open stage one place up"),
        Binding("J,shift+down", "move(1)", "Move down", tooltip="Move the open stage one place down"),
        Binding("x", "delete", "Delete", tooltip="Delete the stage (its deals go to a stage you pick)"),
        Binding("j", "down", "Down", show=False),
        Binding("k", "up", "Up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stages: list[tuple[Stage, int]] = []
        self.loaded = False
        # The stage the cursor stays on across a reload (None: the row it was on).
        self.keep_on: int | None = None

    def compose(self) -> ComposeResult:
        yield Label(self._title(), id="stages-title")
        yield Label(HINT, id="stages-hint")
        yield DataTable(id="stages-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    @property
    def table(self) -> DataTable[PlainCell]:
        return self.query_one("#stages-table", DataTable)

    def on_mount(self) -> None:
        self.load()

    def on_resize(self) -> None:
        self._fill()

    def _title(self) -> Text:
        count = f"{len(self.stages)}" if self.loaded else "loading…"
        return Text.assemble((" STAGES ", "reverse bold"), " ", (f"Deal stages · {count}", "bold"))

    @work(thread=True, exclusive=True, group="stages", exit_on_error=False)
    def load(self) -> None:
        summaries = run_in_session(self, stages.stage_summaries)
        self.app.call_from_thread(self._show, summaries)

    def _show(self, summaries: list[tuple[Stage, int]]) -> None:
        self.stages, self.loaded = summaries, True
        self.query_one("#stages-title", Label).update(self._title())
        self._fill()

    def _fill(self) -> None:
        table = self.table
        row = table.cursor_row
        if self.keep_on is not None:
            ids = [stage.id for stage, _ in self.stages]
            row = ids.index(self.keep_on) if self.keep_on in ids else row
        table.clear(columns=True)
        room = max(self.size.width - 2 - 2 * (len(NUMBERS) + 1), 40)  # the scrollbar, margins
        table.add_column("Stage", width=room - sum(width for _, width in NUMBERS))
        for header, width in NUMBERS:
            table.add_column(Text(header, justify="left" if header == "Kind" else "right"), width=width)
        for stage, deals in self.stages:
            closing = stage.kind != StageKind.OPEN
            table.add_row(
                PlainCell(stage.name, "bold" if not closing else ""),
                PlainCell(stage.kind, "dim" if not closing else ""),
                PlainCell(f"{stage.probability}%", right=True),
                PlainCell(stale_text(stage), right=True),
                PlainCell(f"{deals:,}", right=True),
                key=str(stage.id),
            )
        if table.row_count:
            table.move_cursor(row=max(0, min(row, table.row_count - 1)))

    @property
    def selected(self) -> tuple[Stage, int] | None:
        row = self.table.cursor_row
        return self.stages[row] if self.stages and 0 <= row < len(self.stages) else None

    def _reload(self, keep_on: int | None) -> None:
        self.keep_on = keep_on
        self.load()

    # ------------------------------------------------------------ add and edit

    def action_add(self) -> None:
        fields = [
            FormField("name", "Name", placeholder="e.g. Demo"),
            FormField("probability", "Probability %", placeholder="0–100"),
            FormField("rot_days", "Stale after days", placeholder="days in the stage; empty: never"),
        ]

        def save(session: Session, values: dict[str, str]) -> Stage:
            return stages.add_stage(
                session,
                values["name"],
                probability=values["probability"],
                rot_days=values["rot_days"],
            )

        self.app.push_screen(FormDialog("New stage (before Won)", fields, save), self._saved("added"))

    def action_edit(self) -> None:
        if (selected := self.selected) is None:
            return
        stage = selected[0]
        stage_id = stage.id or 0
        if stage.kind != StageKind.OPEN:

            def rename(session: Session, values: dict[str, str]) -> Stage:
                return stages.update_stage(session, stage_id, name=values["name"])

            title = f"Rename {stage.name} (deals here are {stage.kind}: {stage.probability}%)"
            form = FormDialog(title, [FormField("name", "Name", stage.name)], rename)
        else:
            fields = [
                FormField("name", "Name", stage.name),
                FormField("probability", "Probability %", str(stage.probability), placeholder="0–100"),
                FormField(
                    "rot_days",
                    "Stale after days",
                    "" if stage.rot_days is None else str(stage.rot_days),
                    placeholder="days in the stage; empty: never",
                ),
            ]

            def update(session: Session, values: dict[str, str]) -> Stage:
                return stages.update_stage(
                    session,
                    stage_id,
                    name=values["name"],
                    probability=values["probability"],
                    rot_days=values["rot_days"],
                )

            form = FormDialog(f"Edit {stage.name}", fields, update)
        self.app.push_screen(form, self._saved("saved"))

    def _saved(self, verb: str) -> Callable[[Stage | None], None]:
        def saved(stage: Stage | None) -> None:
            if stage is not None:
                self.notify(f"Stage {stage.name} {verb}.")
                self._reload(stage.id)

        return saved

    # ------------------------------------------------------------ reorder

    def action_move(self, step: int) -> None:
        if (selected := self.selected) is None:
            return
        stage = selected[0]
        if stage.kind != StageKind.OPEN:
            self.notify(
                f"{stage.name} stays after the open stages: only open stages move.", severity="warning"
            )
            return
        self._move(stage.id or 0, step)

    @work(thread=True, exclusive=True, group="stages-change", exit_on_error=False)
    def _move(self, stage_id: int, step: int) -> None:
        try:
            run_in_session(self, lambda session: stages.move_stage(session, stage_id, step))
        except CrmError as error:
            self.app.call_from_thread(self._refused, error)
            return
        self.app.call_from_thread(self._reload, stage_id)

    def _refused(self, error: CrmError) -> None:
        """A refusal (the stages changed since the table was drawn): said, nothing changed."""
        self.notify(str(error), title="Not changed", severity="warning")
        self._reload(None)

    # ------------------------------------------------------------ delete

    def action_delete(self) -> None:
        if (selected := self.selected) is None:
            return
        stage = selected[0]
        if stage.kind != StageKind.OPEN:
            self.notify(
                f"{stage.name} cannot be deleted: a won and a lost stage always exist (e renames it).",
                severity="warning",
            )
            return
        others = [other for other, _ in self.stages if other.kind == StageKind.OPEN and other.id != stage.id]
        if not others:
            self.notify(
                f"{stage.name} is the only open stage: add another (a) before deleting it.",
                severity="warning",
            )
            return
        self._ask_delete(stage, others)

    @work(thread=True, exclusive=True, group="stages-change", exit_on_error=False)
    def _ask_delete(self, stage: Stage, others: list[Stage]) -> None:
        # Counted now, not taken from the table: a deal may have moved since it was drawn.
        count = run_in_session(self, lambda session: stages.stage_deal_count(session, stage.id or 0))
        if count == 0:
            choices = [f"Delete {stage.name}", CANCEL]
            title = f"Delete the stage {stage.name}? It holds no deals."
        else:
            choices = [other.name for other in others]
            title = f"{stage.name} holds {count:,} deal{'s' if count != 1 else ''}: move them to…"
        targets = {other.name: other for other in others}

        def picked(choice: str | None) -> None:
            if choice is None or choice == CANCEL:
                return
            target = targets.get(choice)
            self._delete(stage, target)

        self.app.call_from_thread(self.app.push_screen, PickDialog(title, choices), picked)

    @work(thread=True, exclusive=True, group="stages-change", exit_on_error=False)
    def _delete(self, stage: Stage, target: Stage | None) -> None:
        try:
            moved = run_in_session(
                self,
                lambda session: stages.delete_stage(session, stage.id or 0, target.id if target else None),
            )
        except CrmError as error:
            self.app.call_from_thread(self._refused, error)
            return
        message = f"Stage {stage.name} deleted."
        if target is not None and moved:
            message += f" Its {moved:,} deal{'s' if moved != 1 else ''} moved to {target.name}."
        self.app.call_from_thread(self.notify, message)
        self.app.call_from_thread(self._reload, None)

    # ------------------------------------------------------------ cursor and leaving

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()

    def action_back(self) -> None:
        self.dismiss()
