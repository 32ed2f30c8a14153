"""Contacts with several emails, phones and addresses: create, read, update, archive, list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, delete, select

from crm_tui.dates import utcnow
from crm_tui.db.models import (
    Company,
    Contact,
    ContactAddress,
    ContactBase,
    ContactEmail,
    ContactPhone,
    ContactTag,
    EntityKind,
    Tag,
)
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import search
from crm_tui.services.companies import find_or_create_company
from crm_tui.services.events import EventKind, Subject, apply_changes, record_event
from crm_tui.services.settings import phone_region
from crm_tui.services.validation import (
    clean,
    fold,
    parse_email,
    parse_optional_date,
    parse_phone,
    split_full_name,
)


class EmailIn(SQLModel):
    value: str
    kind: str = "other"
    is_primary: bool = False


class PhoneIn(SQLModel):
    value: str
    kind: str = "other"
    is_primary: bool = False


class AddressIn(SQLModel):
    kind: str = "other"
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    is_primary: bool = False


class ContactCreate(ContactBase):
    uid: str | None = None
    company_id: int | None = None
    company_name: str | None = None
    emails: list[EmailIn] = Field(default_factory=list)
    phones: list[PhoneIn] = Field(default_factory=list)
    addresses: list[AddressIn] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


def full_name_of(first: str, middle: str, last: str) -> str:
    return " ".join(part for part in (first.strip(), middle.strip(), last.strip()) if part)


def name_columns(full_name: str, last_name: str) -> dict[str, str]:
    """The stored forms of a contact's name that lists sort and match by (every alphabet)."""
    return {
        "full_name": full_name,
        "full_name_fold": fold(full_name),
        "last_name_fold": fold(last_name or full_name),
    }


def subject(contact: Contact) -> Subject:
    assert contact.id is not None
    return Subject(EntityKind.CONTACT, contact.id, contact_id=contact.id, company_id=contact.company_id)


def get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("contact", contact_id)
    return contact


def _mark_single_primary(rows: list[dict[str, Any]]) -> None:
    """Exactly one primary per list: the first flagged one, else the first."""
    if not rows:
        return
    first_primary = next((row for row in rows if row["is_primary"]), rows[0])
    for row in rows:
        row["is_primary"] = row is first_primary


# Validated child rows are plain dicts: an import prepares thousands of them, and building an
# ORM object for each (then dumping it back for a bulk insert) cost more than the insert.


def _email_rows(emails: list[EmailIn]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, email in enumerate(emails, start=1):
        value = parse_email(email.value, field=f"email {position}")
        if value and fold(value) not in seen:
            seen.add(fold(value))
            rows.append(
                {
                    "value": value,
                    "value_fold": fold(value),
                    "kind": email.kind,
                    "is_primary": email.is_primary,
                }
            )
    _mark_single_primary(rows)
    return rows


def _phone_rows(phones: list[PhoneIn], region: str) -> list[dict[str, Any]]:
    rows = []
    for position, phone in enumerate(phones, start=1):
        parsed = parse_phone(phone.value, region, field=f"phone {position}")
        if parsed:
            rows.append(
                {"value": parsed[0], "e164": parsed[1], "kind": phone.kind, "is_primary": phone.is_primary}
            )
    _mark_single_primary(rows)
    return rows


def _validated_emails(emails: list[EmailIn]) -> list[ContactEmail]:
    return [ContactEmail(contact_id=0, **row) for row in _email_rows(emails)]


def _validated_phones(phones: list[PhoneIn], region: str) -> list[ContactPhone]:
    return [ContactPhone(contact_id=0, **row) for row in _phone_rows(phones, region)]


def tag_for(session: Session, name: str) -> Tag:
    """The tag of that name in any letter case, created when there is none."""
    tag = session.exec(select(Tag).where(Tag.name_fold == fold(name))).first()
    if tag is None:
        tag = Tag(name=name.strip(), name_fold=fold(name))
        session.add(tag)
        session.flush()
    return tag


@dataclass
class PreparedContact:
    """A validated contact, ready to write: the columns of its row and of its child rows.

    One place decides how a contact is stored, whether it is written alone (`create_contact`)
    or thousands at a time by an import (`contact_bulk`).
    """

    row: dict[str, Any]
    company_name: str | None
    # The child rows' columns, without contact_id.
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    tags: list[str]


def prepare_contact(data: ContactCreate, region: str) -> PreparedContact:
    """Validate everything first: a bad email or phone raises before anything is written."""
    first, middle, last = (
        (data.first_name or "").strip(),
        (data.middle_name or "").strip(),
        (data.last_name or "").strip(),
    )
    full_name = full_name_of(first, middle, last)
    emails = _email_rows(data.emails)
    phones = _phone_rows(data.phones, region)
    if not full_name:
        if emails:
            full_name = emails[0]["value"]
        else:
            raise ValidationError("name", "a contact needs a first or last name")
    now = utcnow()
    row = data.model_dump(include=set(ContactBase.model_fields)) | {
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        **name_columns(full_name, last),
        # Every contact gets a UID, so that an exported vCard imported again finds it.
        "uid": clean(data.uid) or f"urn:uuid:{uuid4()}",
        "company_id": data.company_id,
        "extra": data.extra,
        "title": clean(data.title),
        "notes": clean(data.notes),
        "created_at": now,
        "updated_at": now,
    }
    addresses = [address.model_dump() for address in data.addresses]
    _mark_single_primary(addresses)
    tags = list({fold(tag): tag.strip() for tag in data.tags if tag.strip()}.values())
    return PreparedContact(row, clean(data.company_name), emails, phones, addresses, tags)


def create_contact(session: Session, data: ContactCreate) -> Contact:
    prepared = prepare_contact(data, phone_region(session))
    if prepared.row["company_id"] is None and prepared.company_name:
        prepared.row["company_id"] = find_or_create_company(session, prepared.company_name).id
    contact = Contact.model_validate(prepared.row)
    session.add(contact)
    session.flush()
    assert contact.id is not None
    for model, rows in (
        (ContactEmail, prepared.emails),
        (ContactPhone, prepared.phones),
        (ContactAddress, prepared.addresses),
    ):
        for row in rows:
            session.add(model(contact_id=contact.id, **row))
    for name in prepared.tags:
        session.add(ContactTag(contact_id=contact.id, tag_id=tag_for(session, name).id or 0))
    record_event(session, subject(contact), EventKind.CREATED, f"Contact created: {contact.full_name}")
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact.id])
    return contact


def update_contact(session: Session, contact_id: int, changes: dict[str, Any]) -> Contact:
    """Change scalar fields (names, title, birthday, notes, company…), one event per field."""
    contact = get_contact(session, contact_id)
    allowed = set(ContactBase.model_fields) | {"company_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    changes = {key: value.strip() if isinstance(value, str) else value for key, value in changes.items()}
    first = changes.get("first_name", contact.first_name)
    middle = changes.get("middle_name", contact.middle_name)
    last = changes.get("last_name", contact.last_name)
    if not full_name_of(first, middle, last):
        raise ValidationError("name", "a contact needs a first or last name")
    if apply_changes(session, contact, subject(contact), changes):
        full_name = full_name_of(contact.first_name, contact.middle_name, contact.last_name)
        for column, value in name_columns(full_name, contact.last_name).items():
            setattr(contact, column, value)
        contact.updated_at = utcnow()
        session.flush()
        search.reindex(session, EntityKind.CONTACT, [contact_id])
        search.reindex_deals_of(session, EntityKind.CONTACT, contact_id)
    return contact


def replace_emails(session: Session, contact_id: int, emails: list[EmailIn]) -> None:
    contact = get_contact(session, contact_id)
    rows = _validated_emails(emails)
    old = [email.value for email in emails_of(session, contact_id)]
    new = [row.value for row in rows]
    if old == new:
        return
    session.exec(delete(ContactEmail).where(col(ContactEmail.contact_id) == contact_id))  # type: ignore[call-overload]
    for row in rows:
        row.contact_id = contact_id
        session.add(row)
    record_event(
        session,
        subject(contact),
        EventKind.FIELD_CHANGED,
        f"emails: {', '.join(old) or '—'} → {', '.join(new) or '—'}",
        {"field": "emails", "old": old, "new": new},
    )
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact_id])


def replace_phones(session: Session, contact_id: int, phones: list[PhoneIn]) -> None:
    contact = get_contact(session, contact_id)
    rows = _validated_phones(phones, phone_region(session))
    old = [phone.value for phone in phones_of(session, contact_id)]
    new = [row.value for row in rows]
    if old == new:
        return
    session.exec(delete(ContactPhone).where(col(ContactPhone.contact_id) == contact_id))  # type: ignore[call-overload]
    for row in rows:
        row.contact_id = contact_id
        session.add(row)
    record_event(
        session,
        subject(contact),
        EventKind.FIELD_CHANGED,
        f"phones: {', '.join(old) or '—'} → {', '.join(new) or '—'}",
        {"field": "phones", "old": old, "new": new},
    )
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact_id])


def _add_rows(session: Session, contact: Contact, rows: list[Any], what: str) -> list[Any]:
    """Add emails or phones to a contact that may have some: the old primary stays primary."""
    if not rows:
        return []
    assert contact.id is not None
    had_any = bool(emails_of(session, contact.id) if what == "emails" else phones_of(session, contact.id))
    for row in rows:
        row.contact_id = contact.id
        row.is_primary = row.is_primary and not had_any
        session.add(row)
    added = [row.value for row in rows]
    record_event(
        session,
        subject(contact),
        EventKind.FIELD_CHANGED,
        f"{what}: + {', '.join(added)}",
        {"field": what, "added": added},
    )
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact.id])
    return rows


def add_emails(session: Session, contact_id: int, emails: list[EmailIn]) -> list[ContactEmail]:
    return _add_rows(session, get_contact(session, contact_id), _validated_emails(emails), "emails")


def add_phones(session: Session, contact_id: int, phones: list[PhoneIn]) -> list[ContactPhone]:
    rows = _validated_phones(phones, phone_region(session))
    return _add_rows(session, get_contact(session, contact_id), rows, "phones")


def add_tags(session: Session, contact_id: int, names: list[str]) -> list[int]:
    """Tag a contact; returns the ids of the tags newly linked (already linked ones are left)."""
    contact = get_contact(session, contact_id)
    linked = set(session.exec(select(ContactTag.tag_id).where(ContactTag.contact_id == contact_id)).all())
    added: list[int] = []
    for name in {fold(tag): tag.strip() for tag in names if tag.strip()}.values():
        tag_id = tag_for(session, name).id or 0
        if tag_id not in linked:
            session.add(ContactTag(contact_id=contact_id, tag_id=tag_id))
            linked.add(tag_id)
            added.append(tag_id)
    if added:
        record_event(
            session,
            subject(contact),
            EventKind.FIELD_CHANGED,
            f"tags: + {', '.join(names)}",
            {"field": "tags", "added": names},
        )
        session.flush()
        search.reindex(session, EntityKind.CONTACT, [contact_id])
    return added


def archive_contact(session: Session, contact_id: int) -> Contact:
    contact = get_contact(session, contact_id)
    if contact.archived_at is None:
        contact.archived_at = utcnow()
        record_event(session, subject(contact), EventKind.ARCHIVED, "Contact archived")
        session.flush()
        search.reindex(session, EntityKind.CONTACT, [contact_id])
    return contact


def touch(session: Session, contact_id: int, moment: datetime | None = None) -> None:
    """Record that the salesperson was in touch with the contact (a call, email, meeting)."""
    contact = session.get(Contact, contact_id)
    if contact is not None:
        contact.last_touch_at = moment or utcnow()


def emails_of(session: Session, contact_id: int) -> Sequence[ContactEmail]:
    return session.exec(
        select(ContactEmail)
        .where(ContactEmail.contact_id == contact_id)
        .order_by(col(ContactEmail.is_primary).desc(), col(ContactEmail.id))
    ).all()


def phones_of(session: Session, contact_id: int) -> Sequence[ContactPhone]:
    return session.exec(
        select(ContactPhone)
        .where(ContactPhone.contact_id == contact_id)
        .order_by(col(ContactPhone.is_primary).desc(), col(ContactPhone.id))
    ).all()


def addresses_of(session: Session, contact_id: int) -> Sequence[ContactAddress]:
    return session.exec(
        select(ContactAddress)
        .where(ContactAddress.contact_id == contact_id)
        .order_by(col(ContactAddress.is_primary).desc(), col(ContactAddress.id))
    ).all()


def tags_of(session: Session, contact_id: int) -> list[str]:
    return list(
        session.exec(
            select(Tag.name)
            .join(ContactTag, col(ContactTag.tag_id) == Tag.id)
            .where(ContactTag.contact_id == contact_id)
            .order_by(Tag.name_fold)
        )
    )


@dataclass(frozen=True)
class ContactRow:
    id: int
    full_name: str
    company: str
    title: str
    phone: str
    email: str
    last_touch_at: datetime | None
    next_contact_on: date | None


def count_contacts(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(Contact).where(col(Contact.archived_at).is_(None))
    ).one()


def list_contacts(session: Session, offset: int = 0, limit: int = 100) -> list[ContactRow]:
    """One page of contacts in name order, with their primary phone and email."""
    primary_phone = (
        select(ContactPhone.value)
        .where(ContactPhone.contact_id == Contact.id)
        .order_by(col(ContactPhone.is_primary).desc(), col(ContactPhone.id))
        .limit(1)
        .scalar_subquery()
    )
    primary_email = (
        select(ContactEmail.value)
        .where(ContactEmail.contact_id == Contact.id)
        .order_by(col(ContactEmail.is_primary).desc(), col(ContactEmail.id))
        .limit(1)
        .scalar_subquery()
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]  # >4 columns
            Contact.id,
            Contact.full_name,
            Company.name,
            Contact.title,
            primary_phone,
            primary_email,
            Contact.last_touch_at,
            Contact.next_contact_on,
        )
        .outerjoin(Company, col(Company.id) == Contact.company_id)
        .where(col(Contact.archived_at).is_(None))
        .order_by(Contact.last_name_fold, Contact.full_name_fold)
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        ContactRow(
            row[0] or 0, row[1], row[2] or "", row[3] or "", row[4] or "", row[5] or "", row[6], row[7]
        )
        for row in rows
    ]


def contact_from_fields(fields: dict[str, str]) -> ContactCreate:
    """A contact from a form or script: first/last name (or `name` to split), company, title,
    email, phone, birthday, tags (comma separated), notes."""
    first, last = (fields.get("first_name") or "").strip(), (fields.get("last_name") or "").strip()
    if not (first or last) and (fields.get("name") or "").strip():
        first, last = split_full_name(fields["name"])
    return ContactCreate(
        first_name=first,
        last_name=last,
        middle_name=(fields.get("middle_name") or "").strip(),
        company_name=clean(fields.get("company")),
        title=clean(fields.get("title")),
        birthday=parse_optional_date(fields.get("birthday"), "birthday"),
        notes=clean(fields.get("notes")),
        source=clean(fields.get("source")),
        emails=[EmailIn(value=fields["email"], is_primary=True)] if clean(fields.get("email")) else [],
        phones=[PhoneIn(value=fields["phone"], kind="cell", is_primary=True)]
        if clean(fields.get("phone"))
        else [],
        tags=[tag.strip() for tag in (fields.get("tags") or "").split(",") if tag.strip()],
    )
