"""What the reliability tests share: the files they import, processes they start and kill, and
the checks they make on a database file after a kill."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

WORKLOAD = Path(__file__).with_name("workload.py")
ROOT = Path(__file__).resolve().parents[2]
# Long enough for a loaded CI machine; a hang is a failure, never a wait forever.
TIMEOUT = 180


def environment() -> dict[str, str]:
    # The tests' frozen clock and time zone (set by tests/conftest.py) reach the children too.
    return os.environ | {"PYTHONIOENCODING": "utf-8"}


def crm_command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crm_tui", "--db", str(db), *args]


def workload_command(mode: str, db: Path, *args: str) -> list[str]:
    return [sys.executable, str(WORKLOAD), mode, str(db), *args]


def start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def kill(process: subprocess.Popen[str]) -> tuple[bool, str, str]:
    """SIGKILL the process if it still runs. Returns whether it was killed (rather than done
    before the signal came) and the rest of what it wrote on stdout and stderr."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    # Through the pipes' own readers: lines they already hold count too (communicate would
    # read the descriptors beneath them).
    stdout = process.stdout.read() if process.stdout is not None else ""
    stderr = process.stderr.read() if process.stderr is not None else ""
    process.wait(timeout=TIMEOUT)
    return process.returncode == -signal.SIGKILL, stdout, stderr


def new_database(path: Path) -> Path:
    """An empty crm-tui database (the schema and its seed rows), closed, with no WAL beside it."""
    from crm_tui.db.schema import open_database

    path.parent.mkdir(parents=True, exist_ok=True)
    open_database(str(path)).dispose()
    return path


# ---------------------------------------------------------------- files to import


def write_leads_csv(path: Path, count: int, seed: int) -> Path:
    """A CSV of `count` leads as a web form's export: names and companies faked from a fixed seed,
    every email and phone unique (so a second import matches each row to its lead)."""
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["Name", "Company", "Email", "Phone", "Source"])
        for number in range(count):
            rows.writerow(
                [fake.name(), fake.company(), f"lead{number}@example.com", f"+7 903 {number:07d}", "Website"]
            )
    return path


def write_vcards(path: Path, count: int, seed: int) -> Path:
    """`count` vCard 3.0 cards, as a phone's address book export, faked from a fixed seed."""
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        for number in range(count):
            first, last = fake.first_name(), fake.last_name()
            out.write(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                f"N:{last};{first};;;\r\nFN:{first} {last}\r\n"
                f"ORG:{fake.company()}\r\nTITLE:{fake.job()}\r\n"
                f"EMAIL;TYPE=INTERNET,WORK:card{number}@example.org\r\n"
                f"TEL;TYPE=CELL:+7 916 {number:07d}\r\n"
                f"ADR;TYPE=WORK:;;{fake.street_address()};{fake.city()};;{fake.postcode()};Россия\r\n"
                f"NOTE:{fake.sentence()}\r\nEND:VCARD\r\n"
            )
    return path


# ---------------------------------------------------------------- after a kill


def connect(db: Path) -> sqlite3.Connection:
    """A second, independent open of the file (never creating it)."""
    return sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=10)


def assert_intact(db: Path) -> None:
    """SQLite's own checks of the file and its indexes, the foreign keys, and the search index;
    then the app's own open (the schema's version check) works on it."""
    from crm_tui.db.schema import open_database

    connection = connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        # FTS5 compares its index with its rows; raises if they disagree.
        connection.execute("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
        connection.commit()
    finally:
        connection.close()
    open_database(str(db)).dispose()


def table_counts(db: Path) -> dict[str, int]:
    """Rows in every table of the schema and in the search index (not FTS5's own tables)."""
    connection = connect(db)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index_%' ORDER BY name"
            )
        ]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        connection.close()


def scalar(db: Path, query: str, *parameters: object) -> int:
    connection = connect(db)
    try:
        return int(connection.execute(query, parameters).fetchone()[0])
    finally:
        connection.close()


# ---------------------------------------------------------------- killing at a chosen moment


@dataclass
class Run:
    killed: bool  # False: it finished before the kill came
    done: list[str]  # the lines of units of work it reported done (each after its commit)
    stderr: str


def kill_after_lines(command: list[str], prefix: str, lines: int, fraction: float) -> Run:
    """Start `command` (a workload printing `ready`, then a line starting with `prefix` per
    unit of work done), wait for `lines` such lines, then `fraction` of the time a unit has
    taken on average, and kill it: somewhere in the next unit of work."""
    process = start(command)
    assert process.stdout is not None
    done: list[str] = []
    stamps: list[float] = []
    while len(done) < lines and (line := process.stdout.readline()):
        if line.startswith("ready"):
            stamps.append(time.monotonic())
        elif line.startswith(prefix):
            done.append(line.strip())
            stamps.append(time.monotonic())
    mean = (stamps[-1] - stamps[0]) / max(len(stamps) - 1, 1) if stamps else 0.0
    time.sleep(fraction * mean)
    killed, rest, stderr = kill(process)
    done += [line for line in rest.splitlines() if line.startswith(prefix)]
    return Run(killed, done, stderr)


@dataclass
class ImportRun:
    killed: bool
    returncode: int | None
    # From the snapshot (taken as the import's write transaction begins) to its first line of
    # output (printed once the transaction is committed): how long the import writes.
    write_seconds: float
    wal_bytes: int  # the write-ahead log's size when the kill came
    stdout: str
    stderr: str


def run_import(db: Path, file: Path, *options: str, kill_after: float | None = None) -> ImportRun:
    """`crm-tui import FILE` on `db`; with `kill_after`, SIGKILLed that many seconds after the
    import's snapshot appeared in `backups/` — the moment its write transaction begins."""
    backups = db.parent / "backups"

    def snapshots() -> set[Path]:
        return set(backups.glob("*before-import*")) if backups.is_dir() else set()

    earlier = snapshots()
    wal = db.with_name(db.name + "-wal")
    # Files, not pipes: nobody reads while the loop below watches, and a full pipe would stall it.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            crm_command(db, "import", str(file), *options),
            cwd=ROOT,
            env=environment() | {"PYTHONUNBUFFERED": "1"},  # each line as it is printed
            stdout=out,
            stderr=err,
        )
        snapshot_at: float | None = None
        committed_at: float | None = None
        wal_bytes = 0
        deadline = time.monotonic() + TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            now = time.monotonic()
            if snapshot_at is None and snapshots() - earlier:
                snapshot_at = now
            if committed_at is None and os.fstat(out.fileno()).st_size > 0:
                committed_at = now
            if snapshot_at is not None and kill_after is not None and now - snapshot_at >= kill_after:
                wal_bytes = wal.stat().st_size if wal.exists() else 0
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        process.wait(timeout=TIMEOUT)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    assert snapshot_at is not None, f"the import took no snapshot: {stderr}"
    written = (committed_at or time.monotonic()) - snapshot_at
    killed = process.returncode == -signal.SIGKILL
    return ImportRun(killed, process.returncode, written, wal_bytes, stdout, stderr)
