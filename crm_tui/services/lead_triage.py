"""The inbox's one-key decisions on leads — convert, work on, disqualify, schedule — and `u`,
which takes the last one back.

Every decision returns a `TriageUndo`: plain values (ids, the leads' previous fields), so the
UI can keep it after the session that made it has closed and hand it to `undo_triage` in a
later one. Undo restores the leads and removes what the decision created, but never deletes
events: the log is append-only, so the undo is written to it as one more event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_tui.dates import parse_date, utcnow
from crm_tui.db.backup import snapshot_before
from crm_tui.db.models import (
    Activity,
    ActivityKind,
    Company,
    CompanyBase,
    Contact,
    ContactEmail,
    ContactPhone,
    Deal,
    EntityKind,
    Event,
    Lead,
    LeadStatus,
    Stage,
)
from crm_tui.errors import NotFound, ValidationError
from crm_tui.money import format_money, plain_amount
from crm_tui.services import activities, companies, contacts, deals, leads, search
from crm_tui.services.events import EventKind, Subject, add_note, apply_changes, record_event
from crm_tui.services.lead_matches import matches_for
from crm_tui.services.settings import phone_region
from crm_tui.services.stages import first_open_stage, open_stages
from crm_tui.services.validation import (
    clean,
    digits_of,
    fold,
    parse_email,
    parse_money,
    parse_phone,
    split_full_name,
)
from crm_tui.services.versions import locked_lead

DISQUALIFY_REASONS = ["No budget", "No need", "Competitor", "Spam", "Duplicate", "Other"]

# The kind of the event that says a decision was taken back.
UNDONE = "undone"


def _leads_label(count: int) -> str:
    return "1 lead" if count == 1 else f"{count} leads"


# ---------------------------------------------------------------- undo


@dataclass(frozen=True)
class LeadState:
    """The fields of a lead that a triage decision may change, as they were before it."""

    lead_id: int
    status: str
    disqualify_reason: str | None
    next_contact_on: date | None
    next_contact_goal: str | None
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    converted_at: datetime | None

    @classmethod
    def of(cls, lead: Lead) -> LeadState:
        assert lead.id is not None
        return cls(
            lead.id,
            lead.status,
            lead.disqualify_reason,
            lead.next_contact_on,
            lead.next_contact_goal,
            lead.contact_id,
            lead.company_id,
            lead.deal_id,
            lead.converted_at,
        )


@dataclass
class TriageUndo:
    """What to take back after a triage decision."""

    label: str  # "disqualify 3 leads": the undo message reads "Undone: disqualify 3 leads"
    leads: list[LeadState] = field(default_factory=list)
    # Records the decision created, removed again by the undo.
    activity_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    company_ids: list[int] = field(default_factory=list)
    deal_ids: list[int] = field(default_factory=list)
    # Emails and phones the decision added to a contact that existed before it.
    email_ids: list[int] = field(default_factory=list)
    phone_ids: list[int] = field(default_factory=list)
    # Contacts that existed before and were given a company: (their company before, the one
    # given). Undo puts the old one back only if the contact still has the one given.
    contact_companies: dict[int, tuple[int | None, int]] = field(default_factory=dict)
    # The last event the decision wrote. A created record with later events of its own has
    # been worked on since (a note, an edit), so undo keeps it rather than lose that work.
    last_event_id: int = 0
    # Whether the decision converted the leads: only the undo of a conversion may unconvert.
    conversion: bool = False


def _last_event_id(session: Session) -> int:
    session.flush()
    return session.exec(select(func.max(Event.id))).one() or 0


def _later_events(session: Session, kind: EntityKind, record_id: int, after: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Event)
        .where(Event.entity_kind == kind.value, Event.entity_id == record_id, col(Event.id) > after)
    ).one()


def _count(session: Session, model: Any, column: Any, record_id: int) -> int:
    return session.exec(select(func.count()).select_from(model).where(column == record_id)).one()


def _plural(count: int, noun: str, nouns: str = "") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


def _still_used(session: Session, kind: EntityKind, record_id: int, after: int) -> str:
    """Why a record the decision created must stay ("" when nothing holds on to it)."""
    uses: list[tuple[Any, Any, str, str]] = [
        (Deal, Deal.contact_id if kind is EntityKind.CONTACT else Deal.company_id, "deal", ""),
        (Lead, Lead.contact_id if kind is EntityKind.CONTACT else Lead.company_id, "lead", ""),
        (
            Activity,
            Activity.contact_id if kind is EntityKind.CONTACT else Activity.company_id,
            "activity",
            "activities",
        ),
    ]
    if kind is EntityKind.COMPANY:
        uses.insert(0, (Contact, Contact.company_id, "contact", ""))
    if kind is EntityKind.DEAL:
        uses = [(Activity, Activity.deal_id, "activity", "activities")]
    reasons = [
        _plural(count, noun, nouns)
        for model, column, noun, nouns in uses
        if (count := _count(session, model, column, record_id))
    ]
    if later := _later_events(session, kind, record_id, after):
        reasons.append(_plural(later, "change"))
    return ", ".join(reasons)


def undo_triage(session: Session, undo: TriageUndo) -> str:
    """Take a decision back; returns what to tell the user ("Undone: disqualify 3 leads")."""
    # What could not be taken back, and why: said in the message, not silently skipped.
    notes: list[str] = []
    for state in undo.leads:
        try:
            lead = locked_lead(session, state.lead_id)
        except NotFound:
            notes.append(f"lead {state.lead_id} no longer exists")
            continue
        if lead.status == LeadStatus.CONVERTED.value and not undo.conversion:
            # Converted since this decision: putting its old status back would leave the
            # conversion's contact and deal behind, cut off from the lead.
            notes.append(f"lead {lead.title} was converted since (undo the conversion first)")
            continue
        _restore_lead(session, lead, state, undo.label)

    for activity_id in undo.activity_ids:
        activity = session.get(Activity, activity_id)
        if activity is None:
            continue
        if activity.done_at is not None:
            # A call already made is history; taking the decision back does not unmake it.
            notes.append(f"kept {activity.kind} “{activity.title}” (already done)")
            continue
        session.delete(activity)

    _remove_created(session, Deal, EntityKind.DEAL, undo.deal_ids, undo, notes)
    _take_back_contact_details(session, undo)
    for contact_id, (company_before, company_given) in undo.contact_companies.items():
        contact = session.get(Contact, contact_id)
        if contact is not None and contact.company_id == company_given:
            contacts.update_contact(session, contact_id, {"company_id": company_before})

    _remove_created(session, Contact, EntityKind.CONTACT, undo.contact_ids, undo, notes)
    _remove_created(session, Company, EntityKind.COMPANY, undo.company_ids, undo, notes)
    session.flush()
    return "; ".join([f"Undone: {undo.label}", *notes])


_NAME_FIELD = {EntityKind.DEAL: "title", EntityKind.CONTACT: "full_name", EntityKind.COMPANY: "name"}


def _remove_created(
    session: Session, model: Any, kind: EntityKind, ids: list[int], undo: TriageUndo, notes: list[str]
) -> None:
    """Delete the records a decision created, unless they have been used since (then they
    stay, and the note says why)."""
    for record_id in ids:
        record = session.get(model, record_id)
        if record is None:
            continue
        name = getattr(record, _NAME_FIELD[kind])
        if why := _still_used(session, kind, record_id, undo.last_event_id):
            notes.append(f"kept {kind.value} {name} (it has {why} since)")
        else:
            session.delete(record)
            session.flush()
            search.reindex(session, kind, [record_id])


def _restore_lead(session: Session, lead: Lead, state: LeadState, label: str) -> None:
    # The undo event goes to the people the lead was tied to by the decision, so that a
    # contact whose timeline says "converted from lead" also says it was taken back.
    before = Subject(EntityKind.LEAD, state.lead_id, contact_id=lead.contact_id, company_id=lead.company_id)
    restored: dict[str, Any] = {}
    if lead.status != state.status:
        record_event(
            session,
            before,
            EventKind.STATUS_CHANGED,
            f"status: {lead.status} → {state.status} (undone)"
            + (f" ({state.disqualify_reason})" if state.disqualify_reason else ""),
            {"old": lead.status, "new": state.status, "reason": state.disqualify_reason, "undone": True},
        )
        restored["status"] = state.status
        lead.status = state.status
    lead.disqualify_reason = state.disqualify_reason
    for name in ("contact_id", "company_id", "deal_id", "converted_at"):
        if getattr(lead, name) != getattr(state, name):
            restored[name] = getattr(state, name)
            setattr(lead, name, getattr(state, name))
    restored |= {
        name: getattr(state, name)
        for name in apply_changes(
            session,
            lead,
            before,
            {"next_contact_on": state.next_contact_on, "next_contact_goal": state.next_contact_goal},
        )
    }
    lead.updated_at = utcnow()
    record_event(session, before, UNDONE, f"Undone: {label}", {"restored": restored})


def _take_back_contact_details(session: Session, undo: TriageUndo) -> None:
    """Remove the emails and phones a conversion added to a contact that existed before."""
    removed: dict[int, list[str]] = {}
    rows: list[ContactEmail | ContactPhone | None] = [session.get(ContactEmail, i) for i in undo.email_ids]
    rows += [session.get(ContactPhone, i) for i in undo.phone_ids]
    for row in rows:
        if row is not None:
            removed.setdefault(row.contact_id, []).append(row.value)
            session.delete(row)
    for contact_id, values in removed.items():
        contact = session.get(Contact, contact_id)
        if contact is not None:
            record_event(
                session,
                contacts.subject(contact),
                EventKind.FIELD_CHANGED,
                f"emails and phones: − {', '.join(values)} (undone)",
                {"field": "contact details", "removed": values, "undone": True},
            )
    if removed:
        session.flush()
        search.reindex(session, EntityKind.CONTACT, list(removed))


# ---------------------------------------------------------------- work on, disqualify, schedule


def _leads_to_decide(
    session: Session, lead_ids: list[int], seen_versions: Mapping[int, int] | None = None
) -> list[Lead]:
    """The leads of a decision, locked and all checked before any is changed: a converted or
    archived lead in a marked set stops the whole decision, so it is all or nothing; so does
    one changed by someone else since the version in `seen_versions` (RecordChanged)."""
    ids = list(dict.fromkeys(lead_ids))
    if not ids:
        raise ValidationError("lead", "choose at least one lead")
    seen = seen_versions or {}
    found: list[Lead] = []
    for lead_id in ids:
        try:
            lead = locked_lead(session, lead_id, seen.get(lead_id))
        except NotFound as error:
            raise ValidationError("lead", f"no lead with id {lead_id}") from error
        if lead.archived_at is not None:
            raise ValidationError("lead", f"lead {lead_id} is archived")
        if lead.status == LeadStatus.CONVERTED.value:
            raise ValidationError("lead", f"lead {lead_id} is converted already")
        found.append(lead)
    if len(found) > 1:
        # DESIGN: a bulk change is preceded by a snapshot of the database.
        snapshot_before(session.get_bind(), "before-triage")  # type: ignore[arg-type]
    return found


def mark_working(
    session: Session, lead_ids: list[int], seen_versions: Mapping[int, int] | None = None
) -> TriageUndo:
    """Move leads to Working (a disqualified one comes back, losing its reason).

    `seen_versions` (every decision takes it): the version of each lead the person saw, by id;
    a lead changed by someone else since refuses the whole decision with RecordChanged."""
    chosen = _leads_to_decide(session, lead_ids, seen_versions)
    states = [LeadState.of(lead) for lead in chosen if lead.status != LeadStatus.WORKING.value]
    for state in states:
        leads.set_status(session, state.lead_id, LeadStatus.WORKING)
    session.flush()
    return TriageUndo(f"mark {_leads_label(len(states))} as working", leads=states)


def disqualify(
    session: Session, lead_ids: list[int], reason: str, seen_versions: Mapping[int, int] | None = None
) -> TriageUndo:
    """Throw leads out, saying why (DISQUALIFY_REASONS or the user's own words)."""
    why = clean(reason)
    if why is None:
        raise ValidationError("reason", "say why the lead is disqualified")
    chosen = _leads_to_decide(session, lead_ids, seen_versions)
    states = [LeadState.of(lead) for lead in chosen if lead.status != LeadStatus.DISQUALIFIED.value]
    for state in states:
        leads.set_status(session, state.lead_id, LeadStatus.DISQUALIFIED, why)
    session.flush()
    return TriageUndo(f"disqualify {_leads_label(len(states))}", leads=states)


def schedule(
    session: Session,
    lead_ids: list[int],
    day: date,
    at: time | None,
    goal: str,
    kind: str = "call",
    seen_versions: Mapping[int, int] | None = None,
) -> TriageUndo:
    """Set the leads' next contact and plan it as an open activity, so it comes up on Today.

    The lead waits under Scheduled until that day, then is back in New or Working.
    """
    kind = (kind or "").strip().casefold() or ActivityKind.CALL.value
    if kind not in {member.value for member in ActivityKind}:
        raise ValidationError("kind", f"{kind!r} is not one of call, meeting, email, task")
    what = clean(goal)
    chosen = _leads_to_decide(session, lead_ids, seen_versions)
    undo = TriageUndo(
        f"schedule {_leads_label(len(chosen))} for {day.isoformat()}" + (f" {at:%H:%M}" if at else "")
    )
    for lead in chosen:
        assert lead.id is not None
        undo.leads.append(LeadState.of(lead))
        leads.update_lead(session, lead.id, {"next_contact_on": day, "next_contact_goal": what})
        activity = activities.create_activity(
            session,
            activities.ActivityCreate(
                kind=kind,
                title=what or f"Contact {lead.title}",
                due_on=day,
                due_time=at,
                lead_id=lead.id,
                contact_id=lead.contact_id,
                company_id=lead.company_id,
            ),
        )
        assert activity.id is not None
        undo.activity_ids.append(activity.id)
    session.flush()
    return undo


# ---------------------------------------------------------------- conversion


@dataclass
class ConversionRequest:
    """What the conversion dialog asks for: the contact (linked or new), the company (linked,
    found by name or new, or none) and an optional deal."""

    lead_id: int
    contact_id: int | None = None  # link this existing contact; None = create one
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    job_title: str = ""
    company_id: int | None = None  # link this existing company
    # When company_id is None: the live company of that name in any letter case, else a new
    # one; empty: no company (a linked contact keeps its own).
    company_name: str = ""
    create_deal: bool = False
    deal_title: str = ""
    deal_amount: str = ""
    deal_stage_id: int | None = None  # None: the first open stage
    deal_close_on: str = ""
    # The lead's version when the form was filled: converting a lead someone else changed
    # since raises RecordChanged (None: convert it as it is now).
    seen_version: int | None = None


@dataclass(frozen=True)
class Conversion:
    """What a conversion made of the lead. It carries its own undo (`conversion_undo`) and
    names, so the UI can report and take it back without another trip to the database."""

    lead_id: int
    contact_id: int
    company_id: int | None
    deal_id: int | None
    created_contact: bool
    created_company: bool
    created_deal: bool
    contact_name: str = ""
    company_name: str = ""
    deal_title: str = ""
    deal_amount: int = 0
    currency: str = ""
    undo: TriageUndo | None = field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        """`Converted: contact Olga Morozova (new), company ООО Ромашка (existing), deal …`"""

        def made(created: bool) -> str:
            return "new" if created else "existing"

        parts = [f"contact {self.contact_name} ({made(self.created_contact)})"]
        if self.company_id is not None:
            parts.append(f"company {self.company_name} ({made(self.created_company)})")
        if self.deal_id is not None:
            amount = f" {format_money(self.deal_amount, self.currency)}" if self.deal_amount else ""
            parts.append(f"deal {self.deal_title}{amount}")
        return "Converted: " + ", ".join(parts)


def conversion_undo(conversion: Conversion) -> TriageUndo:
    """What `undo_triage` needs to take a conversion back (kept in the Conversion itself)."""
    if conversion.undo is None:
        # Only convert_lead knows the lead's state before; guessing it could lose a status.
        raise ValueError(f"the conversion of lead {conversion.lead_id} was not made by convert_lead")
    return conversion.undo


def _convertible(session: Session, lead_id: int, lock: bool = False, seen_version: int | None = None) -> Lead:
    """The lead, if it can be converted. `lock`: locked for the conversion and read as it is
    now (two people converting it at once: the second finds it converted, or changed)."""
    try:
        lead = locked_lead(session, lead_id, seen_version) if lock else leads.get_lead(session, lead_id)
    except NotFound as error:
        raise ValidationError("lead", str(error)) from error
    if lead.archived_at is not None:
        raise ValidationError("lead", f"lead {lead_id} is archived")
    if lead.status == LeadStatus.CONVERTED.value:
        raise ValidationError("lead", f"lead {lead_id} is converted already")
    if lead.status == LeadStatus.DISQUALIFIED.value:
        raise ValidationError("lead", f"lead {lead_id} is disqualified (mark it as working first)")
    return lead


def conversion_defaults(session: Session, lead_id: int) -> ConversionRequest:
    """The conversion form, filled from the lead, on the contact it matches when there is one."""
    lead = _convertible(session, lead_id)
    first, last = split_full_name(lead.person_name) if lead.person_name.strip() else ("", "")
    request = ConversionRequest(
        lead_id=lead_id,
        first_name=first,
        last_name=last,
        email=lead.email or "",
        phone=lead.phone or "",
        company_name=lead.company_name,
        create_deal=bool(lead.value),
        deal_title=lead.title,
        deal_amount=plain_amount(lead.value),
        seen_version=lead.version,
    )
    match = matches_for(session, [lead_id]).get(lead_id)
    if match is not None and match.kind is EntityKind.CONTACT:
        contact = session.get(Contact, match.id)
        if contact is not None:
            request.contact_id = contact.id
            if contact.company_id is not None:
                company = session.get(Company, contact.company_id)
                if company is not None and company.archived_at is None:
                    request.company_id, request.company_name = company.id, company.name
    return request


@dataclass
class _Checked:
    """A conversion request once every value in it has been checked, before any write."""

    email: str | None
    phone: tuple[str, str | None] | None
    contact: Contact | None  # the existing contact to link
    new_contact: contacts.ContactCreate | None
    company: Company | None  # the existing company to link
    new_company_name: str | None
    deal: deals.DealCreate | None


def _check(session: Session, lead: Lead, request: ConversionRequest) -> _Checked:
    region = phone_region(session)
    email = parse_email(request.email, "email")
    phone = parse_phone(request.phone, region, "phone")

    contact: Contact | None = None
    new_contact: contacts.ContactCreate | None = None
    if request.contact_id is not None:
        contact = session.get(Contact, request.contact_id)
        if contact is None or contact.archived_at is not None:
            raise ValidationError("contact", f"no live contact with id {request.contact_id}")
    else:
        new_contact = contacts.ContactCreate(
            first_name=request.first_name.strip(),
            last_name=request.last_name.strip(),
            title=clean(request.job_title),
            source=lead.source,
            emails=[contacts.EmailIn(value=email, is_primary=True)] if email else [],
            phones=[contacts.PhoneIn(value=phone[0], is_primary=True)] if phone else [],
        )
        # Names and every email and phone are checked here, before anything is written.
        contacts.prepare_contact(new_contact, region)

    company: Company | None = None
    new_company_name: str | None = None
    if request.company_id is not None:
        company = session.get(Company, request.company_id)
        if company is None or company.archived_at is not None:
            raise ValidationError("company", f"no live company with id {request.company_id}")
    elif name := clean(request.company_name):
        company = companies.find_company_by_name(session, name)
        new_company_name = None if company is not None else name

    deal: deals.DealCreate | None = None
    if request.create_deal:
        amount = parse_money(request.deal_amount, field="deal_amount") or 0
        close_on: date | None = None
        if clean(request.deal_close_on):
            try:
                close_on = parse_date(request.deal_close_on)
            except ValueError as error:
                raise ValidationError("deal_close_on", str(error)) from error
        if request.deal_stage_id is not None:
            if session.get(Stage, request.deal_stage_id) is None:
                raise ValidationError("deal_stage", f"no stage with id {request.deal_stage_id}")
            stage_id = request.deal_stage_id
        else:
            stage_id = first_open_stage(session).id or 0
        deal = deals.DealCreate(
            title=clean(request.deal_title) or lead.title,
            amount=amount,
            currency=lead.currency,
            expected_close_on=close_on,
            stage_id=stage_id,
            lead_id=lead.id,
        )
    return _Checked(email, phone, contact, new_contact, company, new_company_name, deal)


def convert_lead(session: Session, request: ConversionRequest) -> Conversion:
    """Turn a lead into a contact (new or existing), a company (optional) and a deal
    (optional), all or nothing.

    Every value is checked before the first write; the writes then run in a savepoint, so that
    a failure part-way leaves nothing behind even when the caller's transaction goes on.
    """
    lead = _convertible(session, request.lead_id, lock=True, seen_version=request.seen_version)
    checked = _check(session, lead, request)
    before = LeadState.of(lead)
    with session.begin_nested():
        return _convert(session, lead, checked, before)


def _convert(session: Session, lead: Lead, checked: _Checked, before: LeadState) -> Conversion:
    assert lead.id is not None
    undo = TriageUndo(f"convert lead {lead.title}", leads=[before], conversion=True)

    company = checked.company
    if checked.new_company_name is not None:
        company = companies.create_company(session, CompanyBase(name=checked.new_company_name))
        undo.company_ids.append(company.id or 0)
    company_id = company.id if company is not None else None

    if checked.contact is not None:
        contact = checked.contact
        _add_missing_details(session, contact, checked, undo)
        if contact.company_id is None and company_id is not None:
            undo.contact_companies[contact.id or 0] = (None, company_id)
            contacts.update_contact(session, contact.id or 0, {"company_id": company_id})
    else:
        assert checked.new_contact is not None
        checked.new_contact.company_id = company_id
        contact = contacts.create_contact(session, checked.new_contact)
        undo.contact_ids.append(contact.id or 0)
    assert contact.id is not None
    # A linked contact's own company counts when the form named none.
    if company_id is None and contact.company_id is not None:
        company_id = contact.company_id
        company = session.get(Company, company_id)

    deal: Deal | None = None
    if checked.deal is not None:
        checked.deal.contact_id, checked.deal.company_id = contact.id, company_id
        deal = deals.create_deal(session, checked.deal)
        undo.deal_ids.append(deal.id or 0)

    lead.contact_id, lead.company_id = contact.id, company_id
    lead.deal_id = deal.id if deal is not None else None
    lead.converted_at = utcnow()
    leads.set_status(session, lead.id, LeadStatus.CONVERTED)
    conversion = Conversion(
        lead_id=lead.id,
        contact_id=contact.id,
        company_id=company_id,
        deal_id=lead.deal_id,
        created_contact=checked.contact is None,
        created_company=checked.new_company_name is not None,
        created_deal=deal is not None,
        contact_name=contact.full_name,
        company_name=company.name if company is not None else "",
        deal_title=deal.title if deal is not None else "",
        deal_amount=deal.amount if deal is not None else 0,
        currency=deal.currency if deal is not None else "",
        undo=undo,
    )
    record_event(
        session,
        leads.subject(lead),
        EventKind.CONVERTED,
        conversion.describe(),
        {
            "contact_id": contact.id,
            "company_id": company_id,
            "deal_id": lead.deal_id,
            "created_contact": conversion.created_contact,
            "created_company": conversion.created_company,
            "created_deal": conversion.created_deal,
        },
    )
    came_from = f"Converted from lead: {lead.title}"
    record_event(session, contacts.subject(contact), EventKind.CONVERTED, came_from, {"lead_id": lead.id})
    if deal is not None:
        record_event(session, deals.subject(deal), EventKind.CONVERTED, came_from, {"lead_id": lead.id})
    if lead.notes:
        add_note(session, contacts.subject(contact), lead.notes)
    undo.last_event_id = _last_event_id(session)
    return conversion


def _add_missing_details(session: Session, contact: Contact, checked: _Checked, undo: TriageUndo) -> None:
    """Give a linked contact the lead's email and phone when it does not have them yet."""
    assert contact.id is not None
    if checked.email and fold(checked.email) not in {
        row.value_fold for row in contacts.emails_of(session, contact.id)
    }:
        added = contacts.add_emails(session, contact.id, [contacts.EmailIn(value=checked.email)])
        undo.email_ids += [row.id for row in added if row.id is not None]
    if checked.phone:
        value, e164 = checked.phone
        known = {row.e164 or digits_of(row.value) for row in contacts.phones_of(session, contact.id)}
        if (e164 or digits_of(value)) not in known:
            added_phones = contacts.add_phones(session, contact.id, [contacts.PhoneIn(value=value)])
            undo.phone_ids += [row.id for row in added_phones if row.id is not None]


@dataclass(frozen=True)
class ConversionForm:
    """What the form starts with: the service's defaults and the names behind their ids."""

    request: ConversionRequest
    lead_title: str
    contact_name: str
    company_name: str
    stage_name: str


def conversion_form(session: Session, lead_id: int) -> ConversionForm:
    """What the conversion dialog shows for a lead."""
    request = conversion_defaults(session, lead_id)
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    company = session.get(Company, request.company_id) if request.company_id else None
    stages = open_stages(session)
    return ConversionForm(
        request=request,
        lead_title=leads.get_lead(session, lead_id).title,
        contact_name=contact.full_name if contact is not None else "",
        company_name=company.name if company is not None else request.company_name,
        stage_name=stages[0].name if stages else "",
    )
