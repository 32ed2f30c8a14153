"""One CSV row (column → cell) and a Mapping in, one imported record out.

A row never raises: a cell that cannot be read leaves its field empty and is reported by row
and column. Emails and phones are split but not judged; the services validate them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TypeVar

from crm_tui.io import csv_cells as cells
from crm_tui.io.contact_record import NO_YEAR, ImportedAddress, ImportedContact, ImportedEmail, ImportedPhone
from crm_tui.io.csv_fields import IGNORE, Mapping, split_field
from crm_tui.io.csv_guess import normalise_header
from crm_tui.io.csv_read import ROW_ERROR_KEY
from crm_tui.io.lead_record import ImportedCompany, ImportedDeal, ImportedLead

T = TypeVar("T")

# A full name in a column with one of these headers is written family name first.
_FAMILY_FIRST_HEADERS = frozenset({"фио", "ф и о", "полное имя", "фамилия имя отчество", "фамилия имя"})
_ADDRESS_PARTS = ("street", "city", "region", "postcode", "country")


@dataclass(slots=True)
class Cell:
    column: str
    text: str
    kind: str | None = None
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    """A column mapped to a field: its name, the field's kind, the column that labels it."""

    column: str
    kind: str | None
    label_column: str | None


Plan = dict[str, tuple[Source, ...]]


@lru_cache(maxsize=64)
def _plan(columns: tuple[tuple[str, str], ...], kind_columns: tuple[tuple[str, str], ...]) -> Plan:
    """The mapped columns of each field, worked out once per mapping rather than once per row
    (a large file repeats the same mapping 100,000 times); ignored columns are never read."""
    labels = dict(kind_columns)
    plan: dict[str, list[Source]] = {}
    for column, name in columns:
        if name != IGNORE and column != ROW_ERROR_KEY:
            base, kind = split_field(name)
            plan.setdefault(base, []).append(Source(column, kind, labels.get(column)))
    return {base: tuple(sources) for base, sources in plan.items()}


class RowCells:
    """One row seen through a mapping: the non-empty cells of each field, in column order,
    read when a field is asked for, and the problems found on the way."""

    def __init__(self, number: int, row: dict[str, str], mapping: Mapping) -> None:
        self.number = number
        self.row = row
        self.mapping = mapping
        self.plan = _plan(tuple(mapping.columns.items()), tuple(mapping.kind_columns.items()))
        self.problems: list[str] = []
        self._restore = _formula_restorer() if mapping.restore_formulas else None
        if ROW_ERROR_KEY in row:
            self.problems.append(f"row {number}: {row[ROW_ERROR_KEY]}")

    def all(self, name: str) -> list[Cell]:
        found = []
        for source in self.plan.get(name, ()):
            text = self._text(source.column)
            if text:
                kind, primary = source.kind, False
                if source.label_column:
                    labelled, primary = cells.kind_from_label(name, self.row.get(source.label_column, ""))
                    kind = labelled or kind
                found.append(Cell(source.column, text, kind, primary))
        return found

    def first(self, name: str) -> str:
        for source in self.plan.get(name, ()):
            text = self._text(source.column)
            if text:
                return text
        return ""

    def joined(self, name: str, separator: str = "\n") -> str:
        return separator.join(cell.text for cell in self.all(name))

    def parsed(self, name: str, parse: Callable[[str], T | None]) -> T | None:
        """The first cell of the field that parses; each one that does not is a problem."""
        for cell in self.all(name):
            try:
                value = parse(cell.text)
            except ValueError as error:
                self.problems.append(self.problem(cell, str(error)))
                continue
            if value is not None:
                return value
        return None

    def problem(self, cell: Cell, message: str) -> str:
        """The report of a bad cell: row 7, column 'Birthday': '31.31.2020' is not a date (the
        message may already start with the quoted value, or describe it: "has more than 2
        decimal places")."""
        quoted = repr(cell.text)
        text = message if message.startswith(quoted) else f"{quoted} {message}"
        return f"row {self.number}, column {cell.column!r}: {text}"

    def _text(self, column: str) -> str:
        """The cell trimmed, its line breaks made plain newlines (Excel writes CRLF inside
        notes), and for our own export the formula guard taken off."""
        text = self.row.get(column, "").strip()
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return self._restore(text) if self._restore is not None else text


def collect(number: int, row: dict[str, str], mapping: Mapping) -> RowCells:
    return RowCells(number, row, mapping)


def _formula_restorer() -> Callable[[str], str]:
    from crm_tui.io.csv_write import restore  # our own export's counterpart, needed only for it

    return restore


# ---------------------------------------------------------------- contacts


def row_to_contact(number: int, row: dict[str, str], mapping: Mapping) -> ImportedContact:
    """A contact from a row; `number` is the row number (the header is row 1) and becomes
    both the contact's number and its line."""
    found = collect(number, row, mapping)
    contact = ImportedContact(number=number, line=number, unit="row")
    full_name = found.first("full_name")
    contact.display_name = full_name
    contact.first_name, contact.middle_name, contact.last_name = _name_parts(found)
    contact.company = found.first("company") or None
    contact.department = found.first("department") or None
    contact.title = found.first("title") or None
    contact.emails = emails(found)
    contact.phones = phones(found)
    contact.addresses = _addresses(found)
    contact.birthday = _birthday(found)
    contact.notes = found.joined("notes") or None
    contact.tags = _tags(found)
    contact.uid = found.first("uid") or None
    named = any((contact.first_name, contact.middle_name, contact.last_name, contact.display_name))
    contact.is_company = not named and contact.company is not None  # as the vCard reader decides
    contact.errors.extend(found.problems)
    return contact


def _name_parts(found: RowCells, full_field: str = "full_name") -> tuple[str, str, str]:
    """First, middle and last name: from their own columns, else split from the full name."""
    parts = (found.first("first_name"), found.first("middle_name"), found.first("last_name"))
    if any(parts):
        return parts
    full = found.all(full_field)
    if not full:
        return "", "", ""
    family_first = normalise_header(full[0].column) in _FAMILY_FIRST_HEADERS
    return cells.split_person_name(full[0].text, family_first)


def emails(found: RowCells) -> list[ImportedEmail]:
    result: list[ImportedEmail] = []
    seen: set[str] = set()
    for cell in found.all("email"):
        for index, value in enumerate(cells.split_values(cell.text)):
            if value.casefold() not in seen:
                seen.add(value.casefold())
                # Google's "* Work" marks the cell primary: its first value is the one.
                result.append(
                    ImportedEmail(value, cell.kind or "other", cell.primary and index == 0, cell.column)
                )
    return result


def phones(found: RowCells) -> list[ImportedPhone]:
    result: list[ImportedPhone] = []
    seen: set[tuple[str, bool]] = set()
    for cell in found.all("phone"):
        for index, value in enumerate(cells.split_values(cell.text)):
            # One number in two columns is one phone, unless one of them says it is a fax.
            key = (re.sub(r"[^\d+]", "", value) or value, cell.kind == "fax")
            if key not in seen:
                seen.add(key)
                result.append(
                    ImportedPhone(value, cell.kind or "other", cell.primary and index == 0, cell.column)
                )
    return result


def _addresses(found: RowCells) -> list[ImportedAddress]:
    """Address parts grouped into addresses: by the column that labels them (Google's
    "Address 2 - Type"), else by kind. Street lines join with line breaks."""
    groups: dict[tuple[str, str], ImportedAddress] = {}
    for part in _ADDRESS_PARTS:
        for cell in found.all(part):
            label_column = found.mapping.kind_columns.get(cell.column, "")
            kind = cell.kind or "other"
            address = groups.setdefault((label_column, kind), ImportedAddress(kind=kind))
            current = getattr(address, part)
            if part == "street" and current:
                setattr(address, part, f"{current}\n{cell.text}")
            elif not current:
                setattr(address, part, cell.text)
    return list(groups.values())


def _birthday(found: RowCells) -> date | None:
    day_first = found.mapping.day_first
    birthday = found.parsed(
        "birthday", lambda text: cells.parse_date_cell(text, day_first, allow_no_year=True)
    )
    return birthday or _birthday_from_parts(found)


def _birthday_from_parts(found: RowCells) -> date | None:
    """Thunderbird's Birth Year / Birth Month / Birth Day columns (the year may be missing)."""
    month, day = found.all("birth_month"), found.all("birth_day")
    if not (month and day):
        return None
    year = found.all("birth_year")
    try:
        return date(int(year[0].text) if year else NO_YEAR, int(month[0].text), int(day[0].text))
    except ValueError:
        columns = ", ".join(repr(cell.column) for cell in (*year[:1], month[0], day[0]))
        values = "-".join(cell.text for cell in (*year[:1], month[0], day[0]))
        found.problems.append(f"row {found.number}, columns {columns}: {values!r} is not a date")
        return None


def _tags(found: RowCells) -> list[str]:
    tags = [tag for cell in found.all("tags") for tag in cells.split_tags(cell.text)]
    return list(dict.fromkeys(tags))


# ---------------------------------------------------------------- leads, companies, deals


def row_to_lead(number: int, row: dict[str, str], mapping: Mapping) -> ImportedLead:
    found = collect(number, row, mapping)
    lead = ImportedLead(number=number, line=number)
    lead.title = found.first("title")
    lead.first_name, lead.middle_name, lead.last_name = _name_parts(found, "person_name")
    lead.person_name = found.first("person_name") or " ".join(
        part for part in (lead.first_name, lead.middle_name, lead.last_name) if part
    )
    lead.company_name = found.first("company_name")
    lead.emails, lead.phones = emails(found), phones(found)
    lead.source = found.first("source") or None
    lead.status = found.first("status") or None
    lead.notes = found.joined("notes") or None
    lead.currency, lead.value_minor = _money(found, "value", lead.warnings)
    day_first = mapping.day_first
    lead.next_contact_on = found.parsed(
        "next_contact_on", lambda text: cells.parse_date_cell(text, day_first)
    )
    lead.next_contact_goal = found.first("next_contact_goal") or None
    lead.disqualify_reason = found.first("disqualify_reason") or None
    lead.created_at = found.parsed("created_at", lambda text: cells.parse_datetime_cell(text, day_first))
    lead.errors.extend(found.problems)
    return lead


def row_to_company(number: int, row: dict[str, str], mapping: Mapping) -> ImportedCompany:
    found = collect(number, row, mapping)
    company = ImportedCompany(number=number, line=number)
    company.name = found.first("name")
    company.website = found.first("website") or None
    company.industry = found.first("industry") or None
    company.phones, company.emails = phones(found), emails(found)
    company.address = found.joined("address", ", ") or None
    company.notes = found.joined("notes") or None
    company.errors.extend(found.problems)
    return company


def row_to_deal(number: int, row: dict[str, str], mapping: Mapping) -> ImportedDeal:
    found = collect(number, row, mapping)
    deal = ImportedDeal(number=number, line=number)
    deal.title = found.first("title")
    deal.currency, deal.amount_minor = _money(found, "amount", deal.warnings)
    deal.stage = found.first("stage") or None
    deal.company = found.first("company") or None
    deal.contact = found.first("contact") or None
    day_first = mapping.day_first
    deal.expected_close_on = found.parsed(
        "expected_close_on", lambda text: cells.parse_date_cell(text, day_first)
    )
    deal.closed_at = found.parsed("closed_at", lambda text: cells.parse_datetime_cell(text, day_first))
    deal.lost_reason = found.first("lost_reason") or None
    deal.notes = found.joined("notes") or None
    deal.errors.extend(found.problems)
    return deal


def _money(found: RowCells, amount_field: str, warnings: list[str]) -> tuple[str | None, int | None]:
    """(currency, amount in minor units). The currency column wins; else the one written in
    the amount ("12 500 руб."). Either that cannot be read is a problem, and stays empty."""
    currency = _currency(found)
    cell = next(iter(found.all(amount_field)), None)
    if cell is None:
        return currency, None
    try:
        parsed = cells.parse_amount(cell.text)
        if parsed is None:
            return currency, None
        amount, written = parsed
        if written and currency and written != currency:
            warnings.append(found.problem(cell, f"is in {written} but the currency column says {currency}"))
        return currency or written, cells.to_minor_units(amount, currency or written)
    except ValueError as error:
        found.problems.append(found.problem(cell, str(error)))
        return currency, None


def _currency(found: RowCells) -> str | None:
    cell = next(iter(found.all("currency")), None)
    if cell is None:
        return None
    code = cells.normalise_currency(cell.text)
    if code is None:
        found.problems.append(found.problem(cell, "is not a currency we know (write a code: RUB, USD, EUR)"))
    return code
