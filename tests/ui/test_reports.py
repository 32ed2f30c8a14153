"""Mode 5, the reports, driven from the keyboard: ← → between reports, p through the periods,
c for a range of one's own, x to a CSV file, enter into the deals behind a funnel stage and
onto a deal's card.

The data is made here with the deal services, the clock moved between the steps, so the
funnel has numbers to show: in November (the frozen clock's month) four deals are created;
three reach Qualified, two Proposal (one of them sent back to Qualified afterwards), one is
won and one lost; one more deal was created in October.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from crm_tui.db.engine import session_scope
from crm_tui.db.models import EntityKind
from crm_tui.services import deals
from crm_tui.services.deals import DealCreate
from crm_tui.services.reports import wonlost
from crm_tui.services.reports.model import Column, Row, Table, ValueKind
from crm_tui.services.stages import stage_by_name
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.screens.report_deals import ReportDealsScreen
from crm_tui.ui.screens.reports import ReportsScreen
from crm_tui.ui.widgets.report_table import ReportTable, fit
from crm_tui.ui.widgets.report_view import table_note

from .conftest import fill_form, press, settle, shown_text

SIZE = (100, 40)


def make_deals(engine: Engine, clock: Callable[[str], None]) -> dict[str, int]:
    """The deals the reports count; returns their ids by a short name."""
    ids: dict[str, int] = {}

    def create(name: str, title: str, amount: int, **more: object) -> None:
        with session_scope(engine) as session:
            deal = deals.create_deal(session, DealCreate(title=title, amount=amount, **more))  # type: ignore[arg-type]
            ids[name] = deal.id or 0

    def move(name: str, stage: str) -> None:
        with session_scope(engine) as session:
            deals.move_deal_to(session, ids[name], stage_by_name(session, stage).id or 0)

    clock("2026-10-12T10:00:00+00:00")
    create("october", "Old framework deal", 70_000_00)
    clock("2026-11-02T10:00:00+00:00")
    create("turbines", "Turbines for Volga", 900_000_00)
    create("pumps", "Pumps refit", 500_000_00)
    create("valves", "Valves", 200_000_00)
    create("late", "Spare parts", 100_000_00, expected_close_on=date(2026, 11, 10))
    clock("2026-11-05T10:00:00+00:00")
    for name in ("turbines", "pumps", "valves"):
        move(name, "Qualified")
    clock("2026-11-10T10:00:00+00:00")
    move("turbines", "Proposal")
    move("pumps", "Proposal")
    clock("2026-11-12T10:00:00+00:00")
    move("pumps", "Qualified")  # sent back: it still reached Proposal
    with session_scope(engine) as session:
        deals.win_deal(session, ids["turbines"])
        deals.lose_deal(session, ids["valves"], "price too high")
    clock("2026-11-20T09:00:00+00:00")
    return ids


@pytest.fixture
def deal_ids(engine: Engine, clock: Callable[[str], None]) -> dict[str, int]:
    return make_deals(engine, clock)


def screen_text(app: CrmApp) -> str:
    """What the screen shows, widget by widget, top to bottom."""
    widgets = [widget for widget in app.screen.query("Static, DataTable") if widget.display]
    return "\n".join(shown_text(widget) for widget in widgets)


def reports(app: CrmApp) -> ReportsScreen:
    screen = app.screen
    assert isinstance(screen, ReportsScreen), screen
    return screen


def period_line(app: CrmApp) -> str:
    return shown_text(app.screen.query_one("#report-period", Static))


def stage_rows(app: CrmApp) -> dict[str, str]:
    """The funnel's stage rows as shown: stage name → the rest of the line."""
    table = app.screen.query_one("#table-stages", ReportTable)
    rows = {}
    for line in shown_text(table).splitlines()[1:]:
        name, _, rest = line.strip().partition("  ")
        rows[name.strip()] = rest.strip()
    return rows


async def open_reports(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await press(pilot, "5")


@pytest.mark.usefixtures("deal_ids")
async def test_arrows_and_brackets_go_from_report_to_report(empty_app: CrmApp) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        assert "Deals reaching each stage" in screen_text(empty_app)
        await press(pilot, "right")
        assert reports(empty_app).key == "forecast"
        assert "Expected to close" in screen_text(empty_app)
        await press(pilot, "right")
        assert "Lost, by reason" in screen_text(empty_app)
        await press(pilot, "left", "left")
        assert "Deals reaching each stage" in screen_text(empty_app)
        await press(pilot, "left")  # round to the last one
        assert reports(empty_app).key == "health"
        await press(pilot, "right_square_bracket", "right_square_bracket")
        assert reports(empty_app).key == "forecast"
        await press(pilot, "left_square_bracket")
        assert reports(empty_app).key == "funnel"


@pytest.mark.usefixtures("deal_ids")
async def test_the_funnel_counts_the_deals_that_reached_each_stage(empty_app: CrmApp) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        rows = stage_rows(empty_app)
        # Four created in November; three reached Qualified, two Proposal, one won (and so
        # reached Negotiation too).
        assert rows["New"].split()[0] == "4"
        assert rows["Qualified"].split()[0] == "3"
        assert rows["Proposal"].split()[0] == "2"
        assert rows["Negotiation"].split()[0] == "1"
        assert rows["Won"].split()[0] == "1"
        assert "█" in rows["New"]  # the Deals column is drawn as bars too
        assert "Old framework deal" not in screen_text(empty_app)


@pytest.mark.usefixtures("deal_ids")
async def test_p_steps_through_the_periods(empty_app: CrmApp) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        assert period_line(empty_app).startswith(" This month · 1 Nov – 30 Nov 2026")
        await press(pilot, "p")
        assert period_line(empty_app).startswith(" Last month · 1 Oct – 31 Oct 2026")
        assert stage_rows(empty_app)["New"].split()[0] == "1"  # the October deal
        await press(pilot, "p")
        assert period_line(empty_app).startswith(" This quarter · 1 Oct – 31 Dec 2026")
        assert stage_rows(empty_app)["New"].split()[0] == "5"
        await press(pilot, "p")
        assert period_line(empty_app).startswith(" This year · 1 Jan – 31 Dec 2026")
        await press(pilot, "p")
        assert period_line(empty_app).startswith(" This month · 1 Nov – 30 Nov 2026")
        await press(pilot, "P")
        assert period_line(empty_app).startswith(" This year · 1 Jan – 31 Dec 2026")


@pytest.mark.usefixtures("deal_ids")
async def test_c_asks_for_a_period_and_names_a_wrong_date(empty_app: CrmApp) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        await press(pilot, "c")
        await fill_form(pilot, {"from": "31.13.2026", "to": "2026-11-30"})
        dialog = empty_app.screen
        assert isinstance(dialog, FormDialog)  # still open
        assert "from:" in shown_text(dialog.query_one("#form-error"))
        assert dialog.focused is dialog.query_one("#field-from")

        await fill_form(pilot, {"from": "2026-11-01", "to": "2026-10-01"})
        assert isinstance(empty_app.screen, FormDialog)
        assert "to:" in shown_text(empty_app.screen.query_one("#form-error"))

        await fill_form(pilot, {"from": "1.10.2026", "to": "2026-10-31"})
        assert isinstance(empty_app.screen, ReportsScreen)
        assert period_line(empty_app).startswith(" Custom · 1 Oct – 31 Oct 2026")
        assert stage_rows(empty_app)["New"].split()[0] == "1"
        await press(pilot, "p")  # from a range of one's own, p starts the cycle again
        assert period_line(empty_app).startswith(" This month")


@pytest.mark.usefixtures("deal_ids")
async def test_x_saves_the_report_as_csv(empty_app: CrmApp, tmp_path: Path) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        await press(pilot, "x")
        dialog = empty_app.screen
        assert isinstance(dialog, FormDialog)
        file_field = dialog.query_one("#field-file")
        assert file_field.value == "~/crm-funnel-2026-11-01-2026-11-30.csv"  # type: ignore[attr-defined]

        await fill_form(pilot, {"file": str(tmp_path / "missing" / "funnel.csv")})
        assert isinstance(empty_app.screen, FormDialog)  # still open, saying why
        assert "no such folder" in shown_text(empty_app.screen.query_one("#form-error"))

        target = tmp_path / "funnel.csv"
        await fill_form(pilot, {"file": str(target)})
        assert isinstance(empty_app.screen, ReportsScreen)
        assert any(f"to {target}" in str(note.message) for note in empty_app._notifications)

    lines = target.read_text(encoding="utf-8-sig").splitlines()
    stages = lines.index("Deals reaching each stage")
    assert lines[stages + 1].startswith("Stage,Deals,")
    rows = {line.split(",")[0]: line.split(",")[1] for line in lines[stages + 2 : stages + 7]}
    assert rows == {"New": "4", "Qualified": "3", "Proposal": "2", "Negotiation": "1", "Won": "1"}


async def test_enter_on_a_stage_lists_the_deals_that_reached_it(
    empty_app: CrmApp, deal_ids: dict[str, int]
) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        stages = empty_app.screen.query_one("#table-stages", ReportTable)
        assert empty_app.screen.focused is stages
        await press(pilot, "down", "down")  # New, Qualified, Proposal
        await press(pilot, "enter")
        drill = empty_app.screen
        assert isinstance(drill, ReportDealsScreen)
        assert "Reached Proposal" in shown_text(drill.query_one("#drill-title", Static))
        assert shown_text(drill.query_one("#drill-count", Static)).strip() == "2 deals"
        listed = drill.query_one("#drill-deals", DataTable)
        titles = [str(listed.get_row_at(index)[0]) for index in range(listed.row_count)]
        # The won deal and the one sent back to Qualified, largest first.
        assert titles == ["Turbines for Volga", "Pumps refit"]

        await press(pilot, "down", "enter")
        card = empty_app.screen
        assert isinstance(card, RecordScreen)
        assert (card.kind, card.record_id) == (EntityKind.DEAL, deal_ids["pumps"])

        await press(pilot, "escape")
        assert empty_app.screen is drill
        await press(pilot, "escape")
        assert isinstance(empty_app.screen, ReportsScreen)
        table = empty_app.screen.query_one("#table-stages", ReportTable)
        assert table.cursor_row == 2  # where it was
        assert empty_app.screen.focused is table


async def test_enter_on_an_overdue_deal_opens_it(empty_app: CrmApp, deal_ids: dict[str, int]) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        await press(pilot, "right")
        assert "Spare parts" in screen_text(empty_app)
        # Tab from the months to the deals past their expected close date.
        while empty_app.screen.focused is not empty_app.screen.query_one("#table-overdue"):
            await press(pilot, "tab")
        await press(pilot, "enter")
        card = empty_app.screen
        assert isinstance(card, RecordScreen)
        assert (card.kind, card.record_id) == (EntityKind.DEAL, deal_ids["late"])


@pytest.mark.usefixtures("deal_ids")
async def test_the_report_and_period_are_kept_when_coming_back(empty_app: CrmApp, engine: Engine) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        await press(pilot, "p", "p")  # this quarter
        assert stage_rows(empty_app)["New"].split()[0] == "5"
        await press(pilot, "1")
        with session_scope(engine) as session:
            deals.create_deal(session, DealCreate(title="Made meanwhile", amount=1_000_00))
        await press(pilot, "5")
        assert period_line(empty_app).startswith(" This quarter")
        assert stage_rows(empty_app)["New"].split()[0] == "6"  # read again on the way back


@pytest.mark.usefixtures("deal_ids")
async def test_a_report_that_fails_says_why_and_the_others_still_work(
    empty_app: CrmApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(session: object, period: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(wonlost, "build", broken)
    async with empty_app.run_test(size=SIZE) as pilot:
        await open_reports(pilot)
        await press(pilot, "right", "right")
        text = screen_text(empty_app)
        assert "The Won/lost report could not be made." in text
        assert "RuntimeError: the database went away" in text
        assert "Traceback" not in text
        await press(pilot, "right")
        assert "Leads by source" in screen_text(empty_app)
        await press(pilot, "left", "left", "left")
        assert "Deals reaching each stage" in screen_text(empty_app)


def test_a_narrow_table_cuts_text_never_numbers_and_says_what_was_left_out() -> None:
    columns = (
        Column("name", "Contact"),
        Column("company", "Company"),
        Column("deals", "Deals", ValueKind.COUNT, chart=True),
        Column("amount", "Amount", ValueKind.MONEY),
    )
    rows = [
        Row(
            {
                "name": "Констанция Вениаминовна Преображенская",
                "company": "ООО «Очень длинное название»",
                "deals": 12,
                "amount": {"RUB": 1_234_567_00, "USD": 5_000_00},
            }
        ),
        Row({"name": "Ann", "company": "", "deals": 3, "amount": {}}),
    ]
    table = Table("red", "Red", columns, rows, note="By the health rules.", total=128)
    layout = fit(table, 76)
    assert sum(layout.widths) + layout.bar_width <= 76
    # The numbers keep their whole width ("1 234 567 RUB + 5 000 USD" and its gap).
    assert layout.widths[3] == len("1 234 567 RUB + 5 000 USD") + 1
    assert layout.widths[0] < len("Констанция Вениаминовна Преображенская")
    assert layout.bar_width > 0
    assert table_note(table) == "First 2 of 128. By the health rules."


def test_sums_in_two_currencies_stack_when_side_by_side_leaves_no_room_for_the_bar() -> None:
    columns = (
        Column("month", "Month"),
        Column("deals", "Deals", ValueKind.COUNT),
        Column("amount", "Amount", ValueKind.MONEY),
        Column("weighted", "Weighted", ValueKind.MONEY, chart=True),
    )
    rows = [
        Row(
            {
                "month": "Later",
                "deals": 5,
                "amount": {"RUB": 7_590_000_00, "USD": 73_950_00},
                "weighted": {"RUB": 2_185_000_00, "USD": 47_925_00},
            }
        ),
        Row(
            {
                "month": "Nov 2026",
                "deals": 1,
                "amount": {"RUB": 3_462_000_00},
                "weighted": {"RUB": 1_731_000_00},
            }
        ),
    ]
    table = Table("months", "Expected to close", columns, rows)
    wide = fit(table, 120)
    assert wide.currencies == " + " and wide.bar_width > 0
    narrow = fit(table, 60)
    assert narrow.currencies == "\n" and narrow.bar_width > 0
    # Each amount then takes its own line: the column is as wide as the longest one.
    assert narrow.widths[2] == len("7 590 000 RUB") + 1
    assert sum(narrow.widths) + narrow.bar_width <= 60
