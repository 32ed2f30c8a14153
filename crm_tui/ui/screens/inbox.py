"""Mode 1: the lead inbox — leads waiting for a decision, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text

from crm_tui.dates import humanize_age
from crm_tui.db.models import EntityKind
from crm_tui.money import format_money
from crm_tui.services import leads
from crm_tui.ui.screens.base import ListScreen
from crm_tui.ui.widgets.record_table import Column

STATUS_STYLE = {"new": "bold green", "working": "yellow", "disqualified": "dim", "converted": "cyan"}


class InboxScreen(ListScreen):
    MODE = "inbox"
    TITLE = "Inbox: new and working leads"
    KIND: ClassVar[EntityKind] = EntityKind.LEAD
    EMPTY_MESSAGE = "No leads waiting. Press [b]a[/b] to add one."

    def columns(self) -> Sequence[Column]:
        return [
            Column("Person", 18, flex=True),
            Column("Company", 16, flex=True),
            Column("Source", 10, flex=True),
            Column("Status", 7),
            Column("Age", 4),
            Column("Next", 5),
            Column("Value", 13),
        ]

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[leads.LeadRow]:
        return leads.list_leads(session, offset=offset, limit=limit)

    def count(self, session: Any) -> int:
        return leads.count_leads(session)

    def cells(self, row: leads.LeadRow) -> Sequence[str | Text]:
        return [
            Text(row.person_name or row.title, style="bold"),
            row.company_name,
            row.source,
            Text(row.status, style=STATUS_STYLE.get(row.status, "")),
            humanize_age(row.created_at),
            row.next_contact_on.strftime("%d.%m") if row.next_contact_on else "",
            Text(format_money(row.value, row.currency), justify="right"),
        ]
