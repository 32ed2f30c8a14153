"""What the contacts and companies lists share: the People | Companies tabs, a search box
that narrows the list as you type, a line about the highlighted record (its health light and
why), and the record keys of the card (e n l t s …) on the highlighted row."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Click, Key
from textual.widgets import DataTable, Input, Label, Static

from crm_tui.dates import today
from crm_tui.services.health import Health
from crm_tui.ui.database import run_in_session
from crm_tui.ui.record_actions import RecordActions, Target
from crm_tui.ui.screens.base import ListScreen
from crm_tui.ui.widgets.empty_state import EmptyState
from crm_tui.ui.widgets.record_table import RecordTable
from crm_tui.ui.widgets.search_box import SearchBox

LIGHT_MARK = "●"
LIGHT_STYLES = {"green": "green", "yellow": "yellow", "red": "bold red"}
TABS = (("contacts", "People"), ("companies", "Companies"))


def light_cell(health: Health | None) -> Text:
    if health is None:
        return Text("")
    return Text(LIGHT_MARK, style=LIGHT_STYLES[health.light.value])


def next_contact_cell(day: date | None) -> Text:
    """`16.12`; in red once the day has passed without the contact being made."""
    if day is None:
        return Text("")
    return Text(day.strftime("%d.%m"), style="red" if day < today() else "")


class DirectoryScreen(RecordActions, ListScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search list", tooltip="Search this list as you type (esc clears)"),
        *RecordActions.RECORD_BINDINGS,
        Binding("right_square_bracket,left_square_bracket", "other_tab", "People / Companies", show=False),
        Binding("escape", "clear_search", "Clear", show=False, tooltip="Clear the search and filters"),
    ]
    SEARCH_PLACEHOLDER: ClassVar[str] = "/ type to search"

    def compose_body(self) -> ComposeResult:
        with Vertical(id="list-body"):
            yield Label(self.TITLE, id="list-title")
            yield SearchBox(self._typed, placeholder=self.SEARCH_PLACEHOLDER, id="list-search", compact=True)
            yield Label("", id="list-filter")
            yield self.record_table()
            yield EmptyState(self.EMPTY_MESSAGE, id="empty")
            yield Static("", id="list-detail")

    def __init__(self) -> None:
        super().__init__()
        self.lights: dict[int, Health] = {}

    def on_mount(self) -> None:
        # The box takes the focus only from `/` (or a click): when an empty list hides its
        # table, the focus would otherwise fall to it and `a` or `/` be typed into it.
        self.search_box.can_focus = False
        self.table.focus()
        self.show_filter()

    @property
    def search_box(self) -> Input:
        return self.query_one("#list-search", Input)

    @property
    def typed(self) -> str:
        return self.search_box.value.strip()

    def tabs_text(self, total: int) -> Text:
        text = Text()
        for mode, label in TABS:
            current = mode == self.MODE
            shown = f" {label} {total:,}{'+' if self.capped(total) else ''} " if current else f" {label} "
            text.append(shown, style="reverse bold" if current else "dim")
            text.append(" ")
        text.append("[ ] switch", style="dim")
        return text

    def capped(self, total: int) -> bool:
        return False

    def list_title(self, total: int) -> Text:  # type: ignore[override]  # a Label takes Text too
        return self.tabs_text(total)

    def on_record_table_loaded(self, event: RecordTable.Loaded) -> None:
        # (ListScreen.show_loaded has shown the count.) The lights come after the
        # list is on the screen: each keystroke in the search box shows its matches first.
        self.call_after_refresh(self.show_detail)
        unlit = [row.id for row in self.table.records if row.id not in self.lights]
        if unlit:
            self.call_after_refresh(self._load_lights, unlit)

    def narrowed(self) -> bool:
        """Whether the list shows fewer records than there are (a search, a filter)."""
        return bool(self.typed)

    def show_empty(self, empty: bool) -> None:
        if empty and self.narrowed():
            # Nothing matches: the list stays (empty) and says so under it; the hint about
            # adding a first record is for a list with no records at all.
            self.query_one("#empty", EmptyState).set_class(False, "visible")
            self.table.display = True
            return
        super().show_empty(empty)

    def read_lights(self, session: Session, ids: list[int]) -> dict[int, Health]:
        raise NotImplementedError

    # Not exclusive: a thread cannot be stopped; what it read is still right when it ends.
    @work(thread=True, group="list-lights", exit_on_error=False)
    def _load_lights(self, ids: list[int]) -> None:
        found = run_in_session(self, lambda session: self.read_lights(session, ids))
        self.app.call_from_thread(self._show_lights, found)

    def _show_lights(self, found: dict[int, Health]) -> None:
        self.lights.update(found)
        for record_id in found:
            self.table.redraw_row(record_id)
        self.show_detail()

    def light_of(self, record_id: int) -> Text:
        return light_cell(self.lights.get(record_id))

    def health_text(self, record_id: int) -> Text:
        health = self.lights.get(record_id)
        if health is None:
            return Text("…", style="dim")
        return Text(f"● {health.describe()}", style=LIGHT_STYLES[health.light.value])

    def filter_text(self) -> str:
        """The filters beyond the typed text, in words ("" when none)."""
        return ""

    def show_filter(self) -> None:
        label = self.query_one("#list-filter", Label)
        described = self.filter_text()
        label.update(Text(described, style="italic"))
        label.display = bool(described)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The line under the list: the highlighted record's light and why, and what the
        narrow columns leave out."""
        record = self.highlighted()
        if record is not None:
            shown: Text | str = self.detail(record)
        elif self.narrowed() and not self.table.reloading:
            shown = Text("Nothing matches. esc clears the search and the filter.", style="italic")
        else:
            shown = ""
        self.query_one("#list-detail", Static).update(shown, layout=False)  # always two lines

    def detail(self, record: Any) -> Text:
        raise NotImplementedError

    def highlighted(self) -> Any:
        record_id = self.table.selected_id
        return next((row for row in self.table.records if row.id == record_id), None)

    # ---------------------------------------------------------------- searching

    def _typed(self, text: str) -> None:
        self.table.reload()

    @on(Input.Submitted, "#list-search")
    def _search_done(self) -> None:
        # As in the search dialog: enter opens the first match (↓ goes into the list instead).
        self.leave_search()
        self.action_open()

    def on_key(self, event: Key) -> None:
        # ↓ from the search box goes into the list, as in a mail client's search.
        if event.key == "down" and self.focused is self.search_box:
            event.stop()
            self.leave_search()

    def on_click(self, event: Click) -> None:
        if event.widget is self.search_box:
            self.action_focus_search()

    # Focus is set at once, not after the queued keys (Widget.focus waits its turn): "/ivan"
    # typed fast must land in the box whole, "a" after ↓ must not be typed into it.
    def action_focus_search(self) -> None:
        self.search_box.can_focus = True
        self.set_focus(self.search_box)

    def leave_search(self) -> None:
        self.set_focus(self.table)
        self.search_box.can_focus = False

    def action_clear_search(self) -> None:
        if self.search_box.value:
            self.search_box.value = ""
        self.leave_search()

    def action_other_tab(self) -> None:
        other = next(mode for mode, _ in TABS if mode != self.MODE)
        self.app.switch_mode(other)

    # ---------------------------------------------------------------- record keys

    def acting_on(self) -> Target | None:
        record = self.highlighted()
        if record is None:
            return None
        return Target(self.KIND, record.id, self.record_name(record))

    def record_name(self, record: Any) -> str:
        raise NotImplementedError

    def after_action(self, message: str) -> None:
        self.notify(message)
        self.lights.clear()  # a logged call or a new next step changes the light
        self.table.reload()

    def on_screen_resume(self) -> None:
        # Back from a card, where a call may have been logged: read the lights again.
        if self.is_mounted:
            self.lights.clear()
        super().on_screen_resume()
