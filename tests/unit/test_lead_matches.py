"""Matches of inbox leads (contacts and other open leads), merging duplicates, linking."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crm_tui.db.models import Activity, CompanyBase, EntityKind, Lead, LeadStatus
from crm_tui.errors import ValidationError
from crm_tui.services import activities, companies, contacts, events, lead_triage, leads, search
from crm_tui.services.contacts import ContactCreate, EmailIn, PhoneIn
from crm_tui.services.events import EventKind
from crm_tui.services.lead_matches import LeadMatch, link_to_contact, matches_for, merge_lead


def _lead(session: Session, **fields: str) -> Lead:
    return leads.create_lead(session, leads.lead_from_fields({"name": "Ivan Petrov"} | fields))


def _at(day: int) -> str:
    return datetime(2026, 11, day, 9, 0, tzinfo=UTC).isoformat()


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run while the test reads it."""
    seen: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


# --- matches --------------------------------------------------------------------------------


def test_describe() -> None:
    assert (
        LeadMatch(EntityKind.CONTACT, 3, "Olga Morozova", "same email").describe()
        == "matches contact Olga Morozova (same email)"
    )
    assert (
        LeadMatch(EntityKind.LEAD, 12, "Ivan Petrov", "same phone").describe()
        == "matches lead 12 Ivan Petrov (same phone)"
    )


def test_a_contact_with_the_same_email_or_phone_is_the_match(session: Session) -> None:
    olga = contacts.create_contact(
        session,
        ContactCreate(
            first_name="Olga",
            last_name="Morozova",
            emails=[EmailIn(value="work@olga.example"), EmailIn(value="Olga@Home.example")],
            phones=[PhoneIn(value="+7 912 345-67-89")],
        ),
    )
    by_email = _lead(session, email="olga@HOME.example")
    by_phone = _lead(session, phone="8 912 345 67 89")
    stranger = _lead(session, email="someone@else.example", phone="+79990001122")
    session.flush()

    found = matches_for(session, [by_email.id, by_phone.id, stranger.id])

    assert found == {
        by_email.id: LeadMatch(EntityKind.CONTACT, olga.id, "Olga Morozova", "same email"),
        by_phone.id: LeadMatch(EntityKind.CONTACT, olga.id, "Olga Morozova", "same phone"),
    }
    assert found[by_email.id].describe() == "matches contact Olga Morozova (same email)"


def test_a_contact_is_preferred_to_a_lead_and_an_archived_contact_does_not_count(session: Session) -> None:
    gone = contacts.create_contact(
        session, ContactCreate(first_name="Gone", emails=[EmailIn(value="a@b.example")])
    )
    contacts.archive_contact(session, gone.id)
    first = _lead(session, email="a@b.example")
    second = _lead(session, email="a@b.example")
    session.flush()
    assert matches_for(session, [second.id])[second.id].kind is EntityKind.LEAD

    kept = contacts.create_contact(
        session, ContactCreate(first_name="Kept", emails=[EmailIn(value="A@B.example")])
    )
    session.flush()
    assert matches_for(session, [first.id, second.id]) == {
        first.id: LeadMatch(EntityKind.CONTACT, kept.id, "Kept", "same email"),
        second.id: LeadMatch(EntityKind.CONTACT, kept.id, "Kept", "same email"),
    }


def test_another_open_lead_is_the_match_the_oldest_one(session: Session, clock) -> None:
    clock(_at(10))
    oldest = _lead(session, name="Ivan Petrov", phone="+79123456789")
    clock(_at(11))
    thrown_out = _lead(session, name="Thrown", phone="+79123456789", email="ivan@petrov.example")
    lead_triage.disqualify(session, [thrown_out.id], "Spam")
    clock(_at(12))
    middle = _lead(session, name="Ivan P.", email="ivan@petrov.example")
    clock(_at(13))
    newest = _lead(
        session, name="", company="Petrov LLC", phone="8 912 345-67-89", email="IVAN@petrov.example"
    )
    archived = _lead(session, email="ivan@petrov.example")
    leads.archive_lead(session, archived.id)
    session.flush()

    found = matches_for(session, [oldest.id, middle.id, newest.id, thrown_out.id])

    # The newest shares a phone with the oldest and an email with the middle one: the oldest wins.
    assert found[newest.id] == LeadMatch(EntityKind.LEAD, oldest.id, "Ivan Petrov", "same phone")
    assert found[oldest.id] == LeadMatch(EntityKind.LEAD, newest.id, "Petrov LLC", "same phone")
    assert found[middle.id] == LeadMatch(EntityKind.LEAD, newest.id, "Petrov LLC", "same email")
    # Disqualified and archived leads are nobody's match, but may have one themselves.
    assert found[thrown_out.id].id == oldest.id
    assert archived.id not in {match.id for match in found.values()}
    assert found[newest.id].describe() == f"matches lead {oldest.id} Ivan Petrov (same phone)"


def test_a_converted_lead_tied_to_its_contact_has_no_match(session: Session) -> None:
    lead = _lead(session, email="ivan@petrov.example")
    lead_triage.convert_lead(session, lead_triage.conversion_defaults(session, lead.id))
    newcomer = _lead(session, email="ivan@petrov.example")
    session.flush()
    found = matches_for(session, [lead.id, newcomer.id])
    assert lead.id not in found
    assert found[newcomer.id].kind is EntityKind.CONTACT


def test_a_linked_lead_matches_its_contact(session: Session) -> None:
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna"))
    lead = _lead(session, email="ivan@petrov.example")
    link_to_contact(session, lead.id, anna.id)
    session.flush()
    assert matches_for(session, [lead.id]) == {
        lead.id: LeadMatch(EntityKind.CONTACT, anna.id, "Anna", "linked")
    }


def test_matches_take_the_same_few_queries_for_one_lead_or_a_page(
    session: Session, statements: list[str]
) -> None:
    contacts.create_contact(session, ContactCreate(first_name="Olga", emails=[EmailIn(value="o@x.example")]))
    page = [_lead(session, email=f"person{n}@x.example", phone=f"+7912000{n:04d}").id for n in range(100)]
    page[0] = _lead(session, email="o@x.example").id
    _lead(session, email="person5@x.example")
    session.flush()

    statements.clear()
    one = matches_for(session, page[:1])
    for_one = len(statements)
    statements.clear()
    found = matches_for(session, page)
    for_page = len(statements)

    assert for_one <= for_page <= 5  # not one query per lead
    assert one[page[0]].kind is EntityKind.CONTACT
    assert found[page[5]].kind is EntityKind.LEAD
    assert len(found) == 2
    assert matches_for(session, []) == {}


# --- merge ----------------------------------------------------------------------------------


def test_merge_fills_the_kept_lead_and_archives_the_duplicate(session: Session, events_of) -> None:
    kept = _lead(session, name="Ivan Petrov", email="ivan@petrov.example", note="first call went well")
    duplicate = _lead(
        session,
        name="I. Petrov",
        company="Petrov LLC",
        email="IVAN@petrov.example",
        phone="+79123456789",
        value="5000",
        source="Referral",
        note="asked for a discount",
        next_contact="2026-12-01",
        goal="send prices",
    )
    duplicate.extra = {
        "emails": [{"value": "sales@petrov.example", "kind": "work"}],
        "phones": [{"value": "+79990001122", "e164": "+79990001122", "kind": "work"}],
    }
    call = activities.create_activity(
        session, activities.ActivityCreate(kind="call", title="Ring Ivan", lead_id=duplicate.id)
    )

    result = merge_lead(session, duplicate.id, kept.id)
    session.flush()

    stored = session.get(Lead, kept.id)
    assert result is stored
    assert (stored.person_name, stored.company_name, stored.email) == (
        "Ivan Petrov",  # what the kept lead says stays
        "Petrov LLC",
        "ivan@petrov.example",
    )
    assert (stored.phone, stored.phone_e164, stored.value, stored.source) == (
        "+79123456789",
        "+79123456789",
        500_000,
        "Referral",
    )
    assert (stored.next_contact_on, stored.next_contact_goal) == (date(2026, 12, 1), "send prices")
    assert stored.notes == "first call went well\n\nasked for a discount"
    assert stored.extra == {
        "emails": [{"value": "sales@petrov.example", "kind": "work"}],
        "phones": [{"value": "+79990001122", "e164": "+79990001122", "kind": "work"}],
    }
    assert session.get(Activity, call.id).lead_id == kept.id

    gone = session.get(Lead, duplicate.id)
    assert gone.archived_at is not None
    (merged_into,) = events_of("lead", duplicate.id, EventKind.MERGED)
    assert merged_into.payload == {"into_lead_id": kept.id}
    (merged_with,) = events_of("lead", kept.id, EventKind.MERGED)
    assert merged_with.payload["merged_lead_id"] == duplicate.id
    assert merged_with.payload["added"] == ["sales@petrov.example", "+79123456789", "+79990001122"]
    assert merged_with.payload["activities_moved"] == [call.id]
    changed = {e.payload["field"] for e in events_of("lead", kept.id, EventKind.FIELD_CHANGED)}
    assert {"company_name", "phone", "value", "source", "notes", "next_contact_on"} <= changed
    # The duplicate is out of search and out of the inbox; the kept lead is found by the new details.
    assert [(hit.kind, hit.id) for hit in search.search(session, "sales@petrov")] == [("lead", kept.id)]
    assert leads.count_leads(session) == 1


def test_merge_refuses_itself_and_closed_targets(session: Session) -> None:
    lead = _lead(session)
    with pytest.raises(ValidationError, match="itself"):
        merge_lead(session, lead.id, lead.id)
    converted = _lead(session, name="Converted")
    lead_triage.convert_lead(session, lead_triage.conversion_defaults(session, converted.id))
    thrown = _lead(session, name="Thrown")
    lead_triage.disqualify(session, [thrown.id], "Spam")
    archived = _lead(session, name="Archived")
    leads.archive_lead(session, archived.id)
    for target, word in ((converted, "converted"), (thrown, "disqualified"), (archived, "archived")):
        with pytest.raises(ValidationError) as caught:
            merge_lead(session, lead.id, target.id)
        assert (caught.value.field, word in caught.value.message) == ("into", True)
    with pytest.raises(ValidationError) as caught:
        merge_lead(session, converted.id, lead.id)
    assert caught.value.field == "lead"
    assert session.get(Lead, lead.id).archived_at is None


# --- link -----------------------------------------------------------------------------------


def test_link_to_contact_ties_the_lead_and_its_history(session: Session, events_of) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    olga = contacts.create_contact(session, ContactCreate(first_name="Olga", company_id=acme.id))
    lead = _lead(session, email="olga@acme.example")
    events.add_note(session, leads.subject(lead), "asked about delivery")

    linked = link_to_contact(session, lead.id, olga.id)
    link_to_contact(session, lead.id, olga.id)  # again: nothing more to record

    assert (linked.contact_id, linked.company_id, linked.status) == (olga.id, acme.id, LeadStatus.NEW)
    (event_,) = [e for e in events_of("lead", lead.id, EventKind.FIELD_CHANGED)]
    assert (event_.text, event_.payload["new"], event_.contact_id) == (
        "Linked to contact Olga",
        olga.id,
        olga.id,
    )
    texts = [e.text for e in events.timeline(session, contacts.subject(olga))]
    assert "asked about delivery" in texts  # written before the link, shown through it
    assert f"Lead created: {lead.title}" in texts
    assert "asked about delivery" in [e.text for e in events.timeline(session, companies.subject(acme))]


def test_link_refuses_a_missing_or_archived_contact_and_a_converted_lead(session: Session) -> None:
    lead = _lead(session)
    gone = contacts.create_contact(session, ContactCreate(first_name="Gone"))
    contacts.archive_contact(session, gone.id)
    for contact_id in (gone.id, 999):
        with pytest.raises(ValidationError) as caught:
            link_to_contact(session, lead.id, contact_id)
        assert caught.value.field == "contact"
    assert session.get(Lead, lead.id).contact_id is None
    conversion = lead_triage.convert_lead(session, lead_triage.conversion_defaults(session, lead.id))
    other = contacts.create_contact(session, ContactCreate(first_name="Other"))
    with pytest.raises(ValidationError) as caught:
        link_to_contact(session, lead.id, other.id)
    assert caught.value.field == "lead"
    assert session.exec(select(Lead.contact_id).where(Lead.id == lead.id)).one() == conversion.contact_id
