"""The edit forms of a contact and a company (`e` on a card or a list): what the form shows,
and saving what was typed, all or nothing.

A form is a list of text fields. Emails and phones share one line each,
`work: anna@example.com, home: anna@mail.example`: an optional kind before a colon, items
separated by commas or semicolons, the primary first. Saving checks every field before it
writes anything; a bad value raises ValidationError naming the form field (`emails`,
`phones`, `birthday`, `first_name`…), and a form saved unchanged writes no event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from crm_tui.dates import today
from crm_tui.db.models import Company, Contact
from crm_tui.errors import ValidationError
from crm_tui.services import companies, contacts
from crm_tui.services.settings import phone_region
from crm_tui.services.validation import clean, fold, parse_email, parse_optional_date, parse_phone, require


@dataclass(frozen=True)
class EditField:
    name: str
    label: str
    value: str
    placeholder: str = ""
    multiline: bool = False


CONTACT_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "company",
    "title",
    "emails",
    "phones",
    "birthday",
    "tags",
    "source",
    "notes",
)
COMPANY_FIELDS = ("name", "industry", "website", "phone", "email", "address", "notes")

# `work: ` before a value: a kind holds no digit and no @, so a number or an address is never
# taken for one.
_KIND_PREFIX = re.compile(r"^\s*([^:@\d]+?)\s*:\s*(.*)$", re.DOTALL)
_ITEM_SEPARATOR = re.compile(r"[,;\n]")


def _shown_list(rows: Any) -> str:
    return ", ".join(contacts.with_kind(row.value, row.kind) for row in rows)


def contact_form(session: Session, contact_id: int) -> list[EditField]:
    """The contact's edit form, filled with what is stored."""
    contact = contacts.get_contact(session, contact_id)
    company = session.get(Company, contact.company_id) if contact.company_id is not None else None
    return [
        EditField("first_name", "First name", contact.first_name),
        EditField("middle_name", "Middle name", contact.middle_name),
        EditField("last_name", "Last name", contact.last_name),
        EditField("company", "Company", company.name if company else "", "empty: no company"),
        EditField("title", "Title", contact.title or ""),
        EditField(
            "emails",
            "Emails",
            _shown_list(contacts.emails_of(session, contact_id)),
            "work: anna@example.com, home: anna@mail.example",
        ),
        EditField(
            "phones",
            "Phones",
            _shown_list(contacts.phones_of(session, contact_id)),
            "cell: +7 912 345-67-89, work: 8 495 123-45-67",
        ),
        EditField(
            "birthday",
            "Birthday",
            contact.birthday.isoformat() if contact.birthday else "",
            "YYYY-MM-DD or DD.MM.YYYY",
        ),
        EditField("tags", "Tags", ", ".join(contacts.tags_of(session, contact_id)), "VIP, partner"),
        EditField("source", "Source", contact.source or ""),
        EditField("notes", "Notes", contact.notes or "", multiline=True),
    ]


def _items(text: str) -> list[tuple[str, str | None]]:
    """(value, kind or None) for each item of an `emails` or `phones` line."""
    found: list[tuple[str, str | None]] = []
    for item in _ITEM_SEPARATOR.split(text):
        if not item.strip():
            continue
        match = _KIND_PREFIX.match(item)
        if match and match.group(2).strip():
            found.append((match.group(2).strip(), match.group(1).casefold()))
        else:
            found.append((item.strip(), None))
    return found


def _kinds_kept(items: list[tuple[str, str | None]], stored: Any, key: Any) -> list[tuple[str, str]]:
    """Give an item typed without a kind the kind it is stored with (else the default), and
    one typed with its stored kind in another letter case that kind as stored."""
    stored_kinds = {key(row.value): row.kind for row in stored}
    kept = []
    for value, kind in items:
        known = stored_kinds.get(key(value))
        if kind is None or (known is not None and fold(known) == kind):
            kind = known or contacts.DEFAULT_KIND
        kept.append((value, kind))
    return kept


def _changed(new: list[tuple[str, str]], stored: Any) -> bool:
    return new != [(row.value, row.kind) for row in stored]


@dataclass
class _CheckedContact:
    scalars: dict[str, Any]
    company_name: str | None
    emails: list[contacts.EmailIn] | None  # None: unchanged
    phones: list[contacts.PhoneIn] | None
    tags: list[str] | None


def _check_contact(session: Session, contact: Contact, values: dict[str, str]) -> _CheckedContact:
    """Every value of the form read and checked; raises before anything is written."""
    assert contact.id is not None
    unknown = sorted(set(values) - set(CONTACT_FIELDS))
    if unknown:
        raise ValueError(f"not contact form fields: {unknown}")

    def given(name: str, current: str) -> str:
        return values[name].strip() if name in values else current

    names = {name: given(name, getattr(contact, name)) for name in ("first_name", "middle_name", "last_name")}
    if not (names["first_name"] or names["last_name"] or names["middle_name"]):
        raise ValidationError("first_name", "a contact needs a first or last name")
    # In the form's order, so that the events come in it too.
    scalars: dict[str, Any] = dict(names)
    for name in ("title", "birthday", "source", "notes"):
        if name in values:
            scalars[name] = clean(values[name])
    if "birthday" in values:
        typed = values["birthday"].strip()
        if re.fullmatch(r"\d{1,2}[./]\d{1,2}", typed):
            raise ValidationError("birthday", f"{typed!r} has no year (try 17.06.1990)")
        birthday = parse_optional_date(typed, "birthday")
        if birthday is not None and birthday > today():
            raise ValidationError("birthday", f"{typed!r} is in the future")
        scalars["birthday"] = birthday

    checked = _CheckedContact(scalars, None, None, None, None)
    if "company" in values:
        checked.company_name = clean(values["company"])

    # A line left as the form showed it is unchanged, whatever is stored in it.
    if "emails" in values and values["emails"].strip() != _shown_list(
        contacts.emails_of(session, contact.id)
    ):
        stored_emails = contacts.emails_of(session, contact.id)
        emails = _kinds_kept(_items(values["emails"]), stored_emails, fold)
        for value, _kind in emails:
            parse_email(value, "emails")
        if _changed(emails, stored_emails):
            checked.emails = [
                contacts.EmailIn(value=value, kind=kind, is_primary=position == 0)
                for position, (value, kind) in enumerate(emails)
            ]

    if "phones" in values and values["phones"].strip() != _shown_list(
        contacts.phones_of(session, contact.id)
    ):
        region = phone_region(session)
        stored_phones = contacts.phones_of(session, contact.id)
        phones = _kinds_kept(_items(values["phones"]), stored_phones, str.strip)
        for value, _kind in phones:
            parse_phone(value, region, "phones")
        if _changed(phones, stored_phones):
            checked.phones = [
                contacts.PhoneIn(value=value, kind=kind, is_primary=position == 0)
                for position, (value, kind) in enumerate(phones)
            ]

    if "tags" in values:
        checked.tags = [tag.strip() for tag in values["tags"].split(",") if tag.strip()]
    return checked


def save_contact_form(session: Session, contact_id: int, values: dict[str, str]) -> Contact:
    """Save the contact's edit form: everything checked first, then only what changed is
    written, each change with its event. A field missing from `values` is left as it is."""
    contact = contacts.get_contact(session, contact_id)
    checked = _check_contact(session, contact, values)
    # The checks above leave nothing to fail; the savepoint still keeps the writes together.
    with session.begin_nested():
        changes = dict(checked.scalars)
        if "company" in values:
            current = session.get(Company, contact.company_id) if contact.company_id is not None else None
            if checked.company_name is None:
                changes["company_id"] = None
            elif current is None or fold(current.name) != fold(checked.company_name):
                changes["company_id"] = companies.find_or_create_company(session, checked.company_name).id
        contacts.update_contact(session, contact_id, changes)
        if checked.emails is not None:
            contacts.replace_emails(session, contact_id, checked.emails)
        if checked.phones is not None:
            contacts.replace_phones(session, contact_id, checked.phones)
        if checked.tags is not None:
            contacts.set_tags(session, contact_id, checked.tags)
        session.flush()
    return contact


def company_form(session: Session, company_id: int) -> list[EditField]:
    """The company's edit form, filled with what is stored."""
    company = companies.get_company(session, company_id)
    return [
        EditField("name", "Name", company.name),
        EditField("industry", "Industry", company.industry or ""),
        EditField("website", "Website", company.website or "", "example.com"),
        EditField("phone", "Phone", company.phone or "", "+7 495 123-45-67"),
        EditField("email", "Email", company.email or "", "info@example.com"),
        EditField("address", "Address", company.address or ""),
        EditField("notes", "Notes", company.notes or "", multiline=True),
    ]


def save_company_form(session: Session, company_id: int, values: dict[str, str]) -> Company:
    """Save the company's edit form, all or nothing (name required, phone and email checked).
    A field missing from `values` is left as it is."""
    companies.get_company(session, company_id)
    unknown = sorted(set(values) - set(COMPANY_FIELDS))
    if unknown:
        raise ValueError(f"not company form fields: {unknown}")
    changes: dict[str, Any] = {name: clean(value) for name, value in values.items()}
    if "name" in values:
        changes["name"] = require("name", values["name"])
    if "email" in values:
        changes["email"] = parse_email(values["email"], "email")
    if "phone" in values:
        phone = parse_phone(values["phone"], phone_region(session), "phone")
        changes["phone"] = phone[0] if phone else None
    return companies.update_company(session, company_id, changes)
