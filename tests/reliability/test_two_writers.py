"""Two processes on one database at once: every write lands, nobody sees "database is locked".

SQLite lets one writer at a time; the others must wait their turn (the busy timeout) rather
than fail. These tests run writers side by side as separate processes — `crm-tui add-lead`
in loops, an import — and the app open on the inbox while another process writes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Label

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Lead
from crm_tui.services import leads
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.convert_dialog import ConvertDialog
from crm_tui.ui.screens.inbox import InboxScreen
from crm_tui.ui.widgets.record_table import RecordTable
from tests.reliability.kit import (
    ROOT,
    TIMEOUT,
    assert_intact,
    connect,
    crm_command,
    environment,
    new_database,
    scalar,
    start,
    workload_command,
    write_leads_csv,
)

# What SQLite says when a writer gave up waiting, and what a traceback starts with.
FAILURE_WORDS = ("locked", "busy", "Traceback", "unexpected error")


def test_writers_and_an_import_at_once_all_land(tmp_path: Path, slow: bool) -> None:
    db = new_database(tmp_path / "crm.sqlite3")
    rows = 20_000 if slow else 3_000
    # Writes by `crm-tui add-lead`'s code in a loop (cheap), and by `crm-tui add-lead` processes.
    in_process, spawned = (150, 30) if slow else (30, 4)
    csv_file = write_leads_csv(tmp_path / "leads.csv", rows, seed=31)
    # Started together: the writers' pauses spread their writes over the import's run.
    processes = {
        "import": start(crm_command(db, "import", str(csv_file), "--into", "leads")),
        "writer A": start(workload_command("writer", db, "Writer A", str(in_process), "0.1")),
        "writer B": start(workload_command("writer", db, "Writer B", str(in_process), "0.1")),
        "spawner": start(workload_command("spawner", db, "Spawned", str(spawned), "0.05")),
    }
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, f"{name} failed: {stderr or stdout}"
        for word in FAILURE_WORDS:
            assert word not in stderr, f"{name}: {stderr}"

    expected = {f"Writer {which} {number}" for which in "AB" for number in range(1, in_process + 1)}
    expected |= {f"Spawned {number}" for number in range(1, spawned + 1)}
    connection = connect(db)
    try:
        query = "SELECT person_name FROM lead WHERE source = 'Website'"
        written = [row[0] for row in connection.execute(query)]
    finally:
        connection.close()
    named = [name for name in written if name.startswith(("Writer ", "Spawned "))]
    assert sorted(named) == sorted(expected)  # each once
    assert scalar(db, "SELECT count(*) FROM lead") == rows + len(expected)
    assert scalar(db, "SELECT count(*) FROM importbatch WHERE status = 'applied'") == 1
    assert_intact(db)


@pytest.mark.sqlite_only("SQLite's write lock, held through sqlite3 (rows lock on PostgreSQL)")
def test_a_unit_of_work_starting_with_a_savepoint_waits_for_another_writer(
    engine: Engine, tmp_path: Path
) -> None:
    """The cause, without processes: another connection holds the write lock for half a second
    while `add_leads` (a savepoint, then reads, then the insert) runs. It waits, then writes."""
    from crm_tui.services.lead_intake import add_leads

    holder = sqlite3.connect(tmp_path / "crm.sqlite3", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, holder.execute, ["COMMIT"])
    release.start()
    try:
        with session_scope(engine) as session:
            result = add_leads(session, [{"name": "Patient Writer"}])
    finally:
        release.join()
        holder.close()
    assert [lead.person_name for lead in result.created] == ["Patient Writer"]
    assert scalar(tmp_path / "crm.sqlite3", "SELECT count(*) FROM lead") == 1


# ---------------------------------------------------------------- the app beside a writer

SIZE = (120, 30)


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def listed(app: CrmApp) -> str:
    table = app.screen.query_one("#records", RecordTable)
    rows = (table.get_row_at(row) for row in range(table.row_count))
    return "\n".join(" | ".join(str(cell) for cell in cells) for cells in rows)


async def crm_tui(db: Path, *args: str) -> tuple[int, str]:
    """Another process: `crm-tui --db DB ARGS`, run without blocking the app's loop."""
    process = await asyncio.create_subprocess_exec(
        *crm_command(db, *args),
        cwd=ROOT,
        env=environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)
    return process.returncode or 0, stderr.decode()


@asynccontextmanager
async def holding_the_lock(db: Path, seconds: float = 1.0) -> AsyncIterator[None]:
    """Another process takes the write lock (BEGIN IMMEDIATE) and keeps it `seconds`; the block
    runs while it holds it, and the lock is released (the process done) when the block ends."""
    holder = await asyncio.create_subprocess_exec(
        *workload_command("hold", db, str(seconds)),
        cwd=ROOT,
        env=environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert holder.stdout is not None
    first = await asyncio.wait_for(holder.stdout.readline(), TIMEOUT)
    assert first.decode().strip() == "holding", (await holder.communicate())[1].decode()
    yield
    _, errors = await asyncio.wait_for(holder.communicate(), TIMEOUT)
    assert holder.returncode == 0, errors.decode()


def shown_text(label: Label) -> str:
    return str(label.render())


@pytest.mark.sqlite_only("another process on the same SQLite file, holding its write lock")
async def test_the_inbox_shows_a_lead_another_process_added_and_waits_out_its_lock(
    engine: Engine, tmp_path: Path
) -> None:
    db = tmp_path / "crm.sqlite3"  # the `engine` fixture's file
    with session_scope(engine) as session:
        for name in ("Ada Lovelace", "Grace Hopper", "Edsger Dijkstra"):
            leads.create_lead(session, leads.lead_from_fields({"name": name, "company": f"{name} Ltd"}))
    app = CrmApp(engine, database=str(db))
    shown: list[tuple[str, str]] = []
    notify = app.notify

    def record(message: str, *args: object, severity: str = "information", **kwargs: object) -> None:
        shown.append((severity, str(message)))
        notify(message, *args, severity=severity, **kwargs)  # type: ignore[arg-type]

    app.notify = record  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert "Ada Lovelace" in listed(app)

        # Another process adds a lead; `r` reads the list again and it is there.
        code, stderr = await crm_tui(db, "add-lead", "--name", "Fresh From A Script", "--source", "Website")
        assert code == 0, stderr
        assert "Fresh From A Script" not in listed(app)
        await pilot.press("r")
        await settle(pilot)
        assert "Fresh From A Script" in listed(app)

        # Another process holds the write lock for a second while the inbox loads (`r`, and
        # again on coming back from another mode): the list shows, and nothing is wrong.
        async with holding_the_lock(db):
            await pilot.press("r", "2", "1")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert "Fresh From A Script" in listed(app)

        # The user converts a lead while another process holds the lock: the app waits its
        # turn (the busy timeout) and the conversion goes through.
        rows = listed(app).splitlines()
        fresh = next(row for row, text in enumerate(rows) if "Fresh From A Script" in text)
        app.screen.query_one("#records", RecordTable).move_cursor(row=fresh)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConvertDialog)
        async with holding_the_lock(db):
            await pilot.press("ctrl+s")
        await settle(pilot)
        if isinstance(app.screen, ConvertDialog):
            raise AssertionError(shown_text(app.screen.query_one("#form-error", Label)))
        assert isinstance(app.screen, InboxScreen)
        assert "Fresh From A Script" not in listed(app)  # converted: off the New tab
        assert "Ada Lovelace" in listed(app)
    errors = [message for severity, message in shown if severity == "error"]
    assert errors == []
    with session_scope(engine) as session:
        converted = list(session.exec(select(Lead.person_name).where(Lead.status == "converted")))
    assert converted == ["Fresh From A Script"]
