"""Snapshots of Today (narrow and wide) and of its week agenda, on Friday 20 November 2026,
09:00 UTC, with every section filled.

Update after an intended change with
`pytest tests/ui/test_today_snapshots.py --snapshot-update` and look at the SVGs first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from crm_tui.db.engine import session_scope
from crm_tui.services import activities, contacts, deals
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate, PhoneIn
from crm_tui.services.deals import DealCreate
from crm_tui.ui.app import CrmApp

from .conftest import settle

NARROW = (80, 24)
WIDE = (160, 40)


def pressing(*keys: str):
    """Open Today, press the keys, wait for what they bring."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in ("4", *keys):
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.fixture
def busier_today(engine: Engine, sample_ids: dict[str, int], clock: Callable[[str], None]) -> None:
    """Besides the sample's overdue call and today's meeting: a call this morning already
    past, an email today, a call tomorrow, a task on Sunday, a deal nobody planned anything
    for, and two clients nobody called for weeks."""
    clock("2026-09-01T09:00:00+00:00")
    with session_scope(engine) as session:
        olga = contacts.create_contact(
            session,
            ContactCreate(
                first_name="Ольга",
                last_name="Кузнецова",
                company_name="ООО «Вектор»",
                is_client=True,
                phones=[PhoneIn(value="+7 903 111-22-33")],
            ),
        )
        tom = contacts.create_contact(
            session, ContactCreate(first_name="Tom", last_name="Baker", tags=["client"])
        )
        deals.create_deal(
            session,
            DealCreate(title="Service contract 2027", amount=48_000_00, currency="EUR", contact_id=tom.id),
        )
        contacts.touch(session, olga.id or 0, datetime.fromisoformat("2026-10-02T12:00:00+00:00"))
    clock("2026-11-20T09:00:00+00:00")
    with session_scope(engine) as session:
        for kind, title, day, at, link in (
            (
                "call",
                "Confirm the delivery date",
                date(2026, 11, 20),
                time(8, 30),
                {"contact_id": sample_ids["ivanov"]},
            ),
            ("email", "Send the price list", date(2026, 11, 20), None, {"contact_id": sample_ids["muller"]}),
            (
                "call",
                "Call back about the trial",
                date(2026, 11, 21),
                time(10),
                {"contact_id": sample_ids["smith"]},
            ),
            ("task", "Prepare the quarterly report", date(2026, 11, 22), None, {}),
        ):
            activities.create_activity(
                session, ActivityCreate(kind=kind, title=title, due_on=day, due_time=at, **link)
            )


@pytest.mark.usefixtures("busier_today")
def test_today_narrow(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=NARROW, run_before=pressing())


@pytest.mark.usefixtures("busier_today")
def test_today_wide_with_tomorrow_open(snap_compare, app: CrmApp) -> None:
    # Down to Tomorrow's header (past the two overdue, Today's header and its two) and open it.
    keys = ("down",) * 5 + ("enter",)
    assert snap_compare(app, terminal_size=WIDE, run_before=pressing(*keys))


@pytest.mark.usefixtures("busier_today")
def test_week_narrow(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=NARROW, run_before=pressing("v"))


@pytest.mark.usefixtures("busier_today")
def test_week_wide(snap_compare, app: CrmApp) -> None:
    assert snap_compare(app, terminal_size=WIDE, run_before=pressing("v"))
