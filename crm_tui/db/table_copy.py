"""Every row of every crm-tui table from one database into another, on any pair of engines.

The low-level half of `crm-tui copy`, of a server database's backups and of restoring one
(services/database_copy.py does the rest: checks, the search index, messages). Rows travel
through SQLAlchemy Core, so each column's type converts itself (JSON text on SQLite, json on
PostgreSQL; datetimes as text or timestamps), ids included.

Not copied: `schemaversion` (the target was opened at the current version, and a copy goes
only between databases of that version) and `search_index`, whose body is spelled for its
own engine (services/search_core.index_body): the caller rebuilds it on the target.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Table, bindparam, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.schema import ForeignKeyConstraint, sort_tables_and_constraints
from sqlmodel import SQLModel

from crm_tui.db import models

# Rows per read and per insert: a few thousand keep memory flat on 100,000 contacts while each
# executemany is still large enough for the driver to batch well.
BATCH_ROWS = 5000

# Tables a new database already has rows in (db/schema._seed): a copy replaces them with the
# source's, and they do not count as data the target holds.
SEEDED_TABLES = frozenset({"stage", "leadsource", "setting"})
_NOT_COPIED = frozenset({"schemaversion"})

# Called after each batch with the table's name and the rows copied into it so far. Tests use
# it to stop a copy halfway; nothing else needs it.
Progress = Callable[[str, int], None]


def _cycle_breaker(constraint: ForeignKeyConstraint) -> bool:
    """lead.deal_id ↔ deal.lead_id is the schema's one foreign-key cycle: leads go in first with
    no deal, and get it once the deals are in (`_link_leads_to_deals`)."""
    deal_id = models.Lead.__table__.c.deal_id  # type: ignore[attr-defined]
    return any(key.parent is deal_id for key in constraint.elements)


def copied_tables() -> list[Table]:
    """Every table a copy fills, parents before children."""
    tables = [table for table in SQLModel.metadata.tables.values() if table.name not in _NOT_COPIED]
    ordered = sort_tables_and_constraints(tables, filter_fn=_cycle_breaker)
    return [table for table, _constraints in ordered if table is not None]


def tables_with_data(connection: Connection) -> list[str]:
    """The tables holding rows beyond a new database's seed rows: a copy may not go there."""
    return [
        table.name
        for table in copied_tables()
        if table.name not in SEEDED_TABLES
        and connection.execute(select(1).select_from(table).limit(1)).first()
    ]


def clear_tables(connection: Connection) -> None:
    """Empty every copied table and the search index, in the connection's transaction.

    PostgreSQL: one TRUNCATE … RESTART IDENTITY CASCADE (instant on any size, and the id
    sequences start over). SQLite: a DELETE per table, children first (foreign keys are on);
    the cycle's link is cut first."""
    tables = copied_tables()
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.format_table(table) for table in tables)
        connection.execute(text(f"TRUNCATE {names}, search_index RESTART IDENTITY CASCADE"))
        return
    lead = models.Lead.__table__  # type: ignore[attr-defined]
    connection.execute(update(lead).values(deal_id=None))
    for table in reversed(tables):
        connection.execute(table.delete())
    connection.execute(text("DELETE FROM search_index"))


def _batches(connection: Connection, table: Table) -> Iterator[Sequence[dict[str, Any]]]:
    """The table's rows in primary-key order, BATCH_ROWS at a time, streamed (PostgreSQL reads
    them through a server-side cursor; SQLite steps its statement)."""
    statement = select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(statement)
    for partition in result.mappings().partitions(BATCH_ROWS):
        yield [dict(row) for row in partition]


def copy_tables(source: Connection, target: Connection, progress: Progress | None = None) -> dict[str, int]:
    """Copy every row of every table from `source` into `target`, whose tables are empty; the
    rows copied per table. Both connections' transactions are the caller's: one read snapshot
    on the source, one write transaction on the target."""
    lead = models.Lead.__table__  # type: ignore[attr-defined]
    copied: dict[str, int] = {}
    links: list[dict[str, int]] = []  # (lead id, deal id) pairs put back after the deals
    for table in copied_tables():
        count = 0
        for rows in _batches(source, table):
            if table is lead:
                links.extend({"lead": row["id"], "deal": row["deal_id"]} for row in rows if row["deal_id"])
                rows = [row | {"deal_id": None} for row in rows]
            _insert(target, table, rows)
            count += len(rows)
            if progress is not None:
                progress(table.name, count)
        copied[table.name] = count
    _link_leads_to_deals(target, links)
    return copied


def _insert(target: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows into a table: COPY on PostgreSQL through psycopg (an executemany sends one INSERT
    per row, four minutes for the 1.2 million rows behind 100,000 contacts), an executemany
    elsewhere (SQLite's is already fast)."""
    if target.dialect.name != "postgresql" or target.dialect.driver != "psycopg":
        target.execute(table.insert(), rows)
        return
    preparer = target.dialect.identifier_preparer
    columns = [column.name for column in table.columns]
    # SQLAlchemy reads JSON columns as Python values; COPY takes their text. SQL NULL stays NULL.
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    names = ", ".join(preparer.quote(name) for name in columns)
    driver_connection = target.connection.driver_connection
    assert driver_connection is not None  # a live connection in the copy's transaction
    with (
        driver_connection.cursor() as cursor,  # type: ignore[attr-defined]
        cursor.copy(f"COPY {preparer.format_table(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[name]) if name in as_json and row[name] is not None else row[name]
                    for name in columns
                ]
            )


def _link_leads_to_deals(target: Connection, links: list[dict[str, int]]) -> None:
    lead = models.Lead.__table__  # type: ignore[attr-defined]
    statement = update(lead).where(lead.c.id == bindparam("lead")).values(deal_id=bindparam("deal"))
    for start in range(0, len(links), BATCH_ROWS):
        target.execute(statement, links[start : start + BATCH_ROWS])


def count_rows(connection: Connection) -> dict[str, int]:
    """Rows per copied table."""
    return {
        table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for table in copied_tables()
    }


def reset_sequences(connection: Connection) -> None:
    """PostgreSQL: each id sequence continues after the largest id copied (rows went in with
    their ids, which a sequence does not see). SQLite needs nothing: a new rowid is max + 1."""
    if connection.dialect.name != "postgresql":
        return
    preparer = connection.dialect.identifier_preparer
    for table in copied_tables():
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        name = preparer.format_table(table)
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
            ),
            {"table": name},
        )
