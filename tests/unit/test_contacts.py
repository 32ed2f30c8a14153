"""Contacts: create with several emails, phones and addresses; update; archive; list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Company, Contact, ContactAddress, ContactEmail, ContactPhone, Event, Tag
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import contact_list, contacts
from crm_tui.services.contact_list import ContactFilter
from crm_tui.services.contacts import AddressIn, ContactCreate, EmailIn, PhoneIn
from crm_tui.services.events import EventKind
from crm_tui.services.validation import fold

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _anna(session: Session, **extra) -> Contact:
    data = {"first_name": "Anna", "last_name": "Smith"} | extra
    return contacts.create_contact(session, ContactCreate(**data))


# --- create ---------------------------------------------------------------------------------


def test_create_contact_stores_names_and_folds(session: Session) -> None:
    contact = contacts.create_contact(
        session,
        ContactCreate(first_name=" Иван ", middle_name="Петрович", last_name="Иванов ", title="  CEO "),
    )
    stored = session.get(Contact, contact.id)
    assert stored.full_name == "Иван Петрович Иванов"
    assert stored.first_name == "Иван"
    assert stored.last_name == "Иванов"
    assert stored.full_name_fold == "иван петрович иванов"
    assert stored.last_name_fold == "иванов"
    assert stored.title == "CEO"
    assert stored.created_at == NOW


def test_create_contact_writes_one_created_event(session: Session, events_of) -> None:
    contact = _anna(session)
    written = events_of("contact", contact.id)
    assert [(e.kind, e.text) for e in written] == [(EventKind.CREATED, "Contact created: Anna Smith")]
    assert written[0].contact_id == contact.id
    assert written[0].at == NOW


def test_create_contact_with_emails_phones_addresses_and_tags(session: Session) -> None:
    contact = contacts.create_contact(
        session,
        ContactCreate(
            first_name="Anna",
            emails=[
                EmailIn(value="anna@work.example", kind="work"),
                EmailIn(value="Anna@Home.example", kind="home", is_primary=True),
                EmailIn(value="ANNA@WORK.EXAMPLE", kind="other"),  # the same address again
            ],
            phones=[
                PhoneIn(value="8 912 345-67-89", kind="cell"),
                PhoneIn(value="+44 20 7946 0958", kind="work"),
            ],
            addresses=[AddressIn(kind="home", city="Казань"), AddressIn(kind="work", city="London")],
            tags=["VIP", "vip ", "Partner", "  "],
        ),
    )
    emails = contacts.emails_of(session, contact.id)
    assert [(e.value, e.value_fold, e.kind, e.is_primary) for e in emails] == [
        ("Anna@Home.example", "anna@home.example", "home", True),
        ("anna@work.example", "anna@work.example", "work", False),
    ]
    phones = contacts.phones_of(session, contact.id)
    assert [(p.value, p.e164, p.kind, p.is_primary) for p in phones] == [
        ("8 912 345-67-89", "+79123456789", "cell", True),
        ("+44 20 7946 0958", "+442079460958", "work", False),
    ]
    addresses = contacts.addresses_of(session, contact.id)
    assert [(a.city, a.is_primary) for a in addresses] == [("Казань", True), ("London", False)]
    # One tag per spelling that folds the same; blank tags are dropped.
    assert [fold(tag) for tag in contacts.tags_of(session, contact.id)] == ["partner", "vip"]
    assert _count(session, Tag) == 2


def test_tags_are_shared_between_contacts(session: Session) -> None:
    first = _anna(session, tags=["VIP"])
    second = contacts.create_contact(session, ContactCreate(first_name="Bob", tags=["vip"]))
    assert _count(session, Tag) == 1
    assert contacts.tags_of(session, first.id) == contacts.tags_of(session, second.id) == ["VIP"]


def test_emails_are_matched_case_insensitively(session: Session) -> None:
    contact = _anna(session, emails=[EmailIn(value="Anna.Smith@Example.COM")])
    found = session.exec(
        select(ContactEmail.contact_id).where(ContactEmail.value_fold == fold("anna.smith@example.com"))
    ).all()
    assert found == [contact.id]


def test_company_name_finds_or_creates_the_company(session: Session) -> None:
    anna = _anna(session, company_name="ООО Ромашка")
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob", company_name="ооо ромашка"))
    assert anna.company_id is not None
    assert bob.company_id == anna.company_id
    assert session.get(Company, anna.company_id).name == "ООО Ромашка"
    assert _count(session, Company) == 1


def test_contact_without_a_name_is_named_after_its_email(session: Session) -> None:
    contact = contacts.create_contact(session, ContactCreate(emails=[EmailIn(value="someone@example.com")]))
    assert contact.full_name == "someone@example.com"


def test_contact_without_name_or_email_is_refused_and_nothing_is_written(session: Session) -> None:
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(
            session, ContactCreate(first_name="  ", phones=[PhoneIn(value="+79123456789")])
        )
    assert caught.value.field == "name"
    assert _count(session, Contact) == 0
    assert _count(session, ContactPhone) == 0
    assert _count(session, Event) == 0


def test_bad_email_names_its_position_and_writes_nothing(session: Session) -> None:
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(
            session,
            ContactCreate(
                first_name="Anna",
                company_name="Acme",
                emails=[EmailIn(value="anna@example.com"), EmailIn(value="not-an-email")],
            ),
        )
    assert caught.value.field == "email 2"
    for model in (Contact, ContactEmail, Company, Event):
        assert _count(session, model) == 0


def test_bad_phone_names_its_position_and_writes_nothing(session: Session) -> None:
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(session, ContactCreate(first_name="Anna", phones=[PhoneIn(value="abc")]))
    assert caught.value.field == "phone 1"
    assert _count(session, Contact) == 0


def test_get_contact_missing_raises_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="no contact with id 42"):
        contacts.get_contact(session, 42)


# --- update ---------------------------------------------------------------------------------


def test_update_writes_one_event_per_changed_field_with_old_and_new(
    session: Session, events_of, clock
) -> None:
    contact = _anna(session, title="Engineer")
    clock("2026-11-21T10:00:00+00:00")
    contacts.update_contact(
        session,
        contact.id,
        {"first_name": "Anna", "last_name": "Jones", "title": "CTO", "birthday": date(1990, 5, 1)},
    )
    changed = events_of("contact", contact.id, EventKind.FIELD_CHANGED)
    assert [e.payload for e in changed] == [
        {"field": "last_name", "old": "Smith", "new": "Jones"},
        {"field": "title", "old": "Engineer", "new": "CTO"},
        {"field": "birthday", "old": None, "new": "1990-05-01"},
    ]
    assert changed[0].text == "last name: Smith → Jones"
    assert changed[2].text == "birthday: — → 1990-05-01"
    stored = session.get(Contact, contact.id)
    assert stored.full_name == "Anna Jones"
    assert stored.full_name_fold == "anna jones"
    assert stored.last_name_fold == "jones"
    assert stored.updated_at == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def test_update_with_unchanged_values_writes_nothing(session: Session, events_of, clock) -> None:
    contact = _anna(session, title="Engineer")
    clock("2026-11-21T10:00:00+00:00")
    contacts.update_contact(session, contact.id, {"first_name": " Anna ", "title": "Engineer"})
    assert [e.kind for e in events_of("contact", contact.id)] == [EventKind.CREATED]
    assert session.get(Contact, contact.id).updated_at == NOW


def test_update_refuses_unknown_fields(session: Session) -> None:
    contact = _anna(session)
    with pytest.raises(ValueError, match="not contact fields"):
        contacts.update_contact(session, contact.id, {"shoe_size": 42})


def test_update_cannot_remove_the_whole_name(session: Session, events_of) -> None:
    contact = _anna(session)
    with pytest.raises(ValidationError) as caught:
        contacts.update_contact(session, contact.id, {"first_name": "", "last_name": "  "})
    assert caught.value.field == "name"
    assert session.get(Contact, contact.id).full_name == "Anna Smith"
    assert len(events_of("contact", contact.id)) == 1


def test_replace_emails_records_old_and_new(session: Session, events_of) -> None:
    contact = _anna(session, emails=[EmailIn(value="anna@old.example")])
    contacts.replace_emails(
        session, contact.id, [EmailIn(value="anna@new.example"), EmailIn(value="a@b.example")]
    )
    assert [e.value for e in contacts.emails_of(session, contact.id)] == ["anna@new.example", "a@b.example"]
    assert [e.payload for e in events_of("contact", contact.id, EventKind.FIELD_CHANGED)] == [
        {"field": "emails", "old": ["anna@old.example"], "new": ["anna@new.example", "a@b.example"]}
    ]
    # The same list again changes nothing and writes nothing.
    contacts.replace_emails(
        session, contact.id, [EmailIn(value="anna@new.example"), EmailIn(value="a@b.example")]
    )
    assert len(events_of("contact", contact.id, EventKind.FIELD_CHANGED)) == 1


def test_replace_emails_validates_before_deleting(session: Session) -> None:
    contact = _anna(session, emails=[EmailIn(value="anna@old.example")])
    with pytest.raises(ValidationError):
        contacts.replace_emails(session, contact.id, [EmailIn(value="broken")])
    assert [e.value for e in contacts.emails_of(session, contact.id)] == ["anna@old.example"]


def test_replace_phones_records_old_and_new(session: Session, events_of) -> None:
    contact = _anna(session, phones=[PhoneIn(value="8 912 345-67-89")])
    contacts.replace_phones(session, contact.id, [PhoneIn(value="+44 20 7946 0958")])
    assert [(p.value, p.e164) for p in contacts.phones_of(session, contact.id)] == [
        ("+44 20 7946 0958", "+442079460958")
    ]
    assert [e.payload for e in events_of("contact", contact.id, EventKind.FIELD_CHANGED)] == [
        {"field": "phones", "old": ["8 912 345-67-89"], "new": ["+44 20 7946 0958"]}
    ]


# --- archive, touch, list -------------------------------------------------------------------


def test_archive_sets_archived_at_once_and_writes_one_event(session: Session, events_of, clock) -> None:
    contact = _anna(session)
    clock("2026-11-22T08:00:00+00:00")
    contacts.archive_contact(session, contact.id)
    clock("2026-11-23T08:00:00+00:00")
    contacts.archive_contact(session, contact.id)
    assert session.get(Contact, contact.id).archived_at == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert [e.kind for e in events_of("contact", contact.id)] == [EventKind.CREATED, EventKind.ARCHIVED]


def test_archived_contacts_leave_the_list(session: Session) -> None:
    anna = _anna(session)
    contacts.create_contact(session, ContactCreate(first_name="Bob", last_name="Brown"))
    contacts.archive_contact(session, anna.id)
    assert contact_list.count_contacts(session, ContactFilter()) == 1
    assert [row.full_name for row in contact_list.list_contacts(session, ContactFilter())] == ["Bob Brown"]


def test_touch_sets_last_touch_at(session: Session) -> None:
    contact = _anna(session)
    contacts.touch(session, contact.id)
    assert session.get(Contact, contact.id).last_touch_at == NOW
    contacts.touch(session, 9999)  # a missing contact is ignored


def test_list_contacts_sorts_by_last_name_and_pages(session: Session) -> None:
    for first, last in [
        ("Zoe", "Adams"),
        ("Ян", "Яковлев"),
        ("Bob", "brown"),
        ("Al", "Čapek"),
        ("Anna", "Smith"),
    ]:
        contacts.create_contact(session, ContactCreate(first_name=first, last_name=last))
    names = [row.full_name for row in contact_list.list_contacts(session, ContactFilter())]
    # Neither letter case nor accents split the order (Čapek sorts as Capek); another
    # alphabet comes after the Latin one.
    assert names == ["Zoe Adams", "Bob brown", "Al Čapek", "Anna Smith", "Ян Яковлев"]
    assert [
        row.full_name for row in contact_list.list_contacts(session, ContactFilter(), offset=1, limit=2)
    ] == names[1:3]
    assert contact_list.count_contacts(session, ContactFilter()) == 5


def test_list_contacts_shows_company_and_primary_details(session: Session) -> None:
    contacts.create_contact(
        session,
        ContactCreate(
            first_name="Anna",
            company_name="Acme",
            title="CEO",
            emails=[EmailIn(value="other@example.com"), EmailIn(value="main@example.com", is_primary=True)],
            phones=[PhoneIn(value="+79123456789")],
        ),
    )
    (row,) = contact_list.list_contacts(session, ContactFilter())
    assert (row.company, row.title, row.email, row.phone) == (
        "Acme",
        "CEO",
        "main@example.com",
        "+79123456789",
    )
    assert row.last_touch_at is None


def test_contact_rows_cascade_with_the_contact(session: Session) -> None:
    contact = _anna(
        session,
        emails=[EmailIn(value="anna@example.com")],
        phones=[PhoneIn(value="+79123456789")],
        addresses=[AddressIn(city="Paris")],
    )
    session.delete(session.get(Contact, contact.id))
    session.flush()
    for model in (ContactEmail, ContactPhone, ContactAddress):
        assert _count(session, model) == 0
