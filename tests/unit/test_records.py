"""Records as plain dicts: the JSON the command line prints and exports (a public contract)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import insert
from sqlmodel import Session

from crm_tui.db.models import Contact, ContactEmail, EntityKind, Lead
from crm_tui.services import activities, contacts, deals, events, leads, records
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import AddressIn, ContactCreate, EmailIn, PhoneIn
from crm_tui.services.deals import DealCreate
from crm_tui.services.stages import stage_by_name
from crm_tui.vocabulary import EXPORT_KINDS
from tests.users import TEST_USER

NOW_ISO = "2026-11-20T09:00:00+00:00"


@pytest.fixture
def anna(session: Session) -> Contact:
    return contacts.create_contact(
        session,
        ContactCreate(
            first_name="Anna",
            middle_name="Maria",
            last_name="Smith",
            company_name="Acme",
            title="CEO",
            birthday=date(1990, 5, 1),
            notes="Likes tea",
            source="Referral",
            next_contact_on=date(2026, 12, 1),
            next_contact_goal="renewal",
            emails=[
                EmailIn(value="anna@acme.example", kind="work"),
                EmailIn(value="anna@home.example", kind="home"),
            ],
            phones=[PhoneIn(value="8 912 345-67-89", kind="cell"), PhoneIn(value="123", kind="ext")],
            addresses=[
                AddressIn(kind="work", street="1 Main St", city="Springfield", postcode="12345", country="US")
            ],
            tags=["vip", "Partner"],
        ),
    )


def test_contact_record(session: Session, anna: Contact) -> None:
    (record,) = records.records_by_id(session, EntityKind.CONTACT, [anna.id])
    assert record == {
        "id": anna.id,
        "full_name": "Anna Maria Smith",
        "first_name": "Anna",
        "middle_name": "Maria",
        "last_name": "Smith",
        "company": "Acme",
        "company_id": anna.company_id,
        "title": "CEO",
        "emails": [
            {"value": "anna@acme.example", "kind": "work", "primary": True},
            {"value": "anna@home.example", "kind": "home", "primary": False},
        ],
        "phones": [
            {"value": "8 912 345-67-89", "e164": "+79123456789", "kind": "cell", "primary": True},
            {"value": "123", "e164": None, "kind": "ext", "primary": False},
        ],
        "addresses": [
            {
                "kind": "work",
                "street": "1 Main St",
                "city": "Springfield",
                "region": "",
                "postcode": "12345",
                "country": "US",
                "primary": True,
            }
        ],
        "birthday": "1990-05-01",
        "tags": ["Partner", "vip"],
        "notes": "Likes tea",
        "source": "Referral",
        "last_touch_at": None,
        "next_contact_on": "2026-12-01",
        "next_contact_goal": "renewal",
        "created_at": NOW_ISO,
        "owner": TEST_USER,
        "uid": record["uid"],
        "extra": {},
    }
    assert record["uid"].startswith("urn:uuid:")
    assert json.loads(json.dumps(record)) == record


def test_an_address_is_written_with_its_keys_in_one_order(session: Session, anna: Contact) -> None:
    """The same data exports to the same bytes in every run (a set gave hash order before)."""
    (record,) = records.records_by_id(session, EntityKind.CONTACT, [anna.id])
    assert [list(address) for address in record["addresses"]] == [
        ["kind", "street", "city", "region", "postcode", "country", "primary"]
    ]


def test_contact_record_without_details(session: Session) -> None:
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob"))
    (record,) = records.records_by_id(session, EntityKind.CONTACT, [bob.id])
    assert (record["company"], record["emails"], record["phones"], record["addresses"], record["tags"]) == (
        None,
        [],
        [],
        [],
        [],
    )
    assert record["birthday"] is None


def test_lead_record(session: Session) -> None:
    lead = leads.create_lead(
        session,
        leads.lead_from_fields(
            {
                "name": "Иван",
                "company": "Ромашка",
                "email": "ivan@romashka.example",
                "phone": "8 912 345-67-89",
                "source": "Website",
                "value": "150 000,50",
                "note": "call after 10",
            }
        ),
    )
    leads.set_status(session, lead.id, leads.LeadStatus.DISQUALIFIED, "no budget")
    (record,) = records.records_by_id(session, EntityKind.LEAD, [lead.id])
    assert {
        key: record[key]
        for key in (
            "title",
            "name",
            "company",
            "email",
            "phone",
            "phone_e164",
            "source",
            "status",
            "disqualify_reason",
            "value",
            "currency",
            "notes",
        )
    } == {
        "title": "Иван · Ромашка",
        "name": "Иван",
        "company": "Ромашка",
        "email": "ivan@romashka.example",
        "phone": "8 912 345-67-89",
        "phone_e164": "+79123456789",
        "source": "Website",
        "status": "disqualified",
        "disqualify_reason": "no budget",
        "value": 150000.5,
        "currency": "RUB",
        "notes": "call after 10",
    }
    assert (record["contact_id"], record["deal_id"], record["created_at"]) == (None, None, NOW_ISO)
    json.dumps(record)


def test_lead_record_without_value(session: Session) -> None:
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Bob"}))
    assert records.lead_records(session, [lead])[0]["value"] is None


def test_deal_records_open_won_and_lost(session: Session, anna: Contact) -> None:
    open_deal = deals.create_deal(
        session,
        DealCreate(
            title="Renewal",
            contact_id=anna.id,
            amount=1_234_56,
            currency="eur",
            expected_close_on=date(2026, 12, 31),
        ),
    )
    won = deals.create_deal(session, DealCreate(title="Upsell", amount=100_00))
    deals.move_deal(session, won.id, stage_by_name(session, "Won").id)
    lost = deals.create_deal(session, DealCreate(title="Pilot"))
    deals.move_deal(session, lost.id, stage_by_name(session, "Lost").id, "too expensive")

    by_title = {
        r["title"]: r
        for r in records.records_by_id(session, EntityKind.DEAL, [open_deal.id, won.id, lost.id])
    }
    assert {
        key: by_title["Renewal"][key]
        for key in (
            "title",
            "stage",
            "status",
            "amount",
            "currency",
            "probability",
            "contact",
            "company",
            "expected_close_on",
            "closed_at",
            "lost_reason",
        )
    } == {
        "title": "Renewal",
        "stage": "New",
        "status": "open",
        "amount": 1234.56,
        "currency": "EUR",
        "probability": 10,
        "contact": "Anna Maria Smith",
        "company": "Acme",
        "expected_close_on": "2026-12-31",
        "closed_at": None,
        "lost_reason": None,
    }
    assert (by_title["Upsell"]["stage"], by_title["Upsell"]["status"], by_title["Upsell"]["closed_at"]) == (
        "Won",
        "won",
        NOW_ISO,
    )
    assert (by_title["Upsell"]["contact"], by_title["Upsell"]["company"]) == (None, None)
    assert (by_title["Pilot"]["status"], by_title["Pilot"]["lost_reason"]) == ("lost", "too expensive")
    json.dumps(list(by_title.values()))


def test_activity_and_event_records(session: Session, anna: Contact) -> None:
    call = activities.create_activity(
        session,
        ActivityCreate(
            kind="call", title="Ring", contact_id=anna.id, due_on=date(2026, 11, 21), due_time=time(14, 5)
        ),
    )
    activities.complete_activity(session, call.id, "done deal")
    (record,) = records.activity_records(session, [call])
    assert record | {"id": None} == {
        "id": None,
        "kind": "call",
        "title": "Ring",
        "due_on": "2026-11-21",
        "due_time": "14:05",
        "due_at": "2026-11-21T14:05:00+00:00",  # the tests' time zone is UTC
        "repeat": None,
        "remind_minutes": None,
        "done": True,
        "done_at": NOW_ISO,
        "outcome": "done deal",
        "notes": None,
        "contact": "Anna Maria Smith",
        "contact_id": anna.id,
        "company_id": anna.company_id,
        "deal_id": None,
        "lead_id": None,
        "owner": TEST_USER,
    }
    session.flush()
    timeline = events.timeline(session, contacts.subject(anna))
    event_record = records.event_records(session, timeline[:1])[0]
    assert (event_record["kind"], event_record["entity"], event_record["entity_id"]) == (
        "call",
        "contact",
        anna.id,
    )
    assert (event_record["at"], event_record["at_local"]) == (NOW_ISO, "2026-11-20T09:00:00")
    assert event_record["payload"] == {"activity_id": call.id, "outcome": "done deal"}
    assert event_record["actor"] == TEST_USER
    json.dumps(event_record)


def test_records_by_id_keeps_the_order_asked_and_skips_missing(session: Session) -> None:
    ids = [contacts.create_contact(session, ContactCreate(first_name=name)).id for name in ("A", "B", "C")]
    wanted = [ids[2], 999, ids[0]]
    assert [r["full_name"] for r in records.records_by_id(session, EntityKind.CONTACT, wanted)] == ["C", "A"]


def test_iter_records_pages_past_one_batch(session: Session) -> None:
    total = 1_234  # more than two batches of 500
    stamp = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    session.connection().execute(
        insert(Contact.__table__),
        [
            {
                "first_name": f"P{n:04d}",
                "full_name": f"P{n:04d}",
                "full_name_fold": f"p{n:04d}",
                "extra": {},
                "created_at": stamp,
                "updated_at": stamp,
                "archived_at": stamp if n % 100 == 0 else None,
            }
            for n in range(1, total + 1)
        ],
    )
    ids = {
        name: contact_id
        for contact_id, name in session.connection().exec_driver_sql("SELECT id, full_name FROM contact")
    }
    # Emails on contacts in the first, second and third batch: related rows follow each batch.
    session.connection().execute(
        insert(ContactEmail.__table__),
        [
            {
                "contact_id": ids[name],
                "value": f"{name}@example.com",
                "value_fold": f"{name.lower()}@example.com",
                "kind": "work",
                "is_primary": True,
            }
            for name in ("P0007", "P0700", "P0777", "P1201")
        ],
    )

    exported = list(records.iter_records(session, "contacts"))
    archived = total // 100
    assert len(exported) == total - archived
    exported_ids = [record["id"] for record in exported]
    assert exported_ids == sorted(exported_ids)
    assert len(set(exported_ids)) == len(exported_ids)
    assert "P0100" not in {record["full_name"] for record in exported}
    emails = {record["full_name"]: record["emails"] for record in exported if record["emails"]}
    assert emails == {
        "P0007": [{"value": "P0007@example.com", "kind": "work", "primary": True}],
        "P0777": [{"value": "P0777@example.com", "kind": "work", "primary": True}],
        "P1201": [{"value": "P1201@example.com", "kind": "work", "primary": True}],
    }  # P0700 is archived


def test_iter_records_of_every_kind(session: Session, anna: Contact) -> None:
    deals.create_deal(session, DealCreate(title="Renewal", contact_id=anna.id))
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Bob"}))
    leads.archive_lead(session, lead.id)
    session.add(Lead(title="Carol"))
    session.flush()
    assert [r["full_name"] for r in records.iter_records(session, "contacts")] == ["Anna Maria Smith"]
    assert [r["name"] for r in records.iter_records(session, "companies")] == ["Acme"]
    assert [r["title"] for r in records.iter_records(session, "leads")] == ["Carol"]
    assert [r["title"] for r in records.iter_records(session, "deals")] == ["Renewal"]
    assert list(records.iter_records(session, "activities")) == []
    kinds = [r["kind"] for r in records.iter_records(session, "events")]
    assert kinds.count("created") == 4  # company, contact, deal, lead
    # Every kind the command line offers to export is one the records module can write.
    for kind in EXPORT_KINDS:
        assert isinstance(list(records.iter_records(session, kind)), list)
