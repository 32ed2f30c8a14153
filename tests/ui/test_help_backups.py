"""`?` says where the database and its backups are: a server database's URL without its
password, and the per-user folder its SQLite copies go to."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from crm_tui.ui.screens.help import HelpScreen


def _where(database: str) -> str:
    console = Console(width=200, record=True)
    console.print(HelpScreen(None, database)._where_table())  # type: ignore[arg-type]  # no screen below
    return " ".join(console.export_text().split())


def test_a_server_database_shows_its_backups_folder_and_no_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    shown = _where("postgresql+psycopg://crm:hunter2@db.example.com/crm")
    assert "hunter2" not in shown
    assert "Database postgresql+psycopg://crm:***@db.example.com/crm" in shown
    assert f"Backups {tmp_path / 'crm-tui' / 'backups'} SQLite copies of the server database" in shown


def test_a_file_shows_the_folder_beside_it(tmp_path: Path) -> None:
    shown = _where(str(tmp_path / "crm.sqlite3"))
    folder = tmp_path / "backups"
    assert f"Backups {folder} taken before every import, merge, bulk change and upgrade" in shown
