"""Mode 4: Today — one list to work down each morning, and the week agenda behind `v`.

Overdue (oldest first) and today's activities (by time, untimed after) are open; tomorrow and
the rest of the week wait under closed headers; below come the deals nobody planned a next
step for and the clients nobody touched for a while. Every change is one service call in a
worker; the list is then read again in a worker, the cursor staying on the same thing (or,
when that thing left the list, on the next one), and a notification says what happened.
Done, reschedule, snooze and delete are kept so `u` can take them back, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static

from crm_tui.dates import today
from crm_tui.db.models import EntityKind
from crm_tui.errors import CrmError
from crm_tui.services import activity_edit
from crm_tui.services.activities import REPEAT_HINT, local_due
from crm_tui.services.activity_edit import DATE_FORMS, ActivitySnapshot
from crm_tui.services.settings import forgotten_days
from crm_tui.services.today import TodayList, today_list, week_agenda
from crm_tui.ui.database import crm_app, run_in_session, said
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
from crm_tui.ui.dialogs.link_dialog import LinkDialog
from crm_tui.ui.in_order import InOrder
from crm_tui.ui.screens.base import MINE_BINDINGS, MINE_WORD, ModeScreen, title_row
from crm_tui.ui.widgets.agenda_list import FORGOTTEN, STALLED, AgendaList, Pick, day_label
from crm_tui.ui.widgets.week_view import WeekView, week_title

INTERACTIONS = ("call", "meeting")


@dataclass(frozen=True)
class Undo:
    """One change `u` takes back: the activity as it was, and what was done to it."""

    verb: str  # "done", "rescheduled", "snoozed", "deleted"
    before: ActivitySnapshot

    def describe(self) -> str:
        return f"{self.verb} “{self.before.title}”"


class TodayScreen(ModeScreen):
    MODE = "today"
    KIND: ClassVar[EntityKind] = EntityKind.ACTIVITY

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "open", "Open", show=False, tooltip="Open the record it belongs to; on a header, open it"
        ),
        Binding(
            "d", "done", "Done", tooltip="Done: a call or meeting asks how it went, then offers the next step"
        ),
        Binding("r", "reschedule", "Reschedule", tooltip="Move to another day: tomorrow 9:30, mon, +2d…"),
        Binding("z", "snooze", "Snooze", tooltip="Move to tomorrow, same time"),
        Binding("a", "add", "Add", tooltip="Add a call, meeting, email or task (for a record found by name)"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit: kind, title, date, time, notes"),
        Binding("x", "delete", "Delete", show=False, tooltip="Delete the activity (u brings it back)"),
        Binding("u", "undo", "Undo", tooltip="Undo the last done, reschedule, snooze or delete"),
        Binding("v", "view('week')", "Week", tooltip="The week agenda, Monday to Sunday"),
        Binding("v", "view('today')", "Today", tooltip="Back to the Today list"),
        Binding(
            "left_square_bracket",
            "week(-1)",
            "Prev week",
            key_display="[",
            show=False,
            tooltip="The week before",
        ),
        Binding(
            "right_square_bracket",
            "week(1)",
            "Next week",
            key_display="]",
            show=False,
            tooltip="The week after",
        ),
        Binding("R", "reload", "Refresh", show=False, tooltip="Read the list again"),
        *MINE_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.undo_stack: list[Undo] = []
        self.weekly = False
        self.monday = _monday_of(today())
        self.data: TodayList | None = None
        self._follow: str | None = None
        # One change at a time reaches the database, in the order the keys came.
        self._changing = InOrder()

    # ---------------------------------------------------------------- layout

    def compose_body(self) -> ComposeResult:
        with Vertical(id="today-body"):
            yield Static("", id="today-title")
            yield AgendaList(id="agenda")
            with VerticalScroll(id="week-scroll"):
                yield WeekView(id="week")

    @property
    def agenda(self) -> AgendaList:
        return self.query_one("#agenda", AgendaList)

    def on_mount(self) -> None:
        self.query_one("#week-scroll").display = False
        self.agenda.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        # Back from a card, a dialog or another mode: show what changed meanwhile.
        if self.data is not None:
            self.reload()

    # ---------------------------------------------------------------- reading

    def reload(self, follow: str | None = None) -> None:
        """Read the list again; the cursor goes to `follow` (an option's key) when given. A
        reading still on its way is dropped for this one (a change, then the screen's resume
        as its dialog closes), so the place to follow is kept until a reading arrives."""
        if follow is not None:
            self._follow = follow
        if self.weekly:
            self._read_week(self.monday)
        self._read()

    @work(thread=True, exclusive=True, group="today-read", exit_on_error=False)
    def _read(self) -> None:
        owner = self.owner
        data, days = run_in_session(
            self, lambda session: (today_list(session, owner=owner), forgotten_days(session))
        )
        self.app.call_from_thread(self._show, data, days)

    def _show(self, data: TodayList, days: int) -> None:
        self.data = data
        follow, self._follow = self._follow, None
        self.agenda.show(data, follow, days)
        # The mode bar's count is the same number: it changes with the list, not a moment later.
        crm_app(self).overdue = data.counts.get("overdue", 0)
        self.show_title()
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="week-read", exit_on_error=False)
    def _read_week(self, monday: date) -> None:
        owner = self.owner
        week = run_in_session(self, lambda session: week_agenda(session, monday, owner=owner))
        self.app.call_from_thread(self._show_week, monday, week)

    def _show_week(self, monday: date, week: dict[date, Any]) -> None:
        if monday != self.monday:
            return  # a later [ or ] asked for another week
        self.query_one("#week", WeekView).show(monday, week)
        self.show_title()

    def show_title(self) -> None:
        title = Text()
        hints = Text(justify="right", style="dim")
        if self.weekly:
            title.append(week_title(self.monday), style="bold")
            if self.monday == _monday_of(today()):
                title.append(" · this week", style="bold")
        else:
            # Today's date is on its section's header: this line has to fit 80 columns.
            if self.data is not None:
                counts = self.data.counts
                overdue = counts.get("overdue", 0)
                title.append(f"{overdue:,} overdue", style="bold red" if overdue else "bold")
                title.append(f" · {counts.get('today', 0):,} today")
                # The rest only when there is something.
                for key, words in (
                    ("tomorrow", "tomorrow"),
                    ("this week", "this week"),
                    (STALLED, "no next step"),
                    (FORGOTTEN, "forgotten"),
                ):
                    if counts.get(key, 0):
                        title.append(f" · {counts[key]:,} {words}")
        if self.owner:
            # At the right edge, kept whole when the counts are cut to fit 80 columns.
            hints.append(MINE_WORD, style="bold")
            if self.weekly:
                hints.append(" · ")
        if self.weekly:
            hints.append("[ ] weeks · v back")
        grid = title_row(title, hints)
        self.query_one("#today-title", Static).update(grid)

    # ---------------------------------------------------------------- what the keys act on

    def picked(self) -> Pick | None:
        return None if self.weekly else self.agenda.pick

    def picked_activity(self) -> int | None:
        pick = self.picked()
        return pick.record_id if pick is not None and pick.kind == "activity" else None

    def activity_title(self, activity_id: int) -> str:
        if self.data is not None:
            for item in self.data.items:
                if item.row.id == activity_id:
                    return item.row.title
        return "the activity"

    def activity_kind(self, activity_id: int) -> str:
        if self.data is not None:
            for item in self.data.items:
                if item.row.id == activity_id:
                    return item.row.kind
        return "task"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mine":
            return super().check_action(action, parameters)
        if action == "view":
            return (parameters[0] == "week") != self.weekly
        if action == "week":
            return self.weekly
        if action in ("done", "reschedule", "snooze", "edit", "delete"):
            # Not in the week agenda; greyed when the cursor is on a header, a deal or a client.
            if self.weekly:
                return False
            return None if self.picked_activity() is None else True
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def on_agenda_list_toggled(self, event: AgendaList.Toggled) -> None:
        self.refresh_bindings()

    def action_open(self) -> None:
        pick = self.picked()
        if pick is None:
            return
        if pick.kind == "section":
            self.agenda.toggle(pick.section)
        elif pick.kind == "activity":
            crm_app(self).open_activity_owner(pick.record_id)
        elif pick.kind == "deal":
            crm_app(self).open_record(EntityKind.DEAL, pick.record_id)
        elif pick.kind == "contact":
            crm_app(self).open_record(EntityKind.CONTACT, pick.record_id)

    def action_reload(self) -> None:
        self.reload()

    def owner_changed(self) -> None:
        self.reload()

    # ---------------------------------------------------------------- changes

    def change(self, operation: Callable[[Session], Any], done: Callable[[Any], None], refused: str) -> None:
        """Run one service change in a worker, after the ones asked before it; a refusal is
        told, nothing else happens."""
        self._change(self._changing.ticket(), operation, done, refused)

    @work(thread=True, group="today-change", exit_on_error=False)
    def _change(
        self, ticket: int, operation: Callable[[Session], Any], done: Callable[[Any], None], refused: str
    ) -> None:
        try:
            with self._changing.turn(ticket):
                result = run_in_session(self, operation)
        except CrmError as error:
            self.app.call_from_thread(self.notify, said(error), title=refused, severity="warning")
            return
        self.app.call_from_thread(done, result)

    def changed(self, undo: Undo | None, message: str, follow: str | None = None) -> None:
        if undo is not None:
            self.undo_stack.append(undo)
            message += " · u undoes"
        self.notify(message)
        self.reload(follow)

    def _leaving_key(self) -> str | None:
        """Where the cursor goes when the highlighted item leaves the list."""
        return self.agenda.neighbour_key()

    # ---------------------------------------------------------------- d: done

    def action_done(self) -> None:
        if (activity_id := self.picked_activity()) is None:
            return
        title, kind = self.activity_title(activity_id), self.activity_kind(activity_id)
        follow = self._leaving_key()
        if kind not in INTERACTIONS:
            self.change(
                lambda session: activity_edit.mark_done(session, activity_id),
                lambda before: self._after_done(before, follow, offer=False),
                "Not done",
            )
            return

        def complete(session: Session, values: dict[str, str]) -> ActivitySnapshot:
            return activity_edit.mark_done(session, activity_id, values.get("outcome"))

        dialog = FormDialog(
            f"Done: {title}",
            [FormField("outcome", "Outcome", placeholder="how it went, one line (goes on the timeline)")],
            complete,
        )

        def closed(before: ActivitySnapshot | None) -> None:
            if before is not None:
                self._after_done(before, follow, offer=True)

        self.app.push_screen(dialog, closed)

    def _after_done(self, before: ActivitySnapshot, follow: str | None, offer: bool) -> None:
        repeats = before.values.get("recurrence")
        message = f"Done: {before.title}" + (" — moved to its next date" if repeats else "")
        self.changed(Undo("done", before), message, follow)
        if offer:
            self._offer_next_step(before)

    def _offer_next_step(self, done: ActivitySnapshot) -> None:
        def save(session: Session, values: dict[str, str]) -> str:
            return activity_edit.schedule_next_step(session, done, values["when"], values["goal"])

        fields = [
            FormField("when", "When", placeholder="fri 10:00, tomorrow, +3d; a goal may follow"),
            FormField("goal", "Goal", placeholder="e.g. send the offer"),
        ]
        dialog = FormDialog(f"Next step after “{done.title}”? esc skips", fields, save)

        def planned(message: str | None) -> None:
            if message is not None:
                self.notify(message)
                self.reload()

        self.app.push_screen(dialog, planned)

    # ---------------------------------------------------------------- r, z: another day

    def action_reschedule(self) -> None:
        if (activity_id := self.picked_activity()) is None:
            return
        title = self.activity_title(activity_id)

        def move(session: Session, values: dict[str, str]) -> tuple[Any, ActivitySnapshot]:
            return activity_edit.reschedule(session, activity_id, values["when"])

        dialog = FormDialog(f"Reschedule “{title}”", [FormField("when", "To", placeholder=DATE_FORMS)], move)

        def moved(result: tuple[Any, ActivitySnapshot] | None) -> None:
            if result is not None:
                activity, before = result
                self.changed(
                    Undo("rescheduled", before), f"Moved: {title} → {_due_text(activity)}", f"a:{activity_id}"
                )

        self.app.push_screen(dialog, moved)

    def action_snooze(self) -> None:
        if (activity_id := self.picked_activity()) is None:
            return
        title = self.activity_title(activity_id)

        def snoozed(result: tuple[Any, ActivitySnapshot]) -> None:
            activity, before = result
            self.changed(
                Undo("snoozed", before), f"Snoozed: {title} → {_due_text(activity)}", self._leaving_key()
            )

        self.change(lambda session: activity_edit.snooze(session, activity_id), snoozed, "Not snoozed")

    # ---------------------------------------------------------------- x, u: delete and undo

    def action_delete(self) -> None:
        if (activity_id := self.picked_activity()) is None:
            return
        follow = self._leaving_key()

        def deleted(before: ActivitySnapshot) -> None:
            self.changed(Undo("deleted", before), f"Deleted: {before.title}", follow)

        self.change(
            lambda session: activity_edit.delete_activity(session, activity_id), deleted, "Not deleted"
        )

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo: nothing was done, moved or deleted here yet.")
            return
        undo = self.undo_stack.pop()
        before = undo.before

        def operation(session: Session) -> object:
            if undo.verb == "deleted":
                return activity_edit.restore_activity(session, before)
            return activity_edit.undo_change(session, before)

        def undone(_: object) -> None:
            self.notify(f"Undone: {undo.describe()}")
            self.reload(f"a:{before.id}")

        self.change(operation, undone, "Not undone")

    # ---------------------------------------------------------------- a, e: add and edit

    def action_add(self) -> None:
        pick = self.picked()
        # On a deal with no next step or a forgotten client: plan the next step for it.
        if pick is not None and pick.kind == "deal" and self.data is not None:
            deal = next(
                (deal.title for deal in self.data.stalled_deals if deal.deal_id == pick.record_id), ""
            )
            self._add_form((EntityKind.DEAL, pick.record_id), "call", deal)
            return
        if pick is not None and pick.kind == "contact" and self.data is not None:
            name = next((one.name for one in self.data.forgotten if one.contact_id == pick.record_id), "")
            self._add_form((EntityKind.CONTACT, pick.record_id), "call", name)
            return

        dialog = LinkDialog()

        def linked(choice: tuple[EntityKind, int] | None) -> None:
            # The form's title names the record picked, as it does for a deal or a client.
            name = next((hit.title for hit in dialog.hits if (hit.kind, hit.id) == choice), "")
            self._add_form(choice, "call", name)

        self.app.push_screen(dialog, linked)

    def _add_form(self, link: tuple[EntityKind, int] | None, kind: str, name: str = "") -> None:
        def save(session: Session, values: dict[str, str]) -> Any:
            return activity_edit.add_activity(session, values, link)

        fields = [
            FormField("kind", "Kind", kind, placeholder="call, meeting, email or task"),
            FormField("title", "What", placeholder="e.g. Call back about the proposal"),
            FormField("when", "When", "today", placeholder="tomorrow 10:00, fri, +3d, 15.12 14:00"),
            FormField("repeat", "Repeat", placeholder=REPEAT_HINT),
            FormField("remind", "Remind", placeholder="minutes before: 15, 1h (at the time if empty)"),
            FormField("notes", "Notes", placeholder="optional"),
        ]
        if link is None:
            title = "New activity"
        else:
            title = (
                f"New activity for {link[0].value} “{name}”"
                if name
                else f"New activity for the {link[0].value}"
            )

        def added(activity: Any) -> None:
            if activity is not None:
                self.changed(None, f"Planned: {activity.title} ({_due_text(activity)})", f"a:{activity.id}")

        self.app.push_screen(FormDialog(title, fields, save), added)

    def action_edit(self) -> None:
        if (activity_id := self.picked_activity()) is not None:
            self._open_edit(activity_id)

    @work(thread=True, group="today-dialog", exit_on_error=False)
    def _open_edit(self, activity_id: int) -> None:
        values = run_in_session(self, lambda session: activity_edit.activity_form(session, activity_id))
        fields = [
            FormField("kind", "Kind", values["kind"], placeholder="call, meeting, email or task"),
            FormField("title", "What", values["title"]),
            FormField("due", "Date", values["due"], placeholder="15.12.2026, mon, +2d"),
            FormField("time", "Time", values["time"], placeholder="optional, 14:30"),
            FormField("repeat", "Repeat", values["repeat"], placeholder=REPEAT_HINT),
            FormField("remind", "Remind", values["remind"], placeholder="minutes before: 15, 1h"),
            FormField("notes", "Notes", values["notes"], placeholder="optional"),
        ]

        def save(session: Session, values: dict[str, str]) -> Any:
            return activity_edit.save_activity_form(session, activity_id, values)

        def saved(activity: Any) -> None:
            if activity is not None:
                self.changed(None, f"Saved: {activity.title}", f"a:{activity_id}")

        dialog = FormDialog(f"Edit “{values['title']}”", fields, save)
        self.app.call_from_thread(self.app.push_screen, dialog, saved)

    # ---------------------------------------------------------------- v, [ ]: the week

    def action_view(self, view: str) -> None:
        self.weekly = view == "week"
        self.agenda.display = not self.weekly
        scroll = self.query_one("#week-scroll", VerticalScroll)
        scroll.display = self.weekly
        if self.weekly:
            self._read_week(self.monday)
            scroll.focus()
        else:
            self.agenda.focus()
        self.show_title()
        self.refresh_bindings()

    def action_week(self, step: int) -> None:
        self.monday += timedelta(weeks=step)
        self.show_title()
        self._read_week(self.monday)


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _due_text(activity: Any) -> str:
    day, clock = local_due(activity)
    if day is None:
        return "no date"
    return day_label(day) + (f" {clock:%H:%M}" if clock else "")
