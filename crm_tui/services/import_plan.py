"""Planning an import: match each record read from a file against the database and the
records before it in the same file, and decide create / update / skip / reject — without
writing anything. `import_apply` carries a plan out.

Matching against the database is `contact_match`'s, the one rule of the whole app: the same
UID, the same email (any letter case), the same phone (E.164), or a similar name at the same
company. A record matched by an earlier record of the same file (the same UID, email, phone,
or name at the same company) is merged into it, so a file that lists a person twice yields
one contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from crm_tui.db.models import Company, Contact
from crm_tui.errors import ValidationError
from crm_tui.io.contact_record import ImportedContact, ImportedEmail, ImportedPhone, SkippedRecord, place
from crm_tui.services.contact_match import KnownContacts, MatchKeys, contact_name_key, name_key
from crm_tui.services.contacts import full_name_of
from crm_tui.services.settings import phone_region
from crm_tui.services.validation import (
    PhoneReading,
    fold,
    parse_email,
    parse_phone,
    phone_search_key,
    split_full_name,
)


class BadCells(StrEnum):
    """What to do with a record that has a cell we could not read (a date that is not a date,
    an email that is not an email): refuse the whole record, or import it with that field
    empty. Either way the cell is reported by row and column."""

    REJECT = "reject"
    BLANK = "blank"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"
    MERGE = "merge"  # folded into an earlier record of the same file
    REJECT = "reject"


# How a count of each action reads, before (a dry run) and after an import.
PLANNED_WORDS = {
    "create": "to create",
    "update": "to update",
    "skip": "unchanged",
    "merge": "merged",
    "reject": "rejected",
}
DONE_WORDS = {
    "create": "created",
    "update": "updated",
    "skip": "unchanged",
    "merge": "merged",
    "reject": "rejected",
}


def describe_counts(counts: dict[str, int], done: bool) -> str:
    """`3 created, 1 rejected` (or `3 to create, …` before the import); `no cards` for none."""
    words = DONE_WORDS if done else PLANNED_WORDS
    return (
        ", ".join(f"{count} {words.get(action, action)}" for action, count in counts.items() if count)
        or "no cards"
    )


@dataclass
class PlannedRecord:
    number: int
    line: int
    action: Action
    name: str
    reason: str
    record: ImportedContact | None = None
    contact_id: int | None = None  # the existing contact an update or skip is about
    company_id: int | None = None  # the existing company a company card is about
    merged_into: int | None = None  # the number of the earlier record a merge went into
    warnings: list[str] = field(default_factory=list)
    unit: str = "card"  # "row" for a CSV row

    @property
    def where(self) -> str:
        return place(self.unit, self.number, self.line)


@dataclass
class ImportPlan:
    file: str
    kind: str  # vcard or csv
    target: str = "contacts"  # what the records become: contacts, leads, companies or deals
    mapping: Any = None  # a CSV's column Mapping
    records: list[PlannedRecord] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for planned in self.records if planned.action is action)

    @property
    def counts(self) -> dict[str, int]:
        return {action.value: self.count(action) for action in Action}


def display_name(record: ImportedContact) -> str:
    name = full_name_of(record.first_name, record.middle_name, record.last_name) or record.display_name
    if record.is_company or not name:
        name = name or record.company or ""
    if not name and record.emails:
        name = record.emails[0].value
    if not name and record.phones:
        name = record.phones[0].value
    return name


def refuse_bad_values(
    where: str,
    emails: list[ImportedEmail],
    phones: list[ImportedPhone],
    region: str,
    problems: list[str],
    known: Mapping[str, PhoneReading] | None = None,
) -> tuple[list[ImportedEmail], list[ImportedPhone]]:
    """The emails and phones the services would accept; each refused one is described in
    `problems` (by its CSV row and column when it has one), so one bad value costs only itself.
    `known`: the file's numbers read in bulk (`phone_batch`)."""

    def refused(value: ImportedEmail | ImportedPhone, what: str, why: str) -> str:
        if value.column:
            quoted = repr(value.value)
            return f"{where}, column {value.column!r}: " + (
                why if why.startswith(quoted) else f"{quoted} {why}"
            )
        return f"{what} {value.value!r} dropped: {why}"

    kept_emails = []
    for email in emails:
        try:
            if parse_email(email.value):
                kept_emails.append(email)
        except ValidationError:
            problems.append(refused(email, "email", "is not an email address"))
    kept_phones = []
    for phone in phones:
        try:
            phone.checked = parse_phone(phone.value, region, known=known)
            if phone.checked:
                kept_phones.append(phone)
        except ValidationError as error:
            problems.append(refused(phone, "phone", error.message))
    return kept_emails, kept_phones


def _clean_values(record: ImportedContact, region: str) -> None:
    """Drop the emails and phones the services would refuse: a vCard's with a warning, a CSV
    row's as a bad cell (which the user's choice of BadCells decides about)."""
    problems = record.errors if record.unit == "row" else record.warnings
    record.emails, record.phones = refuse_bad_values(
        record.where, record.emails, record.phones, region, problems
    )
    if not (record.first_name or record.last_name) and record.display_name and not record.is_company:
        record.first_name, record.last_name = split_full_name(record.display_name)


def bad_cells_verdict(errors: list[str], warnings: list[str], bad_cells: BadCells) -> str | None:
    """The reason to reject a record with unreadable cells, or None after noting them among
    its warnings as left blank."""
    if not errors:
        return None
    if bad_cells is BadCells.REJECT:
        return "; ".join(errors)
    warnings.extend(f"{error} (left blank)" for error in errors)
    return None


def _keys(record: ImportedContact, region: str) -> MatchKeys:
    phones = {key for phone in record.phones if (key := _e164_of(phone, region))}
    name = contact_name_key(record.first_name, record.last_name) or name_key(record.display_name)
    company = fold(record.company)
    return MatchKeys(
        uid=record.uid or None,
        emails={fold(email.value) for email in record.emails},
        phones=phones,
        name_at_company=(name, company) if name and company else None,
    )


def _e164_of(phone: ImportedPhone, region: str) -> str | None:
    # The number was checked when the record's values were cleaned: parsing it again is
    # the costliest part of planning a large file.
    return phone.checked[1] if phone.checked else phone_search_key(phone.value, region)


class _FileIndex:
    """The records planned so far in this file, by each of their keys."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, object], PlannedRecord] = {}

    def find(self, keys: MatchKeys) -> PlannedRecord | None:
        for key in _key_list(keys):
            if key in self.by_key:
                return self.by_key[key]
        return None

    def add(self, keys: MatchKeys, planned: PlannedRecord) -> None:
        for key in _key_list(keys):
            self.by_key.setdefault(key, planned)


def _key_list(keys: MatchKeys) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    if keys.uid:
        found.append(("uid", keys.uid))
    found += [("email", email) for email in sorted(keys.emails)]
    found += [("phone", phone) for phone in sorted(keys.phones)]
    if keys.name_at_company:
        found.append(("name", keys.name_at_company))
    return found


def _same_name_nothing_new(session: Session, record: ImportedContact) -> tuple[Contact, str] | None:
    """A card with only a name (no UID, email, phone or company) cannot be matched with
    confidence; but if a contact of that name already holds everything the card says, the
    card is that contact again (a file imported twice), not a new person."""
    from crm_tui.services.import_changes import diff_contact

    name = fold(full_name_of(record.first_name, record.middle_name, record.last_name) or record.display_name)
    if not name:
        return None
    namesakes = session.exec(
        select(Contact).where(Contact.full_name_fold == name, col(Contact.archived_at).is_(None)).limit(5)
    ).all()
    for contact in namesakes:
        diff = diff_contact(session, contact, record)
        if not diff.describe() and not diff.conflicts:
            return contact, "same name"
    return None


def plan_import(
    session: Session,
    items: Iterable[ImportedContact | SkippedRecord],
    file: str,
    kind: str,
    bad_cells: BadCells = BadCells.REJECT,
) -> ImportPlan:
    """Decide what to do with every record, writing nothing (this is the dry run)."""
    plan = _plan_contacts(session, items, file, kind, bad_cells)
    unit = "row" if kind == "csv" else "card"
    for planned in plan.records:
        planned.unit = unit
    return plan


def _plan_contacts(
    session: Session,
    items: Iterable[ImportedContact | SkippedRecord],
    file: str,
    kind: str,
    bad_cells: BadCells,
) -> ImportPlan:
    from crm_tui.services.import_changes import describe_update  # what an update would change

    region = phone_region(session)
    plan = ImportPlan(file=file, kind=kind)
    in_file = _FileIndex()
    companies: dict[str, PlannedRecord] = {}
    # Read the whole file first, so the database is asked about all its records at once.
    records = list(items)
    for item in records:
        if isinstance(item, ImportedContact):
            _clean_values(item, region)
    known = KnownContacts(
        session,
        [
            _keys(item, region)
            for item in records
            if isinstance(item, ImportedContact) and not item.is_company
        ],
    )
    for item in records:
        if isinstance(item, SkippedRecord):
            plan.records.append(PlannedRecord(item.number, item.line, Action.REJECT, "", item.reason))
            continue
        name = display_name(item)
        refused = bad_cells_verdict(item.errors, item.warnings, bad_cells)
        if refused is not None:
            plan.records.append(
                PlannedRecord(item.number, item.line, Action.REJECT, name, refused, warnings=item.warnings)
            )
            continue
        if not item.has_substance():
            reason = "nothing to import: no name, email, phone or organisation"
            plan.records.append(PlannedRecord(item.number, item.line, Action.REJECT, name, reason, item))
            continue
        if item.is_company:
            plan.records.append(_plan_company(session, item, name, companies))
            continue
        keys = _keys(item, region)
        earlier = in_file.find(keys)
        if earlier is not None and earlier.record is not None:
            _merge_into(earlier.record, item)
            merged = PlannedRecord(
                item.number,
                item.line,
                Action.MERGE,
                name,
                f"same person as {earlier.where}",
                item,
                merged_into=earlier.number,
                warnings=item.warnings,
            )
            plan.records.append(merged)
            in_file.add(_keys(earlier.record, region), earlier)
            continue
        match = known.find(keys)
        if match is None and not (keys.uid or keys.emails or keys.phones):
            match = _same_name_nothing_new(session, item)
        if match is None:
            planned = PlannedRecord(item.number, item.line, Action.CREATE, name, "new contact", item)
        else:
            contact, why = match
            changes = describe_update(session, contact, item)
            action = Action.UPDATE if changes else Action.SKIP
            reason = f"{why}: " + ("; ".join(changes) if changes else "nothing new")
            planned = PlannedRecord(item.number, item.line, action, name, reason, item, contact_id=contact.id)
        planned.warnings = item.warnings
        plan.records.append(planned)
        in_file.add(keys, planned)
    return plan


def _plan_company(
    session: Session, item: ImportedContact, name: str, seen: dict[str, PlannedRecord]
) -> PlannedRecord:
    key = fold(item.company or name)
    if key in seen:
        return PlannedRecord(
            item.number,
            item.line,
            Action.MERGE,
            name,
            f"same company as {seen[key].where}",
            item,
            merged_into=seen[key].number,
            warnings=item.warnings,
        )
    existing = session.exec(
        select(Company).where(Company.name_fold == key, col(Company.archived_at).is_(None))
    ).first()
    if existing is None:
        planned = PlannedRecord(item.number, item.line, Action.CREATE, name, "new company", item)
    else:
        planned = PlannedRecord(
            item.number, item.line, Action.SKIP, name, "company already here", item, company_id=existing.id
        )
    planned.warnings = item.warnings
    seen[key] = planned
    return planned


def _merge_into(first: ImportedContact, later: ImportedContact) -> None:
    """Fold a later record of the same person into the first one: fill what is empty, add
    what is new; the first record's non-empty values win."""
    for attribute in (
        "uid",
        "first_name",
        "middle_name",
        "last_name",
        "display_name",
        "company",
        "department",
        "title",
        "birthday",
        "notes",
    ):
        if not getattr(first, attribute) and getattr(later, attribute):
            setattr(first, attribute, getattr(later, attribute))
    known_emails = {fold(email.value) for email in first.emails}
    first.emails += [email for email in later.emails if fold(email.value) not in known_emails]
    known_phones = {"".join(filter(str.isdigit, phone.value)) for phone in first.phones}
    first.phones += [p for p in later.phones if "".join(filter(str.isdigit, p.value)) not in known_phones]
    first.addresses += [address for address in later.addresses if address not in first.addresses]
    first.tags += [tag for tag in later.tags if fold(tag) not in {fold(t) for t in first.tags}]
    for name, lines in later.extra.items():
        first.extra.setdefault(name, lines)
