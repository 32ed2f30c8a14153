"""A whole crm-tui database copied into another, on SQLite or PostgreSQL either way round, and
what is built on it: a server database's backups (a copy into a new SQLite file) and
restoring one (a copy back over its content).

A copy reads the source in one snapshot (a repeatable-read transaction on PostgreSQL, one
read transaction on SQLite) and writes the target in one transaction: the rows of every table
with their ids (db/table_copy.py), the id sequences set past them, the search index rebuilt
for the target's engine, and every table counted on both sides. Anything wrong — a count
that differs, an error halfway, the process killed — and the target keeps none of it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from crm_tui.db import backup
from crm_tui.db.engine import session_scope
from crm_tui.db.schema import open_database
from crm_tui.db.table_copy import (
    Progress,
    clear_tables,
    copy_tables,
    count_rows,
    reset_sequences,
    tables_with_data,
)
from crm_tui.errors import DatabaseProblem
from crm_tui.paths import is_url, shown_target, sqlite_file
from crm_tui.services.search import rebuild_index
from crm_tui.services.settings import backups_keep

# How long a copy or a restore waits for other sessions' locks on a server database (the app
# open elsewhere) before giving up with a message rather than hanging.
LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class CopyResult:
    tables: dict[str, int]  # rows per table, as counted on both sides
    target: str  # the target as it may be printed (no password)


def copy_database(source: str, target: str, progress: Progress | None = None) -> CopyResult:
    """Copy the crm-tui database `source` (a path or URL) into `target`, which is created or
    upgraded to the current schema and must hold no records: its stages, lead sources and
    settings (a new database's seed rows) are replaced by the source's. DatabaseProblem, with
    nothing written to the target, when it is refused or fails."""
    if _identity(source) == _identity(target):
        raise DatabaseProblem(f"{shown_target(target)}: that is the database being copied")
    source_file = sqlite_file(source)
    if source_file is not None and not source_file.is_file():
        raise DatabaseProblem(f"{source_file}: no database here to copy")
    target_file = sqlite_file(target)
    target_is_new = target_file is not None and not target_file.exists()
    source_engine = open_database(source)
    try:
        try:
            target_engine = open_database(target)
            try:
                copied = copy_between(source_engine, target_engine, progress, into_empty=True)
            finally:
                target_engine.dispose()
        except BaseException:
            if target_is_new and target_file is not None:  # a file made for the copy goes with it
                _remove_database_file(target_file)
            raise
    finally:
        source_engine.dispose()
    return CopyResult(copied, shown_target(target))


def copy_between(
    source: Engine, target: Engine, progress: Progress | None = None, *, into_empty: bool = False
) -> dict[str, int]:
    """Replace every row of `target` with `source`'s, in one target transaction; rows per table.

    With `into_empty`, a target holding records (anything beyond the seed rows) is refused
    first, under the same lock the copy then holds, so none can arrive in between."""
    try:
        with _read_snapshot(source) as reading, _write_transaction(target) as writing:
            if into_empty and (held := tables_with_data(writing)):
                raise DatabaseProblem(
                    f"{_shown(target)}: already holds records ({', '.join(held)}); "
                    "a copy goes only into a new or empty database"
                )
            clear_tables(writing)
            copied = copy_tables(reading, writing, progress)
            reset_sequences(writing)
            # A session on the target's connection joins its transaction: the index is rebuilt
            # inside it, and committed (or rolled back) with the rows.
            with Session(bind=writing) as session:
                rebuild_index(session)
                session.flush()
            _check_counts(count_rows(reading), count_rows(writing), copied)
    except OperationalError as error:
        if "lock timeout" in str(error.orig):
            raise DatabaseProblem(
                f"{_shown(target)}: in use by another session (the app?) for "
                f"over {LOCK_TIMEOUT}; close it and try again — nothing was changed"
            ) from error
        raise
    return copied


def _check_counts(source: dict[str, int], target: dict[str, int], copied: dict[str, int]) -> None:
    wrong = [
        f"{name} {source[name]:,} → {target.get(name, 0):,}"
        for name in source
        if source[name] != target.get(name) or source[name] != copied.get(name)
    ]
    if wrong:
        raise DatabaseProblem(f"the copy's row counts differ ({'; '.join(wrong)}); nothing was written")


def _shown(engine: Engine) -> str:
    """The database as messages name it: the file, or the URL without its password."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        return engine.url.database
    return engine.url.render_as_string(hide_password=True)


def _target_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@contextmanager
def _read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one moment of the database for as long as the copy reads it,
    whatever other sessions commit meanwhile."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with connection.begin():
                yield connection
            return
        # pysqlite starts no transaction for reads, so each SELECT would see its own moment; an
        # explicit BEGIN holds one read snapshot (WAL: writers go on) until the rollback.
        with connection.begin() as transaction:
            connection.exec_driver_sql("BEGIN")
            yield connection
            transaction.rollback()


@contextmanager
def _write_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the target's write lock from its start (SQLite: BEGIN IMMEDIATE,
    as schema upgrades do; PostgreSQL: the tables locked against writers, waiting at most
    LOCK_TIMEOUT for sessions that hold them)."""
    with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            from crm_tui.db.table_copy import copied_tables

            preparer = connection.dialect.identifier_preparer
            names = ", ".join(preparer.format_table(table) for table in copied_tables())
            connection.exec_driver_sql(f"LOCK TABLE {names}, search_index IN EXCLUSIVE MODE")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


def _identity(target: str) -> tuple[str, ...]:
    """What tells two databases apart: the resolved file, or the server, port and database."""
    file = sqlite_file(target)
    if file is not None:
        return ("file", str(file.expanduser().resolve()))
    if not is_url(target):  # pragma: no cover - a path always has a file
        return ("other", target)
    from sqlalchemy.engine import make_url

    url = make_url(target)
    return (url.get_backend_name(), url.host or "localhost", str(url.port or ""), url.database or "")


def _remove_database_file(file: Path) -> None:
    for leftover in ("", "-journal", "-wal", "-shm"):
        with suppress(FileNotFoundError):
            Path(f"{file}{leftover}").unlink()


# ---------------------------------------------------------------- a server database's backups


def _copy_writer(engine: Engine) -> backup.Write:
    """Writes a copy of the server database behind `engine` into a new SQLite file."""

    def write(path: Path) -> None:
        target = open_database(str(path))
        try:
            copy_between(engine, target)
        finally:
            target.dispose()

    return write


def _keep(engine: Engine) -> int:
    with session_scope(engine) as session:
        return backups_keep(session)


def snapshot_server(engine: Engine, reason: str, keep: int | None = None) -> Path:
    """A snapshot of a server database into its backups folder (`backup.place_of`), keeping
    the last `keep` (by default its `backups.keep` setting)."""
    place = _server_place(engine)
    return backup.new_snapshot(place, reason, _keep(engine) if keep is None else keep, _copy_writer(engine))


def backup_server_to(engine: Engine, target: Path) -> Path:
    """A backup of a server database written to `target` (a new file, or a folder to put it
    in); never overwrites a file, not counted among the kept snapshots."""
    return backup.new_file(target, _server_place(engine).stem, _copy_writer(engine))


def _server_place(engine: Engine) -> backup.Place:
    place = backup.place_of(_target_of(engine))
    if place is None:  # pragma: no cover - only server engines come here
        raise DatabaseProblem(f"{engine.url.render_as_string()}: no backups for this database")
    return place


def restore_server(engine: Engine, source: Path) -> backup.Restored:
    """Replace the content of a server database with that of the crm-tui database file
    `source`: checked as a file's restore checks it (a refused file changes nothing), an
    older one upgraded in a private staging copy, the current content backed up first
    (`before-restore`), then every row replaced in one transaction."""
    with tempfile.TemporaryDirectory(prefix="crm-tui-restore-") as folder:
        staged, version = backup.stage_checked(source, Path(folder))
        staged_engine = open_database(str(staged))  # an older file is upgraded here, in private
        try:
            before = snapshot_server(engine, "before-restore")
            try:
                copy_between(staged_engine, engine)
            except DatabaseProblem as problem:
                raise DatabaseProblem(f"{problem}; nothing was restored") from problem
        finally:
            staged_engine.dispose()
    return backup.Restored(version, before)
