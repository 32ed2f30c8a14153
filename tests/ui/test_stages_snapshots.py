"""Snapshots at 80×24 of the stages editor and of a won deal's card.

Update after an intended change with
`pytest tests/ui/test_stages_snapshots.py --snapshot-update` and look at the SVGs in the report
before committing them.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from crm_tui.db.engine import session_scope
from crm_tui.db.models import EntityKind
from crm_tui.services import deals, events
from crm_tui.ui.app import CrmApp

from .conftest import settle

SIZE = (80, 24)


def test_stages_editor(snap_compare, app: CrmApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.action_stages()  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("j", "j")  # on Proposal, which holds a deal
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.fixture
def won_supply(engine: Engine, sample_ids: dict[str, int]) -> int:
    """«Поставка оборудования» won for 140 000 after a note: the card's closing fields and
    its moves on the timeline."""
    with session_scope(engine) as session:
        deal = deals.get_deal(session, sample_ids["supply"])
        events.add_note(session, deals.subject(deal), "Signed at the meeting")
        deals.win_deal(session, sample_ids["supply"], final_amount=140_000_00)
    return sample_ids["supply"]


def test_won_deal_card(snap_compare, app: CrmApp, won_supply: int) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.open_record(EntityKind.DEAL, won_supply)  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
