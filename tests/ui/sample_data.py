"""A small, fixed data set for the Pilot and snapshot tests, written through the services."""

from __future__ import annotations

from datetime import date, time

from sqlmodel import Session

from crm_tui.db.models import LeadStatus
from crm_tui.services import activities, contacts, deals, events, leads
from crm_tui.services.stages import stage_by_name


def fill(session: Session) -> dict[str, int]:
    """Two companies, three contacts, three leads, two deals, three activities; returns ids."""
    ivanov = contacts.create_contact(
        session,
        contacts.ContactCreate(
            first_name="Пётр",
            last_name="Иванов",
            company_name="ООО «Ромашка»",
            title="Директор",
            emails=[contacts.EmailIn(value="p.ivanov@romashka.ru", kind="work")],
            phones=[contacts.PhoneIn(value="+7 912 345-67-89", kind="cell")],
            tags=["VIP"],
        ),
    )
    smith = contacts.create_contact(
        session,
        contacts.ContactCreate(
            first_name="Jane",
            last_name="Smith",
            company_name="Acme Corp",
            title="Buyer",
            emails=[contacts.EmailIn(value="jane@acme.example", kind="work")],
            phones=[contacts.PhoneIn(value="+1 212 555 0142", kind="work")],
        ),
    )
    muller = contacts.create_contact(
        session,
        contacts.ContactCreate(
            first_name="Anna", last_name="Müller", emails=[contacts.EmailIn(value="anna@mueller.de")]
        ),
    )
    lead_new = leads.create_lead(
        session,
        leads.lead_from_fields(
            {
                "name": "Ольга Смирнова",
                "company": "Вектор",
                "email": "olga@vektor.ru",
                "source": "Website",
                "value": "250 000",
            }
        ),
    )
    lead_working = leads.create_lead(
        session,
        leads.lead_from_fields(
            {
                "name": "Tom Baker",
                "company": "Baker & Sons",
                "phone": "+44 20 7946 0958",
                "source": "Referral",
            }
        ),
    )
    leads.set_status(session, lead_working.id or 0, LeadStatus.WORKING)
    lead_spam = leads.create_lead(
        session, leads.lead_from_fields({"email": "win@prize.example", "source": "Website"})
    )
    leads.set_status(session, lead_spam.id or 0, LeadStatus.DISQUALIFIED, "spam")
    supply = deals.create_deal(
        session,
        deals.DealCreate(
            title="Поставка оборудования",
            amount=150_000_00,
            contact_id=ivanov.id,
            expected_close_on=date(2026, 12, 15),
        ),
    )
    deals.move_deal(session, supply.id or 0, stage_by_name(session, "Proposal").id or 0)
    licences = deals.create_deal(
        session, deals.DealCreate(title="50 licences", amount=12_000_00, currency="USD", contact_id=smith.id)
    )
    call = activities.create_activity(
        session,
        activities.ActivityCreate(
            kind="call",
            title="Call about the proposal",
            contact_id=ivanov.id,
            deal_id=supply.id,
            due_on=date(2026, 11, 18),
        ),
    )
    meeting = activities.create_activity(
        session,
        activities.ActivityCreate(
            kind="meeting",
            title="Demo at Acme",
            contact_id=smith.id,
            due_on=date(2026, 11, 20),
            due_time=time(14, 30),
        ),
    )
    activities.create_activity(
        session,
        activities.ActivityCreate(
            kind="task", title="Send the contract", deal_id=licences.id, due_on=date(2026, 11, 25)
        ),
    )
    events.add_note(session, contacts.subject(ivanov), "Prefers calls after 10:00")
    return {
        "ivanov": ivanov.id or 0,
        "smith": smith.id or 0,
        "muller": muller.id or 0,
        "lead_new": lead_new.id or 0,
        "supply": supply.id or 0,
        "call": call.id or 0,
        "meeting": meeting.id or 0,
    }
