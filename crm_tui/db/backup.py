"""Consistent snapshots of an SQLite database, kept beside it in `backups/`, and restoring one.

The sqlite3 backup API copies a live WAL database consistently; a plain file copy would not.
Every snapshot — before an import, a merge, a bulk change, a triage, an upgrade, a restore,
or asked for with `crm-tui backup` — goes through `snapshot`, which keeps the last
`backups.keep` (a setting, default 10) and deletes older ones.

Snapshots are private: the folder is 0700 and each file 0600, set before any data is
written. Each is one self-contained file (rollback journal, not WAL), so it can be copied
anywhere as it is.

A server database (PostgreSQL) is backed up as a logical export: a copy of its rows into a
new SQLite file in the per-user data folder's `backups/`, named after the database and its
host (services/database_copy.py writes it; `register_server_snapshot` lets `snapshot_before`,
which services call with their engine, reach it without the database layer importing them).
The folder, the names, the private modes, the `.partial` name until complete and the pruning
are the same as for a file's snapshots.

Nothing here loads SQLAlchemy: the command line's `backup`, `backups` and `restore` start fast.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote, urlsplit

from crm_tui.dates import utcnow
from crm_tui.db.version import SCHEMA_VERSION
from crm_tui.errors import DatabaseProblem
from crm_tui.paths import data_dir, is_url, sqlite_file

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


# Writes a whole database into a new, empty, already private file (the path given); raises on
# failure, and the file is then removed. A file's snapshot is the sqlite3 backup API; a server's,
# a copy of its rows (services/database_copy.py).
Write = Callable[[Path], None]
# Takes a snapshot of a server database (an SQLAlchemy engine) for a reason; see the docstring.
ServerSnapshot = Callable[["Engine", str], Path]
_server_snapshot: ServerSnapshot | None = None


def register_server_snapshot(take: ServerSnapshot) -> None:
    """Set how `snapshot_before` backs up a server database (done by `crm_tui.services`)."""
    global _server_snapshot
    _server_snapshot = take


class _StillBusy(sqlite3.OperationalError):
    """Another connection kept the database locked for longer than `_BUSY_TIMEOUT_S`."""


def _give_up_when_busy(status: int, _remaining: int, _total: int) -> None:
    """The backup API's progress callback. Python retries a locked step forever; each step
    has already waited `_BUSY_TIMEOUT_S` in SQLite's busy handler, so a lock still held then
    (an app stuck halfway through a save) ends the copy with a message instead of a hang."""
    if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        raise _StillBusy(f"the database stayed locked by another program for {_BUSY_TIMEOUT_S:.0f} s")


@dataclass(frozen=True)
class Place:
    """Where a database's snapshots go and the name they start with."""

    folder: Path
    stem: str


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
    """A snapshot before a change that spans many rows (an import, a merge, an undo); None for
    a database that has no snapshots (in memory)."""
    file = database_file(engine)
    if file is not None:
        return snapshot(file, reason)
    if engine.dialect.name == "postgresql" and _server_snapshot is not None:
        return _server_snapshot(engine, reason)
    return None


def backups_dir(database: Path) -> Path:
    return database.parent / "backups"


def server_backups_dir() -> Path:
    """Where a server database's snapshots go: `backups/` in the per-user data folder."""
    return data_dir() / "backups"


def server_stem(url: str) -> str:
    """The name a server database's snapshots start with: `<database>@<host>` (and `-<port>`
    when not the default), so two servers' databases of one name, or the default local
    `crm.sqlite3` (whose snapshots are `crm-…` in the same folder), never share snapshots —
    sharing them would let one prune the other's. No user name, no password."""
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/")) or "postgres"
    host = parts.hostname or parse_qs(parts.query).get("host", ["local"])[0]
    try:
        port = parts.port
    except ValueError:
        port = None
    stem = f"{database}@{host}" + (f"-{port}" if port and port != 5432 else "")
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", stem)


def place_of(target: str) -> Place | None:
    """Where the snapshots of a database path or URL go; None for one that has none."""
    file = sqlite_file(target)
    if file is not None:
        return Place(backups_dir(file), file.stem)
    if is_url(target) and target.split("://", 1)[0].split("+", 1)[0] in ("postgresql", "postgres"):
        return Place(server_backups_dir(), server_stem(target))
    return None


def _place(where: Path | Place) -> Place:
    return where if isinstance(where, Place) else Place(backups_dir(where), where.stem)


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
    source = sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)
    try:
        if keep is None:
            keep = _keep_setting(source)
        return new_snapshot(_place(database), reason, keep, _backup_api_writer(source))
    except sqlite3.Error as error:
        raise DatabaseProblem(f"{database}: cannot back up ({error})") from error
    finally:
        source.close()


def new_snapshot(place: Place, reason: str, keep: int, write: Write) -> Path:
    """A new snapshot in `place` written by `write`, then the oldest beyond `keep` pruned."""
    folder = _private_folder(place.folder)
    target = _copy_to_new_snapshot(write, folder, place.stem, _clean_reason(reason))
    _prune(folder, place.stem, keep)
    return target


def new_file(target: Path, stem: str, write: Write) -> Path:
    """A backup written by `write` to `target` (a new file, or a folder to put it in, named as a
    snapshot); an existing file is never overwritten. Not counted among the kept snapshots."""
    if target.is_dir():
        target = target / _snapshot_name(stem, _stamp(utcnow()), "manual")
    if target.exists():
        raise DatabaseProblem(f"{target}: already exists; a backup never overwrites a file")
    try:
        _copy_into_place(write, target)
    except FileExistsError as error:
        raise DatabaseProblem(f"{target}: already exists; a backup never overwrites a file") from error
    return target


def backup_to(database: Path, target: Path) -> Path:
    """A snapshot of `database` written to `target` (a new file, or a folder to put it in);
    an existing file is never overwritten. Not counted among the kept snapshots."""
    if not database.is_file():
        raise DatabaseProblem(f"{database}: no database to back up")
    source = sqlite3.connect(database, timeout=_BUSY_TIMEOUT_S)
    try:
        return new_file(target, database.stem, _backup_api_writer(source))
    except sqlite3.Error as error:
        raise DatabaseProblem(f"{database}: cannot back up ({error})") from error
    finally:
        source.close()


def list_backups(where: Path | Place) -> list[Path]:
    """Snapshots of a database (its file, or the Place of its snapshots), oldest first."""
    place = _place(where)
    if not place.folder.is_dir():
        return []
    pattern = _snapshot_pattern(place.stem)
    return sorted(path for path in place.folder.iterdir() if pattern.fullmatch(path.name))


def describe_backups(where: Path | Place) -> list[Backup]:
    """Snapshots of a database (its file, or the Place of its snapshots), newest first, with
    when, why and how big."""
    pattern = _snapshot_pattern(_place(where).stem)
    described = []
    for path in reversed(list_backups(where)):
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
        staged, version = stage_checked(source, Path(folder))
        before = None
        if database.is_file() and database.stat().st_size > 0:
            try:
                before = snapshot(database, "before-restore")
            except DatabaseProblem as problem:
                raise DatabaseProblem(f"{problem}; nothing was restored") from problem
        _replace_content(database, staged, version)
    return Restored(version, before)


def stage_checked(source: Path, folder: Path) -> tuple[Path, int]:
    """`source` copied into `folder` (a private temporary one) and checked there: SQLite's
    integrity check, crm-tui's tables, a schema version this code can open. The staged copy
    and its version; DatabaseProblem, naming `source`, for a file that fails."""
    if not source.exists():
        raise DatabaseProblem(f"{source}: no such file")
    if not source.is_file():
        raise DatabaseProblem(f"{source}: not a file")
    staged = folder / "restore.sqlite3"
    try:
        reader = _read_only(source)
        try:
            _new_private_file(staged, _backup_api_writer(reader))
        finally:
            reader.close()
    except _StillBusy as error:
        raise DatabaseProblem(f"{source}: {error}; nothing was restored") from error
    except sqlite3.Error as error:
        raise DatabaseProblem(f"{source}: not a crm-tui database ({error})") from error
    return staged, _checked(staged, source)


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


def _copy_into_place(write: Write, target: Path) -> Path:
    """`_new_private_file` under a hidden `.partial` name, renamed to `target` once complete:
    a backup that is listed (or pruned, or restored) is always a whole one, even after a
    crash or a full disk halfway. FileExistsError if `target` exists."""
    partial = _partial(target)
    if target.exists():
        raise FileExistsError(target)
    _new_private_file(partial, write)
    if target.exists():  # taken meanwhile
        partial.unlink()
        raise FileExistsError(target)
    os.replace(partial, target)
    return target


def _backup_api_writer(source: sqlite3.Connection) -> Write:
    """Writes the content of `source` through SQLite's backup API."""

    def write(target: Path) -> None:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination, progress=_give_up_when_busy)
        finally:
            destination.close()

    return write


def _new_private_file(target: Path, write: Write) -> None:
    """A new file `target`, private from its first byte, filled by `write`, then put in
    rollback-journal mode so it is one self-contained file. Nothing is left behind on error."""
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    os.chmod(target, 0o600)  # whatever the umask, before any data is written
    try:
        write(target)
        destination = sqlite3.connect(target)
        try:
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


def _copy_to_new_snapshot(write: Write, folder: Path, stem: str, reason: str) -> Path:
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
            return _copy_into_place(write, target)
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
