"""What every mode screen shares: the mode bar on top, the footer with the keys below."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label

from crm_tui.db.models import EntityKind
from crm_tui.ui.widgets.empty_state import EmptyState
from crm_tui.ui.widgets.mode_bar import ModeBar
from crm_tui.ui.widgets.record_table import Column, RecordTable


def title_row(title: Text, right: Text) -> Table:
    """A screen's title line: the title on the left (cut with "…" when the line is short) and
    what belongs at the right edge (hints, counts) kept whole."""
    grid = Table.grid(expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    grid.add_row(title, right)
    return grid


# "Mine / everyone": the same key in Inbox, Pipeline and Today; the footer shows the one that
# changes something (ModeScreen.check_action), the help both.
MINE_BINDINGS: list[BindingType] = [
    Binding(
        "M",
        "mine(1)",
        "Mine",
        tooltip="Only mine: the leads, deals, activities and clients I own (Inbox, Pipeline, Today)",
    ),
    Binding("M", "mine(0)", "Everyone", tooltip="Everyone's again: what all users own"),
]
MINE_WORD = "mine"  # in the title row while it is on
MINE_MARK = f" · {MINE_WORD}"


class ModeScreen(Screen[None]):
    MODE: ClassVar[str] = ""

    def compose(self) -> ComposeResult:
        yield ModeBar(self.MODE)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    @property
    def owner(self) -> str | None:
        """Whose records the mode shows under the app's "mine / everyone" (None: everyone's)."""
        from crm_tui.ui.database import crm_app

        return crm_app(self).owner_filter

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mine":
            from crm_tui.ui.database import crm_app

            return bool(parameters[0]) != crm_app(self).mine
        return super().check_action(action, parameters)

    def action_mine(self, mine: int) -> None:
        from crm_tui.ui.database import crm_app

        app = crm_app(self)
        app.mine = bool(mine)
        self.refresh_bindings()
        self.owner_changed()
        app.refresh_overdue()  # the mode bar's count follows the filter too

    def owner_changed(self) -> None:
        """Read what the mode shows again, for the owner filter just chosen."""


class ListScreen(ModeScreen):
    """A mode whose body is one paged list of records; enter opens a record's card."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("a", "add", "Add"),
        Binding("r", "reload", "Refresh", show=False),
    ]

    TITLE: ClassVar[str] = ""
    KIND: ClassVar[EntityKind]
    EMPTY_MESSAGE: ClassVar[str] = "Nothing here yet."

    def columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[Any]:
        raise NotImplementedError

    def count(self, session: Any) -> int:
        raise NotImplementedError

    def cells(self, row: Any) -> Sequence[str | Text]:
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        with Vertical(id="list-body"):
            yield Label(self.TITLE, id="list-title")
            yield self.summary_widget()
            yield self.record_table()
            yield EmptyState(self.EMPTY_MESSAGE, id="empty")

    def record_table(self) -> RecordTable[Any]:
        return RecordTable(
            self.columns(),
            self.fetch_page,
            self.count,
            lambda row: row.id,
            self.cells,
            loaded=self.show_loaded,
            id="records",
        )

    def summary_widget(self) -> Label:
        """A line under the title for per-mode totals; hidden unless a mode fills it."""
        label = Label("", id="list-summary")
        label.display = False
        return label

    @property
    def table(self) -> RecordTable[Any]:
        return self.query_one("#records", RecordTable)

    def on_screen_resume(self) -> None:
        # Coming back from a card or a dialog: show what changed meanwhile.
        if self.is_mounted and self.table.is_mounted and not self.table.reloading:
            self.table.reload()

    def list_title(self, total: int) -> str:
        return f"{self.TITLE} · {total:,}"

    def show_loaded(self, total: int) -> None:
        """The title's count and the empty hint, in the screen update that shows the rows."""
        # One line whatever it says: no layout pass (a whole-screen one per keystroke of a search).
        self.query_one("#list-title", Label).update(self.list_title(total), layout=False)
        self.show_empty(total == 0)

    def show_empty(self, empty: bool) -> None:
        """An empty list gives its place to a hint about what to do."""
        self.query_one("#empty", EmptyState).set_class(empty, "visible")
        if empty and self.focused is self.table:
            # At once, not when Textual notices the hidden widget: the footer's keys (the
            # table's `enter` hides the screen's "Open") must not depend on when it looks.
            self.set_focus(None)
        self.table.display = not empty
        if not empty and self.focused is None and self.app.screen is self:
            self.set_focus(self.table)  # the first record arrived: the list keys work again

    def on_record_table_opened(self, event: RecordTable.Opened) -> None:
        self.open_record(event.record_id)

    def open_record(self, record_id: int) -> None:
        from crm_tui.ui.database import crm_app

        crm_app(self).open_record(self.KIND, record_id)

    def action_open(self) -> None:
        if (record_id := self.table.selected_id) is not None:
            self.open_record(record_id)

    def action_reload(self) -> None:
        self.table.reload()

    def action_add(self) -> None:
        from crm_tui.ui.database import crm_app

        crm_app(self).action_add(self.KIND.value)
