"""Consistent snapshots of an SQLite database, kept beside it in `backups/`, and restoring one.

The sqlite3 backup API copies a live WAL database consistently; a plain file copy would not.
Every snapshot — before an import, a merge, a bulk change, a triage, an upgrade, a restore,
or asked for with `crm-tui backup` — goes through `snapshot`, which keeps the last
`backups.keep` (a setting, default 10) and deletes older ones.

Snapshots are private: the folder is 0700 and each file 0600, set before any data is
written. Each is one self-contained file (rollback journal, not WAL), so it can be copied
anywhere as it is.

Nothing here loads SQLAlchemy: the command line's `backup`, `backups` and `restore` start fast.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from crm_tui.dates import utcnow
from crm_tui.db.version import SCHEMA_VERSION
from crm_tui.errors import DatabaseProblem

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

KEEP_LAST = 10  # snapshots kept when the setting is missing or unreadable
KEEP_SETTING = "backups.keep"  # the setting (key/value table `setting`) naming how many to keep

_STAMP_FORMAT = "%Y%m%dT%H%M%S%f"
_STAMP = r"\d{8}T\d{12}"
# Tables every crm-tui database has had since version 1: a file without them is not ours.
_CORE_TABLES = frozenset({"schemaversion", "setting", "contact", "company", "lead", "deal", "stage", "event"})
_STALE_PARTIAL_S = 3600.0  # a `.partial` snapshot file untouched this long was interrupted
_BUSY_TIMEOUT_S = 10.0  # how long a copy waits for another connection's write to end


class _StillBusy(sqlite3.OperationalError):
    """Another connection kept the database locked for longer than `_BUSY_TIMEOUT_S`."""


def _give_up_when_busy(status: int, _remaining: int, _total: int) -> None:
    """The backup API's progress callback. Python retries a locked step forever; each step
    has already waited `_BUSY_TIMEOUT_S` in SQLite's busy handler, so a lock still held then
    (an app stuck halfway through a save) ends the copy with a message instead of a hang."""
    if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        raise _StillBusy(f"the database stayed locked by another program for {_BUSY_TIMEOUT_S:.0f} s")


@dataclass(frozen=True)
class Backup:
    """One snapshot in `backups/`, as `crm-tui backups` lists it."""

    path: Path
    taken_at: datetime  # aware, UTC
    reason: str
    size: int  # bytes


@dataclass(frozen=True)
class Restored:
    """What `restore` did: the schema version of what came in, and the snapshot taken before."""

    version: int
    before: Path | None  # None when there was no database to keep


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


def keep_from_text(text: str | None) -> int:
    """The number of snapshots to keep from the setting's stored text: a whole number of at
    least 1; anything else (missing, empty, `0`, `-3`, `ten`) gives KEEP_LAST, so a
    hand-edited setting can neither stop snapshots nor delete them all."""
    value = (text or "").strip()
    if value.isascii() and value.isdigit() and int(value) >= 1:
        return int(value)
    return KEEP_LAST


def stored_keep(database: Path) -> int:
    """The `backups.keep` setting stored in `database` (KEEP_LAST if it cannot be read)."""
    try:
        connection = _read_only(database)
    except sqlite3.Error:
        return KEEP_LAST
    try:
        return _keep_setting(connection)
    finally:
        connection.close()


def snapshot(database: Path, reason: str, keep: int | None = None) -> Path:
    """Copy `database` into `backups/<stem>-<utc time>-<reason>.sqlite3`; keep the last `keep`
    (by default the `backups.keep` setting stored in the database itself)."""
    if not database.is_file():
        raise DatabaseProblem(f"{database}: no database to back up")
    folder = _private_folder(backups_dir(database))
    source = sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)
    try:
        if keep is None:
            keep = _keep_setting(source)
        target = _copy_to_new_snapshot(source, folder, database.stem, _clean_reason(reason))
    except sqlite3.Error as error:
        raise DatabaseProblem(f"{database}: cannot back up ({error})") from error
    finally:
        source.close()
    _prune(folder, database.stem, keep)
    return target


def backup_to(database: Path, target: Path) -> Path:
    """A snapshot of `database` written to `target` (a new file, or a folder to put it in);
    an existing file is never overwritten. Not counted among the kept snapshots."""
    if not database.is_file():
        raise DatabaseProblem(f"{database}: no database to back up")
    if target.is_dir():
        target = target / _snapshot_name(database.stem, _stamp(utcnow()), "manual")
    if target.exists():
        raise DatabaseProblem(f"{target}: already exists; a backup never overwrites a file")
    source = sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)
    try:
        _copy_into_place(source, target)
    except FileExistsError as error:
        raise DatabaseProblem(f"{target}: already exists; a backup never overwrites a file") from error
    except sqlite3.Error as error:
        raise DatabaseProblem(f"{database}: cannot back up ({error})") from error
    finally:
        source.close()
    return target


def list_backups(database: Path) -> list[Path]:
    """Snapshots of `database`, oldest first."""
    folder = backups_dir(database)
    if not folder.is_dir():
        return []
    pattern = _snapshot_pattern(database.stem)
    return sorted(path for path in folder.iterdir() if pattern.fullmatch(path.name))


def describe_backups(database: Path) -> list[Backup]:
    """Snapshots of `database`, newest first, with when, why and how big."""
    pattern = _snapshot_pattern(database.stem)
    described = []
    for path in reversed(list_backups(database)):
        match = pattern.fullmatch(path.name)
        if match is None:  # pragma: no cover - list_backups matched it
            continue
        try:
            size = path.stat().st_size
        except FileNotFoundError:  # pruned meanwhile by another process
            continue
        moment = datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
        described.append(Backup(path, moment, match["reason"], size))
    return described


def taken_at(snapshot_file: Path) -> datetime | None:
    """When a snapshot was taken, read back from its name."""
    parts = snapshot_file.stem.split("-")
    for part in parts:
        try:
            return datetime.strptime(part, _STAMP_FORMAT)
        except ValueError:
            continue
    return None


def crm_version(file: Path) -> int:
    """The schema version of a crm-tui database; DatabaseProblem for a file that is missing,
    not SQLite, another program's, or newer than this code understands. Reads only: the
    file is opened read-only."""
    if not file.exists():
        raise DatabaseProblem(f"{file}: no such file")
    if not file.is_file():
        raise DatabaseProblem(f"{file}: not a file")
    try:
        connection = _read_only(file)
        try:
            return _version_of(connection, file)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise DatabaseProblem(f"{file}: not a crm-tui database ({error})") from error


def restore(database: Path, source: Path) -> Restored:
    """Replace the content of `database` with that of the crm-tui database `source`.

    `source` is first copied into a private temporary folder and checked there (SQLite's
    integrity check, crm-tui's tables, a schema version this code can open: an older one is
    upgraded when next opened, a newer one is refused). A refused file changes nothing. Then
    the current database is backed up (reason `before-restore`) and the checked copy goes
    in through the backup API, which writes it as one transaction into the live database,
    WAL and all: a reader sees the old content or the new, never a mix, and a crash halfway
    leaves the old.
    """
    if not source.exists():
        raise DatabaseProblem(f"{source}: no such file")
    if not source.is_file():
        raise DatabaseProblem(f"{source}: not a file")
    if database.exists() and source.resolve() == database.resolve():
        raise DatabaseProblem(f"{source}: that is the database itself")
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".crm-tui-restore-", dir=database.parent) as folder:
        staged = Path(folder) / "restore.sqlite3"
        try:
            reader = _read_only(source)
            try:
                _copy(reader, staged)
            finally:
                reader.close()
        except _StillBusy as error:
            raise DatabaseProblem(f"{source}: {error}; nothing was restored") from error
        except sqlite3.Error as error:
            raise DatabaseProblem(f"{source}: not a crm-tui database ({error})") from error
        version = _checked(staged, source)
        before = None
        if database.is_file() and database.stat().st_size > 0:
            try:
                before = snapshot(database, "before-restore")
            except DatabaseProblem as problem:
                raise DatabaseProblem(f"{problem}; nothing was restored") from problem
        _replace_content(database, staged, version)
    return Restored(version, before)


# ---------------------------------------------------------------- the pieces


def _read_only(file: Path) -> sqlite3.Connection:
    """A read-only connection that writes nothing next to `file`. A file without a `-wal`
    beside it holds all its content, so it is read as immutable (no `-shm` is created, even
    in a read-only folder); one with a `-wal` is read through it, as SQLite must."""
    real = file.resolve()  # SQLite keeps the -wal beside the file a symlink points to
    immutable = "" if Path(f"{real}-wal").exists() else "&immutable=1"
    uri = f"file:{quote(str(real))}?mode=ro{immutable}"
    return sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S)


def _keep_setting(connection: sqlite3.Connection) -> int:
    try:
        row = connection.execute("SELECT value FROM setting WHERE key = ?", (KEEP_SETTING,)).fetchone()
    except sqlite3.Error:  # no setting table: not ours, or very damaged; keep the default
        return KEEP_LAST
    return keep_from_text(str(row[0]) if row else None)


def _version_of(connection: sqlite3.Connection, name: str | Path) -> int:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not _CORE_TABLES.issubset(tables):
        what = "an empty SQLite database" if not tables else "an SQLite database of another program"
        raise DatabaseProblem(f"{name}: not a crm-tui database ({what})")
    row = connection.execute("SELECT version FROM schemaversion WHERE id = 1").fetchone()
    version = row[0] if row else None
    if not isinstance(version, int) or version < 1:
        raise DatabaseProblem(f"{name}: not a crm-tui database (no schema version in it)")
    if version > SCHEMA_VERSION:
        raise DatabaseProblem(
            f"{name}: schema version {version}, newer than this crm-tui understands "
            f"({SCHEMA_VERSION}); upgrade crm-tui"
        )
    return version


def _checked(staged: Path, source: Path) -> int:
    """The version of the staged copy once SQLite finds it sound and it is crm-tui's."""
    connection = sqlite3.connect(staged)
    try:
        try:
            problems = [
                " ".join(str(row[0]).split()) for row in connection.execute("PRAGMA integrity_check(3)")
            ]
        except sqlite3.Error as error:
            problems = [str(error)]
        if problems != ["ok"]:
            raise DatabaseProblem(f"{source}: damaged ({'; '.join(problems)}); nothing was restored")
        return _version_of(connection, source)
    except sqlite3.Error as error:
        raise DatabaseProblem(f"{source}: not a crm-tui database ({error})") from error
    finally:
        connection.close()


def _replace_content(database: Path, staged: Path, version: int) -> None:
    """Write the staged copy into `database` in one transaction (the backup API into the live
    file, so other connections and its WAL stay valid)."""
    _create_private_file(database)
    destination = sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)
    try:
        page_size = int(destination.execute("PRAGMA page_size").fetchone()[0])
        in_wal = str(destination.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
        source = sqlite3.connect(staged)
        try:
            # A WAL database takes a backup only from pages of its own size: an odd-sized
            # file is rewritten with the live database's page size first.
            if in_wal and int(source.execute("PRAGMA page_size").fetchone()[0]) != page_size:
                source.execute(f"PRAGMA page_size = {page_size}")
                source.execute("VACUUM")
            source.backup(destination, progress=_give_up_when_busy)
        finally:
            source.close()
        row = destination.execute("SELECT version FROM schemaversion WHERE id = 1").fetchone()
        if row is None or row[0] != version:  # pragma: no cover - the backup API copies every page
            raise DatabaseProblem(
                f"{database}: the restored copy reads back wrong; restore the before-restore backup"
            )
    except sqlite3.Error as error:
        raise DatabaseProblem(
            f"{database}: cannot write the restored copy ({error}); nothing was restored"
        ) from error
    finally:
        destination.close()


def _create_private_file(path: Path) -> None:
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _private_folder(folder: Path) -> Path:
    """The backups folder, readable by its owner only (an existing one is tightened)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:
        folder.chmod(0o700)
    return folder


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial")


def _copy_into_place(source: sqlite3.Connection, target: Path) -> Path:
    """`_copy` under a hidden `.partial` name, renamed to `target` once complete: a backup
    that is listed (or pruned, or restored) is always a whole one, even after a crash or
    a full disk halfway. FileExistsError if `target` exists."""
    partial = _partial(target)
    if target.exists():
        raise FileExistsError(target)
    _copy(source, partial)
    if target.exists():  # taken meanwhile
        partial.unlink()
        raise FileExistsError(target)
    os.replace(partial, target)
    return target


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """The content of `source` into a new file `target`, private from its first byte, in
    rollback-journal mode so it is one self-contained file. Nothing is left behind on error."""
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    os.chmod(target, 0o600)  # whatever the umask, before any data is written
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination, progress=_give_up_when_busy)
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()
    except BaseException:
        for leftover in ("", "-journal", "-wal", "-shm"):
            Path(f"{target}{leftover}").unlink(missing_ok=True)
        raise


def _stamp(moment: datetime) -> str:
    return moment.strftime(_STAMP_FORMAT)


def _snapshot_name(stem: str, stamp: str, reason: str) -> str:
    return f"{stem}-{stamp}-{reason}.sqlite3"


def _snapshot_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(stem)}-(?P<stamp>{_STAMP})-(?P<reason>[A-Za-z0-9-]+)\.sqlite3")


def _clean_reason(reason: str) -> str:
    """The reason as it can stand in a file name: letters, digits and dashes."""
    return re.sub(r"[^A-Za-z0-9]+", "-", reason).strip("-") or "snapshot"


def _copy_to_new_snapshot(source: sqlite3.Connection, folder: Path, stem: str, reason: str) -> Path:
    """A new snapshot file whose time sorts after every snapshot already there, so the
    names' order is the order they were taken in and pruning removes the oldest (two
    snapshots in the same microsecond, or a clock set back, get the next microsecond)."""
    moment = utcnow()
    pattern = _snapshot_pattern(stem)
    stamps = [match["stamp"] for path in folder.iterdir() if (match := pattern.fullmatch(path.name))]
    if stamps:
        newest = datetime.strptime(max(stamps), _STAMP_FORMAT).replace(tzinfo=UTC)
        moment = max(moment, newest + timedelta(microseconds=1))
    while True:
        target = folder / _snapshot_name(stem, _stamp(moment), reason)
        try:
            return _copy_into_place(source, target)
        except FileExistsError:  # another process took this name meanwhile
            moment += timedelta(microseconds=1)


def _prune(folder: Path, stem: str, keep: int) -> None:
    """Delete the snapshots beyond the newest `keep`, and what an interrupted snapshot left
    (a `.partial` file untouched for an hour: no copy in progress takes that long idle)."""
    pattern = _snapshot_pattern(stem)
    snapshots = sorted(path for path in folder.iterdir() if pattern.fullmatch(path.name))
    for old in snapshots[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    stale = datetime.now(UTC).timestamp() - _STALE_PARTIAL_S
    for path in folder.iterdir():
        name = path.name
        if (
            name.startswith(".")
            and name.endswith(".partial")
            and pattern.fullmatch(name[1 : -len(".partial")])
        ):
            with suppress(FileNotFoundError):
                if path.stat().st_mtime < stale:
                    path.unlink()
