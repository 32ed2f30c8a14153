"""Mode 4: what is overdue and what is due today, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from crm_tui.dates import describe_due, today
from crm_tui.db.models import EntityKind
from crm_tui.services import activities
from crm_tui.ui.database import crm_app
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
from crm_tui.ui.screens.base import ListScreen
from crm_tui.ui.widgets.record_table import Column

KIND_ICONS = {"call": "☎ call", "meeting": "◷ meet", "email": "✉ email", "task": "☐ task"}


class TodayScreen(ListScreen):
    MODE = "today"
    TITLE = "Today: overdue, due today and tomorrow"
    KIND: ClassVar[EntityKind] = EntityKind.ACTIVITY
    EMPTY_MESSAGE = "Nothing overdue, nothing due today or tomorrow. Press [b]a[/b] to plan a call or a task."
    BINDINGS: ClassVar[list[BindingType]] = [Binding("d", "done", "Done")]

    def columns(self) -> Sequence[Column]:
        return [
            Column("Due", 11),
            Column("At", 5),
            Column("Kind", 7),
            Column("What", 30, flex=True),
            Column("Regarding", 24, flex=True),
        ]

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[activities.AgendaRow]:
        return activities.agenda(session, until=_tomorrow(), offset=offset, limit=limit)

    def count(self, session: Any) -> int:
        return activities.count_agenda(session, until=_tomorrow())

    def cells(self, row: activities.AgendaRow) -> Sequence[str | Text]:
        overdue = row.due_on is not None and row.due_on < today()
        due = describe_due(row.due_on) if row.due_on else ""
        return [
            Text(due, style="bold red" if overdue else "bold"),
            row.due_time.strftime("%H:%M") if row.due_time else "",
            KIND_ICONS.get(row.kind, row.kind),
            row.title,
            row.regarding,
        ]

    def open_record(self, record_id: int) -> None:
        crm_app(self).open_activity_owner(record_id)

    def action_done(self) -> None:
        activity_id = self.table.selected_id
        if activity_id is None:
            return

        def complete(session: Any, values: dict[str, str]) -> object:
            return activities.complete_activity(session, activity_id, values.get("outcome"))

        dialog = FormDialog(
            "Mark done",
            [FormField("outcome", "Outcome (optional)", placeholder="what came of it, one line")],
            complete,
        )
        self.app.push_screen(dialog, self._after_done)

    def _after_done(self, result: object) -> None:
        if result is not None:
            self.notify("Done. It is on the record's timeline.")
            self.table.reload()


def _tomorrow() -> date:
    # Tomorrow is in sight too: a call scheduled from the inbox for tomorrow shows at once.
    return today() + timedelta(days=1)
