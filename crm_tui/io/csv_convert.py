"""One CSV row (column → cell) and a Mapping in, one imported record out.

A row never raises: a cell that cannot be read leaves its field empty and is reported by row
and column. Emails and phones are split but not judged; the services validate them.

A file repeats one mapping for every row, so the mapping is worked out once into a
`ColumnPlan` (the columns of each field, how cells are cleaned); `converter_for` gives the
row → record function of a whole file, the `row_to_*` functions convert a single row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import TypeVar

from crm_tui.io import csv_cells as cells
from crm_tui.io.contact_record import NO_YEAR, ImportedAddress, ImportedContact, ImportedEmail, ImportedPhone
from crm_tui.io.csv_fields import IGNORE, Mapping, split_field
from crm_tui.io.csv_guess import normalise_header
from crm_tui.io.csv_read import ROW_ERROR_KEY
from crm_tui.io.csv_write import restore
from crm_tui.io.lead_record import ImportedCompany, ImportedDeal, ImportedLead

T = TypeVar("T")
Record = ImportedContact | ImportedLead | ImportedCompany | ImportedDeal

# A full name in a column with one of these headers is written family name first.
_FAMILY_FIRST_HEADERS = frozenset({"фио", "ф и о", "полное имя", "фамилия имя отчество", "фамилия имя"})
_ADDRESS_PARTS = ("street", "city", "region", "postcode", "country")
# What is left of a phone number to compare: digits and the leading plus.
_NOT_DIALLED = re.compile(r"[^\d+]")


@dataclass(frozen=True, slots=True)
class Source:
    """A column mapped to a field: its name, the field's kind, the column that labels it, and
    whether its header says a full name in it is written family name first ("ФИО")."""

    column: str
    kind: str | None
    label_column: str | None
    family_first: bool
    index: int  # where its cell is among a row's texts (ColumnPlan.texts)


@dataclass(slots=True)
class Cell:
    source: Source
    text: str
    kind: str | None = None
    primary: bool = False

    @property
    def column(self) -> str:
        return self.source.column


def _plain(cell: str) -> str:
    """The cell trimmed, its line breaks made plain newlines (Excel writes CRLF inside notes)."""
    text = cell.strip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _restored(cell: str) -> str:
    """A cell of our own export: plain, and the formula guard taken off."""
    return restore(_plain(cell))


_MISSING = repeat("")  # the cell of a mapped column the file does not have
_TEXT = itemgetter(1)  # of a (source, text) pair


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """A mapping worked out once for all the rows of a file: the mapped columns of each field
    in column order (ignored columns are never read), how a cell is cleaned, and how a date
    that the numbers do not decide is read."""

    fields: dict[str, tuple[Source, ...]]
    columns: tuple[str, ...]  # every mapped column
    restoring: bool  # the file is our own export: formula guards come off
    day_first: bool

    def texts(self, row: dict[str, str]) -> list[str]:
        """The row's mapped cells, cleaned, in the order of `columns`. Trimming all of them is
        cheap; the rest of the cleaning is done only in a row whose text has a character that
        can call for it, and there only to the cells that can need it."""
        texts = list(map(str.strip, map(row.get, self.columns, _MISSING)))
        joined = "".join(texts)
        if "\r" in joined or (self.restoring and "'" in joined):
            clean = _restored if self.restoring else _plain
            for index, text in enumerate(texts):
                if text[:1] == "'" or "\r" in text:
                    texts[index] = clean(text)
        return texts


def column_plan(mapping: Mapping) -> ColumnPlan:
    return _column_plan(
        tuple(mapping.columns.items()),
        tuple(mapping.kind_columns.items()),
        mapping.restore_formulas,
        mapping.day_first,
    )


@lru_cache(maxsize=64)
def _column_plan(
    columns: tuple[tuple[str, str], ...],
    kind_columns: tuple[tuple[str, str], ...],
    restore_formulas: bool,
    day_first: bool,
) -> ColumnPlan:
    """Cached by the mapping's content: a caller converting rows one at a time (`row_to_lead`)
    passes the same mapping again and again."""
    labels = dict(kind_columns)
    mapped = [(column, name) for column, name in columns if name != IGNORE and column != ROW_ERROR_KEY]
    fields: dict[str, list[Source]] = {}
    for index, (column, name) in enumerate(mapped):
        base, kind = split_field(name)
        family_first = normalise_header(column) in _FAMILY_FIRST_HEADERS
        fields.setdefault(base, []).append(Source(column, kind, labels.get(column), family_first, index))
    return ColumnPlan(
        {base: tuple(sources) for base, sources in fields.items()},
        tuple(column for column, _ in mapped),
        restore_formulas,
        day_first,
    )


class RowCells:
    """One row seen through a column plan: the non-empty cells of each field, in column order,
    and the problems found on the way."""

    __slots__ = ("number", "plan", "problems", "row", "texts")

    def __init__(self, number: int, row: dict[str, str], plan: ColumnPlan) -> None:
        self.number = number
        self.row = row
        self.plan = plan
        self.texts = plan.texts(row)
        self.problems: list[str] = [f"row {number}: {row[ROW_ERROR_KEY]}"] if ROW_ERROR_KEY in row else []

    def first(self, name: str) -> str:
        texts = self.texts
        for source in self.plan.fields.get(name, ()):
            if text := texts[source.index]:
                return text
        return ""

    # Loops rather than comprehensions here: these run for every field of every row, and a
    # comprehension (a function of its own before Python 3.12) costs more than its few cells.

    def filled(self, name: str) -> list[tuple[Source, str]]:
        """The field's non-empty cells and their columns (no Cell made: most fields want
        only the text)."""
        texts, found = self.texts, []
        for source in self.plan.fields.get(name, ()):
            text = texts[source.index]
            if text:
                found.append((source, text))
        return found

    def all(self, name: str) -> list[Cell]:
        found = []
        for source, text in self.filled(name):
            if source.label_column is None:
                found.append(Cell(source, text, source.kind))
            else:
                found.append(self._labelled(name, source, text))
        return found

    def joined(self, name: str, separator: str = "\n") -> str:
        return separator.join(map(_TEXT, self.filled(name)))

    def parsed(self, name: str, parse: Callable[[str, bool], T | None]) -> T | None:
        """The first cell of the field that parses (with the file's day-first convention);
        each one that does not is a problem."""
        for source, text in self.filled(name):
            try:
                value = parse(text, self.plan.day_first)
            except ValueError as error:
                self.problems.append(self.problem(source.column, text, str(error)))
                continue
            if value is not None:
                return value
        return None

    def problem(self, column: str, cell: str, message: str) -> str:
        """The report of a bad cell: row 7, column 'Birthday': '31.31.2020' is not a date (the
        message may already start with the quoted value, or describe it: "has more than 2
        decimal places")."""
        quoted = repr(cell)
        text = message if message.startswith(quoted) else f"{quoted} {message}"
        return f"row {self.number}, column {column!r}: {text}"

    def _labelled(self, name: str, source: Source, text: str) -> Cell:
        """A cell whose kind a label column (Google's "Phone 1 - Type") may name, instead of
        the field's own."""
        labelled, primary = cells.kind_from_label(name, self.row.get(source.label_column or "", ""))
        return Cell(source, text, labelled or source.kind, primary)


def converter_for(mapping: Mapping) -> Callable[[int, dict[str, str]], Record]:
    """The row → record function of the mapping's target, for all the rows of a file: the
    mapping is worked out here, once."""
    plan = column_plan(mapping)
    build = _BUILDERS[mapping.target]

    def convert(number: int, row: dict[str, str]) -> Record:
        return build(RowCells(number, row, plan))

    return convert


# ---------------------------------------------------------------- contacts


def row_to_contact(number: int, row: dict[str, str], mapping: Mapping) -> ImportedContact:
    """A contact from a row; `number` is the row number (the header is row 1) and becomes
    both the contact's number and its line."""
    return _contact(RowCells(number, row, column_plan(mapping)))


def _contact(found: RowCells) -> ImportedContact:
    contact = ImportedContact(number=found.number, line=found.number, unit="row")
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
    full = found.filled(full_field)
    if not full:
        return "", "", ""
    source, text = full[0]
    return cells.split_person_name(text, source.family_first)


def emails(found: RowCells) -> list[ImportedEmail]:
    result: list[ImportedEmail] = []
    seen: set[str] = set()
    for cell in found.all("email"):
        for index, value in enumerate(cells.split_values(cell.text)):
            key = value.casefold()
            if key not in seen:
                seen.add(key)
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
            key = (_NOT_DIALLED.sub("", value) or value, cell.kind == "fax")
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
            kind = cell.kind or "other"
            address = groups.setdefault((cell.source.label_column or "", kind), ImportedAddress(kind=kind))
            current = getattr(address, part)
            if part == "street" and current:
                setattr(address, part, f"{current}\n{cell.text}")
            elif not current:
                setattr(address, part, cell.text)
    return list(groups.values())


def _birthday(found: RowCells) -> date | None:
    return found.parsed("birthday", _birthday_cell) or _birthday_from_parts(found)


def _birthday_cell(text: str, day_first: bool) -> date | None:
    return cells.parse_date_cell(text, day_first, allow_no_year=True)


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
    return _lead(RowCells(number, row, column_plan(mapping)))


def _lead(found: RowCells) -> ImportedLead:
    # The cells that can be problems are read in the order of the fields (money first, then
    # the dates), so a row's problems are listed in that order.
    first_name, middle_name, last_name = _name_parts(found, "person_name")
    person_name = found.first("person_name") or " ".join(filter(None, (first_name, middle_name, last_name)))
    warnings: list[str] = []
    currency, value_minor = _money(found, "value", warnings)
    return ImportedLead(
        number=found.number,
        line=found.number,
        title=found.first("title"),
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        person_name=person_name,
        company_name=found.first("company_name"),
        emails=emails(found),
        phones=phones(found),
        source=found.first("source") or None,
        status=found.first("status") or None,
        notes=found.joined("notes") or None,
        currency=currency,
        value_minor=value_minor,
        next_contact_on=found.parsed("next_contact_on", cells.parse_date_cell),
        next_contact_goal=found.first("next_contact_goal") or None,
        disqualify_reason=found.first("disqualify_reason") or None,
        created_at=found.parsed("created_at", cells.parse_datetime_cell),
        warnings=warnings,
        errors=found.problems,
    )


def row_to_company(number: int, row: dict[str, str], mapping: Mapping) -> ImportedCompany:
    return _company(RowCells(number, row, column_plan(mapping)))


def _company(found: RowCells) -> ImportedCompany:
    return ImportedCompany(
        number=found.number,
        line=found.number,
        name=found.first("name"),
        website=found.first("website") or None,
        industry=found.first("industry") or None,
        phones=phones(found),
        emails=emails(found),
        address=found.joined("address", ", ") or None,
        notes=found.joined("notes") or None,
        errors=found.problems,
    )


def row_to_deal(number: int, row: dict[str, str], mapping: Mapping) -> ImportedDeal:
    return _deal(RowCells(number, row, column_plan(mapping)))


def _deal(found: RowCells) -> ImportedDeal:
    warnings: list[str] = []
    currency, amount_minor = _money(found, "amount", warnings)
    return ImportedDeal(
        number=found.number,
        line=found.number,
        title=found.first("title"),
        currency=currency,
        amount_minor=amount_minor,
        stage=found.first("stage") or None,
        company=found.first("company") or None,
        contact=found.first("contact") or None,
        expected_close_on=found.parsed("expected_close_on", cells.parse_date_cell),
        closed_at=found.parsed("closed_at", cells.parse_datetime_cell),
        lost_reason=found.first("lost_reason") or None,
        notes=found.joined("notes") or None,
        warnings=warnings,
        errors=found.problems,
    )


_BUILDERS: dict[str, Callable[[RowCells], Record]] = {
    "contacts": _contact,
    "leads": _lead,
    "companies": _company,
    "deals": _deal,
}


def _money(found: RowCells, amount_field: str, warnings: list[str]) -> tuple[str | None, int | None]:
    """(currency, amount in minor units). The currency column wins; else the one written in
    the amount ("12 500 руб."). Either that cannot be read is a problem, and stays empty."""
    currency = _currency(found)
    cells_found = found.filled(amount_field)
    if not cells_found:
        return currency, None
    source, text = cells_found[0]
    try:
        parsed = cells.parse_amount(text)
        if parsed is None:
            return currency, None
        amount, written = parsed
        if written and currency and written != currency:
            warnings.append(
                found.problem(source.column, text, f"is in {written} but the currency column says {currency}")
            )
        return currency or written, cells.to_minor_units(amount, currency or written)
    except ValueError as error:
        found.problems.append(found.problem(source.column, text, str(error)))
        return currency, None


def _currency(found: RowCells) -> str | None:
    cells_found = found.filled("currency")
    if not cells_found:
        return None
    source, text = cells_found[0]
    code = cells.normalise_currency(text)
    if code is None:
        found.problems.append(
            found.problem(source.column, text, "is not a currency we know (write a code: RUB, USD, EUR)")
        )
    return code
