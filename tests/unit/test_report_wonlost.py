"""The won/lost report: deals closed in the period, per local month and per lost reason.

Deals are made and closed through the deal services with the frozen clock moved between
steps, so every closing moment and sales cycle is exact. TZ is UTC unless a test says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from crm_tui.db.models import Deal
from crm_tui.services import deals
from crm_tui.services.deals import DealCreate
from crm_tui.services.reports import build_report
from crm_tui.services.reports.drill import drill_deals
from crm_tui.services.reports.model import DealFilter, DrillLink, RecordLink, Report, ValueKind
from crm_tui.services.reports.period import Period
from crm_tui.services.reports.wonlost import build
from crm_tui.services.stages import stage_by_name

Clock = Callable[[str], None]

OCT_NOV = Period(date(2026, 10, 1), date(2026, 11, 30))


def _id(deal: Deal) -> int:
    assert deal.id is not None
    return deal.id


def _drill(link: RecordLink | DrillLink | None) -> DealFilter:
    assert isinstance(link, DrillLink)
    return link.deals


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _deal(session: Session, clock: Clock, at: str, amount: int, currency: str = "RUB", **fields) -> Deal:
    clock(f"{at}+00:00")
    return deals.create_deal(
        session, DealCreate(title=f"deal {at}", amount=amount, currency=currency, **fields)
    )


def _won(session: Session, clock: Clock, at: str, deal: Deal) -> None:
    clock(f"{at}+00:00")
    deals.win_deal(session, _id(deal))


def _lost(session: Session, clock: Clock, at: str, deal: Deal, reason: str) -> None:
    clock(f"{at}+00:00")
    deals.lose_deal(session, _id(deal), reason)


def _report(session: Session, period: Period = OCT_NOV) -> Report:
    session.flush()
    return build(session, period)


@pytest.fixture
def closed(session: Session, clock: Clock) -> dict[str, Deal]:
    """Seven deals closed in October and November 2026, and five that must not count."""
    made: dict[str, Deal] = {}
    made["a"] = _deal(session, clock, "2026-10-01T10:00:00", 100_00)
    _won(session, clock, "2026-10-11T10:00:00", made["a"])  # 10 days
    made["b"] = _deal(session, clock, "2026-10-05T10:00:00", 300_01)
    _won(session, clock, "2026-11-04T10:00:00", made["b"])  # 30 days
    made["c"] = _deal(session, clock, "2026-11-01T10:00:00", 50_00, "USD")
    _won(session, clock, "2026-11-06T10:00:00", made["c"])  # 5 days
    made["d"] = _deal(session, clock, "2026-10-02T10:00:00", 70_00)
    _lost(session, clock, "2026-10-20T10:00:00", made["d"], "price too high")
    made["d2"] = _deal(session, clock, "2026-10-03T10:00:00", 5_00)
    _lost(session, clock, "2026-10-25T10:00:00", made["d2"], "no response")
    # Made straight in the lost stage: lost, with no reason given.
    made["e"] = _deal(
        session, clock, "2026-11-12T10:00:00", 20_00, "USD", stage_id=stage_by_name(session, "Lost").id
    )
    made["f"] = _deal(session, clock, "2026-11-02T10:00:00", 10_00, "USD")
    _lost(session, clock, "2026-11-15T10:00:00", made["f"], "price too high")

    # Won, then reopened: open again, not closed.
    reopened = _deal(session, clock, "2026-11-01T11:00:00", 999_00)
    _won(session, clock, "2026-11-03T10:00:00", reopened)
    clock("2026-11-05T10:00:00+00:00")
    deals.reopen_deal(session, _id(reopened))
    # Closed a moment before the first day, and at the very start of the day after the last.
    before = _deal(session, clock, "2026-09-01T10:00:00", 1_00)
    _won(session, clock, "2026-09-30T23:59:59", before)
    after = _deal(session, clock, "2026-11-01T12:00:00", 2_00)
    _won(session, clock, "2026-12-01T00:00:00", after)
    # Won in the period, then archived.
    archived = _deal(session, clock, "2026-11-01T13:00:00", 3_00)
    _won(session, clock, "2026-11-07T10:00:00", archived)
    deals.archive_deal(session, _id(archived))
    # Still open.
    _deal(session, clock, "2026-11-08T10:00:00", 4_00)
    return made


def test_headline_facts_count_the_closed_deals_of_the_period(session: Session, closed) -> None:
    report = _report(session)
    assert (report.key, report.title, report.scope) == (
        "wonlost",
        "Won and lost",
        "deals closed 1 Oct – 30 Nov 2026",
    )
    assert report.fact("won") == 3
    assert report.fact("lost") == 4
    assert report.fact("win_rate") == 42.9  # 3 of 7
    assert report.fact("won_amount") == {"RUB": 400_01, "USD": 50_00}
    # Per currency, rounded half up to a whole minor unit: 400_01 / 2 = 200_00.5.
    assert report.fact("avg_deal") == {"RUB": 200_01, "USD": 50_00}
    assert report.fact("avg_cycle") == 15.0  # (10 + 30 + 5) / 3
    kinds = {fact.key: fact.kind for fact in report.facts}
    assert kinds == {
        "won": ValueKind.COUNT,
        "lost": ValueKind.COUNT,
        "win_rate": ValueKind.PERCENT,
        "won_amount": ValueKind.MONEY,
        "avg_deal": ValueKind.MONEY,
        "avg_cycle": ValueKind.DAYS,
    }


def test_months_table_has_a_row_per_month_with_a_drill_down_to_its_won_deals(
    session: Session, closed
) -> None:
    table = _report(session).table("months")
    assert table.title == "Closed per month"
    assert [column.key for column in table.columns] == ["month", "won", "won_amount", "lost", "win_rate"]
    assert table.column("won_amount").chart
    assert table.values("month") == ["Oct 2026", "Nov 2026"]
    assert table.values("won") == [1, 2]
    assert table.values("won_amount") == [{"RUB": 100_00}, {"RUB": 300_01, "USD": 50_00}]
    assert table.values("lost") == [2, 2]
    assert table.values("win_rate") == [33.3, 50.0]
    assert [row.link for row in table.rows] == [
        DrillLink(
            "Won in Oct 2026",
            DealFilter(closed=(_utc("2026-10-01T00:00:00"), _utc("2026-11-01T00:00:00")), status="won"),
        ),
        DrillLink(
            "Won in Nov 2026",
            DealFilter(closed=(_utc("2026-11-01T00:00:00"), _utc("2026-12-01T00:00:00")), status="won"),
        ),
    ]


def test_a_month_cut_by_the_period_drills_into_its_part_only(session: Session, closed) -> None:
    table = _report(session, Period(date(2026, 10, 15), date(2026, 11, 5))).table("months")
    assert table.values("won") == [0, 1]  # a (11 Oct) is before the period; b on 4 Nov
    assert table.values("lost") == [2, 0]
    links = [row.link for row in table.rows]
    assert _drill(links[0]).closed == (_utc("2026-10-15T00:00:00"), _utc("2026-11-01T00:00:00"))
    assert _drill(links[1]).closed == (_utc("2026-11-01T00:00:00"), _utc("2026-11-06T00:00:00"))


def test_lost_reasons_most_deals_first_with_amounts_and_shares(session: Session, closed) -> None:
    table = _report(session).table("reasons")
    assert table.title == "Lost, by reason"
    assert table.values("reason") == ["price too high", "(no reason)", "no response"]
    assert table.values("deals") == [2, 1, 1]
    assert table.values("amount") == [{"RUB": 70_00, "USD": 10_00}, {"USD": 20_00}, {"RUB": 5_00}]
    assert table.values("share") == [50.0, 25.0, 25.0]
    everything = (_utc("2026-10-01T00:00:00"), _utc("2026-12-01T00:00:00"))
    assert [row.link for row in table.rows] == [
        DrillLink(
            "Lost: price too high", DealFilter(closed=everything, status="lost", lost_reason="price too high")
        ),
        DrillLink("Lost: (no reason)", DealFilter(closed=everything, status="lost", lost_reason="")),
        DrillLink(
            "Lost: no response", DealFilter(closed=everything, status="lost", lost_reason="no response")
        ),
    ]


def test_a_reopened_deal_won_again_counts_in_the_month_it_was_won_last(
    session: Session, clock: Clock, closed
) -> None:
    clock("2026-11-25T10:00:00+00:00")
    deals.reopen_deal(session, _id(closed["a"]))  # won 11 Oct, now open
    report = _report(session)
    assert report.table("months").values("won") == [0, 2]
    _won(session, clock, "2026-11-26T10:00:00", closed["a"])
    report = _report(session)
    assert report.table("months").values("won") == [0, 3]
    assert report.fact("won_amount") == {"RUB": 400_01, "USD": 50_00}


def test_an_empty_period_has_zeros_and_no_rates(session: Session, closed) -> None:
    report = _report(session, Period(date(2026, 1, 1), date(2026, 2, 28)))
    assert [
        report.fact(key) for key in ("won", "lost", "win_rate", "won_amount", "avg_deal", "avg_cycle")
    ] == [
        0,
        0,
        None,
        {},
        {},
        None,
    ]
    months = report.table("months")
    assert months.values("month") == ["Jan 2026", "Feb 2026"]
    assert months.values("won") == [0, 0]
    assert months.values("won_amount") == [{}, {}]
    assert months.values("win_rate") == [None, None]
    reasons = report.table("reasons")
    assert reasons.rows == []
    assert reasons.empty == "No deal lost in this period."


def test_the_month_of_a_deal_is_its_local_month(
    session: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Moscow")  # UTC+3 all year
    time.tzset()
    deal = _deal(session, clock, "2026-10-20T10:00:00", 10_00)
    _won(session, clock, "2026-10-31T22:30:00", deal)  # 1 Nov 01:30 in Moscow

    report = _report(session, Period(date(2026, 10, 1), date(2026, 11, 30)))
    assert report.table("months").values("won") == [0, 1]
    assert _drill(report.table("months").rows[1].link).closed == (
        _utc("2026-10-31T21:00:00"),
        _utc("2026-11-30T21:00:00"),
    )
    assert _report(session, Period(date(2026, 10, 1), date(2026, 10, 31))).fact("won") == 0
    assert _report(session, Period(date(2026, 11, 1), date(2026, 11, 30))).fact("won") == 1


def test_the_report_is_built_by_its_key(session: Session, closed) -> None:
    session.flush()
    assert build_report(session, "wonlost", OCT_NOV) == build(session, OCT_NOV)


def test_every_row_drills_into_exactly_the_deals_it_counts(session: Session, closed) -> None:
    report = _report(session)
    for table, column in ((report.table("months"), "won"), (report.table("reasons"), "deals")):
        for row in table.rows:
            assert drill_deals(session, _drill(row.link))[1] == row.values[column]
