"""Where the database lives when the user does not say."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

DB_ENV_VAR = "CRM_TUI_DB"
DB_FILENAME = "crm.sqlite3"


def data_dir() -> Path:
    """crm-tui's per-user data folder (platformdirs: `$XDG_DATA_HOME/crm-tui` on Linux)."""
    return user_data_path("crm-tui", appauthor=False)


def default_database() -> str:
    """The database named by `$CRM_TUI_DB`, else the file in the user's data folder."""
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return from_env
    return str(data_dir() / DB_FILENAME)


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


def shown_target(target: str) -> str:
    """A database path or URL as it may be printed: a URL's password as `***`."""
    if not is_url(target):
        return target
    from sqlalchemy.engine import make_url  # only for a URL: paths stay light to import
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(target)
        # A URL without a password is shown as given (SQLAlchemy's rendering would quote its
        # characters: `sqlite:///%3Amemory%3A`).
        return target if url.password is None else url.render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not a URL SQLAlchemy reads: say only its scheme rather than risk printing a secret.
        return target.split("://", 1)[0] + "://…"
