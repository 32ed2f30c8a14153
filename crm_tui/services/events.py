"""The append-only timeline: writing events and reading them back newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from crm_tui.db.models import Contact, EntityKind, Event, Lead
from crm_tui.errors import ValidationError
from crm_tui.money import format_money


class EventKind:
    CREATED = "created"
    FIELD_CHANGED = "field_changed"
    STAGE_CHANGED = "stage_changed"
    STATUS_CHANGED = "status_changed"
    CONVERTED = "converted"
    MERGED = "merged"
    IMPORTED = "imported"
    ARCHIVED = "archived"
    NOTE = "note"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"
    ACTIVITY_DONE = "activity_done"


@dataclass(frozen=True)
class Subject:
    """The record an event belongs to, with the people it involves."""

    kind: EntityKind
    id: int
    contact_id: int | None = None
    company_id: int | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def record_event(
    session: Session, subject: Subject, kind: str, text: str = "", payload: dict[str, Any] | None = None
) -> Event:
    event = Event(
        kind=kind,
        entity_kind=subject.kind.value,
        entity_id=subject.id,
        contact_id=subject.contact_id,
        company_id=subject.company_id,
        text=text,
        payload={key: _jsonable(value) for key, value in (payload or {}).items()},
    )
    session.add(event)
    return event


def apply_changes(session: Session, record: Any, subject: Subject, changes: dict[str, Any]) -> list[str]:
    """Set each changed field and write one `field_changed` event per field (old → new).

    Returns the names of the fields that really changed; unchanged values write nothing.
    """
    changed = []
    for field, new in changes.items():
        old = getattr(record, field)
        if old == new:
            continue
        setattr(record, field, new)
        changed.append(field)
        record_event(
            session,
            subject,
            EventKind.FIELD_CHANGED,
            f"{field.replace('_', ' ')}: {_shown(old, field)} → {_shown(new, field)}",
            {"field": field, "old": old, "new": new},
        )
    return changed


# Fields whose stored value is not what a person reads: money is kept in minor units.
_FIELD_DISPLAY: dict[str, Any] = {"amount": format_money, "value": format_money}


def _shown(value: Any, field: str = "") -> str:
    if value in (None, ""):
        return "—"
    display = _FIELD_DISPLAY.get(field)
    return display(value) if display else str(_jsonable(value))


def add_note(session: Session, subject: Subject, text: str) -> Event:
    body = text.strip()
    if not body:
        raise ValidationError("note", "is empty")
    return record_event(session, subject, EventKind.NOTE, body)


def timeline(session: Session, subject: Subject, limit: int = 200) -> list[Event]:
    """Events of a record, newest first.

    A contact's or company's timeline also holds what happened to its deals, leads and
    activities (events carry the contact and company they involve), and everything that
    happened to a lead linked to it, including what was written before the link: a lead's
    early events carry no contact, and the log is append-only, so they are found through the
    lead instead of being rewritten. A company's also holds everything about its people.
    """
    own = (col(Event.entity_kind) == subject.kind.value) & (col(Event.entity_id) == subject.id)
    condition: ColumnElement[bool] = own
    if subject.kind in (EntityKind.CONTACT, EntityKind.COMPANY):
        contact = subject.kind is EntityKind.CONTACT
        involved = col(Event.contact_id if contact else Event.company_id) == subject.id
        lead_link = Lead.contact_id if contact else Lead.company_id
        linked_leads = select(Lead.id).where(col(lead_link) == subject.id)
        of_linked_lead = and_(
            col(Event.entity_kind) == EntityKind.LEAD.value, col(Event.entity_id).in_(linked_leads)
        )
        condition = or_(own, involved, of_linked_lead)
        if not contact:
            # What happened to its people before they joined it (their events then carried no
            # company, or another one) belongs to the company's story too.
            people = select(Contact.id).where(col(Contact.company_id) == subject.id)
            condition = or_(condition, col(Event.contact_id).in_(people))
    statement = (
        select(Event).where(condition).order_by(col(Event.at).desc(), col(Event.id).desc()).limit(limit)
    )
    return list(session.exec(statement))
