"""`crm-tui copy --to TARGET` and `backup`, `backups`, `restore` on a PostgreSQL database, run
through the command line's entry point: one readable summary or one JSON object, refusals as
one line with exit 2, and a URL's password never printed."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from crm_tui import cli
from crm_tui.db.engine import session_scope
from crm_tui.db.schema import open_database
from crm_tui.services import demo
from tests.pg_server import LocalServer, fresh_database

PASSWORD = "s3cret-pw"  # the test server trusts every connection: any password is let in


@pytest.fixture
def source(tmp_path: Path) -> str:
    path = str(tmp_path / "crm.sqlite3")
    engine = open_database(path)
    try:
        with session_scope(engine) as session:
            demo.generate(session, demo.DemoSize.for_size(12), seed=5)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def server_url(pg_server: LocalServer) -> str:
    """The test database's URL, with a password in it."""
    return make_url(fresh_database(pg_server)).set(password=PASSWORD).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Server backups go to the per-user data folder: this test's own (XDG_DATA_HOME)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "crm-tui" / "backups"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    assert "Traceback" not in err
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, ""), err
    (line,) = err.splitlines()
    assert line.startswith("crm-tui: ")
    return line


def shown(url: str) -> str:
    return url.replace(PASSWORD, "***")


def test_copy_there_and_back_prints_the_counts(
    capsys: pytest.CaptureFixture[str], source: str, server_url: str, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--db", source, "copy", "--to", server_url)
    assert (code, err) == (0, "")
    assert out.startswith(f"Copied {source} to {shown(server_url)}: 12 contacts, ")
    assert ", 6 stages, 8 lead sources, 2 settings.\n" in out

    back = tmp_path / "back.sqlite3"
    code, out, err = run(capsys, "copy", "--db", server_url, "--to", str(back), "--json")
    assert (code, err) == (0, "")
    record = json.loads(out)
    assert record["source"] == shown(server_url) and record["target"] == str(back)
    assert record["tables"]["contact"] == 12 and record["tables"]["stage"] == 6
    assert set(record["tables"]) == {
        "company", "tag", "leadsource", "stage", "event", "importbatch", "setting", "contact",
        "companytag", "contactemail", "contactphone", "contactaddress", "contacttag", "lead",
        "deal", "activity",
    }  # fmt: skip

    for kind in ("contacts", "deals", "events"):
        original = run(capsys, "--db", source, "export", kind)[1]
        assert original.startswith("[\n{") and run(capsys, "--db", str(back), "export", kind)[1] == original


def test_copy_into_a_database_with_records_is_refused(
    capsys: pytest.CaptureFixture[str], source: str, server_url: str
) -> None:
    assert run(capsys, "--db", source, "copy", "--to", server_url)[0] == 0
    line = refused(capsys, "--db", source, "copy", "--to", server_url)
    assert line.startswith(f"crm-tui: {shown(server_url)}: already holds records (company, tag, event")
    assert line.endswith("; a copy goes only into a new or empty database")
    assert refused(capsys, "--db", source, "copy", "--to", source) == (
        f"crm-tui: {source}: that is the database being copied"
    )


def test_an_unreachable_server_is_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], source: str, pg_server: LocalServer
) -> None:
    nowhere = f"postgresql+psycopg://crm:{PASSWORD}@127.0.0.1:1/crm"
    line = refused(capsys, "--db", source, "copy", "--to", nowhere)
    assert line.startswith(f"crm-tui: {shown(nowhere)}: cannot open as a crm-tui database (")


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_backup_backups_and_restore_on_a_server(
    capsys: pytest.CaptureFixture[str], source: str, server_url: str, data_home: Path
) -> None:
    run(capsys, "--db", source, "copy", "--to", server_url)
    code, out, err = run(capsys, "--db", server_url, "backup")
    assert (code, err) == (0, "")
    (made,) = data_home.iterdir()
    assert out.startswith(f"Backed up {shown(server_url)} to {made} (")
    assert (_mode(data_home), _mode(made)) == (0o700, 0o600)

    code, out, _err = run(capsys, "--db", server_url, "backups", "--json")
    assert [(item["file"], item["reason"]) for item in json.loads(out)] == [(str(made), "manual")]
    code, out, _err = run(capsys, "--db", server_url, "backups")
    assert out.splitlines()[0] == (
        f"Backups of {shown(server_url)} in {data_home}, newest first (the last 10 are kept):"
    )

    assert run(capsys, "--db", server_url, "add-lead", "--name", "Zoe Late")[0] == 0
    code, out, err = run(capsys, "--db", server_url, "restore", str(made))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"Restored {made} into {shown(server_url)} (schema v9)."
    before = next(path for path in data_home.iterdir() if path.name.endswith("-before-restore.sqlite3"))
    assert lines[1] == f"The database as it was is in {before}; to go back: crm-tui restore {before}"
    code, out, _err = run(capsys, "--db", server_url, "search", "zoe")
    assert "Zoe" not in out

    line = refused(capsys, "--db", server_url, "restore", str(data_home / "missing.sqlite3"))
    assert line == f"crm-tui: {data_home / 'missing.sqlite3'}: no such file"


def test_backups_of_a_server_keep_the_set_number(
    capsys: pytest.CaptureFixture[str], source: str, server_url: str, data_home: Path, tmp_path: Path
) -> None:
    run(capsys, "--db", source, "copy", "--to", server_url)
    assert run(capsys, "--db", server_url, "backups", "--keep", "2")[0] == 0
    for _ in range(3):
        assert run(capsys, "--db", server_url, "backup")[0] == 0
    assert len(list(data_home.iterdir())) == 2
    elsewhere = tmp_path / "elsewhere.sqlite3"
    assert run(capsys, "--db", server_url, "backup", "-o", str(elsewhere))[0] == 0
    assert _mode(elsewhere) == 0o600 and len(list(data_home.iterdir())) == 2
    connection = sqlite3.connect(elsewhere)
    try:
        assert connection.execute("SELECT count(*) FROM contact").fetchone() == (12,)
    finally:
        connection.close()
    assert refused(capsys, "--db", server_url, "backup", "-o", str(elsewhere)) == (
        f"crm-tui: {elsewhere}: already exists; a backup never overwrites a file"
    )


def test_a_database_without_backups_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, "--db", "sqlite:///:memory:", "backups")
    assert line == (
        "crm-tui: sqlite:///:memory:: backup, backups and restore work on an SQLite database file "
        "or a PostgreSQL database"
    )
