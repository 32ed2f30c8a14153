"""CSV export of records (the JSON record dicts of `services.records`), safe to open in a
spreadsheet: a cell that starts like a formula is neutralised with a leading apostrophe."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import IO, Any

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Getter = Callable[[dict[str, Any]], Any]


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restore(cell: str) -> str:
    """Undo `neutralise` when reading our own export back."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _values(key: str, inner: str | None = "value") -> Getter:
    """Several values in one cell, `; ` between them (the CSV reader splits them again)."""
    return lambda record: "; ".join(
        str(item if inner is None else item[inner]) for item in record.get(key) or []
    )


def _field(key: str) -> Getter:
    return lambda record: record.get(key)


def _joined(key: str) -> Getter:
    return lambda record: ", ".join(record.get(key) or [])


_SIMPLE = {
    "deals": [
        "id",
        "title",
        "stage",
        "status",
        "amount",
        "currency",
        "contact",
        "company",
        "expected_close_on",
        "closed_at",
        "lost_reason",
        "notes",
    ],
    "activities": ["id", "kind", "title", "due_on", "due_time", "done", "outcome", "contact", "notes"],
}

COLUMNS: dict[str, list[tuple[str, Getter]]] = {
    "contacts": [
        ("id", _field("id")),
        ("full_name", _field("full_name")),
        ("first_name", _field("first_name")),
        ("middle_name", _field("middle_name")),
        ("last_name", _field("last_name")),
        ("company", _field("company")),
        ("title", _field("title")),
        ("email", _values("emails")),
        ("phone", _values("phones")),
        ("birthday", _field("birthday")),
        ("tags", _joined("tags")),
        ("notes", _field("notes")),
        ("source", _field("source")),
        ("next_contact_on", _field("next_contact_on")),
        ("created_at", _field("created_at")),
    ],
    # A lead's email and phone columns hold all its emails and phones, not only the first.
    "leads": [
        (name, _values(f"{name}s", None) if name in ("email", "phone") else _field(name))
        for name in (
            "id",
            "title",
            "name",
            "company",
            "email",
            "phone",
            "source",
            "status",
            "value",
            "currency",
            "notes",
            "next_contact_on",
            "next_contact_goal",
            "disqualify_reason",
            "created_at",
        )
    ],
    "companies": [
        (name, _joined(name) if name == "tags" else _field(name))
        for name in ("id", "name", "website", "industry", "phone", "email", "address", "tags", "notes")
    ],
    **{kind: [(name, _field(name)) for name in names] for kind, names in _SIMPLE.items()},
}


CSV_KINDS = tuple(COLUMNS)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return neutralise(str(value))


def write_csv(stream: IO[str], kind: str, records: Iterable[dict[str, Any]], delimiter: str = ",") -> None:
    """One header line, then one line per record, streamed."""
    columns = COLUMNS[kind]
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    for record in records:
        writer.writerow([_cell(get(record)) for _, get in columns])
