"""The append-only timeline: what services write, and how a record's timeline reads back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import Session

from crm_tui.db.models import CompanyBase, Contact, EntityKind, Event, LeadStatus
from crm_tui.errors import ValidationError
from crm_tui.services import activities, companies, contacts, deals, events, leads
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.events import EventKind, Subject
from crm_tui.services.stages import stage_by_name


def _at(day: int, hour: int = 9) -> str:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC).isoformat()


# --- writing --------------------------------------------------------------------------------


def test_record_event_stores_subject_and_jsonable_payload(session: Session) -> None:
    subject = Subject(EntityKind.DEAL, 5, contact_id=7, company_id=9)
    event = events.record_event(
        session,
        subject,
        EventKind.NOTE,
        "hello",
        {"on": date(2026, 1, 2), "at": time(10, 30), "when": datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "n": 3},
    )
    session.flush()
    stored = session.get(Event, event.id)
    assert (stored.entity_kind, stored.entity_id, stored.contact_id, stored.company_id) == ("deal", 5, 7, 9)
    assert stored.payload == {
        "on": "2026-01-02",
        "at": "10:30:00",
        "when": "2026-01-02T03:04:00+00:00",
        "n": 3,
    }
    assert stored.at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_apply_changes_writes_only_real_changes(session: Session, events_of) -> None:
    contact = contacts.create_contact(session, ContactCreate(first_name="Anna", title="CEO"))
    changed = events.apply_changes(
        session, contact, contacts.subject(contact), {"title": "CEO", "notes": "likes tea", "source": None}
    )
    assert changed == ["notes"]
    (event,) = events_of("contact", contact.id, EventKind.FIELD_CHANGED)
    assert event.payload == {"field": "notes", "old": None, "new": "likes tea"}
    assert event.text == "notes: — → likes tea"


def test_add_note(session: Session, events_of) -> None:
    contact = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    events.add_note(session, contacts.subject(contact), "  Prefers email to calls.  ")
    (note,) = events_of("contact", contact.id, EventKind.NOTE)
    assert note.text == "Prefers email to calls."


def test_empty_note_is_refused(session: Session, events_of) -> None:
    contact = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    with pytest.raises(ValidationError) as caught:
        events.add_note(session, contacts.subject(contact), "   ")
    assert caught.value.field == "note"
    assert events_of("contact", contact.id, EventKind.NOTE) == []


def test_every_kind_of_record_writes_created_and_archived(session: Session, events_of) -> None:
    company = companies.create_company(session, CompanyBase(name="Acme"))
    contact = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Bob"}))
    deal = deals.create_deal(session, DealCreate(title="Order"))
    companies.archive_company(session, company.id)
    contacts.archive_contact(session, contact.id)
    leads.archive_lead(session, lead.id)
    deals.archive_deal(session, deal.id)
    for kind, record_id in (
        ("company", company.id),
        ("contact", contact.id),
        ("lead", lead.id),
        ("deal", deal.id),
    ):
        assert [e.kind for e in events_of(kind, record_id)] == [EventKind.CREATED, EventKind.ARCHIVED], kind


# --- reading --------------------------------------------------------------------------------


def test_timeline_is_newest_first(session: Session, clock) -> None:
    clock(_at(1))
    contact = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    subject = contacts.subject(contact)
    clock(_at(2))
    events.add_note(session, subject, "first note")
    clock(_at(3))
    contacts.update_contact(session, contact.id, {"title": "CTO"})
    clock(_at(4))
    events.add_note(session, subject, "second note")
    session.flush()

    timeline = events.timeline(session, subject)
    assert [(e.kind, e.text) for e in timeline] == [
        (EventKind.NOTE, "second note"),
        (EventKind.FIELD_CHANGED, "title: — → CTO"),
        (EventKind.NOTE, "first note"),
        (EventKind.CREATED, "Contact created: Anna"),
    ]
    assert [e.at.day for e in timeline] == [4, 3, 2, 1]


def test_events_at_the_same_instant_keep_the_order_they_were_written(session: Session) -> None:
    contact = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    subject = contacts.subject(contact)
    for number in range(3):
        events.add_note(session, subject, f"note {number}")
    session.flush()
    assert [e.text for e in events.timeline(session, subject)][:3] == ["note 2", "note 1", "note 0"]


def test_timeline_limit(session: Session) -> None:
    contact = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    subject = contacts.subject(contact)
    for number in range(5):
        events.add_note(session, subject, f"note {number}")
    session.flush()
    assert [e.text for e in events.timeline(session, subject, limit=2)] == ["note 4", "note 3"]


def test_contact_timeline_includes_its_deals_and_activities(session: Session, clock) -> None:
    clock(_at(1))
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna", company_name="Acme"))
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob"))
    clock(_at(2))
    deal = deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    deals.create_deal(session, DealCreate(title="Bob's order", contact_id=bob.id))
    clock(_at(3))
    deals.move_deal(session, deal.id, stage_by_name(session, "Proposal").id)
    clock(_at(4))
    call = activities.create_activity(session, ActivityCreate(kind="call", title="Ring", deal_id=deal.id))
    clock(_at(5))
    activities.complete_activity(session, call.id, "ok")
    session.flush()

    timeline = events.timeline(session, contacts.subject(session.get(Contact, anna.id)))
    assert [(e.entity_kind, e.kind, e.text) for e in timeline] == [
        ("deal", EventKind.CALL, "Call: Ring — ok"),
        ("deal", EventKind.TASK, "Call planned: Ring"),
        ("deal", EventKind.STAGE_CHANGED, "stage: New → Proposal"),
        ("deal", EventKind.CREATED, "Deal created: Order (New)"),
        ("contact", EventKind.CREATED, "Contact created: Anna"),
    ]
    stage_change = timeline[2]
    assert (stage_change.payload["from"], stage_change.payload["to"]) == ("New", "Proposal")


def test_deal_timeline_holds_only_the_deal(session: Session) -> None:
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    deal = deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    events.add_note(session, contacts.subject(anna), "about Anna, not the deal")
    session.flush()
    assert [e.kind for e in events.timeline(session, deals.subject(deal))] == [EventKind.CREATED]


def test_company_timeline_includes_its_people_and_deals(session: Session) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna", company_id=acme.id))
    deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    contacts.create_contact(session, ContactCreate(first_name="Stranger"))
    session.flush()
    timeline = events.timeline(session, companies.subject(acme))
    assert [(e.entity_kind, e.kind) for e in timeline] == [
        ("deal", EventKind.CREATED),
        ("contact", EventKind.CREATED),
        ("company", EventKind.CREATED),
    ]


def test_lead_timeline_holds_status_changes(session: Session, clock) -> None:
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Bob"}))
    clock(_at(21))
    leads.set_status(session, lead.id, LeadStatus.DISQUALIFIED, "spam")
    session.flush()
    timeline = events.timeline(session, leads.subject(lead))
    assert [e.kind for e in timeline] == [EventKind.STATUS_CHANGED, EventKind.CREATED]
    assert timeline[0].payload == {"old": "new", "new": "disqualified", "reason": "spam"}
