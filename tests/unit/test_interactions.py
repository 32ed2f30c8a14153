"""`l` log, `s` next step, `d` deal from a contact, and a company's deal totals.

The clock is frozen at Friday 2026-11-20 09:00 UTC (conftest), in the UTC time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Activity, CompanyBase, Contact, Deal, EntityKind, Event, Lead, LeadBase
from crm_tui.errors import ValidationError
from crm_tui.services import activities, companies, contacts, deals, interactions, leads
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.cards import subject_of
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.events import EventKind, Subject
from crm_tui.services.stages import stage_by_name

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def _events(session: Session) -> int:
    session.flush()
    return session.exec(select(func.count()).select_from(Event)).one()


def _anna(session: Session) -> Contact:
    return contacts.create_contact(
        session, ContactCreate(first_name="Anna", last_name="Smith", company_name="Acme")
    )


def _plan(session: Session, kind: str, due_on: date | None, **links) -> Activity:
    return activities.create_activity(
        session, ActivityCreate(kind=kind, title=f"{kind} {due_on}", due_on=due_on, **links)
    )


def _done(session: Session, activity: Activity) -> bool:
    session.flush()
    return session.get(Activity, activity.id).done_at is not None


# --- log ------------------------------------------------------------------------------------


def test_logging_a_call_touches_the_contact_and_completes_the_call_it_answers(
    session: Session, events_of
) -> None:
    anna = _anna(session)
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob"))
    overdue = _plan(session, "call", date(2026, 11, 17), contact_id=anna.id)
    due_today = _plan(session, "call", TODAY, contact_id=anna.id)
    future = _plan(session, "call", date(2026, 11, 23), contact_id=anna.id)
    task = _plan(session, "task", date(2026, 11, 17), contact_id=anna.id)
    meeting = _plan(session, "meeting", date(2026, 11, 17), contact_id=anna.id)
    undated = _plan(session, "call", None, contact_id=anna.id)
    bobs = _plan(session, "call", date(2026, 11, 17), contact_id=bob.id)

    logged = interactions.log_interaction(
        session, subject_of(session, EntityKind.CONTACT, anna.id), "call", " agreed on a demo "
    )

    assert logged.completed == [overdue.id, due_today.id]
    assert [_done(session, a) for a in (overdue, due_today, future, task, meeting, undated, bobs)] == [
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert session.get(Activity, overdue.id).outcome == "agreed on a demo"
    assert session.get(Contact, anna.id).last_touch_at == NOW
    assert session.get(Contact, bob.id).last_touch_at is None
    event = session.get(Event, logged.event_id)
    assert (event.kind, event.text, event.at, event.entity_kind, event.entity_id) == (
        EventKind.CALL,
        "Call: agreed on a demo",
        NOW,
        "contact",
        anna.id,
    )
    assert event.company_id == session.get(Contact, anna.id).company_id
    assert event.payload["completed_activity_ids"] == [overdue.id, due_today.id]


@pytest.mark.parametrize("kind", ["email", "meeting"])
def test_other_kinds_complete_their_own_kind(session: Session, kind: str) -> None:
    anna = _anna(session)
    same = _plan(session, kind, TODAY, contact_id=anna.id)
    call = _plan(session, "call", TODAY, contact_id=anna.id)
    logged = interactions.log_interaction(session, contacts.subject(anna), kind.upper(), "sent the offer")
    assert logged.completed == [same.id]
    assert not _done(session, call)
    assert session.get(Event, logged.event_id).kind == kind


def test_a_call_logged_for_yesterday(session: Session, clock) -> None:
    anna = _anna(session)
    due_yesterday = _plan(session, "call", date(2026, 11, 19), contact_id=anna.id)
    due_today = _plan(session, "call", TODAY, contact_id=anna.id)
    logged = interactions.log_interaction(
        session, contacts.subject(anna), "call", "no answer", "yesterday 15:30"
    )
    moment = datetime(2026, 11, 19, 15, 30, tzinfo=UTC)
    assert session.get(Event, logged.event_id).at == moment
    # Only what was due by the day of the call; the touch is when the call was.
    assert logged.completed == [due_yesterday.id]
    assert not _done(session, due_today)
    assert session.get(Contact, anna.id).last_touch_at == moment


@pytest.mark.parametrize(
    ("when", "moment"),
    [
        ("", NOW),
        ("today", NOW),
        ("08:15", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
        ("вчера в 10:00", datetime(2026, 11, 19, 10, 0, tzinfo=UTC)),
        ("19.11", datetime(2026, 11, 19, 12, 0, tzinfo=UTC)),  # a day alone: its middle
        ("2026-11-02 17.45", datetime(2026, 11, 2, 17, 45, tzinfo=UTC)),
    ],
)
def test_when_a_logged_interaction_happened(session: Session, when: str, moment: datetime) -> None:
    anna = _anna(session)
    logged = interactions.log_interaction(session, contacts.subject(anna), "meeting", "met", when)
    assert session.get(Event, logged.event_id).at == moment


def test_an_older_call_does_not_move_the_last_touch_back(session: Session) -> None:
    anna = _anna(session)
    interactions.log_interaction(session, contacts.subject(anna), "call", "spoke", "today 08:00")
    interactions.log_interaction(session, contacts.subject(anna), "email", "sent", "18.11.2026")
    assert session.get(Contact, anna.id).last_touch_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_logging_with_a_company(session: Session, events_of) -> None:
    anna = _anna(session)
    company_id = anna.company_id
    own = _plan(session, "call", TODAY, company_id=company_id)
    annas = _plan(session, "call", TODAY, contact_id=anna.id)  # Anna's, and so Acme's too
    logged = interactions.log_interaction(
        session, subject_of(session, EntityKind.COMPANY, company_id), "call", "spoke to the office"
    )
    assert logged.completed == [own.id]
    assert not _done(session, annas)
    assert session.get(Contact, anna.id).last_touch_at is None
    # The log, and the planned call it completed (done with the log's outcome).
    assert [(e.id, e.text) for e in events_of("company", company_id, EventKind.CALL)] == [
        (logged.event_id, "Call: spoke to the office"),
        (logged.event_id + 1, f"Call: {own.title} — spoke to the office"),
    ]


@pytest.mark.parametrize(
    ("kind", "outcome", "when", "field", "message"),
    [
        ("fax", "sent", "", "kind", "kind: 'fax' is not one of call, email, meeting"),
        ("call", "  ", "", "outcome", "outcome: say how the call went"),
        ("call", "spoke", "someday", "when", "when: 'someday' is not a date: try today 10:00"),
        ("call", "spoke", "yesterday 25:00", "when", "when: 'yesterday 25:00' is not a date and time"),
        ("call", "spoke", "today 18:00", "when", "when: 'today 18:00' is in the future"),
    ],
)
def test_logging_refuses_bad_input_and_writes_nothing(
    session: Session, kind: str, outcome: str, when: str, field: str, message: str
) -> None:
    anna = _anna(session)
    call = _plan(session, "call", TODAY, contact_id=anna.id)
    before = _events(session)
    with pytest.raises(ValidationError) as caught:
        interactions.log_interaction(session, contacts.subject(anna), kind, outcome, when)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)
    assert _events(session) == before
    assert not _done(session, call)
    assert session.get(Contact, anna.id).last_touch_at is None


# --- next step ------------------------------------------------------------------------------


def test_next_step_for_a_contact(session: Session, events_of) -> None:
    anna = _anna(session)
    assert interactions.set_next_step(
        session, EntityKind.CONTACT, anna.id, "tomorrow", "send the offer"
    ) == date(2026, 11, 21)
    stored = session.get(Contact, anna.id)
    assert (stored.next_contact_on, stored.next_contact_goal) == (date(2026, 11, 21), "send the offer")
    assert [e.text for e in events_of("contact", anna.id, EventKind.FIELD_CHANGED)] == [
        "next contact on: — → 2026-11-21",
        "next contact goal: — → send the offer",
    ]


@pytest.mark.parametrize(
    ("when", "goal", "day", "stored_goal"),
    [
        ("fri", "", date(2026, 11, 27), None),  # a Friday means next Friday
        ("+3d", "call back", date(2026, 11, 23), "call back"),
        ("15.12 14:00 send the contract", "", date(2026, 12, 15), "14:00 send the contract"),
        ("в пятницу обсудить цену", "", date(2026, 11, 27), "обсудить цену"),
        ("next week demo", "the demo", date(2026, 11, 23), "the demo"),  # the goal field wins
    ],
)
def test_next_step_reads_natural_dates(
    session: Session, when: str, goal: str, day: date, stored_goal: str | None
) -> None:
    anna = _anna(session)
    assert interactions.set_next_step(session, EntityKind.CONTACT, anna.id, when, goal) == day
    stored = session.get(Contact, anna.id)
    assert (stored.next_contact_on, stored.next_contact_goal) == (day, stored_goal)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("someday", "when: 'someday' does not start with a date: try tomorrow 10:00, fri, +3d, 15.12 14:00"),
        ("31.02.2027", "when: '31.02.2027' is not a date"),
        ("2026-11-01", "when: '2026-11-01' is in the past"),
    ],
)
def test_next_step_refuses_what_is_not_a_date(session: Session, when: str, message: str) -> None:
    anna = _anna(session)
    before = _events(session)
    with pytest.raises(ValidationError) as caught:
        interactions.set_next_step(session, EntityKind.CONTACT, anna.id, when, "call")
    assert (caught.value.field, str(caught.value)) == ("when", message)
    assert session.get(Contact, anna.id).next_contact_on is None
    assert _events(session) == before


def test_an_empty_when_clears_the_next_step(session: Session, events_of) -> None:
    anna = _anna(session)
    interactions.set_next_step(session, EntityKind.CONTACT, anna.id, "tomorrow", "call")
    assert interactions.set_next_step(session, EntityKind.CONTACT, anna.id, "  ", "ignored") is None
    stored = session.get(Contact, anna.id)
    assert (stored.next_contact_on, stored.next_contact_goal) == (None, None)
    assert [e.text for e in events_of("contact", anna.id, EventKind.FIELD_CHANGED)][-2:] == [
        "next contact on: 2026-11-21 → —",
        "next contact goal: call → —",
    ]
    before = _events(session)
    interactions.set_next_step(session, EntityKind.CONTACT, anna.id, "", "")
    assert _events(session) == before  # nothing to clear


def test_next_step_for_a_company_and_a_lead(session: Session, events_of) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    lead = leads.create_lead(session, LeadBase(person_name="Olga"))
    interactions.set_next_step(session, EntityKind.COMPANY, acme.id, "mon", "renewal")
    interactions.set_next_step(session, EntityKind.LEAD, lead.id, "завтра перезвонить", "")
    assert (acme.next_contact_on, acme.next_contact_goal) == (date(2026, 11, 23), "renewal")
    stored = session.get(Lead, lead.id)
    assert (stored.next_contact_on, stored.next_contact_goal) == (date(2026, 11, 21), "перезвонить")
    assert len(events_of("company", acme.id, EventKind.FIELD_CHANGED)) == 2
    assert len(events_of("lead", lead.id, EventKind.FIELD_CHANGED)) == 2


# --- a deal from a contact ------------------------------------------------------------------


def test_deal_form_defaults(session: Session) -> None:
    anna = _anna(session)
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob", last_name="Brown"))
    assert interactions.deal_form_defaults(session, anna.id) == {
        "title": "Acme — new deal",
        "amount": "",
        "currency": "RUB",
        "stage": "New",
        "expected_close": "",
        "notes": "",
    }
    assert interactions.deal_form_defaults(session, bob.id)["title"] == "Bob Brown — new deal"


def test_a_deal_for_a_contact_is_linked_to_its_company(session: Session, events_of) -> None:
    anna = _anna(session)
    values = interactions.deal_form_defaults(session, anna.id) | {
        "amount": "150 000,50",
        "stage": "proposal",
        "expected_close": "31.12.2026",
        "notes": "two licences",
    }
    deal = interactions.create_deal_for_contact(session, anna.id, values)
    stored = session.get(Deal, deal.id)
    assert (stored.title, stored.amount, stored.currency, stored.stage_id) == (
        "Acme — new deal",
        150_000_50,
        "RUB",
        stage_by_name(session, "Proposal").id,
    )
    assert (stored.contact_id, stored.company_id) == (anna.id, anna.company_id)
    assert (stored.expected_close_on, stored.notes) == (date(2026, 12, 31), "two licences")
    assert len(events_of("deal", deal.id, EventKind.CREATED)) == 1


def test_a_deal_with_only_a_title_goes_to_the_first_open_stage(session: Session) -> None:
    bob = contacts.create_contact(session, ContactCreate(first_name="Bob"))
    deal = interactions.create_deal_for_contact(session, bob.id, {"title": "Support", "stage": ""})
    assert (deal.stage_id, deal.amount, deal.company_id) == (stage_by_name(session, "New").id, 0, None)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "Order", "amount": "lots"}, "amount"),
        ({"title": "Order", "stage": "Dreaming"}, "stage"),
        ({"title": "Order", "expected_close": "31.02.2027"}, "expected close"),
        ({"title": "Order", "currency": "roubles"}, "currency"),
    ],
)
def test_a_bad_deal_form_writes_nothing(session: Session, values: dict[str, str], field: str) -> None:
    anna = _anna(session)
    before = _events(session)
    with pytest.raises(ValidationError) as caught:
        interactions.create_deal_for_contact(session, anna.id, values)
    assert caught.value.field == field
    assert session.exec(select(func.count()).select_from(Deal)).one() == 0
    assert _events(session) == before


def test_no_deal_for_an_archived_contact(session: Session) -> None:
    anna = _anna(session)
    contacts.archive_contact(session, anna.id)
    with pytest.raises(ValidationError) as caught:
        interactions.create_deal_for_contact(session, anna.id, {"title": "Order"})
    assert (caught.value.field, caught.value.message) == ("contact", "Anna Smith is archived")


# --- company totals -------------------------------------------------------------------------


def test_company_totals(session: Session) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    other = companies.create_company(session, CompanyBase(name="Other"))

    def deal(
        amount: int, stage: str = "New", currency: str = "RUB", company_id: int | None = acme.id
    ) -> Deal:
        return deals.create_deal(
            session,
            DealCreate(
                title="Deal",
                amount=amount,
                currency=currency,
                company_id=company_id,
                stage_id=stage_by_name(session, stage).id,
            ),
        )

    deal(100_00)
    deal(250_00, "Proposal")
    deal(40_00, "Negotiation", "USD")
    deal(1_000_00, "Won")
    deal(5_00, "Won", "EUR")
    deal(70_00, "Lost")
    deal(999_00, company_id=other.id)
    deals.archive_deal(session, deal(500_00).id)

    totals = companies.company_totals(session, acme.id)
    assert totals == companies.CompanyTotals(
        open_count=3,
        open_sums={"RUB": 350_00, "USD": 40_00},
        won_count=2,
        won_sums={"RUB": 1_000_00, "EUR": 5_00},
        lost_count=1,
    )
    assert companies.company_totals(
        session, companies.create_company(session, CompanyBase(name="New")).id
    ) == (companies.CompanyTotals())


def test_subject_kinds_other_than_contact_and_company_are_refused(session: Session) -> None:
    anna = _anna(session)
    deal = deals.create_deal(session, DealCreate(title="Order", contact_id=anna.id))
    with pytest.raises(ValueError, match="contact or a company"):
        interactions.log_interaction(session, Subject(EntityKind.DEAL, deal.id), "call", "spoke")
