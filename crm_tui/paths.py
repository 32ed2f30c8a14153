"""Where the database lives when the user does not say."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

DB_ENV_VAR = "CRM_TUI_DB"
DB_FILENAME = "crm.sqlite3"


def default_database() -> str:
    """The database named by `$CRM_TUI_DB`, else the file in the user's data folder."""
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return from_env
    return str(user_data_path("crm-tui", appauthor=False) / DB_FILENAME)


def resolve_database(cli_value: str | None) -> str:
    """`--db` wins over `$CRM_TUI_DB`, which wins over the per-user default."""
    return cli_value if cli_value else default_database()


def is_url(target: str) -> bool:
    """True for an SQLAlchemy URL (`sqlite:///…`, `postgresql+psycopg://…`), false for a path."""
    return "://" in target


def sqlite_file(target: str) -> Path | None:
    """The file behind a database target, or None for an in-memory or non-SQLite database."""
    if not is_url(target):
        return Path(target).expanduser()
    if target.startswith("sqlite:///") and target != "sqlite:///:memory:":
        return Path(target.removeprefix("sqlite:///")).expanduser()
    return None
