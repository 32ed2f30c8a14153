"""Snapshots of the pipeline board (narrow and wide), its dialogs and its list view.

Update after an intended change with
`pytest tests/ui/test_pipeline_snapshots.py --snapshot-update` and look at the SVGs first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from crm_tui.db.engine import session_scope
from crm_tui.services import deals
from crm_tui.services.contacts import ContactCreate, create_contact
from crm_tui.services.stages import stage_by_name
from crm_tui.ui.app import CrmApp

from .conftest import settle

NARROW = (80, 24)
WIDE = (160, 40)


def pressing(*keys: str):
    """Open the board, press the keys, wait for what they bring."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in ("3", *keys):
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.fixture
def busier_board(engine: Engine, sample_ids: dict[str, int], clock: Callable[[str], None]) -> None:
    """Three more deals (one in euros, one with no next step), and three weeks later: the
    deals past their stage's limit show as stale."""
    with session_scope(engine) as session:
        schulz = create_contact(session, ContactCreate(first_name="Anna", last_name="Schulz"))
        for title, amount, currency, stage in (
            ("Wartungsvertrag 2027", 48_000_00, "EUR", "Qualified"),
            ("Пилотный проект на 3 месяца для филиала", 1_250_000_00, "RUB", "Negotiation"),
            ("Training day", 3_500_00, "USD", "Negotiation"),
        ):
            deals.create_deal(
                session,
                deals.DealCreate(
                    title=title,
                    amount=amount,
                    currency=currency,
                    contact_id=schulz.id,
                    stage_id=stage_by_name(session, stage).id,
                    expected_close_on=date(2026, 12, 31),
                ),
            )
    clock("2026-12-11T09:00:00+00:00")


def test_board_narrow(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=NARROW, run_before=pressing())


@pytest.mark.usefixtures("busier_board")
def test_board_wide(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=pressing("l", "l"))


def test_won_dialog(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=NARROW, run_before=pressing("w"))


def test_lost_dialog(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=NARROW, run_before=pressing("x", "down"))


def test_filter_form(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=NARROW, run_before=pressing("slash"))


@pytest.mark.usefixtures("busier_board")
def test_list_view(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=NARROW, run_before=pressing("v", "o"))
