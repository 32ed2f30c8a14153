"""Mode 2: the contacts list — searched as you type, filtered (tag, company, health, no next
step, untouched for N days), sorted, with filters saved as smart lists and tags changed in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from crm_tui.dates import humanize_age
from crm_tui.db.models import EntityKind
from crm_tui.services import contact_list
from crm_tui.services.contact_list import COUNT_CAP, ContactFilter, ListedContact, SortOrder
from crm_tui.services.health import Health, contacts_health
from crm_tui.ui.database import crm_app, run_in_session
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.screens.directory import DirectoryScreen, next_contact_cell
from crm_tui.ui.widgets.record_table import Column

MARK = "◆"
SORTS = list(SortOrder)


class ContactsScreen(DirectoryScreen):
    MODE = "contacts"
    TITLE = "Contacts"
    KIND: ClassVar[EntityKind] = EntityKind.CONTACT
    EMPTY_MESSAGE = "No contacts here. Press [b]a[/b] to add one, [b]esc[/b] to clear the search and filters."
    SEARCH_PLACEHOLDER = "/ search contacts: name, email, phone, company, tag"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filter", "Filter", tooltip="Filter by tag, company, health, next step, last touch"),
        Binding("o", "sort", "Sort", show=False, tooltip="Sort by name, last touch or next contact"),
        Binding("L", "smart_lists", "Smart lists", show=False, tooltip="Recall a saved filter (smart list)"),
        Binding("S", "save_smart_list", "Save list", show=False, tooltip="Save the filter as a smart list"),
        Binding("space", "mark", "Select", show=False, tooltip="Select for a bulk change of tags (#)"),
        Binding(
            "u", "undo_archive", "Undo archive", show=False, tooltip="Bring back the contact archived last"
        ),
        Binding("D", "app.duplicates", "Duplicates", show=False, tooltip="Find and merge duplicate contacts"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = ContactFilter()
        self.marked: set[int] = set()

    def columns(self) -> Sequence[Column]:
        return [
            Column(" ", 1),
            Column("Name", 20, flex=True),
            Column("Company", 16, flex=True),
            Column("Title", 12, flex=True, wide_only=118),
            Column("Phone", 16),
            Column("Email", 20, flex=True, wide_only=96),
            Column("Tags", 10, flex=True, wide_only=118),
            Column("Touched", 7),
            Column("Next", 5),
        ]

    def current_filter(self) -> ContactFilter:
        return replace(self.filter, text=self.typed)

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[ListedContact]:
        return contact_list.list_contacts(session, self.current_filter(), offset=offset, limit=limit)

    def count(self, session: Any) -> int:
        return contact_list.count_contacts(session, self.current_filter())

    def capped(self, total: int) -> bool:
        return total > COUNT_CAP

    def cells(self, row: ListedContact) -> Sequence[str | Text]:
        name = Text(row.list_name, style="bold")
        if row.id in self.marked:
            name = Text(f"{MARK} {row.list_name}", style="bold magenta")
        return [
            self.light_of(row.id),
            name,
            row.company,
            row.title,
            row.phone,
            row.email,
            row.tags,
            humanize_age(row.last_touch_at) if row.last_touch_at else "never",
            next_contact_cell(row.next_contact_on),
        ]

    def narrowed(self) -> bool:
        return super().narrowed() or self.filter.narrowed

    def read_lights(self, session: Any, ids: list[int]) -> dict[int, Health]:
        return contacts_health(session, ids)

    def record_name(self, record: ListedContact) -> str:
        return record.full_name

    def detail(self, record: ListedContact) -> Text:
        """Two lines: the light and why; then what the columns of a narrow list leave out."""
        text = self.health_text(record.id)
        extras = [record.title, record.email, f"tags: {record.tags}" if record.tags else ""]
        text.append("\n" + " · ".join(extra for extra in extras if extra), style="dim")
        return text

    def filter_text(self) -> str:
        parts = [replace(self.filter, text="").describe()]
        if self.filter.sort is not SortOrder.NAME:
            parts.append(f"sorted by {self.filter.sort.value}")
        if self.marked:
            parts.append(f"{len(self.marked)} selected")
        shown = " · ".join(part for part in parts if part)
        return f"{shown}   (esc clears)" if shown else ""

    def set_filter(self, wanted: ContactFilter) -> None:
        self.filter = replace(wanted, text="")
        if wanted.text != self.typed:
            self.search_box.value = wanted.text  # its Changed reloads the list
        else:
            self.table.reload()
        self.show_filter()

    # ---------------------------------------------------------------- keys

    def action_clear_search(self) -> None:
        plain = not self.filter.narrowed and self.filter.sort is SortOrder.NAME and not self.marked
        if self.typed or plain:
            super().action_clear_search()
            return
        self.marked.clear()
        self.set_filter(ContactFilter())
        self.leave_search()

    def action_sort(self) -> None:
        self.set_filter(replace(self.filter, sort=SORTS[(SORTS.index(self.filter.sort) + 1) % len(SORTS)]))
        self.notify(f"Sorted by {self.filter.sort.value}.")

    def action_filter(self) -> None:
        values = contact_list.filter_form_values(self.filter)
        fields = [
            FormField("tag", "Tag", values["tag"], placeholder="e.g. VIP"),
            FormField("company", "Company", values["company"], placeholder="part of its name"),
            FormField("light", "Health", values["light"], placeholder="green, yellow or red"),
            FormField("no_next_step", "No next step", values["no_next_step"], placeholder="yes or empty"),
            FormField("untouched", "Untouched for", values["untouched"], placeholder="days, e.g. 30"),
            FormField(
                "sort", "Sort by", values["sort"], placeholder=", ".join(order.value for order in SortOrder)
            ),
        ]
        current = self.filter

        def build(session: Any, typed: dict[str, str]) -> ContactFilter:
            return contact_list.filter_from_form(typed, current)

        def chosen(result: ContactFilter | None) -> None:
            if result is not None:
                self.set_filter(result)

        self.app.push_screen(FormDialog("Show contacts that…", fields, build, dense=True), chosen)

    def action_mark(self) -> None:
        record_id = self.table.selected_id
        if record_id is None:
            return
        self.marked.symmetric_difference_update({record_id})
        self.table.redraw_row(record_id)
        self.show_filter()
        self.table.action_cursor_down()

    def marked_contacts(self) -> list[int]:
        return sorted(self.marked) or super().marked_contacts()

    def after_action(self, message: str) -> None:
        self.marked.clear()
        self.show_filter()
        super().after_action(message)

    @work(thread=True, group="contacts-undo", exit_on_error=False)
    def action_undo_archive(self) -> None:
        archived = crm_app(self).archived_contacts
        if not archived:
            self.app.call_from_thread(self.notify, "Nothing archived in this session to bring back.")
            return
        from crm_tui.services.contacts import restore_contact

        contact_id = archived.pop()
        contact = run_in_session(self, lambda session: restore_contact(session, contact_id))
        self.app.call_from_thread(self.after_action, f"{contact.full_name} is back.")

    # ---------------------------------------------------------------- smart lists

    @work(thread=True, group="smart-lists", exit_on_error=False)
    def action_smart_lists(self) -> None:
        saved = run_in_session(self, contact_list.smart_lists)
        if not saved:
            self.app.call_from_thread(
                self.notify, "No smart lists yet: filter the list (f, or type a search), then S saves it."
            )
            return
        choices = {f"{name}  — {wanted.describe()}": wanted for name, wanted in saved.items()}

        def picked(choice: str | None) -> None:
            if choice is not None:
                self.set_filter(choices[choice])
                self.notify(f"Smart list: {choice.split('  — ')[0]}")

        self.app.call_from_thread(self.app.push_screen, PickDialog("Smart lists", list(choices)), picked)

    def action_save_smart_list(self) -> None:
        wanted = self.current_filter()

        def save(session: Any, values: dict[str, str]) -> str:
            return contact_list.save_smart_list(session, values["name"], wanted)

        def saved(name: str | None) -> None:
            if name is not None:
                self.notify(f"Saved as the smart list “{name}”. L recalls it.")

        fields = [FormField("name", "Name", placeholder="e.g. VIP to call")]
        title = f"Save as a smart list: {wanted.describe() or 'everyone'}"
        self.app.push_screen(FormDialog(title, fields, save), saved)
