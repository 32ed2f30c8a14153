"""Leads: people who showed interest, in every status, with the history that got them there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crm_tui.db.models import EntityKind, Lead, LeadStatus
from crm_tui.services.demo import names
from crm_tui.services.demo.records import DemoLead, DemoPerson
from crm_tui.services.demo.words import DISQUALIFY_REASONS, NOTES
from crm_tui.services.demo.world import World, money, next_contact, spread
from crm_tui.services.events import EventKind
from crm_tui.services.validation import fold

# Lead statuses and how often each appears once the guaranteed first four are placed.
_LEAD_STATUS_WEIGHTS = {
    LeadStatus.NEW: 35,
    LeadStatus.WORKING: 25,
    LeadStatus.CONVERTED: 20,
    LeadStatus.DISQUALIFIED: 20,
}


def make_leads(world: World, count: int, contacts: list[DemoPerson]) -> list[DemoLead]:
    statuses = spread(world, count, list(_LEAD_STATUS_WEIGHTS), _LEAD_STATUS_WEIGHTS)
    made = [_make_lead(world, status, contacts) for status in statuses]
    world.writer.flush()
    return made


_LeadPerson = tuple[str, str, str | None, tuple[str, str] | None]  # person, company, email, phone


def _stranger(world: World, lang: str, contacts: list[DemoPerson]) -> _LeadPerson:
    """Who a new lead is: mostly someone new, sometimes a person already in the book (same
    email and phone), as when a client fills in the web form again — the dedupe case."""
    if contacts and world.chance(0.03):
        known = world.rng.choice(contacts)
        return known.full_name, "", known.email, (known.phone, known.phone_e164)
    first, _middle, last = names.make_person_name(world, lang)
    company = names.make_company_name(world, lang) if world.chance(0.7) else ""
    email = names.make_email(world, first, last, lang, None) if world.chance(0.8) else None
    phone = names.make_phone(world, lang) if world.chance(0.7) else None
    return f"{first} {last}", company, email, phone


def _convert(world: World, lead: DemoLead, contacts: list[DemoPerson]) -> _LeadPerson:
    """Make `lead` one that became a contact (and its company): it carries their details."""
    known = world.rng.choice(contacts)
    company = world.companies.get(known.company_id) if known.company_id is not None else None
    lead.lang, lead.contact_id, lead.company_id = known.lang, known.id, known.company_id
    lead.converted_at = world.between(lead.created_at, min(lead.created_at + timedelta(days=20), world.now))
    return known.full_name, company.name if company else "", known.email, (known.phone, known.phone_e164)


def _make_lead(world: World, status: LeadStatus, contacts: list[DemoPerson]) -> DemoLead:
    lead_id = world.writer.new_id(Lead)
    # New leads are fresh; worked, converted and thrown-out ones have had time to be handled.
    created_at = world.days_ago(0, 30) if status is LeadStatus.NEW else world.days_ago(1, 120)
    lead = DemoLead(lead_id, world.lang(), "", "", status.value, created_at)
    if status is LeadStatus.DISQUALIFIED:
        lead.reason = world.rng.choice(DISQUALIFY_REASONS)
    if status is LeadStatus.CONVERTED and contacts:
        person, company_name, email, phone = _convert(world, lead, contacts)
    else:
        person, company_name, email, phone = _stranger(world, lead.lang, contacts)
    lead.person = person
    lead.source = world.rng.choice(world.sources)
    lead.title = " · ".join(filter(None, [person, company_name])) or email or "?"
    lang = lead.lang
    next_on, goal = next_contact(world, lang, 0.4 if status.value in ("new", "working") else 0.0)
    currency = "USD" if lang == "en" and world.chance(0.6) else "RUB"
    row: dict[str, Any] = {
        "id": lead_id,
        "title": lead.title,
        "person_name": person,
        "company_name": company_name,
        "email": email,
        "email_fold": fold(email) if email else None,
        "phone": phone[0] if phone else None,
        "phone_e164": phone[1] if phone else None,
        "source": lead.source,
        "notes": world.rng.choice(NOTES[lang]) if world.chance(0.2) else None,
        "value": money(world, currency, small=True) if world.chance(0.5) else None,
        "currency": currency,
        "next_contact_on": next_on,
        "next_contact_goal": goal,
        "status": status.value,
        "disqualify_reason": lead.reason,
        "created_at": created_at,
        "updated_at": created_at,
        "converted_at": lead.converted_at,
        "archived_at": None,
        "contact_id": lead.contact_id,
        "company_id": lead.company_id,
        "deal_id": None,  # set once the deals exist (deal → lead and lead → deal point both ways)
    }
    world.writer.add(Lead, row)
    lead.value, lead.currency, lead.next_contact_on = row["value"], currency, next_on
    _lead_events(world, lead)
    return lead


def _lead_events(world: World, lead: DemoLead) -> None:
    """`created`, then what the salesperson did: started work, disqualified, or converted.

    Events before conversion carry no contact (there was none yet), as the services write them.
    """
    entity = (EntityKind.LEAD, lead.id)
    world.event(
        lead.created_at,
        EventKind.CREATED,
        entity,
        (None, None),
        f"Lead created: {lead.title}",
        {"source": lead.source},
    )
    if lead.status == LeadStatus.NEW:
        return
    worked_at = world.between(lead.created_at, lead.converted_at or world.now)
    world.event(
        worked_at,
        EventKind.STATUS_CHANGED,
        entity,
        (None, None),
        "status: new → working",
        {"old": "new", "new": "working", "reason": None},
    )
    if lead.status == LeadStatus.DISQUALIFIED:
        world.event(
            world.between(worked_at, world.now),
            EventKind.STATUS_CHANGED,
            entity,
            (None, None),
            f"status: working → disqualified ({lead.reason})",
            {"old": "working", "new": "disqualified", "reason": lead.reason},
        )
    elif lead.status == LeadStatus.CONVERTED and lead.converted_at is not None:
        world.event(
            lead.converted_at,
            EventKind.CONVERTED,
            entity,
            (lead.contact_id, lead.company_id),
            "Converted to a contact",
            {"contact_id": lead.contact_id, "company_id": lead.company_id},
        )
