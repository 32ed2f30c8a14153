"""Local data stays local and private: exports are files only their owner can read, a CSV
never carries a cell a spreadsheet would run as a formula, no SQL is built by pasting text
together, and nothing the app or the command line does opens a network connection.

(The database, its WAL/SHM files and the backups are checked by the database tests.)
"""

from __future__ import annotations

import ast
import csv
import io
import os
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui import cli
from crm_tui.db.engine import session_scope
from crm_tui.db.schema import open_database
from crm_tui.io.csv_write import CSV_KINDS, FORMULA_STARTS
from crm_tui.io.report_write import save_report_csv
from crm_tui.services import activities, activity_edit, companies, contacts, deals, lead_triage, leads
from crm_tui.services.companies import CompanyBase
from crm_tui.services.deals import DealCreate
from crm_tui.services.exports import ExportOptions, export_to_file
from crm_tui.services.reports import REPORT_KEYS, build_report
from crm_tui.services.reports.period import Period
from crm_tui.services.stages import stage_by_name
from crm_tui.vocabulary import EXPORT_FORMATS, EXPORT_KINDS
from tests.cli_kit import export_combinations

PACKAGE = Path(cli.__file__).resolve().parent
PRIVATE = 0o600
# The reports' period: the month of the tests' frozen clock (2026-11-20).
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def run_cli(*args: str) -> int:
    """`crm-tui ARGS` in this process, its output swallowed."""
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return cli.main(list(args))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """A permissive umask: a file written with a plain open() would come out world-readable."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "crm.sqlite3"
    assert run_cli("--db", str(path), "demo", "--size", "20") == 0
    return path


# ---------------------------------------------------------------- (a) exports are private


def test_every_export_kind_and_format_is_covered() -> None:
    combinations = export_combinations()
    assert {fmt for _, fmt in combinations} == set(EXPORT_FORMATS)
    assert {kind for kind, _ in combinations} == set(EXPORT_KINDS)
    assert {kind for kind, fmt in combinations if fmt == "csv"} == set(CSV_KINDS)


def test_every_export_file_is_readable_by_its_owner_only(demo_db: Path, tmp_path: Path) -> None:
    wrong = []
    with umask(0):
        for kind, fmt in export_combinations():
            target = tmp_path / f"{kind}.{fmt}"
            assert run_cli("--db", str(demo_db), "export", kind, "--format", fmt, "-o", str(target)) == 0
            assert target.stat().st_size > 0, (kind, fmt)
            if mode_of(target) != PRIVATE:
                wrong.append(f"{kind} --format {fmt}: {oct(mode_of(target))}")
    assert not wrong, wrong


@pytest.mark.parametrize("before", [0o644, 0o666, 0o640, PRIVATE, 0o400])
def test_an_export_over_an_existing_file_never_widens_its_mode(
    demo_db: Path, tmp_path: Path, before: int
) -> None:
    target = tmp_path / "leads.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(before)
    with umask(0):
        assert run_cli("--db", str(demo_db), "export", "leads", "--format", "csv", "-o", str(target)) == 0
    after = mode_of(target)
    assert target.read_text(encoding="utf-8-sig").startswith("id,title,"), "the file was not replaced"
    assert after & ~PRIVATE == 0, f"{oct(before)} became {oct(after)}: readable by others"
    assert after & ~before == 0, f"{oct(before)} became {oct(after)}: wider than it was"


def test_a_saved_report_is_readable_by_its_owner_only(demo_db: Path, tmp_path: Path) -> None:
    engine = open_database(str(demo_db))
    try:
        with session_scope(engine) as session:
            reports = {key: build_report(session, key, NOVEMBER) for key in REPORT_KEYS}
    finally:
        engine.dispose()
    with umask(0):
        for key, report in reports.items():
            fresh = save_report_csv(report, tmp_path / f"{key}.csv")
            assert mode_of(fresh) == PRIVATE, (key, oct(mode_of(fresh)))
        existing = tmp_path / "shared.csv"
        existing.write_text("old", encoding="utf-8")
        existing.chmod(0o644)
        save_report_csv(reports["funnel"], existing)
        assert mode_of(existing) == PRIVATE


# ---------------------------------------------------------------- (b) no formula cells

# Each planted value starts like a formula; `{m}` is a marker that finds its cell again.
FORMULAS = (
    '=HYPERLINK("http://evil.example/{m}","open")',
    "+{m}+cmd|' /C calc'!A0",
    "-{m}+1",
    "@SUM({m})",
    "\t={m}",
    "\r={m}",
)


@dataclass
class Planted:
    markers: dict[str, list[str]]  # export kind → markers planted in its records

    def add(self, kind: str, marker: str) -> None:
        self.markers.setdefault(kind, []).append(marker)


def plant(session: Session) -> Planted:
    """Records of every kind whose every free-text field starts like a formula, written
    through the services as a person's typing or an import would be."""
    planted = Planted({})

    def value(kind: str, field: str, number: int) -> str:
        marker = f"mk{kind[:3]}{field.replace('_', '')}{number}x"
        planted.add(kind, marker)
        return FORMULAS[number].format(m=marker)

    lost = stage_by_name(session, "Lost").id
    for number in range(len(FORMULAS)):
        company = companies.create_company(
            session,
            CompanyBase(
                name=value("companies", "name", number),
                industry=value("companies", "industry", number),
                address=value("companies", "address", number),
                notes=value("companies", "notes", number),
            ),
        )
        contact = contacts.create_contact(
            session,
            contacts.contact_from_fields(
                {
                    "first_name": value("contacts", "first_name", number),
                    "last_name": value("contacts", "last_name", number),
                    "title": value("contacts", "title", number),
                    "notes": value("contacts", "notes", number),
                    "source": value("contacts", "source", number),
                    "company": company.name,
                }
            ),
        )
        lead = leads.create_lead(
            session,
            leads.lead_from_fields(
                {
                    "title": value("leads", "title", number),
                    "name": value("leads", "name", number),
                    "company": value("leads", "company", number),
                    "source": value("leads", "source", number),
                    "notes": value("leads", "notes", number),
                    "goal": value("leads", "goal", number),
                }
            ),
        )
        assert lead.id is not None
        lead_triage.disqualify(session, [lead.id], value("leads", "reason", number))
        deal = deals.create_deal(
            session,
            DealCreate(
                title=value("deals", "title", number),
                notes=value("deals", "notes", number),
                amount=1000,
                currency="RUB",
                contact_id=contact.id,
                company_id=company.id,
            ),
        )
        assert deal.id is not None and lost is not None
        deals.move_deal(session, deal.id, lost, value("deals", "lost_reason", number))
        activity = activities.create_activity(
            session,
            activities.activity_from_fields(
                {
                    "kind": "call",
                    "title": value("activities", "title", number),
                    "notes": value("activities", "notes", number),
                    "due": "20.11.2026",
                    "contact_id": str(contact.id),
                }
            ),
        )
        assert activity.id is not None
        activity_edit.mark_done(session, activity.id, value("activities", "outcome", number))
    return planted


def read_cells(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[str]:
    with path.open(encoding=encoding, newline="") as handle:
        return [cell for row in csv.reader(handle, delimiter=delimiter) for cell in row]


def formula_problems(cells: list[str], markers: list[str]) -> list[str]:
    """Cells a spreadsheet would run, and planted values that are missing or not guarded."""
    problems = [f"formula cell {cell!r}" for cell in cells if cell.startswith(FORMULA_STARTS)]
    for marker in markers:
        holding = [cell for cell in cells if marker in cell]
        if not holding:
            problems.append(f"{marker}: not in the file")
        problems += [f"{marker}: unguarded {cell!r}" for cell in holding if not cell.startswith("'")]
    return problems


@pytest.fixture
def planted_db(tmp_path: Path) -> Iterator[tuple[Engine, Planted]]:
    engine = open_database(str(tmp_path / "planted.sqlite3"))
    with session_scope(engine) as session:
        planted = plant(session)
    yield engine, planted
    engine.dispose()


@pytest.mark.parametrize("kind", CSV_KINDS)
@pytest.mark.parametrize(("delimiter", "encoding"), [(",", "utf-8-sig"), (";", "cp1251"), ("\t", "utf-8")])
def test_csv_exports_guard_every_cell_that_starts_like_a_formula(
    planted_db: tuple[Engine, Planted], tmp_path: Path, kind: str, delimiter: str, encoding: str
) -> None:
    engine, planted = planted_db
    target = tmp_path / f"{kind}.csv"
    with session_scope(engine) as session:
        export_to_file(session, target, kind, ExportOptions("csv", delimiter=delimiter, encoding=encoding))
    cells = read_cells(target, delimiter, encoding)
    assert len(cells) > len(planted.markers[kind])
    assert not formula_problems(cells, planted.markers[kind])


def test_the_command_line_csv_export_guards_formulas_too(
    planted_db: tuple[Engine, Planted], tmp_path: Path
) -> None:
    engine, planted = planted_db
    database = engine.url.database
    assert database is not None
    for kind in CSV_KINDS:
        target = tmp_path / f"cli-{kind}.csv"
        assert run_cli("--db", database, "export", kind, "--format", "csv", "-o", str(target)) == 0
        assert not formula_problems(read_cells(target), planted.markers[kind]), kind


def test_report_csv_guards_every_cell_that_starts_like_a_formula(
    planted_db: tuple[Engine, Planted], tmp_path: Path
) -> None:
    engine, planted = planted_db
    every_marker = [marker for markers in planted.markers.values() for marker in markers]
    seen: set[str] = set()
    with session_scope(engine) as session:
        reports = {key: build_report(session, key, NOVEMBER) for key in REPORT_KEYS}
    for key, report in reports.items():
        cells = read_cells(save_report_csv(report, tmp_path / f"{key}.csv"))
        found = [marker for marker in every_marker if any(marker in cell for cell in cells)]
        seen.update(found)
        assert not formula_problems(cells, found), key
    # The reports that name records or reasons did carry planted text: the check was not empty.
    # Names of records, lead sources and lost reasons reached the reports: the check was not empty.
    for family in ("mkcomname", "mkconfirstname", "mkconlastname", "mkleasource", "mkdealostreason"):
        assert {f"{family}{number}x" for number in range(len(FORMULAS))} <= seen, family


# ---------------------------------------------------------------- (c) no SQL by formatting

# Calls whose first argument is SQL text. `execute` alone is search_core's callback, which
# runs its SQL on whichever connection it was given.
SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql"}
SQL_FUNCTIONS = {"text", "literal_column"}  # when imported from sqlalchemy or sqlmodel
SQL_MODULES = ("sqlalchemy", "sqlmodel")


@dataclass(frozen=True)
class Reviewed:
    """SQL that is put together from pieces on purpose, read and found safe."""

    path: str  # relative to the package
    function: str
    reason: str


REVIEWED = (
    Reviewed(
        "db/engine.py",
        "_set_sqlite_pragmas",
        "PRAGMA busy_timeout takes no parameter; BUSY_TIMEOUT_MS is an int constant",
    ),
    Reviewed(
        "db/schema.py",
        "_search_prefix_1",
        "CREATE VIRTUAL TABLE takes no parameters; SEARCH_INDEX_OPTIONS is a constant of the module",
    ),
    Reviewed(
        "db/backup.py",
        "_replace_content",
        "PRAGMA page_size takes no parameter; the value is int() of SQLite's own answer",
    ),
    Reviewed(
        "db/bulk.py",
        "insert_rows",
        "table and column names come from the SQLModel metadata, quoted; the values are ? parameters",
    ),
    Reviewed(
        "services/search.py",
        "count_typed",
        "ROWID_SPREAD is an int constant; the typed words are a bound parameter",
    ),
    Reviewed(
        "services/search.py",
        "typed_into",
        "ROWID_SPREAD is an int constant; the typed words are a bound parameter",
    ),
    Reviewed(
        "db/schema.py",
        "_who_and_row_versions",
        "ALTER TABLE / UPDATE take no identifiers as parameters; the table and column names are "
        "literals of the function; the owner is a bound parameter",
    ),
    Reviewed(
        "services/search_core.py",
        "matching_rowids",
        "MATCH_SQL and RANK_SQL are constants of the module, chosen by dialect; the query is bound",
    ),
    Reviewed(
        "services/search_core.py",
        "summarize",
        "{ids} becomes the placeholders :id0, :id1, …; the ids themselves are bound parameters",
    ),
    Reviewed(
        "db/table_copy.py",
        "clear_tables",
        "TRUNCATE takes no identifiers as parameters; the table names come from the SQLModel "
        "metadata, quoted by the dialect's identifier preparer",
    ),
    Reviewed(
        "db/table_copy.py",
        "reset_sequences",
        "the table name comes from the SQLModel metadata, quoted by the dialect's identifier "
        "preparer (and is a bound parameter to pg_get_serial_sequence)",
    ),
    Reviewed(
        "services/database_copy.py",
        "_write_transaction",
        "SET LOCAL and LOCK TABLE take no parameters: LOCK_TIMEOUT is a constant of the module, the "
        "table names come from the SQLModel metadata, quoted by the dialect's identifier preparer",
    ),
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    call: str
    how: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}(): {self.call}(…) with SQL built by {self.how}"


def _sql_function_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to sqlalchemy's text/literal_column, and names of the modules themselves."""
    functions, modules = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in SQL_MODULES:
            functions |= {alias.asname or alias.name for alias in node.names if alias.name in SQL_FUNCTIONS}
        elif isinstance(node, ast.Import):
            modules |= {
                alias.asname or alias.name for alias in node.names if alias.name.split(".")[0] in SQL_MODULES
            }
    return functions, modules


def _is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _assigned(scope: ast.AST, name: str) -> list[ast.expr | ast.AugAssign]:
    """What `name` is assigned in the scope (its own body, not nested functions'); an
    augmented assignment (`sql += …`) as itself."""
    values: list[ast.expr | ast.AugAssign] = []
    for node in _walk_scope(scope):
        if isinstance(node, ast.Assign):
            if any(isinstance(target, ast.Name) and target.id == name for target in node.targets):
                values.append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and getattr(node.target, "id", None) == name:
            value = node if isinstance(node, ast.AugAssign) else node.value
            if value is not None:
                values.append(value)
    return values


def _walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(scope):
        yield child
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            yield from _walk_scope(child)


def _built(node: ast.expr | ast.AugAssign, scopes: list[ast.AST], depth: int = 0) -> str | None:
    """How the SQL text was put together from non-literal pieces, or None when it was not."""
    if isinstance(node, ast.AugAssign):
        return "+=" if isinstance(node.op, ast.Add) else None
    if isinstance(node, ast.JoinedStr):
        return "an f-string" if any(isinstance(part, ast.FormattedValue) for part in node.values) else None
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod) and (_is_literal(node.left) or isinstance(node.left, ast.JoinedStr)):
            return "%-formatting"
        if isinstance(node.op, ast.Add) and not _literal_or_sum(node):
            return _built(node.left, scopes, depth) or _built(node.right, scopes, depth) or "concatenation"
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format":
            return ".format()"
        if node.func.attr == "join" and _is_literal(node.func.value):
            return "str.join"
        return None
    if isinstance(node, ast.Name) and depth < 3:
        for scope in scopes:
            for value in _assigned(scope, node.id):
                how = _built(value, scopes, depth + 1)
                if how:
                    return f"{how} (in {node.id})"
    return None


def _literal_or_sum(node: ast.expr) -> bool:
    if _is_literal(node):
        return True
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add)
        and all(map(_literal_or_sum, (node.left, node.right)))
    )


def _call_name(call: ast.Call, functions: set[str], modules: set[str]) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr in SQL_METHODS:
            return func.attr
        if func.attr in SQL_FUNCTIONS and isinstance(func.value, ast.Name) and func.value.id in modules:
            return func.attr
        return None
    if isinstance(func, ast.Name) and (func.id in functions or func.id == "execute"):
        return func.id
    return None


def sql_findings(source: str, path: str) -> list[Finding]:
    tree = ast.parse(source)
    functions, modules = _sql_function_names(tree)
    findings: list[Finding] = []

    def visit(scope: ast.AST, scopes: list[ast.AST], name: str) -> None:
        for node in _walk_scope(scope):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node, [node, *scopes], node.name)
                continue
            if isinstance(node, ast.ClassDef | ast.Lambda):
                visit(node, scopes, name)
                continue
            for call in (node,) if isinstance(node, ast.Call) else ():
                called = _call_name(call, functions, modules)
                if called is None or not call.args:
                    continue
                how = _built(call.args[0], scopes)
                if how:
                    findings.append(Finding(path, call.lineno, name, called, how))

    visit(tree, [tree], "<module>")
    return findings


def package_findings() -> list[Finding]:
    findings = []
    for file in sorted(PACKAGE.rglob("*.py")):
        relative = file.relative_to(PACKAGE).as_posix()
        findings += sql_findings(file.read_text(encoding="utf-8"), relative)
    return findings


def test_no_sql_is_built_by_formatting_except_the_reviewed_places() -> None:
    findings = package_findings()
    reviewed = {(entry.path, entry.function) for entry in REVIEWED}
    unreviewed = [str(finding) for finding in findings if (finding.path, finding.function) not in reviewed]
    assert not unreviewed, "SQL built from text (bind parameters, or review it):\n" + "\n".join(unreviewed)
    # Each exception still names SQL put together in that place: none outlives its code.
    stale = reviewed - {(finding.path, finding.function) for finding in findings}
    assert not stale, f"reviewed exceptions with nothing left to excuse: {sorted(stale)}"


@pytest.mark.parametrize(
    "source",
    [
        'from sqlalchemy import text\ndef f(c, n):\n    c.execute(text(f"SELECT * FROM t WHERE n = {n}"))',
        'def f(c, n):\n    c.execute("SELECT * FROM t WHERE n = %s" % n)',
        'def f(c, n):\n    c.exec_driver_sql("SELECT * FROM t WHERE n = {}".format(n))',
        'def f(c, n):\n    c.execute("SELECT * FROM t WHERE n = " + n)',
        'def f(c, n):\n    sql = f"DELETE FROM {n}"\n    c.executescript(sql)',
        'def f(c, n):\n    sql = "DELETE FROM "\n    sql += n\n    c.execute(sql)',
        'import sqlalchemy as sa\ndef f(n):\n    return sa.text("x" + n)',
        'from sqlmodel import literal_column\ndef f(n):\n    return literal_column(f"{n}")',
        'def f(execute, n):\n    execute(f"SELECT {n}", {})',
    ],
)
def test_the_sql_check_catches_text_put_together(source: str) -> None:
    assert sql_findings(source, "example.py"), source


@pytest.mark.parametrize(
    "source",
    [
        'from sqlalchemy import text\ndef f(c, n):\n    c.execute(text("SELECT 1 WHERE :n"), {"n": n})',
        'def f(c):\n    c.execute("SELECT 1 " "FROM t")',
        'def f(c):\n    c.execute("SELECT 1 " + "FROM t")',
        "def f(c, statement):\n    c.execute(statement)",
        'def text(n):\n    return n\ndef f():\n    return text(f"{1}")',
        'def f(log, n):\n    log.write(f"{n}")',
    ],
)
def test_the_sql_check_lets_parameters_and_literals_pass(source: str) -> None:
    assert not sql_findings(source, "example.py"), source


# ---------------------------------------------------------------- (d) never the network


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to reach another machine is refused and noted (the test then fails);
    a socket of this machine's own (asyncio's AF_UNIX pairs) still works."""
    attempts: list[str] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(what: str) -> OSError:
        attempts.append(what)
        return OSError(f"test: no network allowed ({what})")

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if self.family == getattr(socket, "AF_UNIX", None):
            return connect(self, address)
        raise refuse(f"connect {address!r}")

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if self.family == getattr(socket, "AF_UNIX", None):
            return connect_ex(self, address)
        raise refuse(f"connect_ex {address!r}")

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        raise refuse(f"create_connection {address!r}")

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> list[Any]:
        raise refuse(f"getaddrinfo {host!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_the_guard_refuses_the_network_and_keeps_local_sockets(no_network: list[str]) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("example.org", 80))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as outward, pytest.raises(OSError):
        outward.connect(("127.0.0.1", 9))
    assert len(no_network) == 2
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"
    no_network.clear()


async def test_the_app_opens_no_network_connection(demo_db: Path, no_network: list[str]) -> None:
    from crm_tui.ui.app import CrmApp
    from crm_tui.ui.dialogs.search_dialog import SearchDialog
    from crm_tui.ui.screens.record import RecordScreen

    engine = open_database(str(demo_db))
    app = CrmApp(engine, database=str(demo_db))
    visited: list[str] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:

            async def press(*keys: str) -> None:
                await pilot.press(*keys)
                await app.workers.wait_for_complete()
                await pilot.pause()
                visited.append(type(app.screen).__name__ if app.screen.is_modal else app.current_mode)

            # Each mode with a key or two of its own: a lead's card, the board, the week, a report.
            for keys in (("1",), ("j",), ("enter",), ("escape",), ("2",), ("3",), ("l",), ("4",), ("v",)):
                await press(*keys)
                if keys == ("enter",):
                    assert isinstance(app.screen, RecordScreen)
            await press("v")
            await press("5")
            await press("right")
            await press("slash")
            assert isinstance(app.screen, SearchDialog)
            await press(*"ан")
            await press("escape")
    finally:
        engine.dispose()
    assert {"inbox", "contacts", "pipeline", "today", "reports", "SearchDialog"} <= set(visited), visited
    assert not no_network, no_network


def test_the_command_line_opens_no_network_connection(
    demo_db: Path, tmp_path: Path, no_network: list[str]
) -> None:
    db = str(demo_db)
    sample = tmp_path / "leads.csv"
    sample.write_text("name,company,email\nOlga Smirnova,Vektor,olga@vektor.example\n", encoding="utf-8")
    commands = [
        ("demo", "--size", "5", "--force"),
        ("search", "ан"),
        ("today", "--json"),
        ("leads",),
        ("deals", "--json"),
        ("report", "funnel"),
        ("report", "health", "--csv"),
        ("export", "contacts", "--format", "vcard"),
        ("export", "activities", "--format", "ics", "-o", str(tmp_path / "a.ics")),
        ("add-lead", "--name", "Ivan Petrov", "--email", "ivan@example.org"),
        ("add-task", "call Ivan tomorrow 10:00"),
        ("import", str(sample), "--into", "leads"),
        ("duplicates",),
    ]
    for command in commands:
        assert run_cli("--db", db, *command) == 0, command
    assert not no_network, no_network
