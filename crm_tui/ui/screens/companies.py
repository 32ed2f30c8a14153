"""The companies list, the other tab of mode 2: searched as you type, each company with its
people, open deals, next contact and health light."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text

from crm_tui.db.models import EntityKind
from crm_tui.services import company_list
from crm_tui.services.company_list import COUNT_CAP, ListedCompany
from crm_tui.services.health import Health, companies_health
from crm_tui.ui.screens.directory import DirectoryScreen, next_contact_cell
from crm_tui.ui.widgets.record_table import Column


class CompaniesScreen(DirectoryScreen):
    MODE = "companies"
    TITLE = "Companies"
    KIND: ClassVar[EntityKind] = EntityKind.COMPANY
    EMPTY_MESSAGE = "No companies here. Contacts with a company name add them; [b]esc[/b] clears the search."
    SEARCH_PLACEHOLDER = "/ search companies: name, website, industry"

    def columns(self) -> Sequence[Column]:
        return [
            Column(" ", 1),
            Column("Company", 28, flex=True),
            Column("Industry", 16, flex=True),
            Column("People", 6),
            Column("Open deals", 10),
            Column("Next", 5),
        ]

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[ListedCompany]:
        return company_list.list_companies(session, self.typed, offset=offset, limit=limit)

    def count(self, session: Any) -> int:
        return company_list.count_companies(session, self.typed)

    def capped(self, total: int) -> bool:
        return total > COUNT_CAP

    def cells(self, row: ListedCompany) -> Sequence[str | Text]:
        return [
            self.light_of(row.id),
            Text(row.name, style="bold"),
            row.industry,
            Text(str(row.people), justify="right"),
            Text(str(row.open_deals or ""), justify="right"),
            next_contact_cell(row.next_contact_on),
        ]

    def record_name(self, record: ListedCompany) -> str:
        return record.name

    def read_lights(self, session: Any, ids: list[int]) -> dict[int, Health]:
        return companies_health(session, ids)

    def detail(self, record: ListedCompany) -> Text:
        return self.health_text(record.id)
