"""Mode 2: every contact in name order, with company, phone and email at hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text

from crm_tui.dates import humanize_age
from crm_tui.db.models import EntityKind
from crm_tui.services import contacts
from crm_tui.ui.screens.base import ListScreen
from crm_tui.ui.widgets.record_table import Column


class ContactsScreen(ListScreen):
    MODE = "contacts"
    TITLE = "Contacts"
    KIND: ClassVar[EntityKind] = EntityKind.CONTACT
    EMPTY_MESSAGE = "No contacts yet. Press [b]a[/b] to add one."

    def columns(self) -> Sequence[Column]:
        return [
            Column("Name", 20, flex=True),
            Column("Company", 16, flex=True),
            Column("Title", 10, flex=True),
            Column("Phone", 16),
            Column("Email", 20, flex=True),
            Column("Touched", 7),
        ]

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[contacts.ContactRow]:
        return contacts.list_contacts(session, offset=offset, limit=limit)

    def count(self, session: Any) -> int:
        return contacts.count_contacts(session)

    def cells(self, row: contacts.ContactRow) -> Sequence[str | Text]:
        return [
            Text(row.full_name, style="bold"),
            row.company,
            row.title,
            row.phone,
            row.email,
            humanize_age(row.last_touch_at) if row.last_touch_at else "never",
        ]
