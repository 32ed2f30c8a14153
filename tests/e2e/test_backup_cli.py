"""`crm-tui backup`, `backups` and `restore` run as real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.db.engine import session_scope
from crm_tui.db.schema import open_database
from crm_tui.db.version import SCHEMA_VERSION
from crm_tui.services import contacts

OLD_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "old_schema"


def crm(*args: str, db: Path | str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CRM_TUI_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def ok(*args: str, db: Path) -> str:
    result = crm(*args, db=db)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" or "Traceback" not in result.stderr
    return result.stdout


def refused(*args: str, db: Path | str) -> str:
    """The one line a refused command prints (exit 2, no traceback, nothing on stdout)."""
    result = crm(*args, db=db)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("crm-tui: ")
    return lines[0]


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _names(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in connection.execute("SELECT full_name FROM contact ORDER BY id")]
    finally:
        connection.close()


def _listed(db: Path) -> list[dict[str, object]]:
    return json.loads(ok("backups", "--json", db=db))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "crm.sqlite3"
    result = crm("demo", "--size", "12", db=path)
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the demo database, this test's own."""
    path = tmp_path / "data" / "crm.sqlite3"
    path.parent.mkdir()
    shutil.copy(demo_db, path)
    return path


@pytest.fixture
def no_umask() -> Iterator[None]:
    """Files made with the default modes would be world-readable: only explicit modes pass."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_backup_says_where_it_went_and_backups_lists_it(db: Path) -> None:
    out = ok("backup", db=db)
    made = sorted((db.parent / "backups").iterdir())
    assert len(made) == 1
    assert out == f"Backed up {db} to {made[0]} ({_size_shown(made[0])}).\n"
    assert _names(made[0]) == _names(db)

    listed = _listed(db)
    assert listed == [
        {
            "file": str(made[0]),
            "taken_at": "2026-11-20T09:00:00+00:00",  # the frozen clock, in UTC
            "reason": "manual",
            "size": made[0].stat().st_size,
        }
    ]
    table = ok("backups", db=db).splitlines()
    assert table[0] == f"Backups of {db} in {db.parent / 'backups'}, newest first (the last 10 are kept):"
    assert table[1].split() == ["Taken", "Reason", "Size", "File"]
    assert table[2].split()[:3] == ["2026-11-20", "09:00:00", "manual"]
    assert table[2].endswith(made[0].name)


def _size_shown(path: Path) -> str:
    from crm_tui.cli_backup import human_size

    return human_size(path.stat().st_size)


def test_backups_are_listed_newest_first_and_the_setting_keeps_the_last_n(db: Path) -> None:
    assert ok("backups", "--keep", "2", db=db) == ""  # no backups yet: said on stderr
    for _ in range(3):
        ok("backup", db=db)
    listed = _listed(db)
    assert len(listed) == 2
    assert [Path(str(item["file"])).name for item in listed] == sorted(
        (path.name for path in (db.parent / "backups").iterdir()), reverse=True
    )
    assert "(the last 2 are kept)" in ok("backups", db=db).splitlines()[0]
    assert "--keep must be at least 1" in refused("backups", "--keep", "0", db=db)


def test_files_and_folders_are_private(db: Path, tmp_path: Path, no_umask: None) -> None:
    engine = open_database(str(db))  # held open: the -wal and -shm exist while the commands run
    try:
        with session_scope(engine) as session:
            contacts.create_contact(session, contacts.ContactCreate(first_name="Wal"))
        ok("backup", db=db)
        elsewhere = tmp_path / "elsewhere.sqlite3"
        ok("backup", "-o", str(elsewhere), db=db)
        folder = db.parent / "backups"
        (made,) = folder.iterdir()
        modes = {
            "database": _mode(db),
            "-wal": _mode(Path(f"{db}-wal")),
            "-shm": _mode(Path(f"{db}-shm")),
            "backups folder": _mode(folder),
            "backup": _mode(made),
            "backup -o": _mode(elsewhere),
        }
        assert "Wal" in _names(made) and "Wal" in _names(elsewhere)
    finally:
        engine.dispose()
    assert modes == {
        "database": 0o600,
        "-wal": 0o600,
        "-shm": 0o600,
        "backups folder": 0o700,
        "backup": 0o600,
        "backup -o": 0o600,
    }


def test_backup_to_a_file_or_folder_never_overwrites(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    assert ok("backup", "-o", str(target), db=db).startswith(f"Backed up {db} to {target} (")
    assert _names(target) == _names(db)
    before = target.read_bytes()
    assert refused("backup", "-o", str(target), db=db) == (
        f"crm-tui: {target}: already exists; a backup never overwrites a file"
    )
    assert target.read_bytes() == before
    into = tmp_path / "usb"
    into.mkdir()
    ok("backup", "-o", str(into), db=db)
    assert [path.name.endswith("-manual.sqlite3") for path in into.iterdir()] == [True]
    assert _listed(db) == []  # -o copies are not among the kept backups


def test_backup_of_nothing_or_of_another_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "crm.sqlite3"
    assert refused("backup", db=missing) == f"crm-tui: {missing}: no database here to back up"
    assert not missing.parent.exists()

    other = tmp_path / "recipes.sqlite3"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.commit()
    connection.close()
    assert "not a crm-tui database" in refused("backup", db=other)
    assert not (tmp_path / "backups").exists()


def test_restore_takes_the_database_back_and_can_itself_be_undone(db: Path) -> None:
    ok("backup", db=db)
    saved = Path(str(_listed(db)[0]["file"]))
    names = _names(db)
    ok("add-lead", "--name", "Zoe Late", db=db)
    leads_after = len(json.loads(ok("leads", "--json", db=db)))

    out = ok("restore", str(saved), db=db).splitlines()
    assert out[0] == f"Restored {saved} into {db} (schema v{SCHEMA_VERSION})."
    before = Path(str(_listed(db)[0]["file"]))
    assert _listed(db)[0]["reason"] == "before-restore"
    assert out[1] == f"The database as it was is in {before}; to go back: crm-tui restore {before}"
    assert _names(db) == names
    assert len(json.loads(ok("leads", "--json", db=db))) == leads_after - 1

    ok("restore", str(before), db=db)  # the restore taken back
    assert len(json.loads(ok("leads", "--json", db=db))) == leads_after


@pytest.mark.parametrize("case", ["random bytes", "hostname", "another program's", "newer", "missing"])
def test_restore_refuses_what_is_not_a_crm_database_and_changes_nothing(
    db: Path, tmp_path: Path, case: str
) -> None:
    ok("backup", db=db)
    source = tmp_path / "source.sqlite3"
    if case == "random bytes":
        source.write_bytes(bytes(range(256)) * 64)
    elif case == "hostname":
        source.write_text("my-laptop\n")
    elif case == "another program's":
        connection = sqlite3.connect(source)
        connection.execute("CREATE TABLE recipes (name TEXT)")
        connection.commit()
        connection.close()
    elif case == "newer":
        shutil.copy(db, source)
        connection = sqlite3.connect(source)
        connection.execute("UPDATE schemaversion SET version = ?", (SCHEMA_VERSION + 1,))
        connection.commit()
        connection.close()
    listed = _listed(db)
    content = db.read_bytes()

    line = refused("restore", str(source), db=db)
    expected = {
        "random bytes": "not a crm-tui database (file is not a database)",
        "hostname": "not a crm-tui database (file is not a database)",
        "another program's": "not a crm-tui database (an SQLite database of another program)",
        "newer": f"schema version {SCHEMA_VERSION + 1}, newer than this crm-tui understands "
        f"({SCHEMA_VERSION}); upgrade crm-tui",
        "missing": "no such file",
    }[case]
    assert line == f"crm-tui: {source}: {expected}"
    assert db.read_bytes() == content
    assert _listed(db) == listed


def test_restore_of_an_old_version_file_is_upgraded_when_next_opened(db: Path) -> None:
    out = ok("restore", str(OLD_SCHEMA / "crm-v1.sqlite3"), db=db)
    assert f"(schema v1; it is upgraded to v{SCHEMA_VERSION} when next opened)" in out
    found = ok("search", "семенов", db=db)
    assert "Пётр Семёнов" in found
    reasons = [item["reason"] for item in _listed(db)]
    assert reasons[:2] == ["before-upgrade-v1", "before-restore"]
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT version FROM schemaversion").fetchone() == (SCHEMA_VERSION,)
    finally:
        connection.close()


def test_a_database_without_backups_is_refused(tmp_path: Path) -> None:
    # A server database's backups: tests/unit/test_cli_copy.py.
    line = refused("backups", db="sqlite:///:memory:")
    assert line == (
        "crm-tui: sqlite:///:memory:: backup, backups and restore work on an SQLite database file "
        "or a PostgreSQL database"
    )
