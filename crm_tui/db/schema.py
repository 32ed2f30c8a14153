"""Schema creation, the schema version, and in-place upgrades of older files.

A newer app opens an older database by taking a snapshot first, then running each migration
step from the file's version to `SCHEMA_VERSION` in one transaction. Tables added in a later
version are created by `create_all`; a step only has to change what already exists.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError as SqlDatabaseError
from sqlmodel import SQLModel

from crm_tui.db import models
from crm_tui.db.backup import snapshot
from crm_tui.db.engine import make_engine
from crm_tui.db.version import SCHEMA_VERSION
from crm_tui.errors import DatabaseProblem
from crm_tui.folding import search_fold
from crm_tui.paths import shown_target, sqlite_file
from crm_tui.users import current_user


def _lead_extra(connection: Connection) -> None:
    """v2: leads keep their second and further emails and phones."""
    connection.execute(text("ALTER TABLE lead ADD COLUMN extra JSON NOT NULL DEFAULT '{}'"))


def _lead_inbox_index(connection: Connection) -> None:
    """v3: the inbox's index also holds `archived_at`, so counting its leads reads the index
    alone (a count over 100,000 leads went from a table lookup per lead to none)."""
    connection.execute(text("DROP INDEX IF EXISTS ix_lead_status_created"))
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS ix_lead_status_live ON lead (status, archived_at, created_at)")
    )


# Full-text index over every searchable record; see services/search.py for what goes in.
# The prefix indexes answer the first keystrokes of search-as-you-type without a scan (one
# letter without its own index merged the entries of every word starting with it: 20 ms on
# 100,000 contacts, for the keystroke a person expects to be instant). unicode61 folds case
# for every alphabet and, with remove_diacritics 2, lets "muller" find "Müller" and "семенов"
# find "Семёнов".
SEARCH_INDEX_OPTIONS = "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'"
SEARCH_INDEX_DDL = f"CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5({SEARCH_INDEX_OPTIONS})"

# PostgreSQL's index: the folded body and its words as a tsvector (the `simple` configuration:
# no stemming, no stop words), GIN-indexed for prefix queries; see services/search_core.py.
PG_SEARCH_INDEX_DDL = (
    "CREATE TABLE IF NOT EXISTS search_index (rowid BIGINT PRIMARY KEY, body TEXT NOT NULL, "
    "words TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)",
    "CREATE INDEX IF NOT EXISTS ix_search_index_words ON search_index USING GIN (words)",
)


def create_search_index(connection: Connection) -> None:
    for statement in PG_SEARCH_INDEX_DDL if connection.dialect.name == "postgresql" else (SEARCH_INDEX_DDL,):
        connection.execute(text(statement))


def _search_prefix_1(connection: Connection) -> None:
    """v4: the search index also indexes one-letter prefixes. Rebuilt from its own rows (the
    bodies are stored in it), so the upgrade needs nothing above the database layer."""
    connection.execute(text(f"CREATE VIRTUAL TABLE search_index_v4 USING fts5({SEARCH_INDEX_OPTIONS})"))
    connection.execute(text("INSERT INTO search_index_v4 (rowid, body) SELECT rowid, body FROM search_index"))
    connection.execute(text("DROP TABLE search_index"))
    connection.execute(text("ALTER TABLE search_index_v4 RENAME TO search_index"))


def _lead_inbox_tabs_index(connection: Connection) -> None:
    """v5: the inbox's index also holds `next_contact_on`, which splits its New and Working tabs
    from Scheduled: the tabs' counts read the index alone again (a lookup per lead made them
    a visible part of opening the inbox on 100,000 leads)."""
    connection.execute(text("DROP INDEX IF EXISTS ix_lead_status_live"))
    connection.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_lead_inbox "
            "ON lead (status, archived_at, created_at, next_contact_on)"
        )
    )


def _contact_live_index(connection: Connection) -> None:
    """v6: the contacts list's index starts with `archived_at`: counting 100,000 live contacts
    read every row of the table (50 ms at each opening of the list), now the index alone."""
    connection.execute(text("DROP INDEX IF EXISTS ix_contact_sort"))
    connection.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_contact_live "
            "ON contact (archived_at, last_name_fold, full_name_fold)"
        )
    )


def _surname_search_fold(connection: Connection) -> None:
    """v7: the surname the contacts list sorts by is folded as the search index is (ё as е,
    accents off), so the list can take the surnames starting with what was typed straight
    from its index. Only the names that fold differently are rewritten."""
    contacts = connection.execute(text("SELECT id, last_name, full_name, last_name_fold FROM contact")).all()
    changed = [
        {"id": contact_id, "key": key}
        for contact_id, last_name, full_name, stored in contacts
        if (key := search_fold((last_name or full_name or "").strip())) != stored
    ]
    if changed:
        connection.execute(text("UPDATE contact SET last_name_fold = :key WHERE id = :id"), changed)


def _activity_due_moment(connection: Connection) -> None:
    """v8: a timed activity keeps its moment in UTC (`due_at`), as every stored time is, instead
    of a local wall-clock `due_time`: the moment each stored time meant is worked out in the
    local zone of the machine doing the upgrade, with that day's offset. Reminders and
    recurrence get their columns."""
    columns = {column["name"] for column in inspect(connection).get_columns("activity")}
    if "due_at" not in columns:
        connection.execute(text("ALTER TABLE activity ADD COLUMN due_at DATETIME"))
    if "remind_minutes" not in columns:
        connection.execute(text("ALTER TABLE activity ADD COLUMN remind_minutes INTEGER"))
    if "recurrence" not in columns:
        connection.execute(text("ALTER TABLE activity ADD COLUMN recurrence VARCHAR"))
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS ix_activity_open_moment ON activity (done_at, due_at)")
    )
    if "due_time" not in columns:
        return  # written by this version already
    timed = connection.execute(
        text("SELECT id, due_on, due_time FROM activity WHERE due_on IS NOT NULL AND due_time IS NOT NULL")
    ).all()
    moments = [
        {"id": activity_id, "moment": _utc_moment(str(day), str(clock))} for activity_id, day, clock in timed
    ]
    if moments:
        connection.execute(text("UPDATE activity SET due_at = :moment WHERE id = :id"), moments)
    if sqlite3.sqlite_version_info >= (3, 35):  # older SQLite cannot drop a column: it stays unused
        connection.execute(text("ALTER TABLE activity DROP COLUMN due_time"))


def _who_and_row_versions(connection: Connection) -> None:
    """v9: events say who did them; leads, deals, activities and contacts have an owner (the
    "mine" filters); leads and deals a row version (a change made on a stale screen is
    refused). What was there before belongs to whoever upgrades: on a one-person file, them."""
    columns = {
        table: {column["name"] for column in inspect(connection).get_columns(table)}
        for table in ("event", "lead", "deal", "activity", "contact")
    }
    added = [("event", "actor"), *((table, "owner") for table in ("lead", "deal", "activity", "contact"))]
    for table, column in added:
        if column not in columns[table]:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR"))
            if column == "owner":
                connection.execute(text(f"UPDATE {table} SET owner = :me"), {"me": current_user()})
    for table in ("lead", "deal"):
        if "version" not in columns[table]:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1"))


def _utc_moment(day: str, clock: str) -> str:
    """`2026-11-25` + `10:00:00.000000` local → `2026-11-25 07:00:00.000000` UTC (as stored)."""
    local = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    return local.astimezone().astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


# MIGRATIONS[n] upgrades a database from version n to n + 1.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _lead_extra,
    2: _lead_inbox_index,
    3: _search_prefix_1,
    4: _lead_inbox_tabs_index,
    5: _contact_live_index,
    6: _surname_search_fold,
    7: _activity_due_moment,
    8: _who_and_row_versions,
}

DEFAULT_STAGES: list[tuple[str, int, models.StageKind, int | None]] = [
    ("New", 10, models.StageKind.OPEN, 7),
    ("Qualified", 25, models.StageKind.OPEN, 14),
    ("Proposal", 50, models.StageKind.OPEN, 14),
    ("Negotiation", 75, models.StageKind.OPEN, 21),
    ("Won", 100, models.StageKind.WON, None),
    ("Lost", 0, models.StageKind.LOST, None),
]

DEFAULT_LEAD_SOURCES = [
    "Website",
    "Referral",
    "Cold call",
    "Email campaign",
    "Trade show",
    "Social media",
    "Partner",
    "Other",
]


def default_region() -> str:
    """The phone region assumed for numbers without a country code, from the user's locale.

    Read from the environment rather than `locale.getlocale()`, which maps `C.UTF-8` to
    `en_US` and would claim a region the user never chose. Without a regional locale the
    fallback is RU, the market the product's CRM model comes from; it is a setting.
    """
    for variable in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(variable, "")
        language = value.split(".", 1)[0]
        if "_" in language:
            region = language.split("_", 1)[1][:2].upper()
            if len(region) == 2 and region.isalpha():
                return region
    return "RU"


def open_database(target: str) -> Engine:
    """An engine on `target` whose schema is created or upgraded to the current version."""
    engine = make_engine(target)
    try:
        ensure_schema(engine, sqlite_file(target))
    except SqlDatabaseError as error:
        engine.dispose()
        # Never the URL as given: it may carry a password. One line: a driver's message may
        # have several (psycopg's "Is the server running…?").
        reason = " ".join(str(error.orig).split())
        message = f"{shown_target(target)}: cannot open as a crm-tui database ({reason})"
        raise DatabaseProblem(message) from error
    except DatabaseProblem:
        engine.dispose()
        raise
    return engine


# Any fixed number: the advisory lock that serialises schema work on PostgreSQL ("crm-tui").
_SCHEMA_LOCK_KEY = 0x63726D747569


def stored_version(connection: Connection) -> int | None:
    """The file's schema version; None for a database with no crm-tui tables at all."""
    if not inspect(connection).has_table("schemaversion"):
        if inspect(connection).get_table_names():
            raise DatabaseProblem("the file holds tables but is not a crm-tui database")
        return None
    row = connection.execute(text("SELECT version FROM schemaversion WHERE id = 1")).first()
    return int(row[0]) if row else 0


def ensure_schema(engine: Engine, file: Path | None) -> None:
    with engine.connect() as connection:
        version = stored_version(connection)
    if version == SCHEMA_VERSION:
        return
    if version is not None and version > SCHEMA_VERSION:
        raise DatabaseProblem(
            f"the database has schema version {version}, newer than this crm-tui "
            f"understands ({SCHEMA_VERSION}); upgrade crm-tui"
        )
    if version is not None and file is not None:
        snapshot(file, f"before-upgrade-v{version}")
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite opens a transaction only before INSERT/UPDATE/DELETE, so DDL would commit
            # step by step and a failed step would leave the earlier ones applied under the old
            # version. An explicit BEGIN makes the whole upgrade one transaction; IMMEDIATE takes
            # the write lock first, so a second process opening the same new (or old) database
            # at the same moment waits for this one instead of failing or seeding twice.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # The same on a server: one session creates or upgrades, the others wait for it
            # (a transaction-scoped advisory lock, released at its commit).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        version = stored_version(connection)  # again, under the lock: another may have done it
        if version == SCHEMA_VERSION:
            return
        if version is None:
            SQLModel.metadata.create_all(connection)
            create_search_index(connection)
            _seed(connection)
        else:
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](connection)
            SQLModel.metadata.create_all(connection)
            create_search_index(connection)
        connection.execute(text("DELETE FROM schemaversion"))
        connection.execute(
            models.SchemaVersion.__table__.insert().values(id=1, version=SCHEMA_VERSION)  # type: ignore[attr-defined]
        )


def _seed(connection: Connection) -> None:
    stage_table = models.Stage.__table__  # type: ignore[attr-defined]
    connection.execute(
        stage_table.insert(),
        [
            {
                "name": name,
                "position": position,
                "probability": probability,
                "kind": kind.value,
                "rot_days": rot,
            }
            for position, (name, probability, kind, rot) in enumerate(DEFAULT_STAGES)
        ],
    )
    connection.execute(
        models.LeadSource.__table__.insert(),  # type: ignore[attr-defined]
        [{"name": name, "position": position} for position, name in enumerate(DEFAULT_LEAD_SOURCES)],
    )
    connection.execute(
        models.Setting.__table__.insert(),  # type: ignore[attr-defined]
        [
            {"key": "phone_region", "value": default_region()},
            {"key": "currency", "value": "RUB"},
        ],
    )
