"""Leads: raw interest waiting in the inbox until it is worked, converted or thrown out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_
from sqlmodel import Session, col, select

from crm_tui.dates import today, utcnow
from crm_tui.db.models import EntityKind, Lead, LeadBase, LeadStatus
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import search
from crm_tui.services.events import EventKind, Subject, apply_changes, record_event
from crm_tui.services.settings import default_currency, phone_region
from crm_tui.services.validation import (
    clean,
    fold,
    parse_email,
    parse_money,
    parse_optional_date,
    parse_phone,
)
from crm_tui.services.versions import locked_lead

# Statuses shown in the inbox by default: the ones still waiting for a decision.
OPEN_STATUSES = (LeadStatus.NEW.value, LeadStatus.WORKING.value)


def subject(lead: Lead) -> Subject:
    assert lead.id is not None
    return Subject(EntityKind.LEAD, lead.id, contact_id=lead.contact_id, company_id=lead.company_id)


def get_lead(session: Session, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    return lead


def lead_from_fields(fields: dict[str, Any]) -> LeadBase:
    """A lead from loosely typed input (a form, the command line, a web hook's JSON).

    Accepts `name` for the person, `company`, `email`, `phone`, `source`, `note`/`notes`,
    `value`, `title`, `next_contact` (a date) and `goal`. Raises ValidationError naming the
    field that is wrong.
    """
    known = {
        "name",
        "person_name",
        "company",
        "company_name",
        "email",
        "phone",
        "source",
        "note",
        "notes",
        "value",
        "currency",
        "title",
        "next_contact",
        "next_contact_on",
        "goal",
        "next_contact_goal",
    }
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValidationError(
            unknown[0], "is not a lead field (use name, company, email, phone, source, note, value)"
        )

    def text(*names: str) -> str | None:
        for name in names:
            value = fields.get(name)
            if value is not None and not isinstance(value, str | int | float):
                raise ValidationError(name, "must be text")
            if value is not None and str(value).strip():
                return str(value).strip()
        return None

    return LeadBase(
        title=text("title") or "",
        person_name=text("name", "person_name") or "",
        company_name=text("company", "company_name") or "",
        email=text("email"),
        phone=text("phone"),
        source=text("source"),
        notes=text("note", "notes"),
        value=parse_money(fields.get("value"), field="value")
        if fields.get("value") not in (None, "")
        else None,
        currency=(text("currency") or "").upper() or "",
        next_contact_on=parse_optional_date(text("next_contact", "next_contact_on"), "next_contact"),
        next_contact_goal=text("goal", "next_contact_goal"),
    )


def changes_from_form(values: dict[str, str]) -> dict[str, Any]:
    """An edit form's text fields as lead changes for `update_lead` (which validates them):
    blank means empty, the amount is read as money."""
    changes: dict[str, Any] = {name: (value.strip() or None) for name, value in values.items()}
    for required in ("title", "person_name", "company_name"):
        if required in changes:
            changes[required] = changes[required] or ""
    if "value" in values:
        changes["value"] = parse_money(values["value"], field="value") if values["value"].strip() else None
    return changes


def create_lead(session: Session, data: LeadBase) -> Lead:
    email = parse_email(data.email)
    phone = parse_phone(data.phone, phone_region(session))
    person, company = (data.person_name or "").strip(), (data.company_name or "").strip()
    title = (
        (data.title or "").strip()
        or " · ".join(filter(None, [person, company]))
        or email
        or (phone[0] if phone else "")
    )
    if not title:
        raise ValidationError("name", "a lead needs at least a name, a company, an email or a phone")
    lead = Lead.model_validate(
        data,
        update={
            "title": title,
            "person_name": person,
            "company_name": company,
            "email": email,
            "email_fold": fold(email) if email else None,
            "phone": phone[0] if phone else None,
            "phone_e164": phone[1] if phone else None,
            "source": clean(data.source),
            "notes": clean(data.notes),
            "currency": data.currency or default_currency(session),
        },
    )
    session.add(lead)
    session.flush()
    record_event(session, subject(lead), EventKind.CREATED, f"Lead created: {title}", {"source": lead.source})
    search.reindex(session, EntityKind.LEAD, [lead.id])  # type: ignore[list-item]
    return lead


def update_lead(
    session: Session, lead_id: int, changes: dict[str, Any], seen_version: int | None = None
) -> Lead:
    """Change a lead's fields. Like every change of a lead here, on the lead locked and as it is
    now; when `seen_version` (the version the person saw) is no longer its version, someone
    else changed it since: RecordChanged, and nothing is written (services/versions.py)."""
    lead = locked_lead(session, lead_id, seen_version)
    allowed = set(LeadBase.model_fields)
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not lead fields: {sorted(unknown)}")
    if "email" in changes:
        changes["email"] = parse_email(changes["email"])
    if "phone" in changes:
        parsed = parse_phone(changes["phone"], phone_region(session))
        changes["phone"] = parsed[0] if parsed else None
        lead.phone_e164 = parsed[1] if parsed else None
    if apply_changes(session, lead, subject(lead), changes):
        lead.email_fold = fold(lead.email) if lead.email else None
        lead.updated_at = utcnow()
        session.flush()
        search.reindex(session, EntityKind.LEAD, [lead_id])
    return lead


def set_status(
    session: Session,
    lead_id: int,
    status: LeadStatus,
    reason: str | None = None,
    seen_version: int | None = None,
) -> Lead:
    lead = locked_lead(session, lead_id, seen_version)
    if status is LeadStatus.DISQUALIFIED and not clean(reason):
        raise ValidationError("reason", "say why the lead is disqualified")
    old = lead.status
    if old == status.value:
        return lead
    lead.status = status.value
    lead.disqualify_reason = clean(reason) if status is LeadStatus.DISQUALIFIED else None
    lead.updated_at = utcnow()
    text = f"status: {old} → {status.value}" + (
        f" ({lead.disqualify_reason})" if lead.disqualify_reason else ""
    )
    record_event(
        session,
        subject(lead),
        EventKind.STATUS_CHANGED,
        text,
        {"old": old, "new": status.value, "reason": reason},
    )
    return lead


def archive_lead(session: Session, lead_id: int, seen_version: int | None = None) -> Lead:
    lead = locked_lead(session, lead_id, seen_version)
    if lead.archived_at is None:
        lead.archived_at = utcnow()
        record_event(session, subject(lead), EventKind.ARCHIVED, "Lead archived")
        session.flush()
        search.reindex(session, EntityKind.LEAD, [lead_id])
    return lead


@dataclass(frozen=True)
class LeadRow:
    id: int
    title: str
    person_name: str
    company_name: str
    source: str
    status: str
    created_at: datetime
    next_contact_on: date | None
    value: int | None
    currency: str
    version: int = 1  # what a decision on the row hands back as its seen version


# The inbox's queries use the table's columns, not the ORM's attributes: they then compile as
# plain Core statements, which cost the first page of a freshly started app tens of
# milliseconds less than ORM ones (the first paint waits for that page).
_LEAD = Lead.__table__.c  # type: ignore[attr-defined]
_ROW_COLUMNS = [getattr(_LEAD, field) for field in LeadRow.__dataclass_fields__]


def _status_filter(statuses: Iterable[str] | None, owner: str | None = None) -> Any:
    condition: ColumnElement[bool] = _LEAD.archived_at.is_(None)
    if statuses is not None:
        condition = condition & _LEAD.status.in_(list(statuses))
    return _owned_by(condition, owner)


def _owned_by(condition: ColumnElement[bool], owner: str | None) -> ColumnElement[bool]:
    """The "mine" filter: only the leads `owner` owns; None is everyone's."""
    return condition if owner is None else condition & (_LEAD.owner == owner)


def _count(session: Session, condition: Any) -> int:
    statement = select(func.count()).select_from(Lead.__table__).where(condition)  # type: ignore[attr-defined]
    session.flush()  # what session.exec does first: a Core statement sees pending changes too
    return int(session.connection().execute(statement).scalar_one())


def count_leads(
    session: Session, statuses: Iterable[str] | None = OPEN_STATUSES, owner: str | None = None
) -> int:
    return _count(session, _status_filter(statuses, owner))


def list_leads(
    session: Session,
    statuses: Iterable[str] | None = OPEN_STATUSES,
    offset: int = 0,
    limit: int = 100,
    owner: str | None = None,
) -> Sequence[LeadRow]:
    """A page of leads, newest first (only `owner`'s, when given). Only the listed columns are
    read: building whole ORM objects made the inbox's first page several times slower to come."""
    return _lead_rows(session, _status_filter(statuses, owner), offset, limit)


def _lead_rows(
    session: Session, condition: Any, offset: int, limit: int, oldest_first: bool = False
) -> list[LeadRow]:
    if oldest_first:
        order: tuple[Any, ...] = (_LEAD.created_at, _LEAD.id)
    else:
        order = (_LEAD.created_at.desc(), _LEAD.id.desc())
    # The page's ids first, then its rows: sorting 100,000 leads by age carried every
    # column through the sort (60 ms for the All tab); sorting ids reads the index alone.
    page = select(_LEAD.id).where(condition).order_by(*order).offset(offset).limit(limit)
    session.flush()
    rows = session.connection().execute(
        select(*_ROW_COLUMNS).where(_LEAD.id.in_(page.scalar_subquery())).order_by(*order)
    )
    # The selected columns are LeadRow's fields, in its order.
    return [LeadRow(*row[:4], row[4] or "", *row[5:]) for row in rows]  # type: ignore[call-arg]


# ---------------------------------------------------------------- the inbox's tabs


class InboxTab(StrEnum):
    """The inbox's tabs. A lead whose next contact is still ahead waits under Scheduled and
    comes back to New or Working on the day it is due, so those two hold only what needs
    doing now."""

    NEW = "new"
    WORKING = "working"
    SCHEDULED = "scheduled"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"
    ALL = "all"


def _tab_filter(tab: InboxTab, source: str | None, day: date, owner: str | None = None) -> Any:
    condition: ColumnElement[bool] = _LEAD.archived_at.is_(None)
    next_on = _LEAD.next_contact_on
    if tab in (InboxTab.NEW, InboxTab.WORKING):
        condition = condition & (_LEAD.status == tab.value) & or_(next_on.is_(None), next_on <= day)
    elif tab is InboxTab.SCHEDULED:
        condition = condition & _LEAD.status.in_(OPEN_STATUSES) & (next_on > day)
    elif tab is not InboxTab.ALL:
        condition = condition & (_LEAD.status == tab.value)
    if source is not None:
        condition = condition & (_LEAD.source == source)
    return _owned_by(condition, owner)


def count_leads_in(
    session: Session, tab: InboxTab, source: str | None = None, owner: str | None = None
) -> int:
    return _count(session, _tab_filter(tab, source, today(), owner))


def tab_counts(session: Session, source: str | None = None, owner: str | None = None) -> dict[InboxTab, int]:
    """How many leads each tab holds, from one grouped query (not one count per tab).

    Grouped by status alone, the scheduled ones summed inside each group: grouping by
    (status, scheduled) as well needed a temporary B-tree and took twice as long.
    """
    day = today()
    scheduled = func.sum(case((col(Lead.next_contact_on) > day, 1), else_=0))
    condition: ColumnElement[bool] = col(Lead.archived_at).is_(None)
    if source is not None:
        condition = condition & (col(Lead.source) == source)
    if owner is not None:
        condition = condition & (col(Lead.owner) == owner)
    counts = dict.fromkeys(InboxTab, 0)
    for status, count, later in session.exec(
        select(Lead.status, func.count(), scheduled).where(condition).group_by(col(Lead.status))
    ):
        counts[InboxTab.ALL] += count
        if status in OPEN_STATUSES:
            counts[InboxTab(status)] += count - (later or 0)
            counts[InboxTab.SCHEDULED] += later or 0
        elif status in (InboxTab.DISQUALIFIED.value, InboxTab.CONVERTED.value):
            counts[InboxTab(status)] += count
    return counts


def list_leads_in(
    session: Session,
    tab: InboxTab,
    offset: int = 0,
    limit: int = 50,
    oldest_first: bool = False,
    source: str | None = None,
    owner: str | None = None,
) -> list[LeadRow]:
    """One page of a tab, newest first (or oldest first); only `owner`'s leads when given."""
    return _lead_rows(session, _tab_filter(tab, source, today(), owner), offset, limit, oldest_first)
