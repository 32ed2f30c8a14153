"""Records as plain dicts with readable fields: the JSON the command line prints and exports.

Field names are a public contract (scripts read them): add fields, never rename them.
Records are built a batch at a time with one query per related table, so exporting 100,000
contacts streams instead of loading everything or querying per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, col, select

from crm_tui.dates import to_local
from crm_tui.db.models import (
    Activity,
    Company,
    CompanyTag,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    EntityKind,
    Event,
    Lead,
    Stage,
    StageKind,
    Tag,
)
from crm_tui.services.activities import as_utc, local_due

_BATCH = 500

_ADDRESS_PARTS = ("kind", "street", "city", "region", "postcode", "country")


def _iso(value: date | datetime | time | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value.isoformat()


def _money(minor_units: int | None) -> float | None:
    return None if minor_units is None else minor_units / 100


def _company_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(Company.id, Company.name).where(col(Company.id).in_(wanted)))
    return {company_id: name for company_id, name in rows if company_id is not None}


def _contact_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(Contact.id, Contact.full_name).where(col(Contact.id).in_(wanted)))
    return {contact_id: name for contact_id, name in rows if contact_id is not None}


def contact_records(session: Session, contacts: list[Contact]) -> list[dict[str, Any]]:
    ids = [contact.id for contact in contacts]
    emails: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for email in session.exec(
        select(ContactEmail)
        .where(col(ContactEmail.contact_id).in_(ids))
        .order_by(col(ContactEmail.is_primary).desc(), col(ContactEmail.id))
    ):
        emails[email.contact_id].append(
            {"value": email.value, "kind": email.kind, "primary": email.is_primary}
        )
    phones: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for phone in session.exec(
        select(ContactPhone)
        .where(col(ContactPhone.contact_id).in_(ids))
        .order_by(col(ContactPhone.is_primary).desc(), col(ContactPhone.id))
    ):
        phones[phone.contact_id].append(
            {"value": phone.value, "e164": phone.e164, "kind": phone.kind, "primary": phone.is_primary}
        )
    addresses: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for address in session.exec(select(ContactAddress).where(col(ContactAddress.contact_id).in_(ids))):
        addresses[address.contact_id].append(
            # Keys in one fixed order (model_dump's `include` set gave them in hash order, so
            # two runs over the same data could write different bytes).
            {part: getattr(address, part) for part in _ADDRESS_PARTS} | {"primary": address.is_primary}
        )
    tags: dict[int, list[str]] = defaultdict(list)
    for contact_id, name in session.exec(
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, col(Tag.id) == ContactTag.tag_id)
        .where(col(ContactTag.contact_id).in_(ids))
    ):
        tags[contact_id].append(name)
    companies = _company_names(session, {contact.company_id for contact in contacts})
    return [
        {
            "id": contact.id,
            "full_name": contact.full_name,
            "first_name": contact.first_name,
            "middle_name": contact.middle_name,
            "last_name": contact.last_name,
            "company": companies.get(contact.company_id) if contact.company_id else None,
            "company_id": contact.company_id,
            "title": contact.title,
            "emails": emails.get(contact.id or 0, []),
            "phones": phones.get(contact.id or 0, []),
            "addresses": addresses.get(contact.id or 0, []),
            "birthday": _iso(contact.birthday),
            "tags": sorted(tags.get(contact.id or 0, []), key=str.casefold),
            "notes": contact.notes,
            "source": contact.source,
            "last_touch_at": _iso(contact.last_touch_at),
            "next_contact_on": _iso(contact.next_contact_on),
            "next_contact_goal": contact.next_contact_goal,
            "created_at": _iso(contact.created_at),
            "owner": contact.owner,
            "uid": contact.uid,
            # vCard properties kept verbatim from an import, given back by a vCard export.
            "extra": contact.extra,
        }
        for contact in contacts
    ]


def company_records(session: Session, companies: list[Company]) -> list[dict[str, Any]]:
    ids = [company.id for company in companies]
    tags: dict[int, list[str]] = defaultdict(list)
    for company_id, name in session.exec(
        select(CompanyTag.company_id, Tag.name)
        .join(Tag, col(Tag.id) == CompanyTag.tag_id)
        .where(col(CompanyTag.company_id).in_(ids))
    ):
        tags[company_id].append(name)
    return [
        company.model_dump(
            include={
                "id",
                "name",
                "website",
                "industry",
                "phone",
                "email",
                "address",
                "notes",
                "next_contact_goal",
            }
        )
        | {
            "tags": sorted(tags.get(company.id or 0, []), key=str.casefold),
            "next_contact_on": _iso(company.next_contact_on),
            "created_at": _iso(company.created_at),
        }
        for company in companies
    ]


def lead_values(first: str | None, more: list[dict[str, Any]] | None) -> list[str]:
    return ([first] if first else []) + [item["value"] for item in more or []]


def lead_records(session: Session, leads: list[Lead]) -> list[dict[str, Any]]:
    return [
        {
            "id": lead.id,
            "title": lead.title,
            "name": lead.person_name,
            "company": lead.company_name,
            "email": lead.email,
            "phone": lead.phone,
            "phone_e164": lead.phone_e164,
            # Every email and phone, the first being the ones above.
            "emails": lead_values(lead.email, lead.extra.get("emails")),
            "phones": lead_values(lead.phone, lead.extra.get("phones")),
            "source": lead.source,
            "status": lead.status,
            "disqualify_reason": lead.disqualify_reason,
            "value": _money(lead.value),
            "currency": lead.currency,
            "notes": lead.notes,
            "next_contact_on": _iso(lead.next_contact_on),
            "next_contact_goal": lead.next_contact_goal,
            "created_at": _iso(lead.created_at),
            "contact_id": lead.contact_id,
            "company_id": lead.company_id,
            "deal_id": lead.deal_id,
            "owner": lead.owner,
        }
        for lead in leads
    ]


def deal_records(session: Session, deals: list[Deal]) -> list[dict[str, Any]]:
    stages = {stage.id: stage for stage in session.exec(select(Stage))}
    contacts = _contact_names(session, {deal.contact_id for deal in deals})
    companies = _company_names(session, {deal.company_id for deal in deals})
    records = []
    for deal in deals:
        stage = stages[deal.stage_id]
        records.append(
            {
                "id": deal.id,
                "title": deal.title,
                "stage": stage.name,
                "status": "open" if stage.kind == StageKind.OPEN else stage.kind,
                "amount": _money(deal.amount),
                "currency": deal.currency,
                "probability": stage.probability,
                "contact": contacts.get(deal.contact_id) if deal.contact_id else None,
                "contact_id": deal.contact_id,
                "company": companies.get(deal.company_id) if deal.company_id else None,
                "company_id": deal.company_id,
                "expected_close_on": _iso(deal.expected_close_on),
                "stage_entered_at": _iso(deal.stage_entered_at),
                "closed_at": _iso(deal.closed_at),
                "lost_reason": deal.lost_reason,
                "notes": deal.notes,
                "created_at": _iso(deal.created_at),
                "owner": deal.owner,
            }
        )
    return records


def activity_records(session: Session, activities: list[Activity]) -> list[dict[str, Any]]:
    contacts = _contact_names(session, {activity.contact_id for activity in activities})
    return [
        {
            "id": activity.id,
            "kind": activity.kind,
            "title": activity.title,
            # Local day and time as the user reads them, and the moment itself (UTC).
            "due_on": _iso(local_day),
            "due_time": local_time.strftime("%H:%M") if local_time else None,
            "due_at": _iso(as_utc(activity.due_at)),
            "repeat": activity.recurrence,
            "remind_minutes": activity.remind_minutes,
            "done": activity.done_at is not None,
            "done_at": _iso(activity.done_at),
            "outcome": activity.outcome,
            "notes": activity.notes,
            "contact": contacts.get(activity.contact_id) if activity.contact_id else None,
            "contact_id": activity.contact_id,
            "company_id": activity.company_id,
            "deal_id": activity.deal_id,
            "lead_id": activity.lead_id,
            "owner": activity.owner,
        }
        for activity, (local_day, local_time) in ((activity, local_due(activity)) for activity in activities)
    ]


def event_records(session: Session, events: list[Event]) -> list[dict[str, Any]]:
    return [
        {
            "id": event.id,
            "at": _iso(event.at),
            "at_local": to_local(event.at).isoformat(timespec="seconds"),
            "kind": event.kind,
            "entity": event.entity_kind,
            "entity_id": event.entity_id,
            "text": event.text,
            "payload": event.payload,
            "actor": event.actor,
        }
        for event in events
    ]


_EXPORTS: dict[str, tuple[Any, Any]] = {
    "contacts": (Contact, contact_records),
    "companies": (Company, company_records),
    "leads": (Lead, lead_records),
    "deals": (Deal, deal_records),
    "activities": (Activity, activity_records),
    "events": (Event, event_records),
}

ENTITY_EXPORT = {
    EntityKind.CONTACT: "contacts",
    EntityKind.COMPANY: "companies",
    EntityKind.LEAD: "leads",
    EntityKind.DEAL: "deals",
    EntityKind.ACTIVITY: "activities",
}


def iter_records(session: Session, kind: str) -> Iterator[dict[str, Any]]:
    """Every record of a kind, in id order, a batch at a time (archived ones left out)."""
    model, build = _EXPORTS[kind]
    last_id = 0
    while True:
        statement = select(model).where(col(model.id) > last_id).order_by(col(model.id)).limit(_BATCH)
        if hasattr(model, "archived_at"):
            statement = statement.where(col(model.archived_at).is_(None))
        batch = list(session.exec(statement))
        if not batch:
            return
        yield from build(session, batch)
        last_id = batch[-1].id


def records_by_id(session: Session, kind: EntityKind, ids: list[int]) -> list[dict[str, Any]]:
    model, build = _EXPORTS[ENTITY_EXPORT[kind]]
    rows = list(session.exec(select(model).where(col(model.id).in_(ids))))
    by_id = {record["id"]: record for record in build(session, rows)}
    return [by_id[i] for i in ids if i in by_id]
