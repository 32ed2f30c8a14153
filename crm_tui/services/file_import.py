"""Importing a file the user names: recognise what it holds, read it, plan, apply.

Shared by `crm-tui import` and the app's import dialog, so both say the same things.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session

from crm_tui.errors import UnreadableInput
from crm_tui.io.contact_record import ImportedContact, SkippedRecord
from crm_tui.io.vcard import looks_like_vcard
from crm_tui.services.import_plan import ImportPlan, plan_import

_VCARD_SUFFIXES = {".vcf", ".vcard"}
# How many bytes tell what a file is.
_SNIFF_BYTES = 4096

Progress = Callable[[int, int], None]


def detect_kind(path: Path) -> str:
    """What a file holds, judged by its content (the extension may lie or be missing)."""
    from crm_tui.io.csv_read import looks_like_csv
    from crm_tui.io.vcard import looks_like_vcard

    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise UnreadableInput(f"{path}: {error.strerror or error}") from error
    if looks_like_vcard(head):
        return "vcard"
    # Almost any text passes for a one-column CSV; a file named as a vCard that is not one is
    # a mistake to report, not a spreadsheet to import.
    if path.suffix.lower() in _VCARD_SUFFIXES:
        raise UnreadableInput(f"{path}: not a vCard file (no BEGIN:VCARD at the start)")
    if looks_like_csv(head):
        return "csv"
    raise UnreadableInput(f"{path}: not a vCard or CSV file")


def count_cards(path: Path) -> int:
    """Cards in a vCard file (lines in any other), counted cheaply, for a progress bar."""
    data = path.read_bytes()
    if not looks_like_vcard(data[:_SNIFF_BYTES]):
        return max(data.count(b"\n") - 1, 1)
    lowered = data.lower()
    return lowered.count(b"begin:vcard") or lowered.replace(b"\x00", b"").count(b"begin:vcard")


def read_records(path: Path, kind: str) -> Iterator[ImportedContact | SkippedRecord]:
    from crm_tui.io.vcard import read_vcard_file

    if kind == "vcard":
        return read_vcard_file(path)
    if kind == "csv":
        return _csv_contacts(path)
    raise UnreadableInput(f"{path}: cannot import {kind} files")


def _csv_contacts(path: Path) -> Iterator[ImportedContact | SkippedRecord]:
    """Contacts from a CSV file, its columns mapped by a known export's preset or by the
    names of its headers (English or Russian)."""
    from crm_tui.io.csv_read import read_rows, sniff_csv
    from crm_tui.io.mapping import mapping_for, row_to_contact

    csv_format = sniff_csv(path)
    mapping = mapping_for(csv_format.header, "contacts")
    for number, row in read_rows(path, csv_format):
        yield row_to_contact(number, row, mapping)


def plan_file(session: Session, path: Path, progress: Progress | None = None) -> ImportPlan:
    """The dry run of importing a file's contacts (vCard cards, or CSV rows)."""
    kind = detect_kind(path)
    records = read_records(path, kind)
    if progress is not None:
        total = count_cards(path)
        records = _counting(records, total, progress)
    return plan_import(session, records, str(path), kind)


def _counting(
    items: Iterator[ImportedContact | SkippedRecord], total: int, progress: Progress
) -> Iterator[ImportedContact | SkippedRecord]:
    for position, item in enumerate(items, start=1):
        progress(position, max(total, position))
        yield item


def plan_as_json(plan: ImportPlan, batch_id: int | None) -> dict[str, Any]:
    return {
        "file": plan.file,
        "kind": plan.kind,
        "batch": batch_id,
        "counts": plan.counts,
        "records": [
            {
                "card": planned.number,
                "line": planned.line,
                "action": planned.action.value,
                "name": planned.name,
                "reason": planned.reason,
                "warnings": planned.warnings,
                "contact_id": planned.contact_id,
                "merged_into": planned.merged_into,
            }
            for planned in plan.records
        ],
    }
