"""Shared fixtures: a fresh database file per test, the UTC time zone and a frozen clock."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from crm_tui.dates import NOW_ENV_VAR
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Event
from crm_tui.db.schema import open_database
from crm_tui.users import USER_ENV_VAR, set_current_user
from tests.pg_server import (
    REQUIRE_ENV_VAR,
    LocalServer,
    ServerUnavailable,
    fresh_database,
    prepare_test_database,
    server_from_environment,
    start_local_server,
)
from tests.users import TEST_USER

FROZEN_NOW = "2026-11-20T09:00:00+00:00"

# Property-based tests: a moderate number of examples in every run (CI included), many more
# with `pytest --slow`. Deadlines off: a loaded CI machine is not a failing test.
settings.register_profile("default", max_examples=40, deadline=None, print_blob=True)
settings.register_profile("slow", max_examples=1000, deadline=None, print_blob=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="the long runs: many more hypothesis examples, more kill points in the crash tests",
    )


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("slow" if config.getoption("--slow") else "default")
    config.addinivalue_line(
        "markers",
        "sqlite_only(why): a test of SQLite itself (its file, pragmas, FTS5, query plans): "
        "not run on PostgreSQL",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL case of a `sqlite_only` test is never collected (rather than skipped
    on every run): what it checks does not exist there. Nor that of a snapshot test: the
    screen is drawn from the same rows on either engine (the Pilot tests of each flow run on
    both), and one stored picture per screen is what a reviewer compares."""
    dropped = [
        item
        for item in items
        if (item.get_closest_marker("sqlite_only") or "snap_compare" in getattr(item, "fixturenames", ()))
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database_target") == "postgresql"  # type: ignore[attr-defined]
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in set(dropped)]


@pytest.fixture
def slow(request: pytest.FixtureRequest) -> bool:
    """True under `pytest --slow`: a test may then try more cases."""
    return bool(request.config.getoption("--slow"))


@pytest.fixture(autouse=True)
def _utc_and_frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs in UTC at the same instant, whatever the machine and the day."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv(NOW_ENV_VAR, FROZEN_NOW)
    # A new database takes its phone region from these; without them it is RU (the fallback),
    # so numbers typed without a country code read the same on every machine.
    for variable in ("LC_ALL", "LC_CTYPE", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def _one_user(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(USER_ENV_VAR, TEST_USER)
    yield
    set_current_user(None)  # a test's `--user` or set_current_user ends with it


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-user data folder (platformdirs reads XDG_DATA_HOME) is each test's own: a
    server database's backups go there, never into the real user's. Made only when used."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


@pytest.fixture
def backups_folder(database_target: str) -> Path:
    """Where the snapshots of the test's database go: `backups/` beside the file, or the data
    folder's `backups/` for a server database (SQLite copies of it)."""
    from crm_tui.db.backup import place_of

    place = place_of(database_target)
    assert place is not None
    return place.folder


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Move the frozen clock: `clock("2026-11-21T10:00:00+00:00")`."""

    def move_to(moment: str) -> None:
        monkeypatch.setenv(NOW_ENV_VAR, moment)

    return move_to


@pytest.fixture(scope="session")
def pg_server() -> Iterator[LocalServer]:
    """One PostgreSQL server for the whole run (see tests/pg_server.py); skips the tests that
    need it when it cannot start, unless CRM_TUI_REQUIRE_PG is set (as .ci/run does)."""
    server = server_from_environment()
    if server is None:
        try:
            server = start_local_server()
        except ServerUnavailable as error:
            if os.environ.get(REQUIRE_ENV_VAR):
                pytest.fail(f"PostgreSQL is required ({REQUIRE_ENV_VAR}) but cannot start: {error}")
            pytest.skip(f"no PostgreSQL server for the tests: {error}")
    try:
        prepare_test_database(server)  # crm-tui's own schema on the server: a failure here is a bug
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty crm-tui database on each engine: a file path for SQLite, a URL for
    PostgreSQL (the run's test database, emptied and seeded again)."""
    if request.param == "sqlite":
        yield str(tmp_path / "crm.sqlite3")
        return
    yield fresh_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def engine(database_target: str) -> Iterator[Engine]:
    engine = open_database(database_target)
    yield engine
    engine.dispose()


@pytest.fixture
def database(database_target: str, engine: Engine) -> str:
    """The `engine` fixture's database as the command line takes it (--db): a path or a URL."""
    return database_target


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def events_of(session: Session) -> Callable[..., list[Event]]:
    """Events written about one record, oldest first, optionally of one kind."""

    def read(entity_kind: str, entity_id: int, kind: str | None = None) -> list[Event]:
        session.flush()
        statement = select(Event).where(Event.entity_kind == entity_kind, Event.entity_id == entity_id)
        if kind is not None:
            statement = statement.where(Event.kind == kind)
        return list(session.exec(statement.order_by(col(Event.id))))

    return read
