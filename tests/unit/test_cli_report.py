"""`crm-tui report KIND`: the numbers of the app's reports as text, JSON and CSV; a wrong
period exits 2 with one line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from crm_tui.db.engine import session_scope
from crm_tui.io.report_write import report_json
from crm_tui.services import deals
from crm_tui.services.deals import DealCreate
from crm_tui.services.reports import REPORT_KEYS, build_report
from crm_tui.services.reports.period import PeriodPreset, preset_period
from crm_tui.services.stages import stage_by_name
from tests.cli_kit import run

# The conftest's frozen clock: Friday 20 November 2026, 09:00 UTC; TZ=UTC.


@pytest.fixture
def database(database_target: str, engine: Engine, clock: Callable[[str], None]) -> str:
    """Three deals created in November: A New → Qualified → Proposal → won; B New → Proposal
    → back to Qualified; C (dollars) New → lost for price. One created in October."""
    with session_scope(engine) as session:
        stage = {name: stage_by_name(session, name).id or 0 for name in ("New", "Qualified", "Proposal")}

        def create(title: str, amount: int, currency: str = "RUB") -> int:
            data = DealCreate(title=title, amount=amount, currency=currency, stage_id=stage["New"])
            return deals.create_deal(session, data).id or 0

        clock("2026-10-15T10:00:00+00:00")
        create("October deal", 999_00)
        clock("2026-11-02T10:00:00+00:00")
        a = create("A", 100_000_00)
        clock("2026-11-03T10:00:00+00:00")
        b = create("B", 50_000_00)
        clock("2026-11-04T10:00:00+00:00")
        c = create("C", 2_000_00, "USD")
        for moment, deal, target in [
            ("2026-11-05T10:00:00+00:00", a, "Qualified"),
            ("2026-11-06T10:00:00+00:00", b, "Proposal"),
            ("2026-11-08T10:00:00+00:00", b, "Qualified"),
            ("2026-11-10T10:00:00+00:00", a, "Proposal"),
        ]:
            clock(moment)
            deals.move_deal(session, deal, stage[target])
        clock("2026-11-09T10:00:00+00:00")
        deals.lose_deal(session, c, '=HYPERLINK("http://x")')
        clock("2026-11-12T10:00:00+00:00")
        deals.win_deal(session, a)
        clock("2026-11-20T09:00:00+00:00")
    return database_target




def test_funnel_json_counts_the_deals_reaching_each_stage(database: str, capsys) -> None:
    code, out, err = run(capsys, "--db", database, "report", "funnel", "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["report"] == "funnel"
    assert report["period"] == {"preset": "this-month", "from": "2026-11-01", "to": "2026-11-30"}
    stages = report["tables"]["stages"]
    # B went back to Qualified but reached Proposal; A, won, reached every stage.
    assert [row["stage"] for row in stages] == ["New", "Qualified", "Proposal", "Negotiation", "Won"]
    assert [row["deals"] for row in stages] == [3, 2, 2, 1, 1]
    assert stages[0]["amount"] == {"RUB": 150_000.0, "USD": 2_000.0}
    assert stages[4]["amount"] == {"RUB": 100_000.0}
    assert stages[0]["to_next"] == pytest.approx(66.7)
    assert report["facts"]["deals"] == 3


def test_every_report_gives_the_apps_numbers_as_json(database: str, engine: Engine, capsys) -> None:
    for kind in REPORT_KEYS:
        code, out, err = run(capsys, "--db", database, "report", kind, "--json", "--period", "this-year")
        assert (code, err) == (0, ""), kind
        with session_scope(engine) as session:
            expected = report_json(build_report(session, kind, preset_period(PeriodPreset.THIS_YEAR)))
        assert json.loads(out) == json.loads(json.dumps(expected, ensure_ascii=False)), kind


def test_every_report_prints_as_csv_blocks(database: str, capsys) -> None:
    for kind in REPORT_KEYS:
        code, out, err = run(capsys, "--db", database, "report", kind, "--csv")
        assert (code, err) == (0, ""), kind
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[:3] == [["Report", rows[0][1]], ["From", "2026-11-01"], ["To", "2026-11-30"]], kind


def test_funnel_csv_splits_money_by_currency(database: str, capsys) -> None:
    code, out, _ = run(capsys, "--db", database, "report", "funnel", "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    header = next(row for row in rows if row and row[0] == "Stage")
    assert header[:4] == ["Stage", "Deals", "Amount RUB", "Amount USD"]
    first = rows[rows.index(header) + 1]
    assert first[:4] == ["New", "3", "150000", "2000"]


def test_csv_neutralises_a_formula_typed_as_a_lost_reason(database: str, capsys) -> None:
    code, out, _ = run(capsys, "--db", database, "report", "wonlost", "--csv")
    assert code == 0
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(cell.startswith("=") for cell in cells)


def test_the_last_thirty_days(database: str, capsys) -> None:
    code, out, err = run(capsys, "--db", database, "report", "funnel", "--json", "--from=-30d")
    assert (code, err) == (0, "")
    assert json.loads(out)["period"] == {"preset": "custom", "from": "2026-10-21", "to": "2026-11-20"}


def test_text_shows_the_stages_with_bars(database: str, capsys) -> None:
    code, out, _ = run(
        capsys, "--db", database, "report", "funnel", "--from", "1.11.2026", "--to", "30.11.2026"
    )
    assert code == 0
    assert "Sales funnel · Custom · 1 Nov – 30 Nov 2026" in out
    proposal = next(line for line in out.splitlines() if line.lstrip().startswith("Proposal"))
    assert "█" in proposal


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-45"], "from:"),
        (["--from", "2026-11-10", "--to", "2026-11-01"], "to:"),
        (["--period", "fortnight"], "period:"),
        (["--period", "this-month", "--from", "2026-11-01"], "either --period or --from/--to"),
    ],
)
def test_a_wrong_period_is_one_line_and_exit_2(database: str, capsys, args: list[str], message: str) -> None:
    code, out, err = run(capsys, "--db", database, "report", "funnel", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("crm-tui: ") and message in err
    assert len(err.strip().splitlines()) == 1
