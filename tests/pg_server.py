"""A throwaway PostgreSQL server on loopback for the tests, and a fresh database per test.

The server is Debian's `postgresql` package, started once per test run in a temporary data
directory with `initdb` and `pg_ctl`. PostgreSQL refuses to run as root, so under root (a CI
container) the data directory belongs to the unprivileged `nobody` and the commands run as
that user through `runuser`. Durability is switched off (fsync, full page writes): the data
lives only as long as the test run.

Each test starts from an empty, freshly seeded database, exactly as one on a new SQLite file
does.

`CRM_TUI_TEST_PG` names a server to use instead (a URL without a database name, e.g.
`postgresql+psycopg://crm@127.0.0.1:5432`); `CRM_TUI_REQUIRE_PG=1` (set by `.ci/run`) turns
"cannot start the server" from a skip into a failure, so CI never silently skips PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVER_ENV_VAR = "CRM_TUI_TEST_PG"
REQUIRE_ENV_VAR = "CRM_TUI_REQUIRE_PG"
# One database per test process, emptied before each test (`fresh_database`).
TEST_DATABASE = f"crm_tests_{os.getpid()}"


class ServerUnavailable(RuntimeError):
    """The PostgreSQL server could not be found or started; the message says why."""


def _bin_dir() -> Path:
    """Where initdb and pg_ctl live: pg_config's answer, else Debian's versioned folder."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(found.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    if shutil.which("initdb"):
        return Path(shutil.which("initdb") or "").resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    if folders:
        return Path(folders[-1])
    raise ServerUnavailable("PostgreSQL's initdb was not found (install Debian's postgresql package)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalServer:
    """A running server: its base URL (no database) and how to stop it."""

    base_url: str
    stop_commands: list[list[str]] = field(default_factory=list)
    folder: Path | None = None

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def stop(self) -> None:
        for command in self.stop_commands:
            subprocess.run(command, capture_output=True, check=False)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_local_server() -> LocalServer:
    """initdb + pg_ctl start in a new temporary folder; raises ServerUnavailable with the reason."""
    binaries = _bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="crm-tui-pg-"))
    data = folder / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(folder, ignore_errors=True)
            raise ServerUnavailable(
                "running as root without runuser: cannot start PostgreSQL as another user"
            )
        os.chown(folder, *_nobody_ids())
        as_user = [runuser, "-u", "nobody", "--"]
    port = _free_port()
    initdb = [
        *as_user, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "crm",
        "--no-locale", "-E", "UTF8",
    ]  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    start = [
        *as_user,
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
    ]
    for command in (initdb, [*start, "start"]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
            shutil.rmtree(folder, ignore_errors=True)
            raise ServerUnavailable(f"{Path(command[len(as_user)]).name} failed: {done.stderr.strip()} {log}")
    return LocalServer(
        base_url=f"postgresql+psycopg://crm@127.0.0.1:{port}",
        stop_commands=[[*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]],
        folder=folder,
    )


def _nobody_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def server_from_environment() -> LocalServer | None:
    base = os.environ.get(SERVER_ENV_VAR, "").rstrip("/")
    return LocalServer(base_url=base) if base else None


def admin_execute(server: LocalServer, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that) on `postgres`."""
    from sqlalchemy import create_engine

    engine = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def prepare_test_database(server: LocalServer) -> None:
    """The run's test database, holding the current schema and the seed rows."""
    from crm_tui.db.schema import open_database

    admin_execute(
        server, f"DROP DATABASE IF EXISTS {TEST_DATABASE} WITH (FORCE)", f"CREATE DATABASE {TEST_DATABASE}"
    )
    open_database(server.url(TEST_DATABASE)).dispose()


def fresh_database(server: LocalServer) -> str:
    """The test database emptied and seeded again, as a new database would be; its URL.

    Emptying (TRUNCATE … RESTART IDENTITY) takes tens of milliseconds where copying a template
    database takes a checkpoint, several times longer, for every test. A connection a failed
    test left open would hold its locks: after a short wait those sessions are ended."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from sqlmodel import SQLModel

    from crm_tui.db.schema import _seed

    url = server.url(TEST_DATABASE)
    tables = ", ".join(
        f'"{table.name}"' for table in SQLModel.metadata.tables.values() if table.name != "schemaversion"
    )
    engine = create_engine(url, connect_args={"options": "-c timezone=UTC"})
    try:
        for attempt in range(2):
            try:
                with engine.begin() as connection:
                    connection.execute(text("SET LOCAL lock_timeout = '3s'"))
                    connection.execute(text(f"TRUNCATE {tables}, search_index RESTART IDENTITY CASCADE"))
                    _seed(connection)
                break
            except OperationalError:
                if attempt:
                    raise
                with engine.begin() as connection:
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    )
    finally:
        engine.dispose()
    return url
