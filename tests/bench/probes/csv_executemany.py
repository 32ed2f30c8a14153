"""Baseline of the CSV import: `csv.reader` over a leads export, one SQLAlchemy Core
`executemany` of its rows into the lead table of an existing empty database.

    python csv_executemany.py LEADS.csv DB

It converts only what the column types require (dates, money in minor units) and takes the
first email and phone of a cell: the least an import can do. No matching, no checks, no
search index, no events — everything crm-tui's importer adds is what the ratio prices.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from typing import Any

from sqlalchemy import create_engine, insert

from crm_tui.db.models import Lead

# Export header → lead column (services/records.py and io/csv_write.py name them).
TEXT_COLUMNS = {
    "title": "title",
    "name": "person_name",
    "company": "company_name",
    "source": "source",
    "status": "status",
    "currency": "currency",
    "notes": "notes",
    "next_contact_goal": "next_contact_goal",
    "disqualify_reason": "disqualify_reason",
}


def first(cell: str) -> str | None:
    """A cell of several values ("a@x; b@y") keeps the first; the export's "'" guard goes."""
    value = cell.split("; ")[0].removeprefix("'")
    return value or None


def to_row(record: dict[str, str]) -> dict[str, Any]:
    created = datetime.fromisoformat(record["created_at"])
    row: dict[str, Any] = {column: record[header] or None for header, column in TEXT_COLUMNS.items()}
    for required in ("title", "person_name", "company_name"):
        row[required] = row[required] or ""
    row["currency"] = row["currency"] or "RUB"
    row["status"] = row["status"] or "new"
    row["email"] = first(record["email"])
    row["phone"] = first(record["phone"])
    row["value"] = round(float(record["value"]) * 100) if record["value"] else None
    row["next_contact_on"] = (
        date.fromisoformat(record["next_contact_on"]) if record["next_contact_on"] else None
    )
    row.update(created_at=created, updated_at=created, extra={})
    return row


def main(path: str, database: str) -> None:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [to_row(dict(zip(header, cells, strict=True))) for cells in reader]
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(insert(Lead.__table__), rows)
    print(json.dumps({"rows": len(rows)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
