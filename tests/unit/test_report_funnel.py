"""The sales funnel on the hand-made November history of report_world.py: every count, sum,
rate and average exact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session

from crm_tui.services.reports import funnel
from crm_tui.services.reports.model import DealFilter, DrillLink, ValueKind
from crm_tui.services.reports.period import Period
from tests.unit.report_world import CREATED, NOVEMBER, STAGES, World, build_world


@pytest.fixture
def world(session: Session, clock: Callable[[str], None]) -> World:
    return build_world(session, clock)


# ---------------------------------------------------------------- the stages


def test_deals_reaching_each_stage(session: Session, world: World) -> None:
    table = funnel.build(session, NOVEMBER).table("stages")
    assert table.values("stage") == STAGES
    # New: all six; Qualified and Proposal: A (went back), B (won), C (lost), E (created
    # further on); Negotiation: B and E; Won: B.
    assert table.values("deals") == [6, 4, 4, 2, 1]
    assert table.values("amount") == [
        {"RUB": 167_000_00, "USD": 6_000_00},
        {"RUB": 140_000_00, "USD": 6_000_00},
        {"RUB": 140_000_00, "USD": 6_000_00},
        {"USD": 6_000_00},
        {"USD": 5_000_00},
    ]
    assert table.values("to_next") == [66.7, 100.0, 50.0, 50.0, None]
    assert table.values("to_won") == [16.7, 25.0, 25.0, 50.0, None]


def test_average_days_of_the_stays_that_ended(session: Session, world: World) -> None:
    table = funnel.build(session, NOVEMBER).table("stages")
    # New: A 2, B 1, C 2 days (H left New in November too, but was created in October).
    # Qualified: A 1, B 2 (A's second stay has not ended). Proposal: A 3.5, C 3.5.
    assert table.values("avg_days") == [1.7, 1.5, 3.5, None, None]


def test_stage_rows_drill_into_the_deals_created_in_the_period(session: Session, world: World) -> None:
    rows = funnel.build(session, NOVEMBER).table("stages").rows
    span = "1 Nov – 30 Nov 2026"
    assert [row.link for row in rows] == [
        *(
            DrillLink(
                f"Reached {name} · deals created {span}",
                DealFilter(created=CREATED, reached_stage_id=world.stages[name]),
            )
            for name in STAGES[:-1]
        ),
        DrillLink(f"Won · deals created {span}", DealFilter(created=CREATED, status="won")),
    ]


def test_columns_and_shape(session: Session, world: World) -> None:
    report = funnel.build(session, NOVEMBER)
    assert (report.key, report.title, report.period) == ("funnel", "Sales funnel", NOVEMBER)
    assert report.scope == "deals and leads created 1 Nov – 30 Nov 2026"
    stages = report.table("stages")
    assert [(c.key, c.kind, c.chart) for c in stages.columns] == [
        ("stage", ValueKind.TEXT, False),
        ("deals", ValueKind.COUNT, True),
        ("amount", ValueKind.MONEY, False),
        ("to_next", ValueKind.PERCENT, False),
        ("to_won", ValueKind.PERCENT, False),
        ("avg_days", ValueKind.DAYS, False),
    ]
    assert stages.title == "Deals reaching each stage"
    assert [table.key for table in report.tables] == ["stages", "leads"]


def test_facts(session: Session, world: World) -> None:
    report = funnel.build(session, NOVEMBER)
    assert [(fact.key, fact.value, fact.kind) for fact in report.facts] == [
        ("deals", 6, ValueKind.COUNT),
        ("won", 1, ValueKind.COUNT),
        ("lost", 1, ValueKind.COUNT),
        ("open", 4, ValueKind.COUNT),
        ("win_rate", 16.7, ValueKind.PERCENT),
    ]


def test_leads(session: Session, world: World) -> None:
    table = funnel.build(session, NOVEMBER).table("leads")
    assert table.title == "Leads"
    assert [c.key for c in table.columns] == ["step", "leads", "rate"]
    assert table.values("step") == ["Created", "Converted", "Became deals"]
    # The disqualified lead came in and counts; the merged duplicate and October's do not.
    assert table.values("leads") == [4, 2, 1]
    assert table.values("rate") == [100.0, 50.0, 25.0]


def test_other_periods_count_their_own_deals(session: Session, world: World) -> None:
    october = funnel.build(session, Period(date(2026, 10, 1), date(2026, 10, 31)))
    # H: created in New at 23:00 on 31 Oct, won at 09:00 on 3 Nov: 2 days 10 hours in New.
    assert october.table("stages").values("deals") == [1, 1, 1, 1, 1]
    assert october.table("stages").values("avg_days") == [2.4, None, None, None, None]
    assert october.fact("win_rate") == 100.0
    december = funnel.build(session, Period(date(2026, 12, 1), date(2026, 12, 31)))
    assert december.table("stages").values("deals") == [1, 1, 0, 0, 0]
    assert december.table("stages").values("avg_days") == [1.0, None, None, None, None]
    assert december.table("stages").values("to_next") == [100.0, 0.0, None, None, None]


def test_an_empty_period(session: Session, world: World) -> None:
    report = funnel.build(session, Period(date(2026, 9, 1), date(2026, 9, 30)))
    stages = report.table("stages")
    assert stages.values("stage") == STAGES
    assert stages.values("deals") == [0] * 5
    assert stages.values("amount") == [{}] * 5
    for key in ("to_next", "to_won", "avg_days"):
        assert stages.values(key) == [None] * 5
    assert report.table("leads").values("leads") == [0, 0, 0]
    assert report.table("leads").values("rate") == [None, None, None]
    assert [fact.value for fact in report.facts] == [0, 0, 0, 0, None]


def test_an_empty_database(session: Session) -> None:
    report = funnel.build(session, NOVEMBER)
    assert report.table("stages").values("deals") == [0] * 5
    assert report.fact("deals") == 0


def test_a_move_taken_back_with_undo_does_not_count(session: Session, clock: Callable[[str], None]) -> None:
    """New → Qualified by a slip of the key, undone a minute later; then New → Proposal a day
    on: the deal reached Proposal (and so Qualified by position), and its stay in New is one
    whole day, not split at the slip."""
    from crm_tui.services import deals
    from crm_tui.services.deals import DealCreate
    from crm_tui.services.stages import stage_by_name

    clock("2026-12-01T09:00:00+00:00")
    new = stage_by_name(session, "New").id or 0
    deal = deals.create_deal(session, DealCreate(title="Slip", amount=1_000_00, stage_id=new)).id or 0
    clock("2026-12-01T10:00:00+00:00")
    slip = deals.move_to_adjacent(session, deal, 1)
    clock("2026-12-01T10:01:00+00:00")
    deals.undo_move(session, slip)
    stages = funnel.build(session, Period(date(2026, 12, 1), date(2026, 12, 31))).table("stages")
    assert stages.values("deals") == [1, 0, 0, 0, 0]
    assert stages.values("avg_days") == [None, None, None, None, None]
    clock("2026-12-02T09:00:00+00:00")
    deals.move_deal(session, deal, stage_by_name(session, "Proposal").id or 0)
    stages = funnel.build(session, Period(date(2026, 12, 1), date(2026, 12, 31))).table("stages")
    assert stages.values("deals") == [1, 1, 1, 0, 0]
    assert stages.values("avg_days") == [1.0, None, None, None, None]
