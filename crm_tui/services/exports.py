"""Writing records out: JSON of any kind, vCard of contacts, iCalendar of activities; to a stream
or, safely, a file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, col, select

from crm_tui.dates import as_utc
from crm_tui.errors import UnreadableInput
from crm_tui.io.atomic_file import atomic_text_file
from crm_tui.io.csv_write import CSV_KINDS, write_csv
from crm_tui.services.records import iter_records
from crm_tui.vocabulary import DEFAULT_CSV_ENCODING


@dataclass(frozen=True)
class ExportOptions:
    fmt: str = "json"
    vcard_version: str = "3.0"
    delimiter: str = ","
    encoding: str = DEFAULT_CSV_ENCODING
    # iCalendar only: done activities too (by default the open ones, what a calendar needs).
    include_done: bool = False


def check_format(kind: str, fmt: str) -> None:
    if fmt == "vcard" and kind != "contacts":
        raise UnreadableInput("vCard holds contacts only: export contacts --format vcard")
    if fmt == "ics" and kind != "activities":
        raise UnreadableInput("iCalendar holds activities only: export activities --format ics")
    if fmt == "csv" and kind not in CSV_KINDS:
        raise UnreadableInput(f"CSV export takes {', '.join(CSV_KINDS)}; use --format json for {kind}")


def write_json_array(stream: IO[str], records: Iterable[dict[str, Any]]) -> None:
    """A JSON array, one record per line, written as the records come (no list in memory)."""
    stream.write("[")
    for position, record in enumerate(records):
        stream.write(",\n" if position else "\n")
        stream.write(json.dumps(record, ensure_ascii=False, default=str))
    stream.write("\n]\n")


def write_export(session: Session, stream: IO[str], kind: str, options: ExportOptions) -> None:
    check_format(kind, options.fmt)
    if options.fmt == "ics":
        from crm_tui.dates import utcnow
        from crm_tui.io.ics_write import write_calendar

        for chunk in write_calendar(calendar_items(session, options.include_done), utcnow()):
            stream.write(chunk)
        return
    records = iter_records(session, kind)
    if options.fmt == "json":
        write_json_array(stream, records)
    elif options.fmt == "csv":
        write_csv(stream, kind, records, options.delimiter)
    else:
        from crm_tui.io.vcard import write_vcards

        for card in write_vcards(records, version=options.vcard_version):
            stream.write(card)


def export_to_file(session: Session, destination: Path, kind: str, options: ExportOptions) -> Path:
    """Write beside the destination and rename, so a failed export never leaves half a file."""
    check_format(kind, options.fmt)
    destination = destination.expanduser()
    encoding = options.encoding if options.fmt == "csv" else "utf-8"
    with atomic_text_file(destination, encoding) as handle:
        write_export(session, handle, kind, options)
    return destination


# Activities are read for a calendar a batch at a time, so a large history streams out.
_CALENDAR_BATCH = 500


def calendar_items(session: Session, include_done: bool = False) -> Iterator[dict[str, Any]]:
    """Activities as `io.ics_write` items, in id order: the open ones, or all with
    `include_done`; each with the names of what it is about ("regarding")."""
    from crm_tui.db.models import Activity, Company, Contact, Deal, Lead

    last_id = 0
    while True:
        statement = (
            select(Activity, Contact.full_name, Company.name, Deal.title, Lead.title)  # type: ignore[call-overload]  # >4 columns
            .outerjoin(Contact, col(Contact.id) == Activity.contact_id)
            .outerjoin(Company, col(Company.id) == Activity.company_id)
            .outerjoin(Deal, col(Deal.id) == Activity.deal_id)
            .outerjoin(Lead, col(Lead.id) == Activity.lead_id)
            .where(col(Activity.id) > last_id)
            .order_by(col(Activity.id))
            .limit(_CALENDAR_BATCH)
        )
        if not include_done:
            statement = statement.where(col(Activity.done_at).is_(None))
        batch = session.exec(statement).all()
        if not batch:
            return
        for activity, contact, company, deal, lead in batch:
            due_at = activity.due_at
            yield {
                "id": activity.id,
                "kind": activity.kind,
                "title": activity.title,
                "due_on": activity.due_on,
                "due_at": as_utc(due_at) if due_at else None,
                "done_at": activity.done_at,
                "notes": activity.notes,
                "outcome": activity.outcome,
                "regarding": " · ".join(filter(None, [deal, contact, company, lead])),
                "recurrence": activity.recurrence,
                "remind_minutes": activity.remind_minutes,
            }
        last_id = batch[-1][0].id
