"""Carrying out a `row_plan` (CSV rows as leads, companies or deals) inside an ImportBatch.

New records go in through Core bulk inserts, a few hundred rows per statement, with their
`created` and `imported` events and search-index rows; a row that adds to a record already
here fills only its empty fields, through the services' change log (old → new on its
timeline), and the batch remembers the old values so an undo can put them back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from crm_tui.dates import utcnow
from crm_tui.db.models import Company, Deal, EntityKind, ImportBatch, Lead, LeadSource, LeadStatus, StageKind
from crm_tui.errors import ValidationError
from crm_tui.io.lead_record import ImportedCompany, ImportedDeal, ImportedLead
from crm_tui.services import contacts, search
from crm_tui.services.contact_bulk import (
    BulkResult,
    company_ids_by_name,
    create_contacts,
    event_row,
    insert_events,
    insert_returning_ids,
)
from crm_tui.services.events import EventKind, Subject, apply_changes, record_event
from crm_tui.services.import_plan import Action, ImportPlan
from crm_tui.services.row_plan import (
    RowPlanned,
    company_fields,
    deal_changes,
    deal_fields,
    lead_changes,
    lead_fields,
)
from crm_tui.services.settings import default_currency, phone_region
from crm_tui.services.validation import fold, parse_email, parse_phone, split_full_name

Progress = Callable[[int, int], None]
_KINDS = {"leads": EntityKind.LEAD, "companies": EntityKind.COMPANY, "deals": EntityKind.DEAL}
# Statuses compared for every new lead (an enum member's value is a lookup each time).
_DISQUALIFIED, _CONVERTED = LeadStatus.DISQUALIFIED.value, LeadStatus.CONVERTED.value


def apply_rows(
    session: Session, plan: ImportPlan, batch: ImportBatch, progress: Progress | None = None
) -> tuple[dict[str, list[int]], dict[str, Any]]:
    """Write the plan's rows; returns the ids created per kind and the old values of what was
    changed ({"lead:12": {"person_name": ""}}), which the batch keeps for undo."""
    rows = [planned for planned in plan.records if isinstance(planned, RowPlanned)]
    creates = [planned for planned in rows if planned.action is Action.CREATE]
    created: dict[str, list[int]] = {"contacts": [], "companies": [], "leads": [], "deals": []}
    writer = {"leads": _create_leads, "companies": _create_companies, "deals": _create_deals}[plan.target]
    writer(session, creates, batch, created)
    total = len(rows)
    if progress is not None:
        progress(len(creates), total)
    changed: dict[str, Any] = {}
    update = {"leads": _update_lead, "companies": _update_company, "deals": _update_deal}[plan.target]
    for position, planned in enumerate(rows, start=1):
        if planned.action is Action.UPDATE:
            savepoint = session.begin_nested()
            try:
                old = update(session, planned, batch)
            except ValidationError as error:
                savepoint.rollback()
                planned.action, planned.reason = Action.REJECT, str(error)
            else:
                savepoint.commit()
                changed[f"{_KINDS[plan.target].value}:{planned.existing_id}"] = old
        if progress is not None and position % 500 == 0:
            progress(position, total)
    return created, changed


def _local_to_utc(moment: datetime | None) -> datetime | None:
    """A file's time (naive: the user's local time) as stored (UTC)."""
    return moment.astimezone(UTC) if moment is not None else None


def _imported_text(batch: ImportBatch, planned: RowPlanned) -> str:
    return f"Imported from {batch.file} ({planned.where})"


def _imported_payload(batch: ImportBatch, planned: RowPlanned) -> dict[str, Any]:
    return _row_payload(batch.id, batch.file, planned.number)


def _row_payload(batch_id: int | None, file: str, number: int) -> dict[str, Any]:
    """Where an event's record came from: the batch, its file, the row."""
    return {"batch": batch_id, "file": file, "row": number}


def _insert_new(
    session: Session,
    model: Any,
    kind: EntityKind,
    rows: list[dict[str, Any]],
    creates: list[RowPlanned],
    batch: ImportBatch,
    describe: Callable[[dict[str, Any]], str],
) -> list[int]:
    """Insert the new records' rows and their `created` events; their ids, in row order."""
    ids = insert_returning_ids(session, model, rows)
    insert_events(session, _created_events(kind, ids, rows, creates, batch, describe))
    return ids


def _created_events(
    kind: EntityKind,
    ids: list[int],
    rows: list[dict[str, Any]],
    planned: list[RowPlanned],
    batch: ImportBatch,
    text: Callable[[dict[str, Any]], str],
) -> list[dict[str, Any]]:
    """One `created` event per new record, saying which file and row it came from (one event,
    not a `created` and an `imported`: a 100,000-row file would double the writes)."""
    file, batch_id = batch.file, batch.id  # read once: an ORM attribute is not a plain one
    is_company = kind is EntityKind.COMPANY
    now = utcnow()  # one moment for the batch's events, and the clock read once, not per row
    return [
        event_row(
            kind,
            record_id,
            row.get("contact_id"),
            record_id if is_company else row.get("company_id"),
            EventKind.CREATED,
            f"{text(row)} (imported from {file}, {plan_row.where})",
            _row_payload(batch_id, file, plan_row.number),
            at=now,
        )
        for record_id, row, plan_row in zip(ids, rows, planned, strict=True)
    ]


# ---------------------------------------------------------------- leads


def _ensure_sources(session: Session, names: set[str]) -> None:
    """Add the lead sources the file names that we do not have yet, after ours."""
    known = {fold(name) for name in session.exec(select(LeadSource.name))}
    position = session.exec(select(func.max(LeadSource.position))).one() or 0
    for name in sorted(names):
        if fold(name) not in known:
            position += 1
            session.add(LeadSource(name=name, position=position))
            known.add(fold(name))
    session.flush()


def _lead_contacts(row: ImportedLead, region: str) -> dict[str, Any]:
    """The lead's first email and phone in their columns, the others in `extra`. (A phone
    with nothing in it is dropped; the kinds stay those of the row's phones by position.)"""
    emails, phones = [], []
    for email in row.emails:  # loops, not comprehensions: this runs for every new lead
        emails.append(parse_email(email.value) or "")
    for phone in row.phones:
        if parsed := phone.checked or parse_phone(phone.value, region):
            phones.append(parsed)
    extra: dict[str, Any] = {}
    if len(emails) > 1:
        extra["emails"] = [
            {"value": value, "kind": email.kind}
            for value, email in zip(emails[1:], row.emails[1:], strict=False)
        ]
    if len(phones) > 1:
        extra["phones"] = [
            {"value": value, "e164": e164, "kind": phone.kind}
            for (value, e164), phone in zip(phones[1:], row.phones[1:], strict=False)
        ]
    return {
        "email": emails[0] if emails else None,
        "email_fold": fold(emails[0]) if emails else None,
        "phone": phones[0][0] if phones else None,
        "phone_e164": phones[0][1] if phones else None,
        "extra": extra,
    }


def _lead_row(
    row: ImportedLead, planned: RowPlanned, region: str, currency: str, now: datetime
) -> dict[str, Any]:
    values = _lead_contacts(row, region)
    person, company = row.person_name.strip(), row.company_name.strip()
    status = planned.resolved["status"]
    created_at = _local_to_utc(row.created_at) or now
    title = row.title or " · ".join(filter(None, [person, company])) or values["email"] or values["phone"]
    values |= {
        "title": title,
        "person_name": person,
        "company_name": company,
        "source": planned.resolved.get("source"),
        "notes": row.notes,
        "value": row.value_minor,
        "currency": row.currency or currency,
        "next_contact_on": row.next_contact_on,
        "next_contact_goal": row.next_contact_goal,
        "status": status,
        "disqualify_reason": (row.disqualify_reason or f"imported as {row.status!r}")
        if status == _DISQUALIFIED
        else None,
        "created_at": created_at,
        "updated_at": now,
        "converted_at": created_at if status == _CONVERTED else None,
        "archived_at": None,
        "contact_id": planned.contact_id,
        "company_id": planned.company_id,
        "deal_id": None,
    }
    return values


def _create_leads(
    session: Session, creates: list[RowPlanned], batch: ImportBatch, created: dict[str, list[int]]
) -> None:
    _ensure_sources(
        session, {planned.resolved["source"] for planned in creates if planned.resolved.get("source")}
    )
    region, currency = phone_region(session), default_currency(session)
    now = utcnow()  # one moment for the batch, as companies and deals get (and the clock is read once)
    rows = [_lead_row(planned.row, planned, region, currency, now) for planned in creates]
    ids = _insert_new(
        session, Lead, EntityKind.LEAD, rows, creates, batch, lambda row: f"Lead created: {row['title']}"
    )
    search.index_new(session, EntityKind.LEAD, dict(zip(ids, map(search.lead_body, rows), strict=True)))
    created["leads"] += ids


def _update_lead(session: Session, planned: RowPlanned, batch: ImportBatch) -> dict[str, Any]:
    lead = session.get(Lead, planned.existing_id)
    assert lead is not None
    row: ImportedLead = planned.row
    if planned.resolved.get("source"):
        _ensure_sources(session, {planned.resolved["source"]})
    wanted = set(lead_changes(lead, row, planned.resolved))
    subject = Subject(EntityKind.LEAD, lead.id or 0, lead.contact_id, lead.company_id)
    old: dict[str, Any] = {}
    changes = {}
    for name, value in lead_fields(row, planned.resolved).items():
        if name in wanted:
            old[name] = getattr(lead, name)
            changes[name] = value
    if wanted & {"email", "phone"}:
        region = phone_region(session)
        old.update(email=lead.email, email_fold=lead.email_fold, phone=lead.phone, phone_e164=lead.phone_e164)
        old["extra"] = dict(lead.extra)
        merged = _merged_lead_contacts(lead, row, region)
        changes.update({key: merged[key] for key in ("email", "phone") if merged[key] != getattr(lead, key)})
        lead.email_fold, lead.phone_e164, lead.extra = (
            merged["email_fold"],
            merged["phone_e164"],
            merged["extra"],
        )
    apply_changes(session, lead, subject, changes)
    lead.updated_at = utcnow()
    record_event(
        session,
        subject,
        EventKind.IMPORTED,
        _imported_text(batch, planned),
        _imported_payload(batch, planned),
    )
    session.flush()
    search.reindex(session, EntityKind.LEAD, [lead.id or 0])
    return _jsonable(old)


def _merged_lead_contacts(lead: Lead, row: ImportedLead, region: str) -> dict[str, Any]:
    """The lead's emails and phones with the row's new ones added after them."""
    from crm_tui.io.contact_record import ImportedEmail, ImportedPhone

    emails = [ImportedEmail(lead.email)] if lead.email else []
    emails += [
        ImportedEmail(item["value"], item.get("kind", "other")) for item in lead.extra.get("emails", [])
    ]
    phones = [ImportedPhone(lead.phone)] if lead.phone else []
    phones += [
        ImportedPhone(item["value"], item.get("kind", "other")) for item in lead.extra.get("phones", [])
    ]
    known_emails = {fold(email.value) for email in emails}
    known_phones = {"".join(filter(str.isdigit, phone.value)) for phone in phones}
    emails += [email for email in row.emails if fold(email.value) not in known_emails]
    phones += [phone for phone in row.phones if "".join(filter(str.isdigit, phone.value)) not in known_phones]
    return _lead_contacts(ImportedLead(number=0, line=0, emails=emails, phones=phones), region)


# ---------------------------------------------------------------- companies


def _create_companies(
    session: Session, creates: list[RowPlanned], batch: ImportBatch, created: dict[str, list[int]]
) -> None:
    now = utcnow()
    rows = []
    for planned in creates:
        row: ImportedCompany = planned.row
        fields = company_fields(row)
        fields["email"] = parse_email(fields["email"])
        rows.append(
            {"name": row.name, "name_fold": fold(row.name), "extra": {}, "created_at": now, "updated_at": now}
            | fields
        )
    ids = _insert_new(
        session,
        Company,
        EntityKind.COMPANY,
        rows,
        creates,
        batch,
        lambda row: f"Company created: {row['name']}",
    )
    search.reindex(session, EntityKind.COMPANY, ids)
    created["companies"] += ids


def _update_company(session: Session, planned: RowPlanned, batch: ImportBatch) -> dict[str, Any]:
    from crm_tui.services.companies import subject, update_company

    company = session.get(Company, planned.existing_id)
    assert company is not None
    changes = {
        field: value
        for field, value in company_fields(planned.row).items()
        if value and not getattr(company, field)
    }
    old = {field: getattr(company, field) for field in changes}
    update_company(session, company.id or 0, changes)
    record_event(
        session,
        subject(company),
        EventKind.IMPORTED,
        _imported_text(batch, planned),
        _imported_payload(batch, planned),
    )
    return old


# ---------------------------------------------------------------- deals


def _create_deals(
    session: Session, creates: list[RowPlanned], batch: ImportBatch, created: dict[str, list[int]]
) -> None:
    """New deals, with the companies and contacts they name that are not here yet."""
    new_companies = {
        planned.row.company
        for planned in creates
        if planned.row.company and planned.resolved["company_id"] is None
    }
    result = BulkResult()
    company_ids = company_ids_by_name(session, new_companies, result) if new_companies else {}
    created["companies"] += result.created_company_ids
    for planned in creates:
        if planned.row.company and planned.resolved["company_id"] is None:
            planned.resolved["company_id"] = company_ids[fold(planned.row.company)]
    _create_deal_contacts(
        session, [p for p in creates if p.row.contact and p.resolved["contact_id"] is None], batch, created
    )
    now = utcnow()
    currency = default_currency(session)
    rows = []
    for planned in creates:
        row: ImportedDeal = planned.row
        closed = planned.resolved["stage_kind"] != StageKind.OPEN.value
        rows.append(
            {
                "title": planned.name,
                "amount": row.amount_minor or 0,
                "currency": (row.currency or currency).upper(),
                "expected_close_on": row.expected_close_on,
                "notes": row.notes,
                "contact_id": planned.resolved["contact_id"],
                "company_id": planned.resolved["company_id"],
                "stage_id": planned.resolved["stage_id"],
                "lead_id": None,
                "stage_entered_at": now,
                "closed_at": (_local_to_utc(row.closed_at) or now) if closed else None,
                "lost_reason": row.lost_reason
                if planned.resolved["stage_kind"] == StageKind.LOST.value
                else None,
                "created_at": now,
                "updated_at": now,
                "archived_at": None,
            }
        )
    ids = _insert_new(
        session, Deal, EntityKind.DEAL, rows, creates, batch, lambda row: f"Deal created: {row['title']}"
    )
    search.reindex(session, EntityKind.DEAL, ids)
    created["deals"] += ids


def _create_deal_contacts(
    session: Session, needing: list[RowPlanned], batch: ImportBatch, created: dict[str, list[int]]
) -> None:
    """A contact for each person a deal names who is not here yet (one per name and company)."""
    region = phone_region(session)
    by_key: dict[tuple[str, int | None], list[RowPlanned]] = {}
    for planned in needing:
        by_key.setdefault((fold(planned.row.contact), planned.resolved["company_id"]), []).append(planned)
    prepared, texts, payloads = [], [], []
    for (_, company_id), group in by_key.items():
        first = group[0]
        first_name, last_name = split_full_name(first.row.contact)
        data = contacts.ContactCreate(first_name=first_name, last_name=last_name, company_id=company_id)
        prepared.append(contacts.prepare_contact(data, region))
        texts.append(f"Created by the import of {batch.file} ({first.where}) for the deal {first.name!r}")
        payloads.append({"batch": batch.id, "file": batch.file, "row": first.number})
    result = create_contacts(session, prepared, texts, payloads)
    created["contacts"] += result.contact_ids
    for group, contact_id in zip(by_key.values(), result.contact_ids, strict=True):
        for planned in group:
            planned.resolved["contact_id"] = contact_id


def _update_deal(session: Session, planned: RowPlanned, batch: ImportBatch) -> dict[str, Any]:
    from crm_tui.services.deals import subject

    deal = session.get(Deal, planned.existing_id)
    assert deal is not None
    row: ImportedDeal = planned.row
    values = deal_fields(row)
    changes = {name: values[name] for name in deal_changes(deal, row)}
    old = {name: getattr(deal, name) for name in changes}
    apply_changes(session, deal, subject(deal), changes)
    deal.updated_at = utcnow()
    record_event(
        session,
        subject(deal),
        EventKind.IMPORTED,
        _imported_text(batch, planned),
        _imported_payload(batch, planned),
    )
    session.flush()
    search.reindex(session, EntityKind.DEAL, [deal.id or 0])
    return _jsonable(old)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Old values as the batch's JSON column keeps them (dates as ISO text)."""
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()}


def restore_row_change(session: Session, key: str, old: dict[str, Any]) -> None:
    """Put back what an import changed on a lead, company or deal ("lead:12")."""
    from datetime import date

    kind, _, record_id = key.partition(":")
    models: dict[str, Any] = {EntityKind.LEAD.value: Lead, EntityKind.COMPANY.value: Company, "deal": Deal}
    record = session.get(models[kind], int(record_id))
    if record is None:
        return  # deleted since; nothing to restore
    for name, value in old.items():
        if name in ("next_contact_on", "expected_close_on") and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(record, name, value)
    session.flush()
    search.reindex(session, EntityKind(kind), [int(record_id)])
