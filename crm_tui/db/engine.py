"""Engine factory and the unit-of-work session scope.

Nothing opens a database at import time: the app, the command line and the tests all call
`make_engine(target)` with the path or URL they were given.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, create_engine

from crm_tui.errors import DatabaseProblem, RecordChanged
from crm_tui.paths import is_url, sqlite_file

# How long a writer waits for another process's transaction before giving up (milliseconds).
BUSY_TIMEOUT_MS = 10_000


def database_url(target: str) -> str:
    """An SQLAlchemy URL for a path (`~/crm.sqlite3`) or a URL given as is."""
    if is_url(target):
        return target
    return f"sqlite:///{Path(target).expanduser()}"


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it.

    SQLite gives its `-wal` and `-shm` files the mode of the database file, so they stay
    private too.
    """
    # A folder made for it is the owner's only too (an existing one is left as it is).
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(descriptor)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL makes NORMAL durable against application crashes; only power loss can drop the
    # last transactions, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _savepoint_takes_the_write_lock(connection: Connection, _name: str | None) -> None:
    """A savepoint that would start the transaction starts it as BEGIN IMMEDIATE.

    pysqlite begins a transaction itself only before an INSERT, UPDATE or DELETE, so a unit of
    work's first write takes SQLite's write lock at once, waiting out another process's write
    (the busy timeout) with no snapshot held. A SAVEPOINT (`session.begin_nested()`) outside a
    transaction, though, begins a deferred one: the reads after it pin a snapshot, and the
    first write must then upgrade it to a write lock. SQLite cannot wait for that upgrade (the
    snapshot may be stale by then), so while another process writes it fails at once with
    "database is locked" — `crm-tui add-lead` beside an import, a conversion in the app beside
    a web-form hook. Taking the write lock as the transaction begins waits like any first write.

    Only savepoints: a unit of work that merely reads never takes the lock (a reader never waits
    for a writer in WAL mode), and the write transaction stays as short as before — from the
    first write to the commit. A retry of the whole unit of work would also do, but needs every
    caller to hand over its work as a function; this fixes the cause in one place.
    """
    hold_write_lock(connection)


def hold_write_lock(connection: Connection) -> None:
    """SQLite: begin the transaction now as BEGIN IMMEDIATE, so this connection holds the write
    lock from here to its commit (a connection inside a transaction already does, or will at
    its first write). Elsewhere nothing: rows are locked one by one (SELECT … FOR UPDATE)."""
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection: Any = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def _strings_without_nul(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL's text cannot hold a NUL character, which SQLite stores as any other: a
    vCard or CSV cell with one (a broken file) would fail the whole import. The NUL carries
    nothing a person could read, so strings go to the server without it."""
    from psycopg.adapt import Dumper, PyFormat

    for form in (PyFormat.TEXT, PyFormat.BINARY):
        usual = dbapi_connection.adapters.get_dumper(str, form)

        class NulFree(Dumper):
            format = usual.format
            oid = usual.oid

            def __init__(self, cls: type, context: Any = None, usual: Any = usual) -> None:
                super().__init__(cls, context)
                self._usual = usual(cls, context)

            def dump(self, obj: str) -> Any:
                return self._usual.dump(obj.replace("\x00", "") if "\x00" in obj else obj)

        dbapi_connection.adapters.register_dumper(str, NulFree)


def make_engine(target: str) -> Engine:
    """An engine for a database path or URL, with the pragmas every connection needs."""
    url = database_url(target)
    file = sqlite_file(target)
    if file is not None:
        _create_private_file(file)
    if url.startswith("sqlite"):
        # Workers run queries on threads; each connection is still used by one thread at a time.
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "savepoint", _savepoint_takes_the_write_lock)
    else:
        # Moments are `timestamp with time zone` there. A UTC session gives them back in UTC
        # (as SQLite does) and reads a naive datetime, which SQLite stores as UTC, as UTC too.
        try:
            engine = create_engine(url, pool_pre_ping=True, connect_args={"options": "-c timezone=UTC"})
        except ModuleNotFoundError as error:  # the driver is an optional extra
            raise DatabaseProblem(
                f"the database driver {error.name} is not installed; crm-tui talks to PostgreSQL "
                "through psycopg: pip install 'crm-tui[postgres]' and a postgresql+psycopg:// URL"
            ) from error
        except ArgumentError as error:
            raise DatabaseProblem(f"not a database URL crm-tui can open ({error})") from error
        if engine.dialect.driver == "psycopg":
            event.listen(engine, "connect", _strings_without_nul)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back if it raises."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except StaleDataError as error:
        # A deal or a lead changed by someone else between this unit of work's read and its
        # write (the mapper's version counter, db/models.py): nothing is written, and the
        # person is told as with services/versions.py's own check.
        session.rollback()
        table = re.search(r"table '(\w+)'", str(error))
        raise RecordChanged(table.group(1) if table else "record", 0, "") from error
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
