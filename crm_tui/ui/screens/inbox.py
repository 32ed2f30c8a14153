"""Mode 1: the lead inbox — leads waiting for a decision, triaged with one key each.

The table pages through the tab's leads (the count comes from SQL, so 100,000 leads open as
fast as 100); the pane beside it shows the highlighted lead in full with its timeline. Each
decision acts on the leads marked with space, else on the highlighted one, and the cursor is
then on the next lead, so the hands stay on the keys. `u` takes the last decision back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from crm_tui.dates import humanize_age
from crm_tui.db.models import EntityKind
from crm_tui.errors import RecordChanged
from crm_tui.money import format_money, plain_amount
from crm_tui.services import leads
from crm_tui.services.leads import InboxTab
from crm_tui.ui.database import describe_failure, run_in_session
from crm_tui.ui.screens.base import MINE_BINDINGS, MINE_MARK, ListScreen
from crm_tui.ui.screens.record import ACTOR_WIDTH
from crm_tui.ui.widgets.empty_state import EmptyState
from crm_tui.ui.widgets.record_table import Column, RecordTable

if TYPE_CHECKING:
    from crm_tui.services.cards import Card
    from crm_tui.services.lead_matches import LeadMatch
    from crm_tui.services.lead_triage import TriageUndo

STATUS_STYLE = {"new": "bold green", "working": "yellow", "disqualified": "dim", "converted": "cyan"}
TAB_LABELS = {
    InboxTab.NEW: "New",
    InboxTab.WORKING: "Working",
    InboxTab.SCHEDULED: "Scheduled",
    InboxTab.DISQUALIFIED: "Disqualified",
    InboxTab.CONVERTED: "Converted",
    InboxTab.ALL: "All",
}
TABS = list(TAB_LABELS)
# Wide enough for the preview beside the list; narrower terminals show it under the list.
PREVIEW_BESIDE_FROM = 110
MARK = "●"
MATCH_MARK = "≈"


class InboxScreen(ListScreen):
    MODE = "inbox"
    TITLE = "Inbox"
    KIND: ClassVar[EntityKind] = EntityKind.LEAD
    EMPTY_MESSAGE = r"No leads here. Press [b]a[/b] to add one, [b]\[[/b] and [b]][/b] to see the other tabs."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "convert", "Convert"),
        Binding("x", "disqualify", "Disqualify"),
        Binding("s", "schedule", "Schedule"),
        Binding("w", "working", "Working"),
        # Off the footer, which at 80 columns has no room left for M: every triage message
        # ends "u to undo", and ? lists it.
        Binding("u", "undo", "Undo", show=False),
        Binding("space", "mark", "Select", show=False),
        Binding("m", "merge", "Merge", show=False),
        Binding("n", "note", "Note", show=False),
        Binding("t", "task", "Task", show=False),
        Binding("e", "edit", "Edit", show=False),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False),
        Binding("left_square_bracket", "tab(-1)", "Previous tab", show=False),
        Binding("o", "order", "Oldest first", show=False),
        Binding("f", "source", "Source", show=False),
        *MINE_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tab = InboxTab.NEW
        self.oldest_first = False
        self.source: str | None = None
        self.marked: set[int] = set()
        self.undo_stack: list[TriageUndo] = []
        self.counts: dict[InboxTab, int] = {}
        self.preview_id: int | None = None  # the lead the preview shows
        self.preview_wanted: int | None = None  # the lead it is being read for
        self.matches: dict[int, LeadMatch] = {}

    # ---------------------------------------------------------------- layout

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="inbox-body"):
            with Vertical(id="list-body"):
                yield Label(self.TITLE, id="list-title")
                yield Label(self._tabs_text(), id="inbox-tabs")
                yield self.record_table()
                yield EmptyState(self.EMPTY_MESSAGE, id="empty")
            with VerticalScroll(id="lead-preview"):
                yield Static("", id="preview")

    def on_resize(self) -> None:
        self.set_class(self.size.width >= PREVIEW_BESIDE_FROM, "preview-beside")

    def columns(self) -> Sequence[Column]:
        return [
            Column(" ", 1),
            Column("Person", 18, flex=True),
            Column("Company", 16, flex=True),
            Column("Source", 10, flex=True),
            Column("Status", 7),
            Column("Age", 4),
            Column("Next", 5),
            Column("Value", 12),
        ]

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[leads.LeadRow]:
        return leads.list_leads_in(
            session,
            self.tab,
            offset=offset,
            limit=limit,
            oldest_first=self.oldest_first,
            source=self.source,
            owner=self.owner,
        )

    def count(self, session: Any) -> int:
        return leads.count_leads_in(session, self.tab, source=self.source, owner=self.owner)

    def cells(self, lead: leads.LeadRow) -> Sequence[str | Text]:
        mark = MARK if lead.id in self.marked else (MATCH_MARK if lead.id in self.matches else "")
        return [
            Text(mark, style="bold magenta" if lead.id in self.marked else "yellow"),
            Text(lead.person_name or lead.title, style="bold"),
            lead.company_name,
            lead.source,
            Text(lead.status, style=STATUS_STYLE.get(lead.status, "")),
            humanize_age(lead.created_at),
            lead.next_contact_on.strftime("%d.%m") if lead.next_contact_on else "",
            Text(format_money(lead.value, lead.currency), justify="right"),
        ]

    def _tabs_text(self) -> Text:
        text = Text()
        for tab in TABS:
            label = TAB_LABELS[tab]
            count = self.counts.get(tab)
            shown = f" {label} {count:,} " if count is not None else f" {label} "
            text.append(shown, style="reverse bold" if tab is self.tab else "")
            text.append(" ")
        extras = []
        if self.source:
            extras.append(f"source: {self.source}")
        if self.oldest_first:
            extras.append("oldest first")
        if extras:
            text.append(" · ".join(extras), style="italic")
        return text

    # ---------------------------------------------------------------- loading

    def list_title(self, total: int) -> str:
        return f"Inbox · {TAB_LABELS[self.tab]} · {total:,}" + (MINE_MARK if self.owner else "")

    def on_record_table_loaded(self, event: RecordTable.Loaded) -> None:
        # ListScreen.show_loaded has shown the title with the rows.
        # After the list is on the screen: the counts, the duplicates' markers and the preview
        # are read meanwhile by workers that would otherwise hold up the list's first paint.
        self.call_after_refresh(self._load_counts)
        self.call_after_refresh(self._load_matches, [row.id for row in self.table.records])
        if event.total == 0:
            self._show_preview(None, None)
        else:
            self.call_after_refresh(self._want_preview, self.table.selected_id)

    # Not exclusive, like the inbox's other workers: a thread cannot be stopped, so cancelling
    # one only hides its end (and fails whoever waits for it); a stale answer is dropped instead.
    @work(thread=True, group="inbox-counts", exit_on_error=False)
    def _load_counts(self) -> None:
        owner = self.owner
        counts = run_in_session(
            self, lambda session: leads.tab_counts(session, source=self.source, owner=owner)
        )
        self.app.call_from_thread(self._show_counts, counts)

    def _show_counts(self, counts: dict[InboxTab, int]) -> None:
        self.counts = counts
        self.query_one("#inbox-tabs", Label).update(self._tabs_text())

    @work(thread=True, group="inbox-matches", exit_on_error=False)
    def _load_matches(self, lead_ids: list[int]) -> None:
        from crm_tui.services.lead_matches import matches_for

        found = run_in_session(self, lambda session: matches_for(session, lead_ids))
        self.app.call_from_thread(self._show_matches, lead_ids, found)

    def _show_matches(self, lead_ids: list[int], found: dict[int, LeadMatch]) -> None:
        changed = {lead_id for lead_id in lead_ids if (lead_id in found) != (lead_id in self.matches)}
        for lead_id in lead_ids:
            self.matches.pop(lead_id, None)
        self.matches.update(found)
        for lead_id in changed:
            self.table.redraw_row(lead_id)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            # After the refresh: the highlight of a list that just arrived would otherwise
            # start reading the preview before the list is on the screen.
            self.call_after_refresh(self._want_preview, int(event.row_key.value))

    def _want_preview(self, lead_id: int | None) -> None:
        if lead_id is not None and lead_id not in (self.preview_id, self.preview_wanted):
            self.preview_wanted = lead_id
            self._load_preview(lead_id)

    @work(thread=True, group="inbox-preview", exit_on_error=False)
    def _load_preview(self, lead_id: int) -> None:
        from crm_tui.services.cards import load_card
        from crm_tui.services.lead_matches import matches_for

        def read(session: Any) -> tuple[Card, LeadMatch | None]:
            return load_card(session, EntityKind.LEAD, lead_id), matches_for(session, [lead_id]).get(lead_id)

        card, match = run_in_session(self, read)
        if lead_id == self.preview_wanted:  # the cursor may have moved on meanwhile
            self.app.call_from_thread(self._show_preview, card, match)

    def _show_preview(self, card: Card | None, match: LeadMatch | None) -> None:
        preview = self.query_one("#preview", Static)
        self.preview_id = card.id if card is not None else None
        if card is None:
            preview.update("")
            return
        fields = Table.grid(padding=(0, 1))
        fields.add_column(style="dim", no_wrap=True)
        fields.add_column(overflow="fold")
        for label, value in card.fields:
            fields.add_row(label, Text(value))
        # The timeline in a grid of its own: its dates would widen the labels' column.
        history = Table.grid(padding=(0, 1))
        history.add_column(style="dim", no_wrap=True)
        shown = card.timeline[:12]
        who = any(entry.actor for entry in shown)  # old events do not say who
        if who:
            history.add_column(no_wrap=True, max_width=ACTOR_WIDTH, overflow="ellipsis", style="cyan")
        history.add_column(overflow="fold")
        for entry in shown:
            history.add_row(entry.when, *([Text(entry.actor)] if who else []), Text(entry.text))
        if not card.timeline:
            history.add_row("", Text("Nothing yet.", style="dim"))
        parts: list[Any] = [Text(card.title, style="bold")]
        if match is not None:
            parts.append(Text(f"{MATCH_MARK} {match.describe()} · m to merge", style="yellow"))
        parts += [fields, Text(""), Text("Timeline", style="bold"), history]
        preview.update(Group(*parts))

    # ---------------------------------------------------------------- moving around

    def action_tab(self, step: int) -> None:
        self.tab = TABS[(TABS.index(self.tab) + step) % len(TABS)]
        self.marked.clear()
        self.query_one("#inbox-tabs", Label).update(self._tabs_text())
        self.table.reload()

    def owner_changed(self) -> None:
        self.marked.clear()
        self.table.reload()

    def action_order(self) -> None:
        self.oldest_first = not self.oldest_first
        self.query_one("#inbox-tabs", Label).update(self._tabs_text())
        self.table.reload()

    def action_source(self) -> None:
        from crm_tui.ui.dialogs.pick_dialog import PickDialog

        everything = "All sources"

        def picked(choice: str | None) -> None:
            if choice is None:
                return
            self.source = None if choice == everything else choice
            self.marked.clear()
            self.query_one("#inbox-tabs", Label).update(self._tabs_text())
            self.table.reload()

        from crm_tui.services.stages import lead_sources

        self._read_then(
            lead_sources,
            lambda sources: self.app.push_screen(
                PickDialog("Show leads from", [everything, *sources], self.source), picked
            ),
        )

    def action_mark(self) -> None:
        lead_id = self.table.selected_id
        if lead_id is None:
            return
        self.marked.symmetric_difference_update({lead_id})
        self.table.redraw_row(lead_id)
        self.table.action_cursor_down()

    def targets(self) -> list[int]:
        """The marked leads, else the highlighted one."""
        if self.marked:
            return sorted(self.marked)
        lead_id = self.table.selected_id
        return [lead_id] if lead_id is not None else []

    def seen_versions(self, ids: list[int]) -> dict[int, int]:
        """The versions of the leads as the list read them: a decision hands them back, so a
        lead someone else changed since is refused (RecordChanged), not decided over them."""
        wanted = set(ids)
        return {row.id: row.version for row in self.table.records if row.id in wanted}

    # ---------------------------------------------------------------- decisions

    @work(thread=True, group="inbox-decision", exit_on_error=False)
    def _decide(self, operation: Callable[[Any], object], done: str = "") -> None:
        """Run a decision (or its undo) in a worker; then the list moves on, and a decision that
        returned a TriageUndo can be taken back with `u`."""
        from crm_tui.services.lead_triage import TriageUndo

        try:
            result = run_in_session(self, operation)
        except RecordChanged as error:  # someone else changed a lead meanwhile: show it as it is now
            self.app.call_from_thread(self.notify, str(error), title="Not changed", severity="warning")
            self.app.call_from_thread(self.table.reload)
            return
        except Exception as error:  # reported, never a traceback: nothing was written
            self.app.call_from_thread(self.notify, describe_failure(error), severity="error")
            return
        if isinstance(result, str):  # an undo says what it took back
            self.app.call_from_thread(self._decided, None, result)
        else:
            undo = result if isinstance(result, TriageUndo) else None
            self.app.call_from_thread(self._decided, undo, done)

    def _decided(self, undo: TriageUndo | None, message: str) -> None:
        if undo is not None:
            self.undo_stack.append(undo)
        self.marked.clear()
        self.preview_id = self.preview_wanted = None  # what it showed may have changed
        self.notify(message + (" · u to undo" if undo is not None else ""))
        self.table.reload()

    def _with_targets(self) -> list[int] | None:
        ids = self.targets()
        if not ids:
            self.notify("No lead here: press ] for another tab or a to add one.", severity="warning")
            return None
        return ids

    def action_working(self) -> None:
        from crm_tui.services.lead_triage import mark_working

        if (ids := self._with_targets()) is None:
            return
        seen = self.seen_versions(ids)
        self._decide(
            lambda session: mark_working(session, ids, seen), f"{_leads(len(ids))} marked as working"
        )

    def action_disqualify(self) -> None:
        from crm_tui.services.lead_triage import DISQUALIFY_REASONS, disqualify
        from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
        from crm_tui.ui.dialogs.pick_dialog import PickDialog

        if (ids := self._with_targets()) is None:
            return
        what = _leads(len(ids))
        seen = self.seen_versions(ids)

        def with_reason(reason: str) -> None:
            self._decide(
                lambda session: disqualify(session, ids, reason, seen), f"{what} disqualified: {reason}"
            )

        def other(values: dict[str, str] | None) -> None:
            if values:
                with_reason(values["reason"])

        def picked(choice: str | None) -> None:
            if choice is None:
                return
            if choice == DISQUALIFY_REASONS[-1]:  # "Other": say what
                dialog = FormDialog(
                    f"Disqualify {what}: why?",
                    [FormField("reason", "Reason")],
                    lambda _session, values: _required_reason(values),
                )
                self.app.push_screen(dialog, other)
            else:
                with_reason(choice)

        self.app.push_screen(PickDialog(f"Disqualify {what}: why?", DISQUALIFY_REASONS), picked)

    def action_schedule(self) -> None:
        from crm_tui.services.interactions import parse_next_step
        from crm_tui.services.lead_triage import schedule
        from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField

        if (ids := self._with_targets()) is None:
            return
        what = _leads(len(ids))
        seen = self.seen_versions(ids)

        def save(session: Any, values: dict[str, str]) -> TriageUndo:
            when = parse_next_step(values["when"])
            kind = values["kind"].strip().casefold() or "call"
            return schedule(session, ids, when.day, when.at, when.goal, kind, seen)

        dialog = FormDialog(
            f"Next contact with {what}",
            [
                FormField("when", "When, what", placeholder="tomorrow 10:00 call back about price"),
                FormField("kind", "Kind", "call", placeholder="call, meeting, email or task"),
            ],
            save,
        )
        self.app.push_screen(dialog, self._after_dialog(f"{what} scheduled (on Today, 4)"))

    def action_convert(self) -> None:
        from crm_tui.services.lead_triage import conversion_form
        from crm_tui.ui.dialogs.convert_dialog import ConvertDialog

        lead_id = self.table.selected_id
        if lead_id is None:
            self.notify("No lead here to convert.", severity="warning")
            return
        self._read_then(
            lambda session: conversion_form(session, lead_id),
            lambda form: self.app.push_screen(ConvertDialog(form), self._converted),
        )

    def _converted(self, result: Any) -> None:
        from crm_tui.services.lead_triage import conversion_undo

        if result is None:
            return
        self._decided(conversion_undo(result), result.describe())

    def action_merge(self) -> None:
        from crm_tui.services.lead_matches import link_to_contact, merge_lead

        lead_id = self.table.selected_id
        match = self.matches.get(lead_id) if lead_id is not None else None
        if lead_id is None or match is None:
            self.notify("This lead matches no contact and no other lead.", severity="warning")
            return
        seen = self.seen_versions([lead_id]).get(lead_id)
        if match.kind is EntityKind.CONTACT:
            self._decide(
                lambda session: link_to_contact(session, lead_id, match.id, seen),
                f"Linked to contact {match.name}",
            )
        else:
            self._decide(
                lambda session: merge_lead(session, lead_id, match.id, seen),
                f"Merged into lead {match.id} {match.name}",
            )

    def action_undo(self) -> None:
        from crm_tui.services.lead_triage import undo_triage

        if not self.undo_stack:
            self.notify("Nothing to undo.", severity="warning")
            return
        undo = self.undo_stack.pop()
        self._decide(lambda session: undo_triage(session, undo))

    # ---------------------------------------------------------------- the lead itself

    def action_note(self) -> None:
        from crm_tui.services.events import add_note
        from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField

        lead_id = self.table.selected_id
        if lead_id is None:
            return

        def save(session: Any, values: dict[str, str]) -> object:
            return add_note(session, leads.subject(leads.get_lead(session, lead_id)), values["note"])

        dialog = FormDialog("Note on the lead", [FormField("note", "Note", multiline=True)], save)
        self.app.push_screen(dialog, self._after_dialog("Note added to the lead's timeline."))

    def action_task(self) -> None:
        from crm_tui.services import activities
        from crm_tui.ui.dialogs.form_dialog import FormDialog
        from crm_tui.ui.record_actions import task_fields

        lead_id = self.table.selected_id
        if lead_id is None:
            return

        def save(session: Any, values: dict[str, str]) -> object:
            return activities.create_activity(
                session, activities.activity_from_fields(values | {"lead_id": str(lead_id)})
            )

        self.app.push_screen(
            FormDialog("Task for the lead", task_fields(), save), self._after_dialog("Task planned.")
        )

    def action_edit(self) -> None:
        from crm_tui.ui.dialogs.form_dialog import FormDialog

        lead_id = self.table.selected_id
        if lead_id is None:
            return

        seen: list[int] = []  # the version of the lead the form shows, once read

        def save(session: Any, values: dict[str, str]) -> object:
            return leads.update_lead(session, lead_id, leads.changes_from_form(values), seen[0])

        def read(session: Any) -> list[Any]:
            lead = leads.get_lead(session, lead_id)
            seen.append(lead.version)
            return lead_edit_fields(lead)

        self._read_then(
            read,
            lambda fields: self.app.push_screen(
                FormDialog("Edit lead", fields, save), self._after_dialog("Lead saved.")
            ),
        )

    @work(thread=True, group="inbox-read", exit_on_error=False)
    def _read_then(self, read: Callable[[Any], Any], then: Callable[[Any], object]) -> None:
        """Read what a dialog needs off the UI thread, then open it."""
        try:
            found = run_in_session(self, read)
        except Exception as error:
            self.app.call_from_thread(self.notify, describe_failure(error), severity="error")
            return
        self.app.call_from_thread(then, found)

    def _after_dialog(self, message: str) -> Callable[[object], None]:
        def done(result: object) -> None:
            if result is None:
                return
            from crm_tui.services.lead_triage import TriageUndo

            self._decided(result if isinstance(result, TriageUndo) else None, message)

        return done


def _leads(count: int) -> str:
    return "1 lead" if count == 1 else f"{count} leads"


def _required_reason(values: dict[str, str]) -> dict[str, str]:
    from crm_tui.errors import ValidationError

    if not values["reason"].strip():
        raise ValidationError("reason", "say why the lead is disqualified")
    return values


def lead_edit_fields(lead: Any) -> list[Any]:
    from crm_tui.ui.dialogs.form_dialog import FormField

    value = plain_amount(lead.value)
    return [
        FormField("title", "Title", lead.title),
        FormField("person_name", "Person", lead.person_name),
        FormField("company_name", "Company", lead.company_name),
        FormField("email", "Email", lead.email or ""),
        FormField("phone", "Phone", lead.phone or ""),
        FormField("source", "Source", lead.source or ""),
        FormField("value", "Expected value", value),
        FormField("notes", "Notes", lead.notes or "", multiline=True),
    ]
