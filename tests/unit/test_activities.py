"""Activities: planning writes a task event; completing a call, meeting or email is a touch."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Activity, CompanyBase, Contact, Event
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import activities, companies, contacts, deals, events, leads
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.events import EventKind

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


@pytest.fixture
def anna(session: Session) -> Contact:
    return contacts.create_contact(
        session, ContactCreate(first_name="Anna", last_name="Smith", company_name="Acme")
    )


def _activity(session: Session, **fields) -> Activity:
    return activities.create_activity(session, ActivityCreate(**({"title": "Call back"} | fields)))


# --- create ---------------------------------------------------------------------------------


def test_planning_an_activity_writes_a_task_event(session: Session, anna: Contact, events_of) -> None:
    activity = _activity(session, kind="call", contact_id=anna.id, due_on=date(2026, 11, 25), notes="  ")
    assert activity.notes is None
    (planned,) = events_of("contact", anna.id, EventKind.TASK)
    assert planned.text == "Call planned: Call back due 2026-11-25"
    assert planned.payload == {"activity_id": activity.id}
    # The person's company gets the activity on its timeline too.
    assert (planned.contact_id, planned.company_id) == (anna.id, anna.company_id)
    assert anna.company_id is not None


def test_activity_on_a_deal_also_belongs_to_its_people(session: Session, anna: Contact, events_of) -> None:
    deal = deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    activity = _activity(session, kind="meeting", deal_id=deal.id)
    assert (activity.contact_id, activity.company_id) == (anna.id, anna.company_id)
    (planned,) = events_of("deal", deal.id, EventKind.TASK)
    assert (planned.contact_id, planned.company_id) == (anna.id, anna.company_id)
    assert planned.text == "Meeting planned: Call back"


def test_activity_on_a_lead_shows_on_the_lead(session: Session, events_of) -> None:
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Bob"}))
    _activity(session, lead_id=lead.id)
    assert len(events_of("lead", lead.id, EventKind.TASK)) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"kind": "fax"}, "kind"),
        ({"contact_id": 404}, "contact"),
        ({"deal_id": 404}, "deal"),
        ({"lead_id": 404}, "lead"),
        ({"company_id": 404}, "company"),
    ],
)
def test_create_activity_refuses_bad_input_and_writes_nothing(
    session: Session, fields: dict, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _activity(session, **fields)
    assert caught.value.field == field
    assert session.exec(select(func.count()).select_from(Activity)).one() == 0
    assert session.exec(select(func.count()).select_from(Event)).one() == 0


# --- complete -------------------------------------------------------------------------------


def test_completing_a_call_writes_a_call_event_and_touches_the_contact(
    session: Session, anna: Contact, events_of, clock
) -> None:
    activity = _activity(session, kind="call", contact_id=anna.id)
    later = datetime(2026, 11, 21, 15, 30, tzinfo=UTC)
    clock(later.isoformat())
    activities.complete_activity(session, activity.id, "  agreed on a demo ")

    stored = session.get(Activity, activity.id)
    assert (stored.done_at, stored.outcome) == (later, "agreed on a demo")
    (call,) = events_of("contact", anna.id, EventKind.CALL)
    assert call.text == "Call: Call back — agreed on a demo"
    assert call.payload == {"activity_id": activity.id, "outcome": "agreed on a demo"}
    assert call.at == later
    assert session.get(Contact, anna.id).last_touch_at == later


def test_completing_a_call_on_a_deal_touches_the_deal_contact(
    session: Session, anna: Contact, events_of
) -> None:
    deal = deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    activity = _activity(session, kind="call", deal_id=deal.id)
    activities.complete_activity(session, activity.id)
    assert len(events_of("deal", deal.id, EventKind.CALL)) == 1
    assert session.get(Contact, anna.id).last_touch_at == NOW
    # The call is on the contact's timeline too.
    timeline = events.timeline(session, contacts.subject(session.get(Contact, anna.id)))
    assert EventKind.CALL in [event.kind for event in timeline]


@pytest.mark.parametrize(("kind", "event_kind"), [("meeting", EventKind.MEETING), ("email", EventKind.EMAIL)])
def test_meetings_and_emails_are_interactions_too(
    session: Session, anna: Contact, events_of, kind: str, event_kind: str
) -> None:
    activity = _activity(session, kind=kind, contact_id=anna.id)
    activities.complete_activity(session, activity.id)
    assert len(events_of("contact", anna.id, event_kind)) == 1
    assert session.get(Contact, anna.id).last_touch_at == NOW


def test_completing_a_task_is_not_a_touch(session: Session, anna: Contact, events_of) -> None:
    activity = _activity(session, kind="task", title="Send the contract", contact_id=anna.id)
    activities.complete_activity(session, activity.id)
    (done,) = events_of("contact", anna.id, EventKind.ACTIVITY_DONE)
    assert done.text == "Task: Send the contract"
    assert session.get(Contact, anna.id).last_touch_at is None


def test_completing_twice_changes_nothing_the_second_time(
    session: Session, anna: Contact, events_of, clock
) -> None:
    activity = _activity(session, kind="call", contact_id=anna.id)
    activities.complete_activity(session, activity.id, "first")
    clock("2026-11-22T10:00:00+00:00")
    with pytest.raises(ValidationError, match="done already"):  # said, and nothing written
        activities.complete_activity(session, activity.id, "second")
    stored = session.get(Activity, activity.id)
    assert (stored.done_at, stored.outcome) == (NOW, "first")
    assert len(events_of("contact", anna.id, EventKind.CALL)) == 1
    assert session.get(Contact, anna.id).last_touch_at == NOW


def test_complete_missing_activity(session: Session) -> None:
    with pytest.raises(NotFound, match="no activity with id 7"):
        activities.complete_activity(session, 7)


# --- agenda and open activities -------------------------------------------------------------


def test_agenda_lists_overdue_and_today_timed_first(session: Session, anna: Contact) -> None:
    deal = deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    overdue = _activity(session, title="overdue", due_on=date(2026, 11, 18), contact_id=anna.id)
    untimed = _activity(session, title="today, any time", due_on=TODAY, deal_id=deal.id)
    late = _activity(session, title="today 15:00", due_on=TODAY, due_time=time(15, 0))
    early = _activity(session, title="today 09:30", due_on=TODAY, due_time=time(9, 30))
    _activity(session, title="tomorrow", due_on=date(2026, 11, 21))
    _activity(session, title="no date")
    done = _activity(session, title="done", due_on=TODAY)
    activities.complete_activity(session, done.id)

    rows = activities.agenda(session)
    assert [row.id for row in rows] == [overdue.id, early.id, late.id, untimed.id]
    assert rows[0].regarding == "Anna Smith · Acme"
    assert rows[3].regarding == "Order · Anna Smith · Acme"
    assert rows[3].contact_id == anna.id
    assert [row.title for row in activities.agenda(session, until=date(2026, 11, 21))][-1] == "tomorrow"


def test_open_activities_for_a_record(session: Session, anna: Contact) -> None:
    later = _activity(session, title="later", due_on=date(2026, 12, 1), contact_id=anna.id)
    sooner = _activity(session, title="sooner", due_on=date(2026, 11, 21), contact_id=anna.id)
    undated = _activity(session, title="undated", contact_id=anna.id)
    finished = _activity(session, title="finished", contact_id=anna.id)
    activities.complete_activity(session, finished.id)
    company = companies.create_company(session, CompanyBase(name="Other"))
    _activity(session, title="elsewhere", company_id=company.id)

    subject = contacts.subject(session.get(Contact, anna.id))
    assert [a.id for a in activities.open_activities_for(session, subject)] == [
        sooner.id,
        later.id,
        undated.id,
    ]
