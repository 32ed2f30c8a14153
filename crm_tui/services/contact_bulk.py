"""Writing many contacts at once (an import): bulk inserts (db.bulk) of the same rows
`create_contact` writes one at a time, so a 10,000-card file goes in in seconds, not minutes.

Everything is validated beforehand (`contacts.prepare_contact`); this only writes, inside the
caller's transaction, so a failure leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from crm_tui.dates import utcnow
from crm_tui.db.bulk import insert_rows, same_keys
from crm_tui.db.models import (
    Company,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    EntityKind,
    Event,
)
from crm_tui.services import search
from crm_tui.services.contacts import PreparedContact, tag_for
from crm_tui.services.events import EventKind
from crm_tui.services.validation import fold

_CHUNK = 500


@dataclass
class BulkResult:
    contact_ids: list[int] = field(default_factory=list)
    created_company_ids: list[int] = field(default_factory=list)


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def _table(model: Any) -> Any:
    return model.__table__


def insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and give back their new ids, in the order of the rows."""
    if rows and session.get_bind().dialect.name == "sqlite":
        return _insert_counting_ids(session, model, rows)
    ids: list[int] = []
    for chunk in _chunks(rows):
        statement = insert(_table(model)).returning(_table(model).c.id, sort_by_parameter_order=True)
        ids += [row[0] for row in session.connection().execute(statement, same_keys(_table(model), chunk))]
    return ids


def _insert_counting_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """SQLite gives a new row the largest id + 1, and our write transaction keeps anyone else
    from inserting meanwhile, so a plain executemany (faster than INSERT … RETURNING in
    batches) numbers the rows from the old maximum on. Checked afterwards: ids that are not
    exactly that run raise, and the caller's transaction rolls the whole import back."""
    table = _table(model)
    connection = session.connection()
    before = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    insert_rows(connection, table, rows)
    after, count = connection.execute(
        select(func.max(table.c.id), func.count()).where(table.c.id > before)
    ).one()
    if count != len(rows) or after != before + len(rows):
        raise RuntimeError(f"{table.name}: {count} new rows numbered up to {after}, expected {len(rows)}")
    return list(range(before + 1, after + 1))


def company_ids_by_name(session: Session, names: set[str], result: BulkResult) -> dict[str, int]:
    """Company id per folded name: existing companies, and new ones created for the rest."""
    found: dict[str, int] = {}
    folded = {fold(name): name for name in names}
    for chunk in _chunks(sorted(folded)):
        for company_id, name_fold in session.exec(
            select(Company.id, Company.name_fold).where(
                col(Company.name_fold).in_(chunk), col(Company.archived_at).is_(None)
            )
        ):
            found.setdefault(name_fold, company_id or 0)
    missing = [key for key in folded if key not in found]
    if missing:
        now = utcnow()
        rows = [
            {"name": folded[key], "name_fold": key, "extra": {}, "created_at": now, "updated_at": now}
            for key in missing
        ]
        new_ids = insert_returning_ids(session, Company, rows)
        found.update(zip(missing, new_ids, strict=True))
        result.created_company_ids += new_ids
        insert_events(
            session,
            [
                event_row(
                    EntityKind.COMPANY,
                    company_id,
                    None,
                    company_id,
                    EventKind.CREATED,
                    f"Company created: {row['name']}",
                    at=now,
                )
                for company_id, row in zip(new_ids, rows, strict=True)
            ],
        )
        # A new company holds only its name, which is all its index row needs.
        search.index_new(
            session, EntityKind.COMPANY, {id_: folded[key] for id_, key in zip(new_ids, missing, strict=True)}
        )
    return found


def event_row(
    kind: EntityKind,
    entity_id: int,
    contact_id: int | None,
    company_id: int | None,
    event_kind: str,
    text: str,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An event's row; a bulk write passes one `at` for all its events (stored once)."""
    return {
        "at": at or utcnow(),
        "kind": event_kind,
        "entity_kind": kind.value,
        "entity_id": entity_id,
        "contact_id": contact_id,
        "company_id": company_id,
        "text": text,
        "payload": payload or {},
    }


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_rows(session.connection(), _table(Event), rows)


def create_contacts(
    session: Session,
    prepared: list[PreparedContact],
    imported_text: list[str],
    payloads: list[dict[str, Any]],
) -> BulkResult:
    """Write prepared contacts with their emails, phones, addresses and tags, a `created` and an
    `imported` event each (texts and payloads given per contact), and index them for search."""
    result = BulkResult()
    companies = company_ids_by_name(
        session,
        {item.company_name for item in prepared if item.company_name and item.row["company_id"] is None},
        result,
    )
    rows = []
    for item in prepared:
        row = dict(item.row)
        if row["company_id"] is None and item.company_name:
            row["company_id"] = companies[fold(item.company_name)]
        rows.append(row)
    contact_ids = insert_returning_ids(session, Contact, rows)
    result.contact_ids = contact_ids
    children: dict[Any, list[dict[str, Any]]] = {ContactEmail: [], ContactPhone: [], ContactAddress: []}
    tag_links: set[tuple[int, int]] = set()
    tag_ids: dict[str, int] = {}
    for contact_id, item in zip(contact_ids, prepared, strict=True):
        for model, child_rows in (
            (ContactEmail, item.emails),
            (ContactPhone, item.phones),
            (ContactAddress, item.addresses),
        ):
            children[model] += [row | {"contact_id": contact_id} for row in child_rows]
        for name in item.tags:
            key = fold(name)
            if key not in tag_ids:
                tag_ids[key] = tag_for(session, name).id or 0
            tag_links.add((contact_id, tag_ids[key]))
    for model, rows_of_model in children.items():
        insert_rows(session.connection(), _table(model), rows_of_model)
    insert_rows(
        session.connection(),
        _table(ContactTag),
        [{"contact_id": contact_id, "tag_id": tag_id} for contact_id, tag_id in sorted(tag_links)],
    )
    events = []
    now = utcnow()
    for contact_id, row, text, payload in zip(contact_ids, rows, imported_text, payloads, strict=True):
        events.append(
            event_row(
                EntityKind.CONTACT,
                contact_id,
                contact_id,
                row["company_id"],
                EventKind.CREATED,
                f"Contact created: {row['full_name']}",
                at=now,
            )
        )
        events.append(
            event_row(
                EntityKind.CONTACT,
                contact_id,
                contact_id,
                row["company_id"],
                EventKind.IMPORTED,
                text,
                payload,
                at=now,
            )
        )
    insert_events(session, events)
    _index(session, contact_ids, rows, prepared)
    return result


def _index(
    session: Session, contact_ids: list[int], rows: list[dict[str, Any]], prepared: list[PreparedContact]
) -> None:
    """Index the new contacts from the rows just written; only those linked to a company
    by id (whose name we do not hold) are read back."""
    bodies: dict[int, str] = {}
    read_back: list[int] = []
    for contact_id, row, item in zip(contact_ids, rows, prepared, strict=True):
        if item.row["company_id"] is not None:
            read_back.append(contact_id)
            continue
        bodies[contact_id] = search.ContactWords(
            [row["full_name"], row["title"] or "", item.company_name or ""],
            [email["value"] for email in item.emails],
            [(phone["value"], phone["e164"]) for phone in item.phones],
            list(item.tags),
        ).body()
    search.index_new(session, EntityKind.CONTACT, bodies)
    search.reindex(session, EntityKind.CONTACT, read_back)
