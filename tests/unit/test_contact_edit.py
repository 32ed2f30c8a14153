"""The contact and company edit forms (`e`), tags one by one and in bulk, archive and restore."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Company, CompanyBase, Contact, Deal, EntityKind, Event
from crm_tui.errors import ValidationError
from crm_tui.services import companies, contact_edit, contacts, deals, search
from crm_tui.services.contacts import ContactCreate, EmailIn, PhoneIn
from crm_tui.services.deals import DealCreate
from crm_tui.services.events import EventKind
from crm_tui.services.stages import stage_by_name

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _events(session: Session) -> int:
    session.flush()
    return session.exec(select(func.count()).select_from(Event)).one()


def _anna(session: Session, **extra) -> Contact:
    data = {
        "first_name": "Anna",
        "last_name": "Smith",
        "company_name": "Acme",
        "title": "CEO",
        "birthday": date(1990, 5, 17),
        "source": "referral",
        "notes": "Likes tea.\nCall after lunch.",
        "emails": [
            EmailIn(value="anna@work.example", kind="work", is_primary=True),
            EmailIn(value="anna@home.example", kind="home"),
        ],
        "phones": [PhoneIn(value="+7 912 345-67-89", kind="cell"), PhoneIn(value="8 495 123-45-67")],
        "tags": ["VIP", "cold"],
    } | extra
    return contacts.create_contact(session, ContactCreate(**data))


def _contacts_found(session: Session, text: str) -> list[int]:
    return [hit.id for hit in search.search(session, text) if hit.kind is EntityKind.CONTACT]


def _form(session: Session, contact_id: int) -> dict[str, str]:
    return {field.name: field.value for field in contact_edit.contact_form(session, contact_id)}


def _state(session: Session, contact_id: int) -> tuple:
    """Everything the form can change, to check that a refused save changed nothing."""
    session.flush()
    session.expire_all()
    contact = session.get(Contact, contact_id)
    return (
        contact.model_dump(),
        [(e.value, e.kind, e.is_primary) for e in contacts.emails_of(session, contact_id)],
        [(p.value, p.kind, p.is_primary) for p in contacts.phones_of(session, contact_id)],
        contacts.tags_of(session, contact_id),
        session.exec(select(func.count()).select_from(Company)).one(),
        _events(session),
    )


# --- the contact form -----------------------------------------------------------------------


def test_contact_form_shows_every_field_in_order(session: Session) -> None:
    anna = _anna(session)
    form = contact_edit.contact_form(session, anna.id)
    assert [field.name for field in form] == list(contact_edit.CONTACT_FIELDS)
    assert {field.name: field.value for field in form} == {
        "first_name": "Anna",
        "middle_name": "",
        "last_name": "Smith",
        "company": "Acme",
        "title": "CEO",
        "emails": "work: anna@work.example, home: anna@home.example",
        "phones": "cell: +7 912 345-67-89, 8 495 123-45-67",
        "birthday": "1990-05-17",
        "tags": "cold, VIP",
        "source": "referral",
        "notes": "Likes tea.\nCall after lunch.",
    }
    assert [field.name for field in form if field.multiline] == ["notes"]


def test_saving_the_form_unchanged_writes_nothing(session: Session) -> None:
    anna = _anna(session)
    before = _state(session, anna.id)
    contact_edit.save_contact_form(session, anna.id, _form(session, anna.id))
    assert _state(session, anna.id) == before


def test_a_contact_without_details_round_trips_too(session: Session) -> None:
    bare = contacts.create_contact(session, ContactCreate(first_name="Bob"))
    shown = _form(session, bare.id)
    assert shown["company"] == shown["emails"] == shown["birthday"] == shown["notes"] == ""
    before = _state(session, bare.id)
    contact_edit.save_contact_form(session, bare.id, shown)
    assert _state(session, bare.id) == before


def test_saved_values_are_the_values_shown_next_time(session: Session, events_of) -> None:
    anna = _anna(session)
    typed = _form(session, anna.id) | {
        "middle_name": "Maria",
        "company": "Globex",
        "title": "",
        "emails": "home: anna@home.example; anna@new.example",
        "phones": "+44 20 7946 0958",
        "birthday": "17.06.1991",
        "tags": "VIP, partner",
        "notes": "",
    }
    contact_edit.save_contact_form(session, anna.id, typed)
    shown = _form(session, anna.id)
    assert shown == typed | {
        "emails": "home: anna@home.example, anna@new.example",
        "birthday": "1991-06-17",
        "tags": "partner, VIP",
    }
    stored = session.get(Contact, anna.id)
    assert (stored.full_name, stored.title, stored.birthday, stored.notes) == (
        "Anna Maria Smith",
        None,
        date(1991, 6, 17),
        None,
    )
    assert session.get(Company, stored.company_id).name == "Globex"
    texts = [e.text for e in events_of("contact", anna.id, EventKind.FIELD_CHANGED)]
    assert texts == [
        "middle name: — → Maria",
        "title: CEO → —",
        "birthday: 1990-05-17 → 1991-06-17",
        "notes: Likes tea.\nCall after lunch. → —",
        "company: Acme → Globex",
        "emails: work: anna@work.example, home: anna@home.example"
        " → home: anna@home.example, anna@new.example",
        "phones: cell: +7 912 345-67-89, 8 495 123-45-67 → +44 20 7946 0958",
        "tags: + partner, − cold",
    ]
    # Search knows the new company and email at once.
    assert _contacts_found(session, "globex") == [anna.id]


def test_emails_with_kinds_the_first_is_primary(session: Session) -> None:
    anna = _anna(session)
    contact_edit.save_contact_form(
        session, anna.id, {"emails": "Home: anna@home.example, work: anna@work.example; other: a@b.example"}
    )
    assert [(e.value, e.kind, e.is_primary) for e in contacts.emails_of(session, anna.id)] == [
        ("anna@home.example", "home", True),
        ("anna@work.example", "work", False),
        ("a@b.example", "other", False),
    ]


def test_an_email_typed_without_its_kind_keeps_the_stored_one(session: Session, events_of) -> None:
    anna = _anna(session)
    contact_edit.save_contact_form(session, anna.id, {"emails": "ANNA@WORK.example, anna@home.example"})
    assert [(e.value, e.kind) for e in contacts.emails_of(session, anna.id)] == [
        ("ANNA@WORK.example", "work"),
        ("anna@home.example", "home"),
    ]


def test_odd_stored_values_survive_an_unchanged_save(session: Session) -> None:
    # What an imported vCard may hold: a label kind in capitals with a space, a phone with a
    # comma (a dialling pause).
    odd = contacts.create_contact(
        session,
        ContactCreate(
            first_name="Olga",
            emails=[EmailIn(value="olga@example.com", kind="Dad's Work")],
            phones=[PhoneIn(value="+7 495 123-45-67,,12", kind="main")],
        ),
    )
    shown = _form(session, odd.id)
    assert (shown["emails"], shown["phones"]) == (
        "Dad's Work: olga@example.com",
        "main: +7 495 123-45-67,,12",
    )
    before = _state(session, odd.id)
    contact_edit.save_contact_form(session, odd.id, shown)
    assert _state(session, odd.id) == before
    # Typed again in another letter case, the kind stays as stored.
    contact_edit.save_contact_form(session, odd.id, {"emails": "dad's work: olga@example.com, o@example.com"})
    assert [(e.value, e.kind) for e in contacts.emails_of(session, odd.id)] == [
        ("olga@example.com", "Dad's Work"),
        ("o@example.com", "other"),
    ]


def test_changing_only_a_kind_is_a_change(session: Session, events_of) -> None:
    anna = _anna(session)
    contact_edit.save_contact_form(session, anna.id, {"phones": "work: +7 912 345-67-89, 8 495 123-45-67"})
    assert [(p.value, p.kind) for p in contacts.phones_of(session, anna.id)] == [
        ("+7 912 345-67-89", "work"),
        ("8 495 123-45-67", "other"),
    ]
    (event,) = events_of("contact", anna.id, EventKind.FIELD_CHANGED)
    assert event.payload == {
        "field": "phones",
        "old": ["+7 912 345-67-89", "8 495 123-45-67"],
        "new": ["+7 912 345-67-89", "8 495 123-45-67"],
        "old_kinds": ["cell", "other"],
        "new_kinds": ["work", "other"],
    }


def test_an_empty_company_unlinks_it_and_an_existing_one_is_reused(session: Session, events_of) -> None:
    anna = _anna(session)
    globex = companies.create_company(session, CompanyBase(name="Globex"))
    contact_edit.save_contact_form(session, anna.id, {"company": "globex"})
    assert session.get(Contact, anna.id).company_id == globex.id
    contact_edit.save_contact_form(session, anna.id, {"company": "  "})
    assert session.get(Contact, anna.id).company_id is None
    assert session.exec(select(func.count()).select_from(Company)).one() == 2
    assert [e.text for e in events_of("contact", anna.id, EventKind.FIELD_CHANGED)] == [
        "company: Acme → Globex",
        "company: Globex → —",
    ]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("emails", "work: anna@work.example, bob@", "emails: 'bob@' is not an email address"),
        ("phones", "+7 912 345-67-89; 12ab", "phones: '12ab' is not a phone number"),
        ("phones", "cell: call me", "phones: 'call me' is not a phone number"),
        ("birthday", "31.02.2020", "birthday: '31.02.2020' is not a date"),
        ("birthday", "2030-01-01", "birthday: '2030-01-01' is in the future"),
        ("birthday", "17.06", "birthday: '17.06' has no year (try 17.06.1990)"),
    ],
)
def test_a_bad_value_is_named_and_nothing_is_written(
    session: Session, field: str, typed: str, message: str
) -> None:
    anna = _anna(session)
    before = _state(session, anna.id)
    # Every other field changed too: none of it may be written.
    values = _form(session, anna.id) | {
        "first_name": "Annie",
        "company": "Brand New Ltd",
        "emails": "new@example.com",
        "phones": "+44 20 7946 0958",
        "tags": "partner",
        field: typed,
    }
    with pytest.raises(ValidationError) as caught:
        contact_edit.save_contact_form(session, anna.id, values)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)
    assert _state(session, anna.id) == before


def test_a_contact_needs_a_name(session: Session) -> None:
    anna = _anna(session)
    before = _state(session, anna.id)
    values = _form(session, anna.id) | {"first_name": " ", "last_name": "", "company": "Elsewhere"}
    with pytest.raises(ValidationError) as caught:
        contact_edit.save_contact_form(session, anna.id, values)
    assert caught.value.field == "first_name"
    assert caught.value.message == "a contact needs a first or last name"
    assert _state(session, anna.id) == before


def test_unknown_form_fields_are_a_programming_error(session: Session) -> None:
    anna = _anna(session)
    with pytest.raises(ValueError, match="shoe_size"):
        contact_edit.save_contact_form(session, anna.id, {"shoe_size": "42"})


# --- the company form -----------------------------------------------------------------------


def _acme(session: Session) -> Company:
    return companies.create_company(
        session,
        CompanyBase(name="Acme", industry="Retail", website="acme.example", phone="+7 495 123-45-67"),
    )


def test_company_form_round_trip(session: Session, events_of) -> None:
    acme = _acme(session)
    shown = {field.name: field.value for field in contact_edit.company_form(session, acme.id)}
    assert shown == {
        "name": "Acme",
        "industry": "Retail",
        "website": "acme.example",
        "phone": "+7 495 123-45-67",
        "email": "",
        "address": "",
        "notes": "",
    }
    contact_edit.save_company_form(session, acme.id, shown)
    assert len(events_of("company", acme.id)) == 1  # created, nothing since
    contact_edit.save_company_form(session, acme.id, shown | {"email": "info@acme.example", "industry": ""})
    assert [e.text for e in events_of("company", acme.id, EventKind.FIELD_CHANGED)] == [
        "industry: Retail → —",
        "email: — → info@acme.example",
    ]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("name", "  ", "name: is required"),
        ("email", "info@", "email: 'info@' is not an email address"),
        ("phone", "12ab", "phone: '12ab' is not a phone number"),
    ],
)
def test_company_form_refuses_bad_values(session: Session, field: str, typed: str, message: str) -> None:
    acme = _acme(session)
    before = (session.get(Company, acme.id).model_dump(), _events(session))
    values = {"name": "Acme Corp", "industry": "Tech", field: typed}
    with pytest.raises(ValidationError) as caught:
        contact_edit.save_company_form(session, acme.id, values)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)
    session.expire_all()
    assert (session.get(Company, acme.id).model_dump(), _events(session)) == before


# --- tags -----------------------------------------------------------------------------------


def test_set_tags_adds_and_removes_in_one_event(session: Session, events_of) -> None:
    anna = _anna(session)
    change = contacts.set_tags(session, anna.id, ["vip", "Partner", "partner"])
    assert contacts.tags_of(session, anna.id) == ["Partner", "VIP"]
    assert change.changed and len(change.added) == 1 and len(change.removed) == 1
    (event,) = events_of("contact", anna.id, EventKind.FIELD_CHANGED)
    assert event.text == "tags: + Partner, − cold"
    assert event.payload == {"field": "tags", "added": ["Partner"], "removed": ["cold"]}
    assert not contacts.set_tags(session, anna.id, ["VIP", "partner"]).changed
    assert len(events_of("contact", anna.id, EventKind.FIELD_CHANGED)) == 1


def test_add_and_remove_tags_write_an_event_only_when_something_changed(session: Session, events_of) -> None:
    anna = _anna(session)
    assert contacts.add_tags(session, anna.id, ["VIP"]) == []
    assert contacts.remove_tags(session, anna.id, ["hot"]) == []
    assert len(contacts.add_tags(session, anna.id, ["vip", "new"])) == 1
    assert len(contacts.remove_tags(session, anna.id, ["COLD", "vip"])) == 2
    assert contacts.tags_of(session, anna.id) == ["new"]
    assert [e.text for e in events_of("contact", anna.id, EventKind.FIELD_CHANGED)] == [
        "tags: + new",
        "tags: − cold, VIP",
    ]
    # The tags themselves stay for other contacts.
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob", tags=["vip"]))
    assert contacts.tags_of(session, bob.id) == ["VIP"]


def test_bulk_tags_count_the_contacts_changed(session: Session, events_of) -> None:
    anna = _anna(session)  # VIP, cold
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob", tags=["VIP"]))
    cleo = contacts.create_contact(session, ContactCreate(first_name="Cleo"))
    changed = contacts.tag_contacts(session, [anna.id, bob.id, cleo.id, bob.id], add=["vip"], remove=["cold"])
    assert changed == 2  # Bob had VIP and no cold
    assert [contacts.tags_of(session, c.id) for c in (anna, bob, cleo)] == [["VIP"], ["VIP"], ["VIP"]]
    assert [e.text for e in events_of("contact", anna.id, EventKind.FIELD_CHANGED)] == ["tags: − cold"]
    assert events_of("contact", bob.id, EventKind.FIELD_CHANGED) == []
    assert [e.text for e in events_of("contact", cleo.id, EventKind.FIELD_CHANGED)] == ["tags: + VIP"]


@pytest.mark.parametrize(
    ("ids", "add", "remove", "field"),
    [
        ("none", ["VIP"], [], "contacts"),
        ("both", [" "], [], "add"),
        ("both", ["VIP"], ["vip"], "remove"),
        ("missing", ["VIP"], [], "contacts"),
    ],
)
def test_bulk_tags_check_everything_first(session: Session, ids, add, remove, field) -> None:
    anna = _anna(session)
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob"))
    chosen = {"none": [], "both": [anna.id, bob.id], "missing": [anna.id, 9999]}[ids]
    before = _events(session)
    with pytest.raises(ValidationError) as caught:
        contacts.tag_contacts(session, chosen, add=add, remove=remove)
    assert caught.value.field == field
    assert _events(session) == before
    assert contacts.tags_of(session, anna.id) == ["cold", "VIP"]


# --- archive and restore --------------------------------------------------------------------


def _deals_of(session: Session, anna: Contact) -> tuple[Deal, Deal, Deal]:
    open_deal = deals.create_deal(session, DealCreate(title="Open", contact_id=anna.id))
    other = deals.create_deal(session, DealCreate(title="Second", contact_id=anna.id))
    won = deals.create_deal(
        session, DealCreate(title="Won", contact_id=anna.id, stage_id=stage_by_name(session, "Won").id)
    )
    return open_deal, other, won


def test_open_deal_count(session: Session) -> None:
    anna = _anna(session)
    assert contacts.open_deal_count(session, anna.id) == 0
    open_deal, _other, _won = _deals_of(session, anna)
    deals.archive_deal(session, open_deal.id)
    assert contacts.open_deal_count(session, anna.id) == 1


def test_archive_keeping_the_deals_open(session: Session, events_of) -> None:
    anna = _anna(session)
    open_deal, other, won = _deals_of(session, anna)
    result = contacts.archive_contact(session, anna.id)
    assert (
        result.archived
        and result.archived_deal_ids == []
        and result.kept_deal_ids == [open_deal.id, other.id]
    )
    assert session.get(Contact, anna.id).archived_at == NOW
    assert all(session.get(Deal, d.id).archived_at is None for d in (open_deal, other, won))
    assert deals.count_deals(session) == 2  # still on the pipeline
    (event,) = events_of("contact", anna.id, EventKind.ARCHIVED)
    assert event.text == "Contact archived; its 2 open deals stay open"


def test_archive_with_the_deals_and_restore(session: Session, events_of, clock) -> None:
    anna = _anna(session)
    open_deal, other, won = _deals_of(session, anna)
    result = contacts.archive_contact(session, anna.id, deals="archive")
    assert result.archived_deal_ids == [open_deal.id, other.id]
    assert [session.get(Deal, d.id).archived_at for d in (open_deal, other, won)] == [NOW, NOW, None]
    assert deals.count_deals(session) == 0
    assert [e.text for e in events_of("contact", anna.id, EventKind.ARCHIVED)] == [
        "Contact archived with its 2 open deals"
    ]
    assert len(events_of("deal", open_deal.id, EventKind.ARCHIVED)) == 1
    assert _contacts_found(session, "Smith") == []

    # Archiving again does nothing; restoring takes back the contact and its two deals.
    assert not contacts.archive_contact(session, anna.id, deals="archive").archived
    clock("2026-11-21T10:00:00+00:00")
    contacts.restore_contact(session, anna.id)
    assert session.get(Contact, anna.id).archived_at is None
    assert [session.get(Deal, d.id).archived_at for d in (open_deal, other, won)] == [None, None, None]
    assert deals.count_deals(session) == 2
    (restored,) = events_of("contact", anna.id, contacts.RESTORED)
    assert (restored.text, restored.payload) == (
        "Contact restored with 2 deals",
        {"restored_deal_ids": [open_deal.id, other.id]},
    )
    assert len(events_of("deal", other.id, contacts.RESTORED)) == 1
    assert _contacts_found(session, "Smith") == [anna.id]
    # Restoring a live contact does nothing.
    contacts.restore_contact(session, anna.id)
    assert len(events_of("contact", anna.id, contacts.RESTORED)) == 1


def test_restore_leaves_deals_archived_on_their_own(session: Session) -> None:
    anna = _anna(session)
    open_deal, other, _won = _deals_of(session, anna)
    deals.archive_deal(session, other.id)  # before, and apart from, the contact
    contacts.archive_contact(session, anna.id, deals="archive")
    contacts.restore_contact(session, anna.id)
    assert session.get(Deal, open_deal.id).archived_at is None
    assert session.get(Deal, other.id).archived_at == NOW


def test_archive_refuses_an_unknown_choice(session: Session) -> None:
    anna = _anna(session)
    with pytest.raises(ValueError, match="keep"):
        contacts.archive_contact(session, anna.id, deals="delete")  # type: ignore[arg-type]
    assert session.get(Contact, anna.id).archived_at is None
