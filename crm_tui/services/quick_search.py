"""`crm-tui search` without the ORM: the standard library's sqlite3 and `search_core`, for a
database file that is already at this version's schema. Loading SQLAlchemy and SQLModel takes
longer than the search itself, and a search from the shell should answer at once.

Anything unusual (a URL, a missing file, an older or newer schema) answers None, and the
caller takes the ordinary path, which also upgrades or explains.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crm_tui.db.version import SCHEMA_VERSION
from crm_tui.services.search_core import Hit, find


def quick_search(file: Path, query: str, limit: int) -> list[Hit] | None:
    if not file.is_file():
        return None
    try:
        # mode=rw: never create a file; reads only, but WAL needs the right to open the -shm.
        connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=rw", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        version = connection.execute("SELECT version FROM schemaversion").fetchone()
        if version is None or version[0] != SCHEMA_VERSION:
            return None

        def execute(sql: str, parameters: dict[str, Any]) -> Sequence[Sequence[Any]]:
            return connection.execute(sql, parameters).fetchall()

        return find(execute, query, limit)
    except sqlite3.Error:
        return None
    finally:
        connection.close()
