"""What a lead in the inbox is already known as: a contact with the same email or phone or a
similar name at the same company (`contact_match`'s rule, the one imports and the duplicates
screen use), or another open lead with the same email or phone; and the two ways of acting on
it (`m`): link the lead to the contact, or merge the duplicate lead into the other one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from crm_tui.dates import utcnow
from crm_tui.db.backup import snapshot_before
from crm_tui.db.models import Activity, Contact, ContactEmail, ContactPhone, EntityKind, Lead, LeadStatus
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import search
from crm_tui.services.contact_match import (
    SAME_EMAIL,
    SAME_PHONE,
    NamesAtCompanies,
    live_contact,
    name_key,
)
from crm_tui.services.events import EventKind, apply_changes, record_event
from crm_tui.services.leads import OPEN_STATUSES, archive_lead, get_lead, subject
from crm_tui.services.validation import fold
from crm_tui.services.versions import locked_lead

# A lead not converted yet but already tied to a contact (by hand, or by an import that
# recognised a returning customer) whose email and phone no longer point at it.
LINKED = "linked"


@dataclass(frozen=True)
class LeadMatch:
    kind: EntityKind  # CONTACT or LEAD
    id: int
    name: str
    why: str  # SAME_EMAIL, SAME_PHONE, LINKED, or the same or a similar name at the same company

    def describe(self) -> str:
        if self.kind is EntityKind.CONTACT:
            return f"matches contact {self.name} ({self.why})"
        return f"matches lead {self.id} {self.name} ({self.why})"


@dataclass(frozen=True)
class _Candidate:
    id: int
    name: str
    created_at: datetime


def matches_for(session: Session, lead_ids: Sequence[int]) -> dict[int, LeadMatch]:
    """The match of each lead of a page that has one, in at most six queries whatever the
    page's size: the leads, contacts by email, contacts by phone, contacts at the leads'
    companies (only for leads matched by nothing else), open leads by email, open leads by
    phone. A contact is preferred to a lead, an email to a phone to a name; among leads, the
    oldest other one. A converted lead tied to its contact has no match: it is done."""
    ids = list(dict.fromkeys(lead_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(  # type: ignore[call-overload]  # more than four columns
            Lead.id,
            Lead.status,
            Lead.email_fold,
            Lead.phone_e164,
            Lead.contact_id,
            Contact.full_name,
            Lead.person_name,
            Lead.company_name,
        )
        .outerjoin(Contact, (col(Contact.id) == Lead.contact_id) & col(Contact.archived_at).is_(None))
        .where(col(Lead.id).in_(ids))
    ).all()
    emails = {row[2] for row in rows if row[2]}
    phones = {row[3] for row in rows if row[3]}
    contacts_by_email = _contacts_by(session, ContactEmail.value_fold, ContactEmail.contact_id, emails)
    contacts_by_phone = _contacts_by(session, ContactPhone.e164, ContactPhone.contact_id, phones)
    leads_by_email = _open_leads_by(session, Lead.email_fold, emails)
    leads_by_phone = _open_leads_by(session, Lead.phone_e164, phones)
    # Only the companies of leads that nothing stronger matches are asked about.
    names = NamesAtCompanies(
        session,
        {
            fold(row[7])
            for row in rows
            if row[4] is None and row[6] and not (row[2] in contacts_by_email or row[3] in contacts_by_phone)
        },
    )

    found: dict[int, LeadMatch] = {}
    for lead_id, status, email, phone, contact_id, contact_name, person, company in rows:
        if contact_id is not None and status == LeadStatus.CONVERTED.value:
            continue
        by_email = contacts_by_email.get(email) if email else None
        by_phone = contacts_by_phone.get(phone) if phone else None
        if contact_id is not None and contact_name is not None:
            # Already tied to a contact: that one is the match, whatever else shares the email.
            why = (
                SAME_EMAIL
                if by_email and contact_id in dict(by_email)
                else SAME_PHONE
                if by_phone and contact_id in dict(by_phone)
                else LINKED
            )
            found[lead_id] = LeadMatch(EntityKind.CONTACT, contact_id, contact_name, why)
            continue
        if by_email:
            found[lead_id] = LeadMatch(EntityKind.CONTACT, *by_email[0], SAME_EMAIL)
            continue
        if by_phone:
            found[lead_id] = LeadMatch(EntityKind.CONTACT, *by_phone[0], SAME_PHONE)
            continue
        if by_name := names.find(name_key(person), fold(company)):
            found[lead_id] = LeadMatch(EntityKind.CONTACT, *by_name)
            continue
        options = [
            (candidate, why)
            for candidates, why in (
                (leads_by_email.get(email, []) if email else [], SAME_EMAIL),
                (leads_by_phone.get(phone, []) if phone else [], SAME_PHONE),
            )
            for candidate in candidates
            if candidate.id != lead_id
        ]
        if options:
            # min() keeps the first of equals, so a lead sharing both reads "same email".
            oldest, why = min(options, key=lambda option: (option[0].created_at, option[0].id))
            found[lead_id] = LeadMatch(EntityKind.LEAD, oldest.id, oldest.name, why)
    return found


def _contacts_by(
    session: Session, key: Any, owner: Any, values: set[str]
) -> dict[str, list[tuple[int, str]]]:
    """Live contacts having one of these emails (or phones), lowest id first per value."""
    if not values:
        return {}
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for value, contact_id, name in session.exec(
        select(key, Contact.id, Contact.full_name)
        .join(Contact, col(Contact.id) == owner)
        .where(col(key).in_(values), live_contact())
        .order_by(col(Contact.id))
    ):
        if contact_id is not None and contact_id not in dict(found[value]):
            found[value].append((contact_id, name))
    return found


def _open_leads_by(session: Session, key: Any, values: set[str]) -> dict[str, list[_Candidate]]:
    """The two oldest open leads per email (or phone): enough to name the oldest other than
    the lead itself. Ranked in SQL so that an address shared by thousands of leads (a test
    address, a switchboard number) still sends two rows per value, not thousands."""
    if not values:
        return {}
    is_open = col(Lead.status).in_(OPEN_STATUSES) & col(Lead.archived_at).is_(None)
    # Open leads are ranked first rather than filtered in the WHERE clause: given the status
    # there, SQLite walked the inbox index through every open lead (90 ms for a page on
    # 100,000 leads) instead of looking the few values up in the email or phone index.
    rank = (
        func.row_number()
        .over(
            partition_by=key,
            order_by=(case((is_open, 0), else_=1), col(Lead.created_at), col(Lead.id)),
        )
        .label("rank")
    )
    ranked = (
        select(  # type: ignore[call-overload]  # more than four columns
            key.label("key"),
            Lead.id,
            Lead.person_name,
            Lead.title,
            Lead.created_at,
            case((is_open, 1), else_=0).label("open"),
            rank,
        )
        .where(col(key).in_(values))
        .subquery()
    )
    found: dict[str, list[_Candidate]] = defaultdict(list)
    for value, lead_id, person, title, created_at, _open, _rank in session.exec(
        select(*ranked.c).where(ranked.c.rank <= 2, ranked.c.open == 1)  # type: ignore[call-overload]
    ):
        found[value].append(_Candidate(lead_id, person or title, created_at))
    return found


# ---------------------------------------------------------------- acting on a match


def link_to_contact(session: Session, lead_id: int, contact_id: int, seen_version: int | None = None) -> Lead:
    """Tie a lead to the contact it turns out to be (and to the contact's company), so the
    lead's timeline shows on the contact's and a later conversion starts from that contact.
    The lead is locked; changed by someone else since `seen_version`: RecordChanged."""
    lead = locked_lead(session, lead_id, seen_version)
    _refuse_closed(lead, "lead")
    contact = session.get(Contact, contact_id)
    if contact is None or contact.archived_at is not None:
        raise ValidationError("contact", f"no live contact with id {contact_id}")
    company_id = contact.company_id if contact.company_id is not None else lead.company_id
    if (lead.contact_id, lead.company_id) == (contact_id, company_id):
        return lead
    old = {"contact_id": lead.contact_id, "company_id": lead.company_id}
    lead.contact_id, lead.company_id = contact_id, company_id
    lead.updated_at = utcnow()
    record_event(
        session,
        subject(lead),
        EventKind.FIELD_CHANGED,
        f"Linked to contact {contact.full_name}",
        {
            "field": "contact_id",
            "old": old["contact_id"],
            "new": contact_id,
            "old_company_id": old["company_id"],
        },
    )
    session.flush()
    return lead


def merge_lead(session: Session, lead_id: int, into_lead_id: int, seen_version: int | None = None) -> Lead:
    """Fold a duplicate lead into another one and archive the duplicate.

    The kept lead only gains: its empty fields are filled from the duplicate, the duplicate's
    other emails and phones join its `extra`, notes are appended, open activities move over.
    Nothing the kept lead already says is overwritten. Both leads are locked first (the
    duplicate refused with RecordChanged when changed by someone else since `seen_version`).
    """
    if lead_id == into_lead_id:
        raise ValidationError("lead", "cannot be merged into itself")
    for locking in sorted((lead_id, into_lead_id)):  # one order: two merges cannot deadlock
        with suppress(NotFound):  # a missing lead is named just below, as before
            locked_lead(session, locking, seen_version if locking == lead_id else None)
    duplicate, kept = get_lead(session, lead_id), _lead_or_refuse(session, into_lead_id)
    _refuse_closed(kept, "into")
    if duplicate.archived_at is not None:
        raise ValidationError("lead", f"lead {lead_id} is archived already")
    if duplicate.status == LeadStatus.CONVERTED.value:
        raise ValidationError("lead", f"lead {lead_id} is converted: its contact and deal carry it on")
    snapshot_before(session.get_bind(), "before-merge")  # type: ignore[arg-type]

    changes: dict[str, Any] = {}
    for field in ("person_name", "company_name", "source"):
        if not getattr(kept, field) and getattr(duplicate, field):
            changes[field] = getattr(duplicate, field)
    if kept.value is None and duplicate.value is not None:
        changes |= {"value": duplicate.value, "currency": duplicate.currency}
    if kept.next_contact_on is None and duplicate.next_contact_on is not None:
        changes |= {
            "next_contact_on": duplicate.next_contact_on,
            "next_contact_goal": duplicate.next_contact_goal,
        }
    if duplicate.notes and duplicate.notes not in (kept.notes or ""):
        changes["notes"] = f"{kept.notes}\n\n{duplicate.notes}" if kept.notes else duplicate.notes
    for field in ("contact_id", "company_id"):
        if getattr(kept, field) is None and getattr(duplicate, field) is not None:
            changes[field] = getattr(duplicate, field)
    extra, taken = _merged_contacts(kept, duplicate, changes)

    changed = apply_changes(session, kept, subject(kept), changes)
    kept.email_fold = fold(kept.email) if kept.email else None
    if extra != kept.extra:
        # A new dict, not the old one changed in place: the JSON column only sees assignments.
        kept.extra = extra
        changed.append("extra")
    kept.updated_at = utcnow()
    # Open calls and tasks follow the lead that stays: left on an archived lead they would
    # still come up on Today, about a lead nobody can find in the inbox any more.
    open_activities = session.exec(
        select(Activity).where(col(Activity.lead_id) == lead_id, col(Activity.done_at).is_(None))
    ).all()
    for activity in open_activities:
        activity.lead_id = into_lead_id
    moved = [activity.id for activity in open_activities]
    record_event(
        session,
        subject(kept),
        EventKind.MERGED,
        f"Merged with lead {lead_id}: {duplicate.title}",
        {"merged_lead_id": lead_id, "fields": changed, "added": taken, "activities_moved": moved},
    )
    record_event(
        session,
        subject(duplicate),
        EventKind.MERGED,
        f"Merged into lead {into_lead_id}: {kept.title}",
        {"into_lead_id": into_lead_id},
    )
    session.flush()
    archive_lead(session, lead_id)
    search.reindex(session, EntityKind.LEAD, [into_lead_id])
    return kept


def _lead_or_refuse(session: Session, lead_id: int) -> Lead:
    try:
        return get_lead(session, lead_id)
    except NotFound as error:
        raise ValidationError("into", str(error)) from error


def _refuse_closed(lead: Lead, field: str) -> None:
    if lead.archived_at is not None:
        raise ValidationError(field, f"lead {lead.id} is archived")
    if lead.status in (LeadStatus.CONVERTED.value, LeadStatus.DISQUALIFIED.value):
        raise ValidationError(field, f"lead {lead.id} is {lead.status}")


def _merged_contacts(
    kept: Lead, duplicate: Lead, changes: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The kept lead's `extra` with the duplicate's emails and phones it lacks; its first empty
    email and phone columns are filled through `changes` (so they get field_changed events).
    Returns the new `extra` and the values taken."""
    extra: dict[str, Any] = {key: list(value) for key, value in kept.extra.items()}
    taken: list[str] = []

    duplicate_emails = [(duplicate.email, "other")] if duplicate.email else []
    duplicate_emails += [
        (item["value"], item.get("kind", "other")) for item in duplicate.extra.get("emails", [])
    ]
    known_emails = {fold(kept.email)} if kept.email else set()
    known_emails |= {fold(item["value"]) for item in extra.get("emails", [])}
    for value, kind in duplicate_emails:
        if fold(value) in known_emails:
            continue
        known_emails.add(fold(value))
        taken.append(value)
        if kept.email is None and "email" not in changes:
            changes["email"] = value
        else:
            extra.setdefault("emails", []).append({"value": value, "kind": kind})

    duplicate_phones = [(duplicate.phone, duplicate.phone_e164, "other")] if duplicate.phone else []
    duplicate_phones += [
        (item["value"], item.get("e164"), item.get("kind", "other"))
        for item in duplicate.extra.get("phones", [])
    ]
    known_phones = set(_phone_keys([(kept.phone, kept.phone_e164)] if kept.phone else []))
    known_phones |= set(_phone_keys((item["value"], item.get("e164")) for item in extra.get("phones", [])))
    for value, e164, kind in duplicate_phones:
        key = _phone_key(value, e164)
        if key in known_phones:
            continue
        known_phones.add(key)
        taken.append(value)
        if kept.phone is None and "phone" not in changes:
            changes["phone"] = value
            kept.phone_e164 = e164
        else:
            extra.setdefault("phones", []).append({"value": value, "e164": e164, "kind": kind})
    return extra, taken


def _phone_key(value: str, e164: str | None) -> str:
    """Numbers compare by E.164 when they have one, else by their digits."""
    return e164 or "".join(filter(str.isdigit, value))


def _phone_keys(phones: Iterable[tuple[str | None, str | None]]) -> list[str]:
    return [_phone_key(value or "", e164) for value, e164 in phones]
