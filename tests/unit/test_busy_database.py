"""Another process holding the write lock past the busy timeout: one line, nothing written,
never 'please report it'."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crm_tui import cli
from crm_tui.db import engine as engine_module
from crm_tui.db.schema import open_database
from crm_tui.errors import BUSY_MESSAGE
from crm_tui.ui.database import describe_failure


def test_a_write_the_busy_timeout_cannot_wait_out_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "crm.sqlite3"
    open_database(str(database)).dispose()
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
    try:
        code = cli.main(["--db", str(database), "add-lead", "--name", "Olga Petrova"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"crm-tui: {BUSY_MESSAGE}\n"
    assert cli.main(["--db", str(database), "leads", "--json"]) == 0
    assert "Olga" not in capsys.readouterr().out


def test_the_app_says_busy_in_words() -> None:
    error = sqlite3.OperationalError("database is locked")
    assert describe_failure(error).startswith("The database is busy")
