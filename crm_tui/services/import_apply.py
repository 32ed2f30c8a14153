"""Carrying out an import plan as one `ImportBatch`, listing batches, and undoing one.

The whole batch is one transaction (the caller's unit of work) after a snapshot of the
database; each record sits in its own savepoint, so a record the services refuse is rejected
alone and named, while the rest land. The batch keeps the ids it created and the values it
changed, which is what undo takes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from crm_tui.dates import utcnow
from crm_tui.db.backup import snapshot_before
from crm_tui.db.models import (
    Company,
    CompanyBase,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    EntityKind,
    ImportBatch,
    Lead,
)
from crm_tui.errors import CrmError, NotFound, ValidationError
from crm_tui.io.contact_record import ImportedContact
from crm_tui.services import contacts, search
from crm_tui.services.companies import create_company
from crm_tui.services.contact_bulk import create_contacts
from crm_tui.services.events import EventKind, record_event
from crm_tui.services.import_changes import AppliedUpdate, apply_diff, diff_contact
from crm_tui.services.import_plan import Action, ImportPlan, PlannedRecord
from crm_tui.services.settings import phone_region

Progress = Callable[[int, int], None]


def contact_create_from(record: ImportedContact) -> contacts.ContactCreate:
    return contacts.ContactCreate(
        uid=record.uid,
        first_name=record.first_name or ("" if record.last_name else record.display_name),
        middle_name=record.middle_name,
        last_name=record.last_name,
        title=record.title,
        birthday=record.birthday,
        notes=record.notes,
        company_name=record.company,
        emails=[contacts.EmailIn(value=e.value, kind=e.kind, is_primary=e.primary) for e in record.emails],
        phones=[contacts.PhoneIn(value=p.value, kind=p.kind, is_primary=p.primary) for p in record.phones],
        addresses=[contacts.AddressIn(**a.parts(), is_primary=a.primary) for a in record.addresses],
        tags=record.tags,
        extra=record.extra,
    )


def apply_plan(session: Session, plan: ImportPlan, progress: Progress | None = None) -> ImportBatch:
    """Carry the plan out. Records refused on the way are turned into rejections in the plan."""
    snapshot_before(session.get_bind(), "before-import")  # type: ignore[arg-type]
    batch = ImportBatch(file=plan.file, kind=plan.kind, status="applying")
    session.add(batch)
    session.flush()
    if plan.target != "contacts":
        from crm_tui.services.row_apply import apply_rows

        batch.created_ids, batch.changed = apply_rows(session, plan, batch, progress)
        return _finish(batch, plan)
    created: dict[str, list[int]] = {"contacts": [], "companies": []}
    _create_people(session, plan, batch, created)
    if progress is not None:
        progress(0, len(plan.records))
    updates: dict[str, dict[str, Any]] = {}
    for position, planned in enumerate(plan.records, start=1):
        one_by_one = planned.action is Action.UPDATE or (
            planned.action is Action.CREATE and planned.record is not None and planned.record.is_company
        )
        if one_by_one:
            savepoint = session.begin_nested()
            try:
                _apply_one(session, planned, batch, created, updates)
            except (ValidationError, CrmError) as error:
                savepoint.rollback()
                planned.action, planned.reason = Action.REJECT, str(error)
            else:
                savepoint.commit()
        if progress is not None:
            progress(position, len(plan.records))
    batch.created_ids = created
    batch.changed = updates
    return _finish(batch, plan)


def _finish(batch: ImportBatch, plan: ImportPlan) -> ImportBatch:
    batch.counts = plan.counts
    batch.status = "applied"
    batch.finished_at = utcnow()
    return batch


def _create_people(
    session: Session, plan: ImportPlan, batch: ImportBatch, created: dict[str, list[int]]
) -> None:
    """All new people of the file in one bulk write; one that fails validation is rejected alone."""
    region = phone_region(session)
    kept: list[PlannedRecord] = []
    prepared = []
    for planned in plan.records:
        record = planned.record
        if planned.action is not Action.CREATE or record is None or record.is_company:
            continue
        try:
            prepared.append(contacts.prepare_contact(contact_create_from(record), region))
        except ValidationError as error:
            planned.action, planned.reason = Action.REJECT, str(error)
            continue
        kept.append(planned)
    texts = [f"Imported from {batch.file} ({planned.where})" for planned in kept]
    payloads = [{"batch": batch.id, "file": batch.file, "card": planned.number} for planned in kept]
    result = create_contacts(session, prepared, texts, payloads)
    for planned, contact_id in zip(kept, result.contact_ids, strict=True):
        planned.contact_id = contact_id
    created["contacts"] += result.contact_ids
    created["companies"] += result.created_company_ids


def _apply_one(
    session: Session,
    planned: PlannedRecord,
    batch: ImportBatch,
    created: dict[str, list[int]],
    updates: dict[str, dict[str, Any]],
) -> None:
    record = planned.record
    assert record is not None
    if record.is_company:
        _apply_company(session, record, planned.name, created)
        return
    contact = contacts.get_contact(session, planned.contact_id or 0)
    applied = apply_diff(session, contact, diff_contact(session, contact, record))
    if applied.created_company_id is not None:
        created["companies"].append(applied.created_company_id)
    updates[str(contact.id)] = asdict(applied)
    text = f"Imported from {batch.file} ({planned.where})"
    payload = {"batch": batch.id, "file": batch.file, "card": planned.number}
    record_event(session, contacts.subject(contact), EventKind.IMPORTED, text, payload)


def _apply_company(
    session: Session, record: ImportedContact, name: str, created: dict[str, list[int]]
) -> None:
    """A company card: the company of that name (perhaps made moments ago for a person of the
    same file) gets the card's phone and email where it has none; otherwise it is created."""
    from crm_tui.services.companies import find_company_by_name, update_company

    details = {
        "phone": record.phones[0].value if record.phones else None,
        "email": record.emails[0].value if record.emails else None,
    }
    existing = find_company_by_name(session, record.company or name)
    if existing is None:
        fields = CompanyBase(name=record.company or name, phone=details["phone"], email=details["email"])
        company = create_company(session, fields)
        created["companies"].append(company.id or 0)
        return
    empty = {field: value for field, value in details.items() if value and not getattr(existing, field)}
    if empty:
        update_company(session, existing.id or 0, empty)


def list_batches(session: Session, limit: int = 50) -> list[ImportBatch]:
    return list(session.exec(select(ImportBatch).order_by(col(ImportBatch.id).desc()).limit(limit)))


def undo_batch(session: Session, batch_id: int) -> ImportBatch:
    """Remove what the batch created and restore what it changed. Events stay (append-only);
    an `imported` event on each restored contact records the undo."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound("import", batch_id)
    if batch.undone_at is not None:
        raise CrmError(f"import {batch_id} was already undone")
    snapshot_before(session.get_bind(), f"before-undo-import-{batch_id}")  # type: ignore[arg-type]
    for key, change in (batch.changed or {}).items():
        if ":" in key:  # a lead, company or deal of a CSV import ("lead:12")
            from crm_tui.services.row_apply import restore_row_change

            restore_row_change(session, key, change)
        else:
            _restore(session, int(key), AppliedUpdate(**change), batch)
    connection = session.connection()
    # Deals first: they point at the contacts and companies below.
    for model, kind, name in ((Deal, EntityKind.DEAL, "deals"), (Lead, EntityKind.LEAD, "leads")):
        ids = list(batch.created_ids.get(name, []))
        if ids:
            connection.execute(delete(model).where(col(model.id).in_(ids)))  # type: ignore[attr-defined]
            search.reindex(session, kind, ids)
    contact_ids = list(batch.created_ids.get("contacts", []))
    company_ids = list(batch.created_ids.get("companies", []))
    if contact_ids:
        connection.execute(delete(Contact).where(col(Contact.id).in_(contact_ids)))
        search.reindex(session, EntityKind.CONTACT, contact_ids)
    if company_ids:
        connection.execute(delete(Company).where(col(Company.id).in_(company_ids)))
        search.reindex(session, EntityKind.COMPANY, company_ids)
    batch.undone_at = utcnow()
    batch.status = "undone"
    return batch


def _restore(session: Session, contact_id: int, change: AppliedUpdate, batch: ImportBatch) -> None:
    contact = session.get(Contact, contact_id)
    if contact is None:
        return  # deleted since; nothing to restore
    connection = session.connection()
    for model, ids in (
        (ContactEmail, change.email_ids),
        (ContactPhone, change.phone_ids),
        (ContactAddress, change.address_ids),
    ):
        if ids:
            connection.execute(delete(model).where(col(model.id).in_(ids)))  # type: ignore[attr-defined]
    if change.tag_ids:
        connection.execute(
            delete(ContactTag).where(
                col(ContactTag.contact_id) == contact_id, col(ContactTag.tag_id).in_(change.tag_ids)
            )
        )
    restored = dict(change.old_fields)
    if change.company_assigned:
        restored["company_id"] = None
    for field, value in restored.items():
        if field == "birthday" and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(contact, field, value)
    full_name = contacts.full_name_of(contact.first_name, contact.middle_name, contact.last_name)
    for column, value in contacts.name_columns(full_name or contact.full_name, contact.last_name).items():
        setattr(contact, column, value)
    if change.old_extra is not None:
        contact.extra = change.old_extra
    record_event(
        session,
        contacts.subject(contact),
        EventKind.IMPORTED,
        f"Import {batch.id} undone: its changes were taken back",
        {"batch": batch.id, "undone": True},
    )
    session.flush()
    search.reindex(session, EntityKind.CONTACT, [contact_id])
