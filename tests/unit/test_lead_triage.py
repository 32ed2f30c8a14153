"""Triage of the inbox: convert, work on, disqualify, schedule, and undo of each."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from crm_tui.db.models import (
    Activity,
    Company,
    CompanyBase,
    Contact,
    ContactEmail,
    ContactPhone,
    Deal,
    Event,
    Lead,
    LeadStatus,
)
from crm_tui.errors import ValidationError
from crm_tui.services import activities, companies, contacts, deals, events, lead_triage, leads, search
from crm_tui.services.contacts import ContactCreate, EmailIn, PhoneIn
from crm_tui.services.events import EventKind
from crm_tui.services.lead_triage import ConversionRequest, conversion_defaults, convert_lead, undo_triage
from crm_tui.services.leads import InboxTab
from crm_tui.services.stages import first_open_stage, stage_by_name


def _count(session: Session, model: type) -> int:
    session.flush()
    return session.exec(select(func.count()).select_from(model)).one()


def _lead(session: Session, **fields: str) -> Lead:
    return leads.create_lead(session, leads.lead_from_fields({"name": "Olga Morozova"} | fields))


def _at(day: int, hour: int = 9) -> str:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC).isoformat()


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: _count(session, model)
        for model in (Contact, Company, Deal, Activity, Event, ContactEmail, ContactPhone)
    }


# --- conversion -----------------------------------------------------------------------------


def test_defaults_come_from_the_lead(session: Session) -> None:
    lead = _lead(
        session,
        name="Olga Morozova",
        company="ООО Ромашка",
        email="olga@romashka.example",
        phone="+7 912 345-67-89",
        value="1500,50",
        title="Website order",
    )
    request = conversion_defaults(session, lead.id)
    assert request == ConversionRequest(
        lead_id=lead.id,
        first_name="Olga",
        last_name="Morozova",
        email="olga@romashka.example",
        phone="+7 912 345-67-89",
        company_name="ООО Ромашка",
        create_deal=True,
        deal_title="Website order",
        deal_amount="1500.50",
        seen_version=lead.version,  # the conversion is refused if someone changes it meanwhile
    )
    assert conversion_defaults(session, _lead(session, value="150000").id).deal_amount == "150000"
    no_value = conversion_defaults(session, _lead(session, name="Ivan").id)
    assert (no_value.create_deal, no_value.deal_amount, no_value.last_name) == (False, "", "")


def test_convert_creates_contact_company_and_deal_with_the_lead_history(session: Session, clock) -> None:
    clock(_at(18))
    lead = _lead(
        session,
        company="ООО Ромашка",
        email="olga@romashka.example",
        phone="+79123456789",
        value="150000",
        note="wants a demo",
        source="Website",
    )
    clock(_at(19))
    lead_triage.mark_working(session, [lead.id])
    events.add_note(session, leads.subject(lead), "called, interested")
    clock(_at(20))

    conversion = convert_lead(session, conversion_defaults(session, lead.id))
    session.flush()

    contact = session.get(Contact, conversion.contact_id)
    company = session.get(Company, conversion.company_id)
    deal = session.get(Deal, conversion.deal_id)
    assert (contact.full_name, contact.company_id, contact.source) == ("Olga Morozova", company.id, "Website")
    assert [e.value for e in contacts.emails_of(session, contact.id)] == ["olga@romashka.example"]
    assert [p.e164 for p in contacts.phones_of(session, contact.id)] == ["+79123456789"]
    assert company.name == "ООО Ромашка"
    assert (deal.title, deal.amount, deal.currency) == (lead.title, 15_000_000, "RUB")
    assert (deal.contact_id, deal.company_id, deal.lead_id) == (contact.id, company.id, lead.id)
    assert deal.stage_id == first_open_stage(session).id

    stored = session.get(Lead, lead.id)
    assert stored.status == LeadStatus.CONVERTED
    assert stored.converted_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert (stored.contact_id, stored.company_id, stored.deal_id) == (contact.id, company.id, deal.id)
    assert (conversion.created_contact, conversion.created_company, conversion.created_deal) == (True,) * 3
    assert conversion.describe() == (
        "Converted: contact Olga Morozova (new), company ООО Ромашка (new), "
        f"deal {lead.title} 150\u202f000 RUB"
    )

    timeline = [(e.entity_kind, e.kind, e.text) for e in events.timeline(session, contacts.subject(contact))]
    # The lead's own history, written before the contact existed, shows on the contact.
    assert ("lead", EventKind.CREATED, f"Lead created: {lead.title}") in timeline
    assert ("lead", EventKind.STATUS_CHANGED, "status: new → working") in timeline
    assert ("lead", EventKind.NOTE, "called, interested") in timeline
    assert ("lead", EventKind.CONVERTED, conversion.describe()) in timeline
    assert ("contact", EventKind.CONVERTED, f"Converted from lead: {lead.title}") in timeline
    assert ("contact", EventKind.NOTE, "wants a demo") in timeline  # the lead's notes, copied
    assert ("deal", EventKind.CONVERTED, f"Converted from lead: {lead.title}") in timeline
    # Newest first: the conversion (today) above the lead's history (earlier days).
    assert timeline.index(("contact", EventKind.CONVERTED, f"Converted from lead: {lead.title}")) < (
        timeline.index(("lead", EventKind.STATUS_CHANGED, "status: new → working"))
    )
    company_timeline = [(e.entity_kind, e.text) for e in events.timeline(session, companies.subject(company))]
    assert ("lead", f"Lead created: {lead.title}") in company_timeline
    assert events.timeline(session, deals.subject(deal))[0].text == (f"Converted from lead: {lead.title}")
    assert leads.count_leads_in(session, InboxTab.CONVERTED) == 1


def test_convert_onto_the_contact_the_lead_matches(session: Session) -> None:
    acme = companies.create_company(session, CompanyBase(name="Acme"))
    olga = contacts.create_contact(
        session,
        ContactCreate(first_name="Olga", emails=[EmailIn(value="Olga@Acme.example")], company_id=acme.id),
    )
    lead = _lead(session, name="O. Morozova", email="olga@acme.EXAMPLE", phone="+79123456789", company="ACME")
    request = conversion_defaults(session, lead.id)
    assert (request.contact_id, request.company_id, request.company_name) == (olga.id, acme.id, "Acme")
    before = _counts(session)

    conversion = convert_lead(session, request)

    assert _count(session, Contact) == before["Contact"]
    assert _count(session, Company) == before["Company"]
    assert (conversion.contact_id, conversion.company_id, conversion.created_contact) == (
        olga.id,
        acme.id,
        False,
    )
    assert conversion.describe().startswith("Converted: contact Olga (existing), company Acme (existing)")
    # The contact had the email (in another letter case) but not the phone: only the phone is added.
    assert [e.value for e in contacts.emails_of(session, olga.id)] == ["Olga@Acme.example"]
    assert [p.e164 for p in contacts.phones_of(session, olga.id)] == ["+79123456789"]
    assert session.get(Lead, lead.id).contact_id == olga.id

    message = undo_triage(session, lead_triage.conversion_undo(conversion))
    assert message.startswith("Undone: convert lead")
    assert contacts.phones_of(session, olga.id) == []
    assert session.get(Contact, olga.id) is not None  # it was not made by the conversion
    assert session.get(Company, acme.id) is not None
    stored = session.get(Lead, lead.id)
    assert (stored.status, stored.contact_id, stored.deal_id, stored.converted_at) == (
        "new",
        None,
        None,
        None,
    )


def test_a_company_name_links_the_live_company_of_that_name(session: Session) -> None:
    acme = companies.create_company(session, CompanyBase(name="ООО Ромашка"))
    lead = _lead(session, company="ооо ромашка")
    conversion = convert_lead(session, conversion_defaults(session, lead.id))
    assert (conversion.company_id, conversion.created_company) == (acme.id, False)
    assert _count(session, Company) == 1
    assert session.get(Contact, conversion.contact_id).company_id == acme.id


def test_convert_with_a_chosen_stage_close_date_and_no_company(session: Session) -> None:
    lead = _lead(session, company="Acme")
    proposal = stage_by_name(session, "Proposal")
    request = conversion_defaults(session, lead.id)
    request.company_name = ""
    request.create_deal = True
    request.deal_title = "  "
    request.deal_amount = "12.5k"
    request.deal_stage_id = proposal.id
    request.deal_close_on = "15.12.2026"
    conversion = convert_lead(session, request)
    deal = session.get(Deal, conversion.deal_id)
    assert (deal.title, deal.amount, deal.stage_id) == (lead.title, 1_250_000, proposal.id)
    assert deal.expected_close_on == date(2026, 12, 15)
    assert (conversion.company_id, deal.company_id, _count(session, Company)) == (None, None, 0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"deal_amount": "lots"}, "deal_amount"),
        ({"deal_amount": "-5"}, "deal_amount"),
        ({"deal_close_on": "someday"}, "deal_close_on"),
        ({"deal_stage_id": 999}, "deal_stage"),
        ({"first_name": "", "last_name": "", "email": ""}, "name"),
        ({"contact_id": 999}, "contact"),
        ({"company_id": 999}, "company"),
    ],
)
def test_a_bad_value_names_the_field_and_writes_nothing(session: Session, changes: dict, field: str) -> None:
    lead = _lead(session, company="Acme", email="olga@acme.example", value="100")
    request = conversion_defaults(session, lead.id)
    for name, value in changes.items():
        setattr(request, name, value)
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        convert_lead(session, request)
    assert caught.value.field == field
    assert _counts(session) == before
    stored = session.get(Lead, lead.id)
    assert (stored.status, stored.contact_id, stored.deal_id) == ("new", None, None)


def test_a_failure_part_way_leaves_nothing_and_the_session_goes_on(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead = _lead(session, company="Acme", value="100")
    before = _counts(session)

    def broken(*_args: object, **_kwargs: object) -> Deal:
        raise ValidationError("deal", "the pipeline is being edited")

    monkeypatch.setattr(deals, "create_deal", broken)
    with pytest.raises(ValidationError):
        convert_lead(session, conversion_defaults(session, lead.id))
    # The contact and company made before the deal failed were rolled back to the savepoint.
    assert _counts(session) == before
    assert session.get(Lead, lead.id).status == "new"
    assert [(hit.kind, hit.id) for hit in search.search(session, "acme")] == [("lead", lead.id)]

    monkeypatch.undo()
    conversion = convert_lead(session, conversion_defaults(session, lead.id))
    session.commit()
    assert session.get(Deal, conversion.deal_id).lead_id == lead.id
    assert (_count(session, Contact), _count(session, Company), _count(session, Deal)) == (1, 1, 1)


def test_a_failed_conversion_first_in_its_transaction_leaves_nothing_after_commit(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The savepoint is the transaction's first write here (SQLite's driver starts
    transactions lazily), and the caller still commits what it did besides."""
    from crm_tui.db.engine import session_scope

    with session_scope(engine) as session:
        lead_id = _lead(session, company="Acme").id
        other_id = _lead(session, name="Ivan").id

    def broken(*_args: object, **_kwargs: object) -> Deal:
        raise ValidationError("deal", "the pipeline is being edited")

    monkeypatch.setattr(deals, "create_deal", broken)
    with session_scope(engine) as session:
        request = conversion_defaults(session, lead_id)
        request.create_deal = True
        with pytest.raises(ValidationError):
            convert_lead(session, request)
        lead_triage.mark_working(session, [other_id])
    with session_scope(engine) as session:
        assert (_count(session, Contact), _count(session, Company), _count(session, Deal)) == (0, 0, 0)
        assert (session.get(Lead, lead_id).status, session.get(Lead, other_id).status) == ("new", "working")


@pytest.mark.parametrize("how", ["converted", "disqualified", "archived"])
def test_a_closed_lead_cannot_be_converted(session: Session, how: str) -> None:
    lead = _lead(session)
    if how == "converted":
        convert_lead(session, conversion_defaults(session, lead.id))
    elif how == "disqualified":
        lead_triage.disqualify(session, [lead.id], "Spam")
    else:
        leads.archive_lead(session, lead.id)
    with pytest.raises(ValidationError) as caught:
        convert_lead(session, ConversionRequest(lead_id=lead.id, first_name="Olga"))
    assert caught.value.field == "lead"
    assert how in caught.value.message


def test_undo_of_a_conversion_removes_what_it_created(session: Session) -> None:
    lead = _lead(session, company="Acme", email="olga@acme.example", value="100")
    events_before = _count(session, Event)
    conversion = convert_lead(session, conversion_defaults(session, lead.id))
    assert [hit.kind for hit in search.search(session, "acme")].count("contact") == 1

    message = undo_triage(session, lead_triage.conversion_undo(conversion))

    assert message == f"Undone: convert lead {lead.title}"
    assert session.get(Contact, conversion.contact_id) is None
    assert session.get(Company, conversion.company_id) is None
    assert session.get(Deal, conversion.deal_id) is None
    assert _count(session, ContactEmail) == 0
    stored = session.get(Lead, lead.id)
    assert (stored.status, stored.contact_id, stored.company_id, stored.deal_id) == ("new", None, None, None)
    assert stored.converted_at is None
    assert [(hit.kind, hit.id) for hit in search.search(session, "acme")] == [("lead", lead.id)]
    # Nothing was taken out of the log: the undo is one more entry in it.
    assert _count(session, Event) > events_before
    kinds = [e.kind for e in events.timeline(session, leads.subject(stored))]
    assert kinds[:2] == [lead_triage.UNDONE, EventKind.STATUS_CHANGED]
    assert EventKind.CONVERTED in kinds


def test_undo_keeps_a_created_contact_that_has_been_used_since(session: Session) -> None:
    lead = _lead(session, company="Acme")
    request = conversion_defaults(session, lead.id)
    conversion = convert_lead(session, request)
    deals.create_deal(session, deals.DealCreate(title="Second order", contact_id=conversion.contact_id))

    message = undo_triage(session, lead_triage.conversion_undo(conversion))

    assert "kept contact Olga Morozova (it has 1 deal since)" in message
    assert "kept company Acme (it has 1 contact, 1 deal since)" in message
    assert session.get(Contact, conversion.contact_id) is not None
    assert session.get(Lead, lead.id).status == "new"


def test_undo_keeps_a_created_contact_with_a_note_written_since(session: Session) -> None:
    lead = _lead(session)
    conversion = convert_lead(session, conversion_defaults(session, lead.id))
    contact = session.get(Contact, conversion.contact_id)
    events.add_note(session, contacts.subject(contact), "met at the fair")
    message = undo_triage(session, lead_triage.conversion_undo(conversion))
    assert "kept contact Olga Morozova (it has 1 change since)" in message
    assert session.get(Contact, contact.id) is not None


def test_a_linked_contact_without_a_company_gets_it_and_undo_takes_it_back(session: Session) -> None:
    olga = contacts.create_contact(
        session, ContactCreate(first_name="Olga", phones=[PhoneIn(value="+79123456789")])
    )
    lead = _lead(session, phone="8 912 345 67 89", company="Acme")
    request = conversion_defaults(session, lead.id)
    assert (request.contact_id, request.company_id) == (olga.id, None)
    conversion = convert_lead(session, request)
    assert conversion.created_company
    assert session.get(Contact, olga.id).company_id == conversion.company_id
    assert len(contacts.phones_of(session, olga.id)) == 1  # same number, typed another way

    undo_triage(session, lead_triage.conversion_undo(conversion))
    assert session.get(Contact, olga.id).company_id is None
    assert session.get(Company, conversion.company_id) is None


# --- work on, disqualify --------------------------------------------------------------------


def test_mark_working_and_undo(session: Session, events_of) -> None:
    first, second = _lead(session), _lead(session, name="Ivan Petrov")
    undo = lead_triage.mark_working(session, [first.id, second.id])
    assert undo.label == "mark 2 leads as working"
    assert [session.get(Lead, i).status for i in (first.id, second.id)] == ["working", "working"]
    assert leads.count_leads_in(session, InboxTab.WORKING) == 2

    assert undo_triage(session, undo) == "Undone: mark 2 leads as working"
    assert [session.get(Lead, i).status for i in (first.id, second.id)] == ["new", "new"]
    changes = events_of("lead", first.id, EventKind.STATUS_CHANGED)
    assert [(e.payload["old"], e.payload["new"], e.payload.get("undone")) for e in changes] == [
        ("new", "working", None),
        ("working", "new", True),
    ]
    assert [e.text for e in events_of("lead", first.id, lead_triage.UNDONE)] == [
        "Undone: mark 2 leads as working"
    ]


def test_disqualify_with_a_reason_and_undo(session: Session) -> None:
    first, second, third = _lead(session), _lead(session, name="B"), _lead(session, name="C")
    undo = lead_triage.disqualify(session, [first.id, second.id, third.id], "  No budget ")
    assert undo.label == "disqualify 3 leads"
    for lead_id in (first.id, second.id, third.id):
        stored = session.get(Lead, lead_id)
        assert (stored.status, stored.disqualify_reason) == ("disqualified", "No budget")
    counts = leads.tab_counts(session)
    assert (counts[InboxTab.NEW], counts[InboxTab.DISQUALIFIED]) == (0, 3)

    assert undo_triage(session, undo) == "Undone: disqualify 3 leads"
    for lead_id in (first.id, second.id, third.id):
        stored = session.get(Lead, lead_id)
        assert (stored.status, stored.disqualify_reason) == ("new", None)
    assert leads.tab_counts(session)[InboxTab.NEW] == 3


@pytest.mark.parametrize("reason", ["", "   "])
def test_disqualify_without_a_reason_changes_nothing(session: Session, reason: str) -> None:
    lead = _lead(session)
    events_before = _count(session, Event)
    with pytest.raises(ValidationError) as caught:
        lead_triage.disqualify(session, [lead.id], reason)
    assert caught.value.field == "reason"
    assert session.get(Lead, lead.id).status == "new"
    assert _count(session, Event) == events_before


def test_a_converted_lead_in_a_marked_set_stops_the_whole_decision(session: Session) -> None:
    fresh, done = _lead(session), _lead(session, name="Done")
    convert_lead(session, conversion_defaults(session, done.id))
    with pytest.raises(ValidationError) as caught:
        lead_triage.disqualify(session, [fresh.id, done.id], "Spam")
    assert caught.value.message == f"lead {done.id} is converted already"
    assert session.get(Lead, fresh.id).status == "new"
    with pytest.raises(ValidationError):
        lead_triage.mark_working(session, [])


def test_a_bulk_decision_takes_a_snapshot_first(session: Session, backups_folder: Path) -> None:
    first, second = _lead(session), _lead(session, name="B")
    session.commit()
    lead_triage.disqualify(session, [first.id, second.id], "Spam")
    assert [path.name.endswith("before-triage.sqlite3") for path in backups_folder.iterdir()] == [True]


# --- schedule -------------------------------------------------------------------------------


def test_schedule_plans_an_activity_on_today_and_sets_the_next_contact(
    session: Session, clock, events_of
) -> None:
    lead = _lead(session)
    tomorrow = date(2026, 11, 21)
    undo = lead_triage.schedule(session, [lead.id], tomorrow, time(10, 0), "call back about price")
    assert undo.label == "schedule 1 lead for 2026-11-21 10:00"

    stored = session.get(Lead, lead.id)
    assert (stored.next_contact_on, stored.next_contact_goal) == (tomorrow, "call back about price")
    (activity,) = session.exec(select(Activity).where(Activity.lead_id == lead.id)).all()
    assert (activity.kind, activity.title, *activities.local_due(activity), activity.done_at) == (
        "call",
        "call back about price",
        tomorrow,
        time(10, 0),
        None,
    )
    assert [e.payload["field"] for e in events_of("lead", lead.id, EventKind.FIELD_CHANGED)] == [
        "next_contact_on",
        "next_contact_goal",
    ]
    # Waiting under Scheduled today, on the Today list and back in New tomorrow.
    assert leads.count_leads_in(session, InboxTab.SCHEDULED) == 1
    assert leads.count_leads_in(session, InboxTab.NEW) == 0
    assert activities.agenda(session) == []
    clock(_at(21, 8))
    assert [row.id for row in activities.agenda(session)] == [activity.id]
    assert leads.count_leads_in(session, InboxTab.NEW) == 1

    assert undo_triage(session, undo) == "Undone: schedule 1 lead for 2026-11-21 10:00"
    assert session.get(Activity, activity.id) is None
    stored = session.get(Lead, lead.id)
    assert (stored.next_contact_on, stored.next_contact_goal) == (None, None)


def test_schedule_without_a_goal_names_the_lead_and_takes_the_kind(session: Session) -> None:
    first, second = _lead(session), _lead(session, name="Ivan Petrov", company="Acme")
    undo = lead_triage.schedule(
        session, [first.id, second.id], date(2026, 11, 25), None, "  ", kind="Meeting"
    )
    titles = session.exec(
        select(Activity.kind, Activity.title, Activity.due_at).order_by(col(Activity.id))
    ).all()
    assert titles == [
        ("meeting", "Contact Olga Morozova", None),
        ("meeting", "Contact Ivan Petrov · Acme", None),
    ]
    assert len(undo.activity_ids) == 2
    assert session.get(Lead, first.id).next_contact_goal is None


def test_schedule_refuses_an_unknown_kind(session: Session) -> None:
    lead = _lead(session)
    with pytest.raises(ValidationError) as caught:
        lead_triage.schedule(session, [lead.id], date(2026, 11, 21), None, "x", kind="fax")
    assert caught.value.field == "kind"
    assert _count(session, Activity) == 0
    assert session.get(Lead, lead.id).next_contact_on is None


def test_undo_of_a_schedule_keeps_a_call_already_made(session: Session) -> None:
    lead = _lead(session)
    undo = lead_triage.schedule(session, [lead.id], date(2026, 11, 20), None, "call")
    activities.complete_activity(session, undo.activity_ids[0], "no answer")
    message = undo_triage(session, undo)
    assert message == "Undone: schedule 1 lead for 2026-11-20; kept call “call” (already done)"
    assert session.get(Activity, undo.activity_ids[0]) is not None
    assert session.get(Lead, lead.id).next_contact_on is None


def test_undo_in_a_later_session(engine) -> None:
    from crm_tui.db.engine import session_scope

    with session_scope(engine) as session:
        lead_id = _lead(session).id
    with session_scope(engine) as session:
        undo = lead_triage.schedule(session, [lead_id], date(2026, 11, 22), time(9, 30), "demo")
    with session_scope(engine) as session:
        assert undo_triage(session, undo).startswith("Undone: schedule 1 lead")
    with session_scope(engine) as session:
        assert _count(session, Activity) == 0
        assert session.get(Lead, lead_id).next_contact_on is None


def test_an_older_undo_does_not_unconvert_a_lead_converted_since(session: Session) -> None:
    lead = _lead(session)
    working = lead_triage.mark_working(session, [lead.id])
    conversion = convert_lead(session, conversion_defaults(session, lead.id))
    message = undo_triage(session, working)
    assert message == (
        "Undone: mark 1 lead as working; lead Olga Morozova was converted since (undo the conversion first)"
    )
    stored = session.get(Lead, lead.id)
    assert (stored.status, stored.contact_id) == ("converted", conversion.contact_id)


def test_a_conversion_not_made_by_convert_lead_has_no_undo() -> None:
    made_by_hand = lead_triage.Conversion(1, 2, None, None, True, False, False, contact_name="Olga")
    assert made_by_hand.describe() == "Converted: contact Olga (new)"
    with pytest.raises(ValueError, match="not made by convert_lead"):
        lead_triage.conversion_undo(made_by_hand)
