"""Snapshots of the reports at 80×24 (the funnel also at 120×40, and a funnel stage's deals),
on the deals of test_reports plus two open deals expected to close in December and January.

Update after an intended change with
`pytest tests/ui/test_reports_snapshots.py --snapshot-update` and look at the SVGs first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from crm_tui.db.engine import session_scope
from crm_tui.services import deals
from crm_tui.services.deals import DealCreate
from crm_tui.ui.app import CrmApp

from .conftest import settle
from .test_reports import make_deals

NARROW = (80, 24)
WIDE = (120, 40)


def pressing(*keys: str):
    """Open the reports, press the keys, wait for what they bring."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in ("5", *keys):
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.fixture
def report_data(engine: Engine, clock: Callable[[str], None]) -> None:
    ids = make_deals(engine, clock)
    with session_scope(engine) as session:
        deals.update_deal(session, ids["pumps"], {"expected_close_on": date(2026, 12, 15)})
        deals.create_deal(
            session,
            DealCreate(
                title="Support 2027", amount=24_000_00, currency="USD", expected_close_on=date(2027, 1, 20)
            ),
        )


@pytest.mark.usefixtures("report_data")
def test_funnel_narrow(snap_compare, empty_app: CrmApp) -> None:
    assert snap_compare(empty_app, terminal_size=NARROW, run_before=pressing())


@pytest.mark.usefixtures("report_data")
def test_funnel_wide(snap_compare, empty_app: CrmApp) -> None:
    assert snap_compare(empty_app, terminal_size=WIDE, run_before=pressing())


@pytest.mark.usefixtures("report_data")
def test_forecast_narrow(snap_compare, empty_app: CrmApp) -> None:
    assert snap_compare(empty_app, terminal_size=NARROW, run_before=pressing("right"))


@pytest.mark.usefixtures("report_data")
def test_wonlost_narrow(snap_compare, empty_app: CrmApp) -> None:
    assert snap_compare(empty_app, terminal_size=NARROW, run_before=pressing("right", "right"))


@pytest.mark.usefixtures("report_data")
def test_funnel_stage_deals(snap_compare, empty_app: CrmApp) -> None:
    # Qualified: the three deals that got there, whatever became of them.
    assert snap_compare(empty_app, terminal_size=NARROW, run_before=pressing("down", "enter"))
