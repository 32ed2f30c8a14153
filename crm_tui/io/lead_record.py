"""Leads, companies and deals as read from a CSV row, before they meet the database (contacts
have their own record, shared with the vCard reader: contact_record).

Values are cleaned (split, parsed) but not validated. A cell that could not be read is left
empty and described in `errors` ("row 7, column 'Сумма': '12,34,5' is not an amount"): the
import plan lets the user reject such rows or import them with the field blank. `warnings`
are things worth saying that lose nothing (a currency taken from the amount cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from crm_tui.io.contact_record import ImportedEmail, ImportedPhone


@dataclass
class _RowRecord:
    number: int  # the row number in the file (the header is row 1)
    line: int  # the same: rows are what a CSV file's messages count
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"row {self.number}"


@dataclass
class ImportedLead(_RowRecord):
    title: str = ""
    person_name: str = ""
    # The parts when the file has them (or split from person_name), for conversion later.
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    company_name: str = ""
    emails: list[ImportedEmail] = field(default_factory=list)
    phones: list[ImportedPhone] = field(default_factory=list)
    source: str | None = None
    status: str | None = None  # as written in the file; the services map it to ours
    value_minor: int | None = None
    currency: str | None = None  # ISO code when the file names one
    notes: str | None = None
    next_contact_on: date | None = None
    next_contact_goal: str | None = None
    disqualify_reason: str | None = None
    created_at: datetime | None = None  # naive = the file's local time

    def has_substance(self) -> bool:
        return bool(self.title or self.person_name or self.company_name or self.emails or self.phones)


@dataclass
class ImportedCompany(_RowRecord):
    name: str = ""
    website: str | None = None
    industry: str | None = None
    phones: list[ImportedPhone] = field(default_factory=list)
    emails: list[ImportedEmail] = field(default_factory=list)
    address: str | None = None
    notes: str | None = None

    def has_substance(self) -> bool:
        return bool(self.name)


@dataclass
class ImportedDeal(_RowRecord):
    title: str = ""
    amount_minor: int | None = None
    currency: str | None = None
    stage: str | None = None  # as written; the services match it to a stage by name
    company: str | None = None
    contact: str | None = None  # a person's name, matched by the services
    expected_close_on: date | None = None
    closed_at: datetime | None = None  # naive = the file's local time
    lost_reason: str | None = None
    notes: str | None = None

    def has_substance(self) -> bool:
        return bool(self.title or self.company or self.contact)
