"""db.bulk.insert_rows stores exactly what SQLAlchemy Core's insert stores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from crm_tui.db.bulk import insert_rows
from crm_tui.db.models import Event, Lead

LEAD_ROWS: list[dict[str, Any]] = [
    {
        "title": "Кофемашины · ООО «Ромашка»",
        "person_name": "Иван Петров",
        "email": "ivan@example.com",
        "value": 1_500_000,
        "next_contact_on": date(2026, 12, 1),
        "created_at": datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 20, 9, 30, 15, tzinfo=UTC),
        "extra": {"phones": ["+7 912 000-00-00"], "note": "ё"},
    },
    # A row leaving columns out: their defaults ('' title parts, 'new', 'RUB', {}, now).
    {"title": "Only a title"},
]


def _stored(session: Session, table: str) -> list[dict[str, Any]]:
    # Raw rows, as the database holds them: the comparison is of stored values, not of
    # what the ORM makes of them.
    rows = session.connection().execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings()
    return [dict(row) for row in rows]


def _without_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in row.items() if key != "id"} for row in rows]


def test_leads_are_stored_as_core_stores_them(session: Session) -> None:
    connection = session.connection()
    for row in LEAD_ROWS:  # one by one: Core wants the same keys in every row of a batch
        connection.execute(insert(Lead.__table__), [dict(row)])
    by_core = _stored(session, "lead")
    connection.execute(text("DELETE FROM lead"))

    insert_rows(connection, Lead.__table__, [dict(row) for row in LEAD_ROWS])  # type: ignore[arg-type]

    by_us = _stored(session, "lead")
    assert len(by_us) == 2
    assert _without_ids(by_us) == _without_ids(by_core)
    lead = session.get(Lead, by_us[0]["id"])
    assert lead is not None
    assert lead.next_contact_on == date(2026, 12, 1)
    assert lead.extra == {"phones": ["+7 912 000-00-00"], "note": "ё"}
    assert lead.created_at.replace(tzinfo=UTC) == LEAD_ROWS[0]["created_at"]
    defaulted = session.get(Lead, by_us[1]["id"])
    assert defaulted is not None
    assert (defaulted.status, defaulted.currency, defaulted.person_name) == ("new", "RUB", "")
    assert defaulted.extra == {}


def test_events_with_payloads(session: Session) -> None:
    rows = [
        {"kind": "created", "entity_kind": "lead", "entity_id": n, "text": f"Lead {n}", "payload": {"row": n}}
        for n in range(1, 4)
    ]
    insert_rows(session.connection(), Event.__table__, rows)  # type: ignore[arg-type]
    stored = [session.get(Event, event_id) for event_id in (1, 2, 3)]
    assert [(event.entity_id, event.payload) for event in stored if event] == [
        (n, {"row": n}) for n in range(1, 4)
    ]


def test_nothing_to_insert_is_fine(session: Session) -> None:
    insert_rows(session.connection(), Event.__table__, [])  # type: ignore[arg-type]
    assert _stored(session, "event") == []
