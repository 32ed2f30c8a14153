"""`crm-tui backup [-o FILE]`, `crm-tui backups [--json] [--keep N]` and `crm-tui restore FILE`.

On an SQLite file, snapshots through SQLite's backup API beside it; on a PostgreSQL database,
copies of it into SQLite files in the per-user data folder (services/database_copy.py).

Light at import (`crm-tui --help` must not wait): the handlers load what they use.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from crm_tui.db.backup import Place

MANUAL_REASON = "manual"


def add_backup_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    backup = commands.add_parser(
        "backup",
        parents=[common],
        help="take a backup of the database now",
        description="A consistent copy of the database (safe while the app is open), put in the "
        "backups folder beside the database, where the last few are kept (crm-tui backups), or "
        "written to FILE. A PostgreSQL database is copied into an SQLite file, kept in backups/ in "
        "the per-user data folder. Backups are readable by their owner only.",
    )
    backup.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the backup to FILE (a new file, or a folder to put it in) instead; it is not "
        "counted among the kept backups and never overwrites a file",
    )

    backups = commands.add_parser(
        "backups",
        parents=[common],
        help="list the database's backups, newest first",
        description="The backups kept beside the database, newest first: when (local time), why "
        "(manual, before-import, before-merge, before-upgrade-vN, before-restore, …) and how big. "
        "Every backup deletes the oldest beyond the number kept (default 10).",
    )
    backups.add_argument("--json", action="store_true", help="print JSON records")
    backups.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="keep the last N backups from now on (the oldest go at the next backup)",
    )

    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="replace the database's content with a backup",
        description="Replace the database's content with FILE's (a backup, or any crm-tui "
        "database). FILE is checked first — SQLite's integrity check, crm-tui's tables, a schema "
        "version this crm-tui can open (an older one is upgraded when next opened) — and a file "
        "that fails changes nothing. The database as it was is backed up first (before-restore), "
        "so a restore can itself be taken back. Close the app first.",
    )
    restore.add_argument("file", metavar="FILE", help="the backup to restore (crm-tui backups lists them)")


def _place(target: str) -> Place:
    """Where the database's backups go; a usage error for one that has none."""
    from crm_tui.cli import UsageError
    from crm_tui.db.backup import place_of
    from crm_tui.paths import shown_target

    place = place_of(target)
    if place is None:
        raise UsageError(
            f"{shown_target(target)}: backup, backups and restore work on an SQLite database file "
            "or a PostgreSQL database"
        )
    return place


def _server(target: str) -> Engine | None:
    """An engine on a server database; None for an SQLite file (backed up without SQLAlchemy)."""
    from crm_tui.paths import sqlite_file

    if sqlite_file(target) is not None:
        return None
    from crm_tui.db.schema import open_database

    return open_database(target)


def run_backup(args: argparse.Namespace, target: str) -> int:
    from crm_tui.cli import UsageError
    from crm_tui.db import backup
    from crm_tui.paths import shown_target

    _place(target)
    engine = _server(target)
    if engine is not None:
        from crm_tui.services.database_copy import backup_server_to, snapshot_server

        try:
            if args.output:
                made = backup_server_to(engine, Path(args.output).expanduser())
            else:
                made = snapshot_server(engine, MANUAL_REASON)
        finally:
            engine.dispose()
        print(f"Backed up {shown_target(target)} to {made} ({human_size(made.stat().st_size)}).")
        return 0
    file = _database_file(target)
    if not file.is_file():
        raise UsageError(f"{file}: no database here to back up")
    backup.crm_version(file)  # refuse a file that is not a crm-tui database before copying it
    if args.output:
        made = backup.backup_to(file, Path(args.output).expanduser())
    else:
        made = backup.snapshot(file, MANUAL_REASON)
    print(f"Backed up {file} to {made} ({human_size(made.stat().st_size)}).")
    return 0


def _database_file(target: str) -> Path:
    from crm_tui.paths import sqlite_file

    file = sqlite_file(target)
    assert file is not None  # only called once _server said it is a file
    return file


def _kept(target: str) -> int:
    """The `backups.keep` setting of the database."""
    from crm_tui.db import backup

    engine = _server(target)
    if engine is None:
        file = _database_file(target)
        return backup.stored_keep(file) if file.is_file() else backup.KEEP_LAST
    from crm_tui.db.engine import session_scope
    from crm_tui.services.settings import backups_keep

    try:
        with session_scope(engine) as session:
            return backups_keep(session)
    finally:
        engine.dispose()


def run_backups(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db import backup
    from crm_tui.paths import shown_target, sqlite_file

    place = _place(target)
    if args.keep is not None:
        _set_keep(target, args.keep)
    found = backup.describe_backups(place)
    if args.json:
        records = (
            {
                "file": str(item.path),
                "taken_at": item.taken_at.isoformat(),
                "reason": item.reason,
                "size": item.size,
            }
            for item in found
        )
        _write_json_array(records)
        return 0
    folder, keep = place.folder, _kept(target)
    file = sqlite_file(target)
    shown = str(file) if file is not None else shown_target(target)
    if not found:
        print(f"No backups of {shown} yet (they go to {folder}; the last {keep} are kept).", file=sys.stderr)
        return 0
    from crm_tui.dates import to_local

    print(f"Backups of {shown} in {folder}, newest first (the last {keep} are kept):")
    rows = [
        (
            to_local(item.taken_at).strftime("%Y-%m-%d %H:%M:%S"),
            item.reason,
            human_size(item.size),
            item.path.name,
        )
        for item in found
    ]
    headers = ("Taken", "Reason", "Size", "File")
    widths = [
        max(len(header), *(len(row[position]) for row in rows)) for position, header in enumerate(headers)
    ]
    for row in (headers, *rows):
        taken, reason, size, name = row
        print(f"{taken:<{widths[0]}}  {reason:<{widths[1]}}  {size:>{widths[2]}}  {name}")
    return 0


def _set_keep(target: str, keep: int) -> None:
    from crm_tui.cli import UsageError
    from crm_tui.db.engine import session_scope
    from crm_tui.db.schema import open_database
    from crm_tui.services.settings import set_backups_keep

    if keep < 1:
        raise UsageError(f"--keep must be at least 1, not {keep}")
    engine = open_database(target)
    try:
        with session_scope(engine) as session:
            set_backups_keep(session, keep)
    finally:
        engine.dispose()


def run_restore(args: argparse.Namespace, target: str) -> int:
    from crm_tui.db import backup
    from crm_tui.db.version import SCHEMA_VERSION
    from crm_tui.paths import shown_target

    _place(target)
    source = Path(args.file).expanduser()
    engine = _server(target)
    if engine is not None:
        from crm_tui.services.database_copy import restore_server

        try:
            restored = restore_server(engine, source)
        finally:
            engine.dispose()
        # A server holds the current schema only: an older file was upgraded on its way in.
        upgrade = f", upgraded to v{SCHEMA_VERSION}" if restored.version < SCHEMA_VERSION else ""
        into = shown_target(target)
    else:
        file = _database_file(target)
        restored = backup.restore(file, source)
        upgrade = (
            f"; it is upgraded to v{SCHEMA_VERSION} when next opened"
            if restored.version < SCHEMA_VERSION
            else ""
        )
        into = str(file)
    print(f"Restored {source} into {into} (schema v{restored.version}{upgrade}).")
    if restored.before is not None:
        print(
            f"The database as it was is in {restored.before}; to go back: crm-tui restore {restored.before}"
        )
    return 0


def human_size(size: int) -> str:
    """`812 B`, `254 KB`, `1.2 MB`: sizes as people read them (1 KB = 1024 bytes)."""
    amount = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1000 or unit == "GB":  # 1000 KB and over reads as 1.0 MB
            if unit == "B":
                return f"{size} B"
            return f"{amount:.1f} {unit}" if amount < 10 else f"{amount:.0f} {unit}"
        amount /= 1024
    return f"{size} B"  # pragma: no cover - the loop returns at GB


def _write_json_array(records: Iterable[dict[str, Any]]) -> None:
    """A JSON array, one record per line (the shape of every other `--json` list)."""
    out = sys.stdout
    out.write("[")
    for position, record in enumerate(records):
        out.write(",\n" if position else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
    out.write("\n]\n")
