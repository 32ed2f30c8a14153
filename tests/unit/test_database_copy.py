"""A whole database copied between SQLite and PostgreSQL (both ways, every export the same
after the round trip), copies refused or failed leaving the target without data, and a server
database's backups: copies into private SQLite files, restored over its content."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from crm_tui.db import backup, table_copy
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Contact, ImportBatch, Lead, Stage
from crm_tui.db.schema import DEFAULT_STAGES, open_database
from crm_tui.errors import DatabaseProblem
from crm_tui.services import contacts, database_copy, demo, settings
from crm_tui.services.exports import ExportOptions, write_export
from crm_tui.services.search import search
from tests.cli_kit import export_combinations
from tests.pg_server import LocalServer, fresh_database


def _export_kinds() -> list[tuple[str, ExportOptions]]:
    """Every export `crm-tui export` can write: each kind in each format it takes (vCard in
    both versions, iCalendar with the done activities too)."""
    found = []
    for kind, fmt in export_combinations():
        if fmt == "vcard":
            found += [(kind, ExportOptions(fmt, vcard_version=version)) for version in ("3.0", "4.0")]
        else:
            found.append((kind, ExportOptions(fmt, include_done=fmt == "ics")))
    return found


EXPORTS = _export_kinds()


def _exports(target: str) -> dict[str, str]:
    engine = open_database(target)
    try:
        with session_scope(engine) as session:
            written = {}
            for kind, options in EXPORTS:
                stream = io.StringIO()
                write_export(session, stream, kind, options)
                written[f"{kind} {options.fmt} {options.vcard_version}"] = stream.getvalue()
            return written
    finally:
        engine.dispose()


def _counts(target: str) -> dict[str, int]:
    engine = open_database(target)
    try:
        with engine.connect() as connection:
            return table_copy.count_rows(connection)
    finally:
        engine.dispose()


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def source(tmp_path: Path) -> str:
    """An SQLite database with demo data, a Cyrillic name with ё, an import batch (JSON
    columns) and settings and stages of its own (which replace a target's seed rows)."""
    path = str(tmp_path / "source" / "crm.sqlite3")
    engine = open_database(path)
    try:
        with session_scope(engine) as session:
            demo.generate(session, demo.DemoSize.for_size(30), seed=3)
            contacts.create_contact(session, contacts.ContactCreate(first_name="Пётр", last_name="Семёнов"))
            session.add(ImportBatch(file="старые.vcf", kind="vcard", status="applied", counts={"created": 1}))
            settings.set_backups_keep(session, 4)
            stage = session.exec(select(Stage).where(Stage.name == "Proposal")).one()
            stage.rot_days = 9
    finally:
        engine.dispose()
    return path


@pytest.fixture
def pg_url(pg_server: LocalServer) -> str:
    return fresh_database(pg_server)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7 rows: every table of the demo data takes several, and leads linked to
    deals fall in different batches from their deals."""
    monkeypatch.setattr(table_copy, "BATCH_ROWS", 7)


def test_a_round_trip_through_postgresql_gives_back_every_export(
    source: str, pg_url: str, tmp_path: Path, small_batches: None
) -> None:
    there = database_copy.copy_database(source, pg_url)
    back = database_copy.copy_database(pg_url, str(tmp_path / "back.sqlite3"))

    counts = _counts(source)
    assert counts["contact"] == 31 and counts["importbatch"] == 1 and counts["lead"] > 0
    assert there.tables == counts == back.tables == _counts(pg_url) == _counts(str(tmp_path / "back.sqlite3"))
    assert back.target == str(tmp_path / "back.sqlite3")
    original = _exports(source)
    assert set(original) == {f"{kind} {options.fmt} {options.vcard_version}" for kind, options in EXPORTS}
    assert all(original.values())
    assert _exports(str(tmp_path / "back.sqlite3")) == original


def test_the_postgresql_copy_exports_what_the_original_does(source: str, pg_url: str) -> None:
    database_copy.copy_database(source, pg_url)
    assert _exports(pg_url) == _exports(source)


def test_leads_and_deals_keep_their_links_both_ways(source: str, pg_url: str, small_batches: None) -> None:
    def links(target: str) -> set[tuple[int | None, int | None]]:
        engine = open_database(target)
        try:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT lead.id, lead.deal_id FROM lead ORDER BY id"))
                return {(row[0], row[1]) for row in rows}
        finally:
            engine.dispose()

    database_copy.copy_database(source, pg_url)
    copied = links(pg_url)
    assert any(deal_id is not None for _lead, deal_id in copied)
    assert copied == links(source)


def test_search_on_the_postgresql_copy_folds_cyrillic(source: str, pg_url: str) -> None:
    database_copy.copy_database(source, pg_url)
    engine = open_database(pg_url)
    try:
        with session_scope(engine) as session:
            found = [hit.title for hit in search(session, "семен")]
            assert "Пётр Семёнов" in found
            assert "Пётр Семёнов" in [hit.title for hit in search(session, "СЕМЁН")]
    finally:
        engine.dispose()


def test_new_records_on_the_copy_take_the_next_ids(source: str, pg_url: str) -> None:
    database_copy.copy_database(source, pg_url)
    largest = _counts(source)["contact"]  # the demo's ids run from 1 without gaps
    engine = open_database(pg_url)
    try:
        with session_scope(engine) as session:
            made = contacts.create_contact(session, contacts.ContactCreate(first_name="Новый"))
            stage = session.exec(select(Stage).where(Stage.name == "Proposal")).one()
            assert stage.rot_days == 9  # the source's stages replaced the seeded ones
            assert settings.backups_keep(session) == 4
            lead = Lead(title="after the copy")
            session.add(lead)
            session.flush()
        assert made.id == largest + 1
        assert lead.id == _counts(source)["lead"] + 1
    finally:
        engine.dispose()


def _user_rows(target: str) -> dict[str, int]:
    return {name: count for name, count in _counts(target).items() if count}


def test_a_target_holding_records_is_refused_and_left_as_it_was(
    source: str, database_target: str, engine: Engine
) -> None:
    with session_scope(engine) as session:
        contacts.create_contact(session, contacts.ContactCreate(first_name="Already", last_name="Here"))
    before = _user_rows(database_target)
    with pytest.raises(
        DatabaseProblem,
        match=r"already holds records \(event, contact\); a copy goes only into a new or empty database",
    ):
        database_copy.copy_database(source, database_target)
    assert _user_rows(database_target) == before
    with session_scope(engine) as session:
        assert [hit.title for hit in search(session, "already")] == ["Already Here"]


def test_the_database_itself_is_refused_as_a_target(source: str, pg_url: str) -> None:
    with pytest.raises(DatabaseProblem, match="that is the database being copied"):
        database_copy.copy_database(source, source)
    with pytest.raises(DatabaseProblem, match="that is the database being copied"):
        database_copy.copy_database(pg_url, pg_url)


def test_a_missing_source_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    with pytest.raises(DatabaseProblem, match="no database here to copy"):
        database_copy.copy_database(str(missing), str(tmp_path / "target.sqlite3"))
    assert list(tmp_path.iterdir()) == []


def _seeded_only(target: str) -> None:
    """The target holds what a new database does: no records, the default stages."""
    engine = open_database(target)
    try:
        with engine.connect() as connection:
            assert table_copy.tables_with_data(connection) == []
            assert connection.execute(text("SELECT count(*) FROM search_index")).scalar_one() == 0
        with session_scope(engine) as session:
            names = session.exec(select(Stage.name).order_by(col(Stage.position))).all()
            assert list(names) == [name for name, *_rest in DEFAULT_STAGES]
    finally:
        engine.dispose()


class _Stop(Exception):
    """Raised halfway through a copy, as a crash would stop it."""


def test_a_copy_that_fails_halfway_leaves_the_target_without_data(
    source: str, database_target: str, engine: Engine, small_batches: None
) -> None:
    def stop_in_the_events(table: str, rows: int) -> None:
        if table == "lead" and rows >= 14:  # companies, contacts, events… are in by now
            raise _Stop

    with pytest.raises(_Stop):
        database_copy.copy_database(source, database_target, progress=stop_in_the_events)
    _seeded_only(database_target)


def test_a_copy_whose_counts_differ_is_rolled_back(
    source: str, database_target: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = table_copy.count_rows
    calls: list[str] = []

    def one_event_short(connection: object) -> dict[str, int]:
        counted = real(connection)  # type: ignore[arg-type]
        calls.append("counted")
        if len(calls) == 2:  # the target's count
            counted["event"] -= 1
        return counted

    monkeypatch.setattr(database_copy, "count_rows", one_event_short)
    with pytest.raises(DatabaseProblem, match=r"row counts differ \(event \d+ → \d+\); nothing was written"):
        database_copy.copy_database(source, database_target)
    _seeded_only(database_target)


def test_a_new_target_file_goes_again_when_the_copy_fails(source: str, tmp_path: Path) -> None:
    target = tmp_path / "new" / "copy.sqlite3"

    def stop(_table: str, _rows: int) -> None:
        raise _Stop

    with pytest.raises(_Stop):
        database_copy.copy_database(source, str(target), progress=stop)
    assert not target.exists() and list(target.parent.iterdir()) == []


# --- a server database's backups --------------------------------------------------------------


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-user data folder (platformdirs reads XDG_DATA_HOME), where server backups go."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "crm-tui" / "backups"


@pytest.fixture
def server(source: str, pg_url: str) -> Iterator[Engine]:
    database_copy.copy_database(source, pg_url)
    engine = open_database(pg_url)
    yield engine
    engine.dispose()


def _contact_names(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.exec(select(Contact.full_name).order_by(col(Contact.id))).all())


def test_a_server_snapshot_is_a_private_sqlite_copy_named_after_the_database(
    server: Engine, data_home: Path
) -> None:
    previous = os.umask(0)  # only explicit modes keep the files private
    try:
        made = database_copy.snapshot_server(server, "manual")
    finally:
        os.umask(previous)
    port = server.url.port
    assert made.parent == data_home
    assert made.name.startswith(f"{server.url.database}@127.0.0.1-{port}-")
    assert made.name.endswith("-manual.sqlite3")
    assert (_mode(data_home), _mode(made)) == (0o700, 0o600)
    assert [path.name for path in data_home.iterdir()] == [made.name]  # no -wal, -shm, .partial
    assert _exports(str(made)) == _exports(server.url.render_as_string(hide_password=False))
    listed = backup.describe_backups(backup.place_of(server.url.render_as_string(hide_password=False)))  # type: ignore[arg-type]
    assert [(item.path, item.reason) for item in listed] == [(made, "manual")]


def test_every_service_snapshot_of_a_server_database_follows_the_keep_setting(
    server: Engine, data_home: Path
) -> None:
    with session_scope(server) as session:
        settings.set_backups_keep(session, 2)
    for _ in range(3):
        backup.snapshot_before(server, "before-tags")
    kept = sorted(data_home.iterdir())
    assert len(kept) == 2 and all(path.name.endswith("-before-tags.sqlite3") for path in kept)


def test_a_merge_on_a_server_database_snapshots_it_first(server: Engine, data_home: Path) -> None:
    from crm_tui.services.merge import merge_contacts

    with session_scope(server) as session:
        merge_contacts(session, 1, 2, set())
    (made,) = data_home.iterdir()
    assert made.name.endswith("-before-merge.sqlite3")


def test_restore_on_a_server_brings_the_backup_back_and_keeps_the_state_before(
    server: Engine, data_home: Path
) -> None:
    saved = database_copy.snapshot_server(server, "manual")
    names = _contact_names(server)
    with session_scope(server) as session:
        contacts.create_contact(session, contacts.ContactCreate(first_name="Zoe", last_name="Late"))

    restored = database_copy.restore_server(server, saved)

    assert _contact_names(server) == names
    assert restored.before is not None and restored.before.name.endswith("-before-restore.sqlite3")
    before = open_database(str(restored.before))
    try:
        assert "Zoe Late" in _contact_names(before)
    finally:
        before.dispose()
    assert (_mode(data_home), _mode(restored.before)) == (0o700, 0o600)
    with session_scope(server) as session:
        assert [hit.title for hit in search(session, "семён")] == ["Пётр Семёнов"]
        assert search(session, "zoe") == []
        again = contacts.create_contact(session, contacts.ContactCreate(first_name="Next"))
    assert again.id == len(names) + 1


def test_restore_on_a_server_refuses_what_is_not_a_crm_database_and_changes_nothing(
    server: Engine, data_home: Path, tmp_path: Path
) -> None:
    names = _contact_names(server)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(DatabaseProblem, match="not a crm-tui database"):
        database_copy.restore_server(server, junk)
    with pytest.raises(DatabaseProblem, match="no such file"):
        database_copy.restore_server(server, tmp_path / "missing.sqlite3")
    assert _contact_names(server) == names
    assert not data_home.exists()  # no before-restore taken for a refused file


def test_restore_on_a_server_upgrades_an_old_file_on_its_way_in(server: Engine, data_home: Path) -> None:
    old = Path(__file__).resolve().parents[1] / "fixtures" / "old_schema" / "crm-v1.sqlite3"
    content = old.read_bytes()
    restored = database_copy.restore_server(server, old)
    assert restored.version == 1
    assert old.read_bytes() == content  # upgraded in a private staging copy, not in place
    with session_scope(server) as session:
        assert "Пётр Семёнов" in [hit.title for hit in search(session, "семенов")]


def test_a_nul_character_which_postgresql_cannot_hold_is_left_out_of_the_copy(
    source: str, pg_url: str
) -> None:
    engine = open_database(source)
    try:
        with session_scope(engine) as session:
            made = contacts.create_contact(
                session, contacts.ContactCreate(first_name="Bro\x00ken", notes="from a\x00 bad card")
            )
            made.extra = {"X-NOTE": "nul\x00inside"}
    finally:
        engine.dispose()
    database_copy.copy_database(source, pg_url)
    server = open_database(pg_url)
    try:
        with session_scope(server) as session:
            copied = session.get(Contact, made.id)
            assert copied is not None
            assert (copied.first_name, copied.notes) == ("Broken", "from a bad card")
            assert copied.extra == {"X-NOTE": "nul\x00inside"}  # JSON keeps it, escaped
    finally:
        server.dispose()
