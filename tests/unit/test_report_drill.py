"""The drill-down: the deals behind a report row, for every DealFilter field, and exactly the
deals the funnel counted for each of its stages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from crm_tui.dates import as_utc
from crm_tui.errors import ValidationError
from crm_tui.services import deals, lead_triage, leads
from crm_tui.services.lead_triage import ConversionRequest
from crm_tui.services.reports import funnel
from crm_tui.services.reports.drill import drill_deals
from crm_tui.services.reports.model import DealFilter, DrillLink
from tests.unit.report_world import CREATED, NOVEMBER, World, build_world


@pytest.fixture
def world(session: Session, clock: Callable[[str], None]) -> World:
    return build_world(session, clock)


def _letters(session: Session, world: World, deals: DealFilter, limit: int = 500) -> tuple[list[str], int]:
    """The drill-down's deals by their letters in the world, and its total."""
    rows, total = drill_deals(session, deals, limit)
    names = {deal_id: letter for letter, deal_id in world.deals.items()}
    return [names[row.id] for row in rows], total


def test_each_funnel_stage_lists_exactly_the_deals_it_counted(session: Session, world: World) -> None:
    table = funnel.build(session, NOVEMBER).table("stages")
    listed = []
    for row in table.rows:
        assert isinstance(row.link, DrillLink)
        letters, total = _letters(session, world, row.link.deals)
        assert total == row.values["deals"] == len(letters)
        listed.append(letters)
    # Largest amount first (the USD and RUB amounts are compared as numbers), then by id.
    assert listed == [
        ["A", "C", "J", "D", "B", "E"],
        ["A", "C", "B", "E"],
        ["A", "C", "B", "E"],
        ["B", "E"],
        ["B"],
    ]


def test_the_rows_are_deal_rows(session: Session, world: World) -> None:
    rows, total = drill_deals(session, DealFilter(created=CREATED, status="lost"))
    assert total == 1
    (row,) = rows
    assert (row.id, row.title, row.stage, row.stage_kind, row.amount, row.currency) == (
        world.deals["C"],
        "C",
        "Lost",
        "lost",
        40_000_00,
        "RUB",
    )
    assert (row.contact, row.company, row.expected_close_on) == ("", "", None)
    assert as_utc(row.stage_entered_at) == datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def test_status_and_archived(session: Session, world: World) -> None:
    # Every live deal: G is archived.
    assert _letters(session, world, DealFilter()) == (["A", "C", "J", "H", "D", "B", "I", "E"], 8)
    assert _letters(session, world, DealFilter(status="won")) == (["H", "B"], 2)
    assert _letters(session, world, DealFilter(status="open")) == (["A", "J", "D", "I", "E"], 5)


def test_created_and_closed_ranges_include_the_start_and_not_the_end(session: Session, world: World) -> None:
    start = datetime(2026, 11, 5, 0, 0, tzinfo=UTC)
    end = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    # C was created at the start, D inside, E and G at the end (G archived).
    assert _letters(session, world, DealFilter(created=(start, end))) == (["C", "D"], 2)
    closed = (datetime(2026, 11, 6, 9, 0, tzinfo=UTC), datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    assert _letters(session, world, DealFilter(closed=closed)) == (["B"], 1)


def test_reached_a_stage_in_another_period(session: Session, world: World) -> None:
    october = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    negotiation = world.stages["Negotiation"]
    assert _letters(session, world, DealFilter(created=october, reached_stage_id=negotiation)) == (["H"], 1)
    # Without a period: every live deal that got that far (I reached Qualified in December).
    qualified = world.stages["Qualified"]
    assert _letters(session, world, DealFilter(reached_stage_id=qualified)) == (
        ["A", "C", "H", "B", "I", "E"],
        6,
    )


def test_reached_an_outcome_or_a_stage_that_is_gone(session: Session, world: World) -> None:
    assert _letters(session, world, DealFilter(reached_stage_id=world.stages["Won"])) == (["H", "B"], 2)
    assert _letters(session, world, DealFilter(reached_stage_id=world.stages["Lost"])) == (["C"], 1)
    assert _letters(session, world, DealFilter(reached_stage_id=999)) == ([], 0)


def test_lost_reason(session: Session, world: World) -> None:
    # A deal put straight into Lost has no reason: "" finds it.
    world.deals["K"] = (
        deals.create_deal(session, deals.DealCreate(title="K", stage_id=world.stages["Lost"])).id or 0
    )
    assert _letters(session, world, DealFilter(lost_reason="Price")) == (["C"], 1)
    assert _letters(session, world, DealFilter(lost_reason="")) == (["K"], 1)
    assert _letters(session, world, DealFilter(lost_reason="Timing")) == ([], 0)


def test_expected_close_dates(session: Session, world: World) -> None:
    for letter, day in (("A", date(2026, 11, 30)), ("D", date(2026, 12, 1)), ("J", date(2026, 11, 20))):
        deals.update_deal(session, world.deals[letter], {"expected_close_on": day})
    november = (date(2026, 11, 20), date(2026, 11, 30))  # both ends included
    assert _letters(session, world, DealFilter(expected=november)) == (["A", "J"], 2)
    assert _letters(session, world, DealFilter(expected_before=date(2026, 11, 30))) == (["J"], 1)
    no_date = DealFilter(status="open", no_expected_date=True)
    assert _letters(session, world, no_date) == (["I", "E"], 2)


def test_lead_source(session: Session, world: World) -> None:
    nameless = leads.create_lead(session, leads.lead_from_fields({"name": "No Source"})).id or 0
    request = ConversionRequest(
        lead_id=nameless, first_name="Nina", create_deal=True, deal_title="N", deal_amount="1"
    )
    world.deals["N"] = lead_triage.convert_lead(session, request).deal_id or 0
    assert _letters(session, world, DealFilter(lead_source="Website")) == (["J"], 1)
    # "" is a deal from a lead with no source, not a deal with no lead.
    assert _letters(session, world, DealFilter(lead_source="")) == (["N"], 1)
    assert _letters(session, world, DealFilter(lead_source="Referral")) == ([], 0)


def test_the_limit_keeps_the_total(session: Session, world: World) -> None:
    assert _letters(session, world, DealFilter(created=CREATED), limit=2) == (["A", "C"], 6)


def test_an_unknown_status_is_refused(session: Session) -> None:
    with pytest.raises(ValidationError):
        drill_deals(session, DealFilter(status="pending"))
