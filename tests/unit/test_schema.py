"""Creating, reopening and upgrading the database file; refusing files that are not ours."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, func, select

from crm_tui.db import backup, schema
from crm_tui.db.engine import BUSY_TIMEOUT_MS, session_scope
from crm_tui.db.models import Contact, LeadSource, Setting, Stage
from crm_tui.errors import DatabaseProblem
from crm_tui.services import stages


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _stored_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT version FROM schemaversion").fetchone()[0]
    finally:
        connection.close()


def _set_stored_version(path: Path, version: int) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("UPDATE schemaversion SET version = ?", (version,))
        connection.commit()
    finally:
        connection.close()


def _columns(path: Path, table: str) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
    finally:
        connection.close()


def _make_database(path: Path) -> None:
    """A database at the current version holding one contact."""
    engine = schema.open_database(str(path))
    try:
        with session_scope(engine) as session:
            session.add(Contact(first_name="Anna", full_name="Anna", full_name_fold="anna"))
    finally:
        engine.dispose()


# --- a new file -------------------------------------------------------------------------------


def test_new_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    _make_database(path)
    assert _mode(path) == 0o600


def test_new_file_in_a_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "crm.sqlite3"
    schema.open_database(str(path)).dispose()
    assert path.is_file()
    assert _stored_version(path) == schema.SCHEMA_VERSION
    assert _mode(path.parent) == 0o700  # the folder made for it is private too


@pytest.mark.sqlite_only("SQLite's file and pragmas")
def test_connections_use_wal_foreign_keys_and_a_busy_timeout(engine) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS


@pytest.mark.sqlite_only("SQLite's file and pragmas")
def test_wal_mode_is_stored_in_the_file(engine, tmp_path: Path) -> None:
    # WAL is persistent: any program opening the file later (a backup tool, sqlite3) sees it.
    connection = sqlite3.connect(tmp_path / "crm.sqlite3")
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_foreign_keys_are_enforced(session: Session) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        session.connection().execute(
            text(
                "INSERT INTO contactemail (contact_id, value, value_fold, kind, is_primary) "
                "VALUES (999, 'a@b.c', 'a@b.c', 'x', false)"
            )
        )


def test_default_stages_are_seeded_in_order(session: Session) -> None:
    seeded = stages.list_stages(session)
    assert [stage.name for stage in seeded] == ["New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert [stage.kind for stage in seeded] == ["open", "open", "open", "open", "won", "lost"]
    assert [stage.probability for stage in seeded] == [10, 25, 50, 75, 100, 0]
    assert seeded[0].rot_days == 7
    assert seeded[-1].rot_days is None


def test_default_lead_sources_and_settings_are_seeded(session: Session) -> None:
    assert stages.lead_sources(session) == schema.DEFAULT_LEAD_SOURCES
    assert "Website" in stages.lead_sources(session)
    settings = {row.key: row.value for row in session.exec(select(Setting))}
    assert settings == {"phone_region": "RU", "currency": "RUB"}


def test_schema_version_is_current(engine) -> None:
    with engine.connect() as connection:
        assert schema.stored_version(connection) == schema.SCHEMA_VERSION


def test_search_index_exists(session: Session) -> None:
    assert inspect(session.connection()).has_table("search_index")


def test_opening_twice_keeps_data_and_seeds_once(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    _make_database(path)
    engine = schema.open_database(str(path))
    try:
        with session_scope(engine) as session:
            assert session.exec(select(func.count()).select_from(Stage)).one() == 6
            assert session.exec(select(func.count()).select_from(LeadSource)).one() == len(
                schema.DEFAULT_LEAD_SOURCES
            )
            assert session.exec(select(func.count()).select_from(Setting)).one() == 2
            assert [c.full_name for c in session.exec(select(Contact))] == ["Anna"]
    finally:
        engine.dispose()
    assert _stored_version(path) == schema.SCHEMA_VERSION
    assert backup.list_backups(path) == []  # nothing to upgrade, so no snapshot


def test_phone_region_is_seeded_from_the_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    engine = schema.open_database(str(tmp_path / "crm.sqlite3"))
    try:
        with session_scope(engine) as session:
            assert session.get(Setting, "phone_region").value == "GB"
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("variables", "region"),
    [
        ({}, "RU"),
        ({"LANG": "C.UTF-8"}, "RU"),
        ({"LANG": "POSIX"}, "RU"),
        ({"LANG": "de_DE.UTF-8"}, "DE"),
        ({"LANG": "de_DE.UTF-8", "LC_CTYPE": "fr_CA.UTF-8"}, "CA"),
        ({"LANG": "de_DE.UTF-8", "LC_CTYPE": "fr_CA.UTF-8", "LC_ALL": "pt_BR"}, "BR"),
    ],
)
def test_default_region(variables: dict[str, str], region: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert schema.default_region() == region


# --- upgrades -------------------------------------------------------------------------------


def test_upgrade_runs_each_step_adds_columns_and_keeps_a_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crm.sqlite3"
    _make_database(path)
    _set_stored_version(path, 1)
    target = max(schema.SCHEMA_VERSION, 1) + 2
    ran: list[int] = []

    def step(version: int, column: str | None = None):
        def run(connection: Connection) -> None:
            ran.append(version)
            if column:
                connection.execute(text(f"ALTER TABLE contact ADD COLUMN {column} TEXT"))

        return run

    migrations = {version: step(version) for version in range(1, target)}
    migrations[target - 2] = step(target - 2, "nickname")
    migrations[target - 1] = step(target - 1, "pronouns")
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", target)

    engine = schema.open_database(str(path))
    try:
        with session_scope(engine) as session:
            assert session.exec(select(Contact.full_name)).all() == ["Anna"]
    finally:
        engine.dispose()

    assert ran == list(range(1, target))
    assert {"nickname", "pronouns"} <= set(_columns(path, "contact"))
    assert _stored_version(path) == target
    snapshots = list((tmp_path / "backups").glob("*.sqlite3"))
    assert len(snapshots) == 1
    assert "before-upgrade-v1" in snapshots[0].name
    assert _mode(snapshots[0]) == 0o600
    # The snapshot is the file as it was before the upgrade.
    assert _stored_version(snapshots[0]) == 1
    assert "nickname" not in _columns(snapshots[0], "contact")


def test_failed_upgrade_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "crm.sqlite3"
    _make_database(path)
    _set_stored_version(path, 1)

    def adds_a_column(connection: Connection) -> None:
        connection.execute(text("ALTER TABLE contact ADD COLUMN nickname TEXT"))

    def breaks(connection: Connection) -> None:
        connection.execute(text("ALTER TABLE no_such_table ADD COLUMN x TEXT"))

    monkeypatch.setattr(schema, "MIGRATIONS", {1: adds_a_column, 2: breaks})
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)

    with pytest.raises(DatabaseProblem):
        schema.open_database(str(path))

    # All steps run in one transaction: the first step's column is rolled back with the rest,
    # so a fixed app can upgrade the same file later.
    assert "nickname" not in _columns(path, "contact")
    assert _stored_version(path) == 1
    assert len(backup.list_backups(path)) == 1


def test_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    _make_database(path)
    _set_stored_version(path, schema.SCHEMA_VERSION + 1)
    with pytest.raises(DatabaseProblem) as caught:
        schema.open_database(str(path))
    message = str(caught.value)
    assert f"schema version {schema.SCHEMA_VERSION + 1}" in message
    assert "newer" in message
    assert "upgrade crm-tui" in message
    assert _stored_version(path) == schema.SCHEMA_VERSION + 1  # left as it was
    assert backup.list_backups(path) == []


def test_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    garbage = b"This is my shopping list, not a database.\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(DatabaseProblem) as caught:
        schema.open_database(str(path))
    assert str(path) in str(caught.value)
    assert "cannot open as a crm-tui database" in str(caught.value)
    assert path.read_bytes() == garbage


def test_sqlite_file_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(DatabaseProblem, match="not a crm-tui database"):
        schema.open_database(str(path))
    assert _columns(path, "recipes") == ["name"]


def test_empty_file_becomes_a_database(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    path.touch()
    schema.open_database(str(path)).dispose()
    assert _stored_version(path) == schema.SCHEMA_VERSION


# --- snapshots ------------------------------------------------------------------------------


@pytest.mark.sqlite_only("SQLite's file and pragmas")
def test_snapshots_keep_only_the_last_few(engine, tmp_path: Path, clock) -> None:
    path = tmp_path / "crm.sqlite3"
    taken = []
    for second in range(4):
        clock(f"2026-11-20T09:00:0{second}+00:00")
        taken.append(backup.snapshot(path, "import", keep=2))
    assert backup.list_backups(path) == taken[-2:]
    assert _stored_version(taken[-1]) == schema.SCHEMA_VERSION
    assert backup.taken_at(taken[-1]).isoformat() == "2026-11-20T09:00:03"


def test_a_version_1_database_gains_the_leads_extra_column_and_keeps_its_leads(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    schema.open_database(str(path)).dispose()
    connection = sqlite3.connect(path)
    try:  # the database as version 1 wrote it: no lead.extra
        connection.execute("ALTER TABLE lead DROP COLUMN extra")
        connection.execute(
            "INSERT INTO lead (title, person_name, company_name, currency, status, created_at, updated_at) "
            "VALUES ('Old lead', 'Anna', 'Acme', 'RUB', 'new', '2025-01-01 10:00:00', '2025-01-01 10:00:00')"
        )
        connection.commit()
    finally:
        connection.close()
    _set_stored_version(path, 1)
    engine = schema.open_database(str(path))
    try:
        assert _stored_version(path) == schema.SCHEMA_VERSION
        with session_scope(engine) as session:
            from crm_tui.db.models import Lead

            lead = session.exec(select(Lead)).one()
            assert (lead.title, lead.extra) == ("Old lead", {})
    finally:
        engine.dispose()


def test_the_inbox_count_reads_its_index_alone(tmp_path: Path) -> None:
    """The inbox counts its leads on every start; on 100,000 leads a table lookup per lead
    was a visible pause, so the plan must say COVERING INDEX."""
    engine = schema.open_database(str(tmp_path / "crm.sqlite3"))
    try:
        with engine.connect() as connection:
            plan = connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT count(*) FROM lead WHERE archived_at IS NULL "
                    "AND status = 'new' AND (next_contact_on IS NULL OR next_contact_on <= '2026-11-20')"
                )
            ).all()
        assert "COVERING INDEX ix_lead_inbox" in " ".join(str(row[3]) for row in plan)
    finally:
        engine.dispose()


def test_the_contacts_list_counts_and_pages_from_its_index(tmp_path: Path) -> None:
    engine = schema.open_database(str(tmp_path / "crm.sqlite3"))
    try:
        with engine.connect() as connection:
            plans = [
                " ".join(str(row[3]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
                for sql in (
                    "SELECT count(*) FROM contact WHERE archived_at IS NULL",
                    "SELECT id FROM contact WHERE archived_at IS NULL "
                    "ORDER BY last_name_fold, full_name_fold LIMIT 50",
                )
            ]
        assert "COVERING INDEX ix_contact_live" in plans[0]
        assert "ix_contact_live" in plans[1] and "TEMP B-TREE" not in plans[1]
    finally:
        engine.dispose()


def test_a_version_5_database_gets_the_contacts_list_index(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    schema.open_database(str(path)).dispose()
    connection = sqlite3.connect(path)
    try:  # the indexes as version 5 had them
        connection.execute("DROP INDEX ix_contact_live")
        connection.execute("CREATE INDEX ix_contact_sort ON contact (last_name_fold, full_name_fold)")
        connection.commit()
    finally:
        connection.close()
    _set_stored_version(path, 5)
    schema.open_database(str(path)).dispose()
    connection = sqlite3.connect(path)
    try:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        connection.close()
    assert "ix_contact_live" in names and "ix_contact_sort" not in names
    assert _stored_version(path) == schema.SCHEMA_VERSION


def test_a_version_6_database_gets_surnames_folded_as_the_search_folds_them(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    engine = schema.open_database(str(path))
    with session_scope(engine) as session:
        from crm_tui.services import contacts

        contacts.create_contact(session, contacts.ContactCreate(first_name="Пётр", last_name="Семёнов"))
        contacts.create_contact(session, contacts.ContactCreate(first_name="Anna", last_name="Müller"))
        contacts.create_contact(session, contacts.ContactCreate(first_name="Olga"))
    engine.dispose()
    connection = sqlite3.connect(path)
    try:  # the sort keys as version 6 wrote them: case folded only
        connection.execute(
            "UPDATE contact SET last_name_fold = lower(coalesce(nullif(last_name, ''), full_name))"
        )
        connection.execute("UPDATE contact SET last_name_fold = 'семёнов' WHERE last_name = 'Семёнов'")
        connection.commit()
    finally:
        connection.close()
    _set_stored_version(path, 6)
    schema.open_database(str(path)).dispose()
    connection = sqlite3.connect(path)
    try:
        keys = dict(connection.execute("SELECT full_name, last_name_fold FROM contact").fetchall())
    finally:
        connection.close()
    assert keys == {"Пётр Семёнов": "семенов", "Anna Müller": "muller", "Olga": "olga"}
    assert _stored_version(path) == schema.SCHEMA_VERSION


def test_a_version_3_search_index_is_rebuilt_with_one_letter_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    engine = schema.open_database(str(path))
    with session_scope(engine) as session:
        from crm_tui.services import contacts

        contacts.create_contact(session, contacts.ContactCreate(first_name="Иван", last_name="Корнилов"))
    engine.dispose()
    connection = sqlite3.connect(path)
    try:  # the index as version 3 made it: prefixes of two and three letters only
        bodies = connection.execute("SELECT rowid, body FROM search_index").fetchall()
        connection.execute("DROP TABLE search_index")
        connection.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5(body, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
        )
        connection.executemany("INSERT INTO search_index (rowid, body) VALUES (?, ?)", bodies)
        connection.commit()
    finally:
        connection.close()
    _set_stored_version(path, 3)

    engine = schema.open_database(str(path))
    try:
        assert _stored_version(path) == schema.SCHEMA_VERSION
        with engine.connect() as upgraded:
            ddl = upgraded.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'search_index'")
            ).scalar_one()
            assert "prefix = '1 2 3'" in ddl
            assert upgraded.execute(text("SELECT rowid, body FROM search_index")).all() == bodies
        with session_scope(engine) as session:
            from crm_tui.services.search import search

            assert [hit.title for hit in search(session, "к")] == ["Иван Корнилов"]
    finally:
        engine.dispose()
