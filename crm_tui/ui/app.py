"""The app: five modes on keys 1–5, global keys, the command palette. Screens live in
`ui/screens`; this class only wires them together."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from crm_tui.dates import today, utcnow
from crm_tui.db.models import EntityKind
from crm_tui.services.activities import AgendaRow, get_activity, overdue_count, owner_subject, reminders_due
from crm_tui.ui.commands import CrmCommands
from crm_tui.ui.database import describe_failure, run_in_session
from crm_tui.ui.dialogs.add_forms import add_dialog
from crm_tui.ui.dialogs.search_dialog import SearchDialog
from crm_tui.ui.idle_collector import CHECK_SECONDS, IdleCollector
from crm_tui.ui.screens.companies import CompaniesScreen
from crm_tui.ui.screens.contacts import ContactsScreen
from crm_tui.ui.screens.help import HelpScreen
from crm_tui.ui.screens.inbox import InboxScreen
from crm_tui.ui.screens.pipeline import PipelineScreen
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.screens.reports import ReportsScreen
from crm_tui.ui.screens.today import TodayScreen
from crm_tui.users import current_user
from crm_tui.vocabulary import ACTIVITY_SYMBOLS

# How often the app looks for reminders whose moment has come (and counts the overdue).
REMINDER_SECONDS = 20
# The first look, at start, reaches back this far: a reminder missed while the app was
# closed a minute ago still shows, yesterday's do not flood in (the overdue count covers them).
FIRST_LOOK_BACK = timedelta(minutes=5)
# A reminder stays on the screen this long, unless dismissed with a click.
REMINDER_TOAST_SECONDS = 60
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def reminder_text(row: AgendaRow) -> str:
    """`☎ Call Olga at 10:00 — ООО Ромашка`; the day too when it is not today's."""
    title = row.title[:1].upper() + row.title[1:]
    when = row.due_time.strftime("%H:%M") if row.due_time else ""
    if row.due_on is not None and row.due_on != today():
        when = f"{_WEEKDAYS[row.due_on.weekday()]} {row.due_on:%d.%m} {when}".strip()
    text = f"{ACTIVITY_SYMBOLS.get(row.kind, '•')} {title}" + (f" at {when}" if when else "")
    return text + (f" — {row.regarding}" if row.regarding else "")


@dataclass(frozen=True)
class PickList:
    """A list of names kept in the database and edited one per line (lead sources, lost
    reasons): what the dialog says, and the service calls that read and store it."""

    title: str
    field: str
    label: str
    read: Callable[[Session], list[str]]
    write: Callable[[Session, list[str]], list[str]]
    saved: str


# What `E` exports from each mode: the records that mode lists.
EXPORT_KIND_OF_MODE = {"inbox": "leads", "contacts": "contacts", "pipeline": "deals", "today": "activities"}

ADDED_MESSAGES = {
    "lead": "Lead added.",
    "contact": "Contact added.",
    "company": "Company added.",
    "deal": "Deal added.",
    "activity": "Task planned.",
}


class CrmApp(App[None]):
    TITLE = "crm-tui"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    COMMANDS = App.COMMANDS | {CrmCommands}
    MODES: ClassVar = {
        "inbox": InboxScreen,
        "contacts": ContactsScreen,
        "companies": CompaniesScreen,
        "pipeline": PipelineScreen,
        "today": TodayScreen,
        "reports": ReportsScreen,
    }
    DEFAULT_MODE = "inbox"
    # Open activities past due, for the mode bar of every mode (each ModeBar watches it).
    overdue: reactive[int] = reactive(0)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('inbox')", "Inbox", show=False),
        Binding("2", "switch_mode('contacts')", "Contacts", show=False),
        Binding("3", "switch_mode('pipeline')", "Pipeline", show=False),
        Binding("4", "switch_mode('today')", "Today", show=False),
        Binding("5", "switch_mode('reports')", "Reports", show=False),
        Binding("slash", "search", "Search"),
        Binding("question_mark", "help", "Help"),
        Binding("i", "import", "Import"),
        # Not `x`: that is the "no" key everywhere.
        Binding("E", "export", "Export", show=False, tooltip="Export records to a CSV, JSON or vCard file"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, engine: Engine, database: str) -> None:
        super().__init__()
        self.engine = engine
        self.database = database
        # Contacts archived in this session, newest last: `u` on the contacts list restores.
        self.archived_contacts: list[int] = []
        self.sub_title = database
        self.idle_collector = IdleCollector()
        # Reminders are announced once each, as the clock passes their moment: the end of the
        # last window looked at (None until the first look), and what was announced.
        self.reminders_checked: datetime | None = None
        self.announced: set[tuple[int, datetime | None]] = set()
        # "Mine / everyone" (M in Inbox, Pipeline and Today): one choice for the three modes
        # and the mode bar's overdue count, for this session; everybody's at start.
        self.mine = False

    @property
    def owner_filter(self) -> str | None:
        """The owner the services filter by: the current user under "mine", else None (all)."""
        return current_user() if self.mine else None

    def on_mount(self) -> None:
        # Everything loaded to start (Textual, SQLAlchemy, the models) lives as long as the
        # app: moved out of the collector's sight, a full collection no longer walks it, which
        # was a pause of a hundred milliseconds every dozen keystrokes in the search box.
        gc.freeze()
        self.idle_collector.start()
        self.set_interval(CHECK_SECONDS, self.idle_collector.check)
        # Reminders and the overdue count are read after the first paint, in a worker.
        self.call_after_refresh(self.start_reminders)

    def start_reminders(self) -> None:
        self.check_reminders()
        self.set_interval(REMINDER_SECONDS, self.check_reminders)
        self.screen_change_signal.subscribe(self, self.screen_changed)

    def check_reminders(self) -> None:
        """Look for reminders due since the last look (at start: the last few minutes), and
        count the overdue activities again."""
        now = utcnow()
        after = self.reminders_checked or now - FIRST_LOOK_BACK
        # Moved on here, on the app's thread, so that two looks never share a window.
        self.reminders_checked = max(now, after)
        self.read_reminders(after, now)

    @work(thread=True, group="reminders", exit_on_error=False)
    def read_reminders(self, after: datetime, until: datetime) -> None:
        from crm_tui.services.settings import reminder_bell

        def read(session: Session) -> tuple[list[AgendaRow], int, bool]:
            due = reminders_due(session, after, until, current_user()) if until > after else []
            return due, overdue_count(session, self.owner_filter), bool(due) and reminder_bell(session)

        try:
            due, overdue, bell = run_in_session(self, read)
        except Exception:  # a busy or vanished database: look at this window again next time
            self.call_from_thread(self.reminders_missed, after)
            return
        self.call_from_thread(self.announce, due, overdue, bell)

    def reminders_missed(self, after: datetime) -> None:
        if self.reminders_checked is None or after < self.reminders_checked:
            self.reminders_checked = after

    def announce(self, due: list[AgendaRow], overdue: int, bell: bool) -> None:
        self.overdue = overdue
        fresh = [row for row in due if (row.id, row.due_at) not in self.announced]
        for row in fresh:
            self.announced.add((row.id, row.due_at))
            self.notify(reminder_text(row), title="Reminder", timeout=REMINDER_TOAST_SECONDS)
        if fresh and bell:
            self.bell()

    def screen_changed(self, screen: Screen[object]) -> None:
        """Back on a mode (from a card, a dialog, another mode): the count may have changed."""
        from crm_tui.ui.screens.base import ModeScreen

        if isinstance(screen, ModeScreen):
            self.refresh_overdue()

    @work(thread=True, exclusive=True, group="overdue", exit_on_error=False)
    def refresh_overdue(self) -> None:
        """Count the overdue activities again (screens call it after they change one)."""
        try:
            overdue = run_in_session(self, lambda session: overdue_count(session, self.owner_filter))
        except Exception:  # the next reminder look counts again
            return
        self.call_from_thread(setattr, self, "overdue", overdue)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Reminder bell on/off",
            "Ring the terminal bell with each reminder, or stop (off at first)",
            self.toggle_reminder_bell,
        )

    @work(thread=True, group="settings", exit_on_error=False)
    def toggle_reminder_bell(self) -> None:
        from crm_tui.services.settings import reminder_bell, set_reminder_bell

        on = run_in_session(self, lambda session: set_reminder_bell(session, not reminder_bell(session)))
        message = "Reminders ring the bell." if on else "Reminders are silent (no bell)."
        self.call_from_thread(self.notify, message)

    def on_unmount(self) -> None:
        self.idle_collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.idle_collector.input_seen()
        await super().on_event(event)

    def open_record(self, kind: EntityKind, record_id: int) -> None:
        if kind is EntityKind.ACTIVITY:
            self.open_activity_owner(record_id)
        else:
            self.push_screen(RecordScreen(kind, record_id))

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def open_activity_owner(self, activity_id: int) -> None:
        owner = run_in_session(self, lambda session: owner_subject(get_activity(session, activity_id)))
        if owner.kind is EntityKind.ACTIVITY:
            self.call_from_thread(self.notify, "This task belongs to no record.")
        else:
            self.call_from_thread(self.open_record, owner.kind, owner.id)

    def action_search(self) -> None:
        def opened(choice: tuple[EntityKind, int] | None) -> None:
            if choice is not None:
                self.open_record(*choice)

        self.push_screen(SearchDialog(), opened)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.screen, self.database))

    def action_add(self, kind: str) -> None:
        def added(result: object) -> None:
            if result is not None:
                self.notify(ADDED_MESSAGES.get(kind, "Added."))

        self.push_screen(add_dialog(kind), added)

    def action_export(self, kind: str | None = None) -> None:
        kind = kind or EXPORT_KIND_OF_MODE.get(self.current_mode, "contacts")

        def exported(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Exported to {path}")

        # Imported when first used: the file readers and writers are not needed to start.
        from crm_tui.ui.dialogs.export_dialog import export_dialog

        self.push_screen(export_dialog(kind), exported)

    def action_lead_sources(self) -> None:
        """Edit the lead-source pick list: one source per line, in the order shown."""
        from crm_tui.services.stages import lead_sources, set_lead_sources

        self.edit_pick_list(
            PickList(
                "Lead sources: one per line, in order",
                "sources",
                "Sources",
                lead_sources,
                set_lead_sources,
                "Lead sources saved. Leads keep the source they came with.",
            )
        )

    def action_lost_reasons(self) -> None:
        """Edit the reasons offered when a deal is lost (`x` on the board)."""
        from crm_tui.services.settings import lost_reasons, set_lost_reasons

        self.edit_pick_list(
            PickList(
                "Lost reasons: one per line, in order",
                "lost_reasons",
                "Reasons",
                lost_reasons,
                set_lost_reasons,
                "Lost reasons saved. Lost deals keep the reason they were given.",
            )
        )

    @work(thread=True, group="pick-list", exit_on_error=False)
    def edit_pick_list(self, pick_list: PickList) -> None:
        """One item per line in a box; Save stores the lines (blank ones dropped by the service)."""
        from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField

        current = run_in_session(self, pick_list.read)

        def save(session: Session, values: dict[str, str]) -> list[str]:
            return pick_list.write(session, values[pick_list.field].splitlines())

        field = FormField(pick_list.field, pick_list.label, "\n".join(current), multiline=True)
        dialog = FormDialog(pick_list.title, [field], save)

        def saved(result: object) -> None:
            if result is not None:
                self.notify(pick_list.saved)

        self.call_from_thread(self.push_screen, dialog, saved)

    def action_stages(self) -> None:
        """The deal stages: add, rename, reorder, delete, probability and stale days."""
        from crm_tui.ui.screens.stages import StagesScreen

        self.push_screen(StagesScreen())

    def action_import(self) -> None:
        from crm_tui.ui.screens.import_screen import ImportScreen

        self.push_screen(ImportScreen())

    def action_duplicates(self) -> None:
        """Likely duplicate contacts, to merge them."""
        from crm_tui.ui.screens.duplicates import DuplicatesScreen

        self.push_screen(DuplicatesScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # On the import screen (or a dialog over it) `i` would open a second one: off, unlisted.
        if action != "import":
            return True
        return not any(type(screen).__name__ == "ImportScreen" for screen in self.screen_stack)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place turns a failed database task into a message instead of a crash."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(describe_failure(event.worker.error), title="Could not finish", severity="error")
