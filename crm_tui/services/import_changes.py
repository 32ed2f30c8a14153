"""What an imported record would change on an existing contact, and making that change.

The rule: fill what is empty, add what is new (emails, phones, addresses, tags, kept vCard
properties), never overwrite a non-empty field — a differing value is reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from crm_tui.db.models import Company, Contact, ContactAddress
from crm_tui.io.contact_record import ImportedAddress, ImportedContact, ImportedEmail, ImportedPhone
from crm_tui.services import contacts
from crm_tui.services.settings import phone_region
from crm_tui.services.validation import fold, phone_search_key

# Contact fields an import may fill when they are empty.
_FILLABLE = ("first_name", "middle_name", "last_name", "title", "birthday", "notes")


@dataclass
class ContactDiff:
    fields: dict[str, Any] = field(default_factory=dict)
    company: str | None = None
    emails: list[ImportedEmail] = field(default_factory=list)
    phones: list[ImportedPhone] = field(default_factory=list)
    addresses: list[ImportedAddress] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        lines = [f"{name.replace('_', ' ')} {value}" for name, value in self.fields.items()]
        lines += [f"company {self.company}"] if self.company else []
        lines += [f"+ email {email.value}" for email in self.emails]
        lines += [f"+ phone {phone.value}" for phone in self.phones]
        lines += [f"+ address {address.city or address.street}" for address in self.addresses]
        lines += [f"+ tag {tag}" for tag in self.tags]
        lines += [f"+ {name}" for name in self.extra]
        return lines


def diff_contact(session: Session, contact: Contact, record: ImportedContact) -> ContactDiff:
    diff = ContactDiff()
    for name in _FILLABLE:
        new: str | date | None = getattr(record, name, None)
        if name == "first_name" and not new and not (record.last_name or contact.first_name):
            new = record.display_name
        old = getattr(contact, name)
        if not new:
            continue
        if not old:
            diff.fields[name] = new
        elif (isinstance(new, str) and fold(old) != fold(new)) or (not isinstance(new, str) and old != new):
            diff.conflicts.append(
                f"{name.replace('_', ' ')} differs: kept {_short(old)}, the file has {_short(new)}"
            )
    if record.company and contact.company_id is None:
        diff.company = record.company
    known_emails = {email.value_fold for email in contacts.emails_of(session, contact.id or 0)}
    diff.emails = _new_unique(record.emails, known_emails, lambda email: fold(email.value))
    region = phone_region(session)
    known_phones = {phone.e164 or phone.value for phone in contacts.phones_of(session, contact.id or 0)}
    diff.phones = _new_unique(
        record.phones, known_phones, lambda phone: phone_search_key(phone.value, region) or phone.value
    )
    known_addresses = {_address_key(row) for row in contacts.addresses_of(session, contact.id or 0)}
    diff.addresses = _new_unique(record.addresses, known_addresses, _address_key)
    known_tags = {fold(tag) for tag in contacts.tags_of(session, contact.id or 0)}
    diff.tags = _new_unique(record.tags, known_tags, fold)
    diff.extra = {name: lines for name, lines in record.extra.items() if name not in contact.extra}
    return diff


def _short(value: object, limit: int = 60) -> str:
    """A value on one line, cut to fit a report line."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _new_unique(items: list[Any], known: set[Any], key: Any) -> list[Any]:
    """Items whose key is neither known already nor repeated earlier in the list."""
    seen = set(known)
    fresh = []
    for item in items:
        item_key = key(item)
        if item_key not in seen:
            seen.add(item_key)
            fresh.append(item)
    return fresh


def _address_key(address: ContactAddress | ImportedAddress) -> tuple[str, ...]:
    return tuple(fold(getattr(address, part)) for part in ("street", "city", "postcode", "country"))


def describe_update(session: Session, contact: Contact, record: ImportedContact) -> list[str]:
    diff = diff_contact(session, contact, record)
    record.warnings.extend(diff.conflicts)
    return diff.describe()


@dataclass
class AppliedUpdate:
    """What an update did, so that undo can take exactly that back."""

    # Values before the import, JSON-ready (dates as ISO text): this is stored in the batch.
    old_fields: dict[str, Any]
    company_assigned: bool
    old_extra: dict[str, Any] | None
    email_ids: list[int]
    phone_ids: list[int]
    address_ids: list[int]
    tag_ids: list[int]
    created_company_id: int | None


def apply_diff(session: Session, contact: Contact, diff: ContactDiff) -> AppliedUpdate:
    assert contact.id is not None
    old_fields = {name: _jsonable(getattr(contact, name)) for name in diff.fields}
    if diff.fields:
        contacts.update_contact(session, contact.id, dict(diff.fields))
    created_company_id = None
    if diff.company:
        from crm_tui.services.companies import find_company_by_name, find_or_create_company

        created = find_company_by_name(session, diff.company) is None
        company: Company = find_or_create_company(session, diff.company)
        created_company_id = company.id if created else None
        contacts.update_contact(session, contact.id, {"company_id": company.id})
    old_extra = None
    if diff.extra:
        old_extra = dict(contact.extra)
        contact.extra = {**contact.extra, **diff.extra}
    email_rows = contacts.add_emails(
        session, contact.id, [contacts.EmailIn(value=e.value, kind=e.kind) for e in diff.emails]
    )
    phone_rows = contacts.add_phones(
        session, contact.id, [contacts.PhoneIn(value=p.value, kind=p.kind) for p in diff.phones]
    )
    address_rows = [
        ContactAddress.model_validate(address.parts() | {"contact_id": contact.id})
        for address in diff.addresses
    ]
    session.add_all(address_rows)
    tag_ids = contacts.add_tags(session, contact.id, diff.tags)
    session.flush()
    return AppliedUpdate(
        old_fields=old_fields,
        company_assigned=bool(diff.company),
        old_extra=old_extra,
        email_ids=[row.id for row in email_rows if row.id is not None],
        phone_ids=[row.id for row in phone_rows if row.id is not None],
        address_ids=[row.id for row in address_rows if row.id is not None],
        tag_ids=tag_ids,
        created_company_id=created_company_id,
    )
