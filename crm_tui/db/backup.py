"""Consistent snapshots of an SQLite database, kept beside it in `backups/`.

The sqlite3 backup API copies a live WAL database consistently; a plain file copy would not.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from crm_tui.dates import utcnow

KEEP_LAST = 10


def database_file(engine: Engine) -> Path | None:
    """The SQLite file behind an engine; None for memory or a server database."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database)


def snapshot_before(engine: Engine, reason: str) -> Path | None:
    """A snapshot before a change that spans many rows (an import, a merge, an undo)."""
    file = database_file(engine)
    return snapshot(file, reason) if file is not None else None


def backups_dir(database: Path) -> Path:
    return database.parent / "backups"


def snapshot(database: Path, reason: str, keep: int = KEEP_LAST) -> Path:
    """Copy `database` into `backups/<stem>-<utc time>-<reason>.sqlite3`; keep the last `keep`."""
    folder = backups_dir(database)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{database.stem}-{stamp}-{reason}.sqlite3"
    descriptor = os.open(target, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(descriptor)
    source = sqlite3.connect(database)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    _prune(folder, database.stem, keep)
    return target


def list_backups(database: Path) -> list[Path]:
    """Snapshots of `database`, oldest first."""
    folder = backups_dir(database)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{database.stem}-*.sqlite3"))


def _prune(folder: Path, stem: str, keep: int) -> None:
    snapshots = sorted(folder.glob(f"{stem}-*.sqlite3"))
    for old in snapshots[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)


def taken_at(snapshot_file: Path) -> datetime | None:
    """When a snapshot was taken, read back from its name."""
    parts = snapshot_file.stem.split("-")
    for part in parts:
        try:
            return datetime.strptime(part, "%Y%m%dT%H%M%S%f")
        except ValueError:
            continue
    return None
