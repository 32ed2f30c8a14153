"""Snapshots (private, self-contained, the last `backups.keep` kept), restoring one, and real
database files written by old versions opened with today's code."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crm_tui.db import backup, schema
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Company, Contact, Deal, Event, Lead, Stage
from crm_tui.errors import DatabaseProblem, ValidationError
from crm_tui.services import contacts, settings
from crm_tui.services.search import search

OLD_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "old_schema"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _names(path: Path) -> list[str]:
    return [str(row[0]) for row in _rows(path, "SELECT full_name FROM contact ORDER BY id")]


def _version(path: Path) -> int:
    return int(_rows(path, "SELECT version FROM schemaversion")[0][0])


def _add_contact(engine: Engine, first_name: str) -> None:
    with session_scope(engine) as session:
        contacts.create_contact(session, contacts.ContactCreate(first_name=first_name))


def _set_keep(engine: Engine, value: str) -> None:
    with session_scope(engine) as session:
        settings.set_setting(session, settings.BACKUPS_KEEP_KEY, value)


@pytest.fixture
def database_target(tmp_path: Path) -> str:
    """A file only: these are an SQLite file's snapshots (its backup API, beside it). A server
    database's backups, copies into SQLite files, are tested in test_database_copy.py."""
    return str(tmp_path / "crm.sqlite3")


@pytest.fixture
def db(engine: Engine, tmp_path: Path) -> Path:
    """The engine fixture's file, holding one contact."""
    _add_contact(engine, "Anna")
    return tmp_path / "crm.sqlite3"


# --- snapshots ------------------------------------------------------------------------------


def test_a_snapshot_is_private_self_contained_and_holds_the_data(engine: Engine, db: Path) -> None:
    made = backup.snapshot(db, "manual")
    assert made.parent == db.parent / "backups"
    assert _mode(made.parent) == 0o700
    assert _mode(made) == 0o600
    assert _names(made) == ["Anna"]
    # Rollback-journal mode: one file that can be copied anywhere, no -wal to go with it.
    assert _rows(made, "PRAGMA journal_mode") == [("delete",)]
    assert sorted(path.name for path in made.parent.iterdir()) == [made.name]


def test_a_snapshot_holds_what_is_committed_in_the_wal_and_nothing_uncommitted(
    engine: Engine, db: Path
) -> None:
    _add_contact(engine, "Boris")  # committed, still in the -wal (not checkpointed)
    assert Path(f"{db}-wal").stat().st_size > 0
    writer = sqlite3.connect(db)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE contact SET full_name = 'half-written'")
        made = backup.snapshot(db, "manual")
    finally:
        writer.rollback()
        writer.close()
    assert _names(made) == ["Anna", "Boris"]


def test_snapshots_in_the_same_instant_get_names_in_the_order_taken(engine: Engine, db: Path) -> None:
    # The clock is frozen: every snapshot is taken "at the same time".
    taken = [backup.snapshot(db, reason) for reason in ("manual", "before-merge", "before-import", "manual")]
    assert len(set(taken)) == 4
    assert backup.list_backups(db) == taken
    assert [item.path for item in backup.describe_backups(db)] == taken[::-1]


def test_a_reason_is_cleaned_to_stand_in_a_file_name(engine: Engine, db: Path) -> None:
    made = backup.snapshot(db, "before undo/import #12")
    assert made.name.endswith("-before-undo-import-12.sqlite3")
    assert made.parent == db.parent / "backups"


def test_an_existing_open_backups_folder_is_made_private(engine: Engine, db: Path) -> None:
    folder = db.parent / "backups"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    backup.snapshot(db, "manual")
    assert _mode(folder) == 0o700


def test_snapshots_are_private_whatever_the_umask(engine: Engine, db: Path) -> None:
    previous = os.umask(0)
    try:
        made = backup.snapshot(db, "manual")
        written = backup.backup_to(db, db.parent / "copy.sqlite3")
    finally:
        os.umask(previous)
    assert (_mode(made.parent), _mode(made), _mode(written)) == (0o700, 0o600, 0o600)


def test_describe_lists_newest_first_with_reason_time_and_size(engine: Engine, db: Path, clock) -> None:
    clock("2026-11-20T09:00:00+00:00")
    first = backup.snapshot(db, "before-import")
    clock("2026-11-20T10:30:00+00:00")
    second = backup.snapshot(db, "manual")
    folder = db.parent / "backups"
    # Not snapshots of this database: another file's, and a file someone put there.
    (folder / "crm-old-20261120T090000000000-manual.sqlite3").write_bytes(b"x")
    (folder / "crm-mine.sqlite3").write_bytes(b"x")
    described = backup.describe_backups(db)
    assert [(item.path, item.reason) for item in described] == [(second, "manual"), (first, "before-import")]
    assert described[0].taken_at == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert described[0].size == second.stat().st_size > 0


def test_a_failed_snapshot_leaves_no_file_behind(tmp_path: Path) -> None:
    garbage = tmp_path / "crm.sqlite3"
    garbage.write_bytes(b"not a database" * 500)
    with pytest.raises(DatabaseProblem, match="cannot back up"):
        backup.snapshot(garbage, "manual")
    assert list((tmp_path / "backups").iterdir()) == []


def test_what_an_interrupted_snapshot_left_is_not_listed_and_goes_once_stale(
    engine: Engine, db: Path
) -> None:
    folder = db.parent / "backups"
    folder.mkdir()
    stale = folder / ".crm-20261120T080000000000-before-import.sqlite3.partial"
    fresh = folder / ".crm-20261120T085959000000-before-merge.sqlite3.partial"
    for partial in (stale, fresh):
        partial.write_bytes(b"half a copy")
    long_ago = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    os.utime(stale, (long_ago, long_ago))
    assert backup.list_backups(db) == []
    made = backup.snapshot(db, "manual")
    assert sorted(folder.iterdir()) == sorted([made, fresh])


def test_backup_to_a_file_never_overwrites_one(engine: Engine, db: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.sqlite3"
    target.write_bytes(b"precious")
    with pytest.raises(DatabaseProblem, match="already exists"):
        backup.backup_to(db, target)
    assert target.read_bytes() == b"precious"
    into_folder = backup.backup_to(db, tmp_path)
    assert into_folder.parent == tmp_path
    assert _names(into_folder) == ["Anna"]
    assert backup.list_backups(db) == []  # not counted among the kept snapshots


# --- how many are kept ---------------------------------------------------------------------


def test_the_keep_setting_decides_how_many_snapshots_stay(engine: Engine, db: Path) -> None:
    with session_scope(engine) as session:
        assert settings.backups_keep(session) == backup.KEEP_LAST == 10
        assert settings.set_backups_keep(session, " 3 ") == 3
    taken = [backup.snapshot(db, "manual") for _ in range(5)]
    assert backup.list_backups(db) == taken[-3:]


def test_every_snapshot_of_a_service_follows_the_setting(engine: Engine, db: Path) -> None:
    _set_keep(engine, "2")
    for _ in range(4):
        backup.snapshot_before(engine, "before-tags")
    assert len(backup.list_backups(db)) == 2


@pytest.mark.parametrize("stored", ["0", "-1", "ten", "", " ", "2.5", "１２"])
def test_a_bad_keep_setting_falls_back_to_the_default(engine: Engine, db: Path, stored: str) -> None:
    _set_keep(engine, stored)
    with session_scope(engine) as session:
        assert settings.backups_keep(session) == backup.KEEP_LAST
    for _ in range(backup.KEEP_LAST + 2):
        backup.snapshot(db, "manual")
    assert len(backup.list_backups(db)) == backup.KEEP_LAST
    assert backup.stored_keep(db) == backup.KEEP_LAST


@pytest.mark.parametrize("value", [0, -2, "0", "many", "", True, "3.0"])
def test_setting_a_bad_keep_is_refused_and_stores_nothing(session: Session, value: int | str) -> None:
    with pytest.raises(ValidationError) as caught:
        settings.set_backups_keep(session, value)
    assert caught.value.field == "backups_keep"
    assert settings.get_setting(session, settings.BACKUPS_KEEP_KEY, "unset") == "unset"


# --- restore -------------------------------------------------------------------------------


def test_restore_brings_a_snapshot_back_and_keeps_the_state_before(engine: Engine, db: Path) -> None:
    saved = backup.snapshot(db, "manual")
    _add_contact(engine, "Boris")
    restored = backup.restore(db, saved)
    assert restored.version == schema.SCHEMA_VERSION
    assert restored.before is not None and "before-restore" in restored.before.name
    assert _names(restored.before) == ["Anna", "Boris"]
    assert _mode(restored.before) == 0o600
    # The engine still open on the file reads the restored content.
    with session_scope(engine) as session:
        assert session.exec(select(Contact.full_name)).all() == ["Anna"]
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert not [path for path in db.parent.iterdir() if path.name.startswith(".crm-tui-restore-")]


def test_restore_of_the_oldest_kept_snapshot_survives_its_own_pruning(engine: Engine, db: Path) -> None:
    _set_keep(engine, "2")
    oldest = backup.snapshot(db, "manual")
    _add_contact(engine, "Boris")
    backup.snapshot(db, "manual")
    # The before-restore snapshot prunes `oldest`: it was copied aside first.
    backup.restore(db, oldest)
    assert not oldest.exists()
    assert _names(db) == ["Anna"]


def test_restore_from_another_live_database_reads_through_its_wal(
    engine: Engine, db: Path, tmp_path: Path
) -> None:
    other_path = tmp_path / "other" / "crm.sqlite3"
    other = schema.open_database(str(other_path))
    try:
        _add_contact(other, "Olga")  # committed, held in the other file's -wal
        assert Path(f"{other_path}-wal").stat().st_size > 0
        backup.restore(db, other_path)
    finally:
        other.dispose()
    assert _names(db) == ["Olga"]


def test_restore_into_a_database_not_made_yet(engine: Engine, db: Path, tmp_path: Path) -> None:
    saved = backup.snapshot(db, "manual")
    fresh = tmp_path / "new" / "crm.sqlite3"
    restored = backup.restore(fresh, saved)
    assert restored.before is None
    assert _mode(fresh) == 0o600
    assert _names(fresh) == ["Anna"]


def test_restore_of_a_file_with_another_page_size(engine: Engine, db: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.sqlite3"
    shutil.copy(backup.snapshot(db, "manual"), odd)
    connection = sqlite3.connect(odd)
    connection.execute("PRAGMA page_size = 1024")
    connection.execute("VACUUM")
    connection.close()
    assert _rows(odd, "PRAGMA page_size") == [(1024,)]
    _add_contact(engine, "Boris")
    backup.restore(db, odd)
    with session_scope(engine) as session:
        assert session.exec(select(Contact.full_name)).all() == ["Anna"]


def _damaged_copy(db: Path, tmp_path: Path) -> Path:
    damaged = tmp_path / "damaged.sqlite3"
    shutil.copy(backup.snapshot(db, "manual"), damaged)
    root = int(_rows(damaged, "SELECT rootpage FROM sqlite_master WHERE name = 'contact'")[0][0])
    page = int(_rows(damaged, "PRAGMA page_size")[0][0])
    with damaged.open("r+b") as file:
        file.seek((root - 1) * page)
        file.write(b"\xff" * 64)
    return damaged


def _other_programs(tmp_path: Path) -> Path:
    path = tmp_path / "recipes.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.commit()
    connection.close()
    return path


def _newer(db: Path, tmp_path: Path) -> Path:
    newer = tmp_path / "newer.sqlite3"
    shutil.copy(backup.snapshot(db, "manual"), newer)
    connection = sqlite3.connect(newer)
    connection.execute("UPDATE schemaversion SET version = ?", (schema.SCHEMA_VERSION + 1,))
    connection.commit()
    connection.close()
    return newer


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _refused_source(case: str, db: Path, tmp_path: Path) -> Path:
    if case == "missing":
        return tmp_path / "no-such.sqlite3"
    if case == "a folder":
        return tmp_path
    if case == "random bytes":
        return _written(tmp_path / "noise.sqlite3", bytes(range(256)) * 40)
    if case == "text":
        return _written(tmp_path / "hostname", b"my-laptop\n")
    if case == "empty":
        return _written(tmp_path / "empty.sqlite3", b"")
    if case == "another program's":
        return _other_programs(tmp_path)
    if case == "newer":
        return _newer(db, tmp_path)
    if case == "damaged":
        return _damaged_copy(db, tmp_path)
    assert case == "the database itself"
    return db


# What the one-line message says for each (the damaged file's depends on where SQLite trips).
REFUSED = {
    "missing": "no-such.sqlite3: no such file",
    "a folder": "not a file",
    "random bytes": "noise.sqlite3: not a crm-tui database",
    "text": "hostname: not a crm-tui database",
    "empty": "not a crm-tui database (an empty SQLite database)",
    "another program's": "recipes.sqlite3: not a crm-tui database (an SQLite database of another program)",
    "newer": f"schema version {schema.SCHEMA_VERSION + 1}, newer than this crm-tui understands",
    "damaged": "damaged.sqlite3: ",
    "the database itself": "that is the database itself",
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_restore_refuses_a_file_that_is_not_a_sound_crm_database_and_changes_nothing(
    engine: Engine, db: Path, tmp_path: Path, case: str
) -> None:
    source = _refused_source(case, db, tmp_path)
    engine.dispose()  # the file on its own (checkpointed), to compare byte for byte
    snapshots_before = backup.list_backups(db)
    content = db.read_bytes()
    with pytest.raises(DatabaseProblem) as caught:
        backup.restore(db, source)
    assert REFUSED[case] in str(caught.value)
    assert "\n" not in str(caught.value)
    assert db.read_bytes() == content
    assert backup.list_backups(db) == snapshots_before  # not even a before-restore snapshot
    assert not [path for path in db.parent.iterdir() if path.name.startswith(".crm-tui-restore-")]


def test_a_damaged_file_is_refused_by_the_integrity_check(engine: Engine, db: Path, tmp_path: Path) -> None:
    with pytest.raises(DatabaseProblem, match=r"damaged\.sqlite3: damaged \(.+\); nothing was restored$"):
        backup.restore(db, _damaged_copy(db, tmp_path))


def test_restore_refuses_when_the_current_database_cannot_be_backed_up(tmp_path: Path) -> None:
    live = tmp_path / "live" / "crm.sqlite3"
    live.parent.mkdir()
    live.write_bytes(b"not a database at all" * 100)
    good = tmp_path / "good.sqlite3"
    schema.open_database(str(good)).dispose()
    with pytest.raises(DatabaseProblem, match="nothing was restored"):
        backup.restore(live, good)
    assert live.read_bytes() == b"not a database at all" * 100


def test_restore_gives_up_on_a_database_locked_for_too_long(
    engine: Engine, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = backup.snapshot(db, "manual")
    _add_contact(engine, "Boris")
    monkeypatch.setattr(backup, "_BUSY_TIMEOUT_S", 0.1)
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another program in the middle of a save
        with pytest.raises(
            DatabaseProblem, match=r"stayed locked by another program.*; nothing was restored$"
        ):
            backup.restore(db, saved)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert _names(db) == ["Anna", "Boris"]


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (812, "812 B"),
        (4096, "4.0 KB"),
        (260_096, "254 KB"),
        (1_024_000, "1.0 MB"),
        (5 << 30, "5.0 GB"),
    ],
)
def test_sizes_read_as_people_read_them(size: int, shown: str) -> None:
    from crm_tui.cli_backup import human_size

    assert human_size(size) == shown


# --- real files written by old versions ------------------------------------------------------


def _old_file(version: int, tmp_path: Path) -> Path:
    path = tmp_path / "old" / "crm.sqlite3"
    path.parent.mkdir()
    shutil.copy(OLD_SCHEMA / f"crm-v{version}.sqlite3", path)
    return path


@pytest.mark.parametrize("version", [1, 7])
def test_the_fixture_is_what_that_version_wrote(version: int, tmp_path: Path) -> None:
    path = _old_file(version, tmp_path)
    assert _version(path) == version
    assert _names(path) == ["Пётр Семёнов", "Anna Müller"]


@pytest.mark.parametrize("version", [1, 7])
def test_an_old_database_opens_upgraded_with_its_data_after_a_snapshot(version: int, tmp_path: Path) -> None:
    path = _old_file(version, tmp_path)
    engine = schema.open_database(str(path))
    try:
        # The snapshot came first: it is the file as the old version left it.
        snapshots = backup.list_backups(path)
        assert len(snapshots) == 1
        assert snapshots[0].name.endswith(f"-before-upgrade-v{version}.sqlite3")
        assert _mode(snapshots[0]) == 0o600
        assert _version(snapshots[0]) == version
        assert _names(snapshots[0]) == ["Пётр Семёнов", "Anna Müller"]
        assert _rows(snapshots[0], "SELECT count(*) FROM event") == [(8,)]
        assert _version(path) == schema.SCHEMA_VERSION

        with session_scope(engine) as session:
            _assert_the_old_records(session)
    finally:
        engine.dispose()


def _assert_the_old_records(session: Session) -> None:
    people = {contact.full_name: contact for contact in session.exec(select(Contact))}
    assert set(people) == {"Пётр Семёнов", "Anna Müller"}
    assert people["Пётр Семёнов"].last_name_fold == "семенов"  # folded as v7 folds it
    assert contacts.tags_of(session, people["Пётр Семёнов"].id or 0) == ["vip"]
    assert [email.value for email in contacts.emails_of(session, people["Пётр Семёнов"].id or 0)] == [
        "petr@acme.example"
    ]
    assert session.exec(select(Company.name)).all() == ["Acme Ltd"]

    lead = session.exec(select(Lead)).one()
    assert (lead.person_name, lead.company_name, lead.source, lead.email, lead.value, lead.extra) == (
        "Olga Ivanova",
        "Romashka",
        "Website",
        "olga@romashka.example",
        9_000_000,
        {},
    )

    deal = session.exec(select(Deal)).one()
    stage = session.get(Stage, deal.stage_id)
    assert (deal.title, deal.amount, stage.name if stage else None) == (
        "Acme licences",
        15_000_000,
        "Proposal",
    )

    call = session.exec(select(Activity)).one()
    # Stored as local wall-clock 10:00 by the old version (written in UTC): now its UTC moment.
    assert (call.title, call.due_on, call.deal_id) == (
        "Call Пётр about the contract",
        date(2026, 11, 25),
        deal.id,
    )
    assert call.due_at is not None and call.due_at.replace(tzinfo=UTC) == datetime(
        2026, 11, 25, 10, 0, tzinfo=UTC
    )

    texts = [event.text for event in session.exec(select(Event).order_by(Event.id))]  # type: ignore[arg-type]
    assert "Prefers calls after lunch" in texts
    assert "stage: New → Proposal" in texts
    assert len(texts) == 8

    assert [hit.title for hit in search(session, "семенов") if hit.kind == "contact"] == ["Пётр Семёнов"]
    assert [hit.title for hit in search(session, "muller")] == ["Anna Müller"]
    assert [hit.title for hit in search(session, "olga")] == ["Olga Ivanova · Romashka"]
    assert {hit.title for hit in search(session, "acme")} == {"Acme Ltd", "Acme licences", "Пётр Семёнов"}


@pytest.mark.parametrize("version", [1, 7])
def test_an_old_database_restores_and_is_upgraded_when_next_opened(
    version: int, engine: Engine, db: Path
) -> None:
    restored = backup.restore(db, OLD_SCHEMA / f"crm-v{version}.sqlite3")
    assert restored.version == version
    engine.dispose()
    assert _version(db) == version  # as it came in, until opened
    reopened = schema.open_database(str(db))
    try:
        assert _version(db) == schema.SCHEMA_VERSION
        assert any(f"before-upgrade-v{version}" in path.name for path in backup.list_backups(db))
        with session_scope(reopened) as session:
            _assert_the_old_records(session)
    finally:
        reopened.dispose()


def test_a_database_newer_than_the_code_is_refused_and_left_byte_for_byte(tmp_path: Path) -> None:
    path = _old_file(7, tmp_path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE schemaversion SET version = ?", (schema.SCHEMA_VERSION + 1,))
    connection.commit()
    connection.close()
    content = path.read_bytes()
    with pytest.raises(DatabaseProblem) as caught:
        schema.open_database(str(path))
    assert str(caught.value) == (
        f"the database has schema version {schema.SCHEMA_VERSION + 1}, newer than this crm-tui "
        f"understands ({schema.SCHEMA_VERSION}); upgrade crm-tui"
    )
    assert path.read_bytes() == content
    assert not (path.parent / "backups").exists()
