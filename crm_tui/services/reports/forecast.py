"""The forecast: the open deals by the month they are expected to close, weighted by their
stage's probability, and the open deals already past their expected close date.

Not a report of the period's past: the period only chooses the months shown. A deal expected
before today is overdue (its own table), one after the period's last day is "Later".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from crm_tui.dates import today
from crm_tui.db.models import Deal, EntityKind, Stage, StageKind
from crm_tui.services.deals import deal_rows, deal_rows_select
from crm_tui.services.reports.model import (
    Column,
    DealFilter,
    DrillLink,
    Fact,
    RecordLink,
    Report,
    Row,
    Table,
    ValueKind,
    add_money,
)
from crm_tui.services.reports.period import Period, month_label, next_month

MONTH_COLUMNS = (
    Column("month", "Month"),
    Column("deals", "Deals", ValueKind.COUNT),
    Column("amount", "Amount", ValueKind.MONEY),
    Column("weighted", "Weighted", ValueKind.MONEY, chart=True),
)
OVERDUE_COLUMNS = (
    Column("deal", "Deal"),
    Column("client", "Client"),
    Column("expected", "Expected", ValueKind.DATE),
    Column("days_late", "Days late", ValueKind.COUNT),
    Column("stage", "Stage"),
    Column("amount", "Amount", ValueKind.MONEY),
)
OVERDUE_LIMIT = 200

# The buckets a deal's expected close date falls in, besides the months (0, 1, …).
NO_DATE, OVERDUE, LATER, BEFORE = -1, -2, -3, -4


@dataclass
class _Bucket:
    deals: int = 0
    amount: dict[str, int] = field(default_factory=dict)
    weighted: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Month:
    label: str
    first: date  # the first day counted: the month's first, or today within this month
    last: date  # the month's last day, or the period's last when it ends mid-month


def _open_deals() -> list[Any]:
    return [col(Deal.archived_at).is_(None), col(Stage.kind) == StageKind.OPEN.value]


def _months(period: Period, day: date) -> list[_Month]:
    months = []
    for first in period.months():
        last = min(next_month(first) - timedelta(days=1), period.last)
        months.append(_Month(month_label(first), max(first, day), last))
    return months


def _bucket(months: list[_Month], period: Period, day: date) -> Any:
    """Which bucket a deal's expected close date is in, as a SQL CASE: the first that holds."""
    expected = col(Deal.expected_close_on)
    whens: list[tuple[Any, int]] = [
        (expected.is_(None), NO_DATE),
        (expected < day, OVERDUE),
        (expected > period.last, LATER),
    ]
    if months:
        # Days from today up to the period's first month (a period still to come) are in none.
        whens.append((expected < period.months()[0], BEFORE))
    whens += [(expected <= month.last, index) for index, month in enumerate(months)]
    return case(*whens, else_=BEFORE)


def _totals(session: Session, months: list[_Month], period: Period, day: date) -> dict[int, _Bucket]:
    """The open deals counted and summed per bucket: one GROUP BY bucket and currency."""
    bucket = _bucket(months, period, day).label("bucket")
    # The board's weighted_amount, in SQL: (amount × probability + 50) // 100, in integers.
    weighted = (col(Deal.amount) * col(Stage.probability) + 50) // 100
    rows = session.exec(
        select(  # type: ignore[call-overload]  # >4 columns
            bucket, Deal.currency, func.count(), func.sum(Deal.amount), func.sum(weighted)
        )
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(*_open_deals())
        .group_by(bucket, col(Deal.currency))
    )
    totals: dict[int, _Bucket] = {}
    for index, currency, deals, amount, weighed in rows:
        total = totals.setdefault(index, _Bucket())
        total.deals += deals
        add_money(total.amount, currency, amount or 0)
        add_money(total.weighted, currency, weighed or 0)
    return totals


def _row(label: str, total: _Bucket | None, deals: DealFilter, title: str) -> Row:
    total = total or _Bucket()
    return Row(
        {
            "month": label,
            "deals": total.deals,
            "amount": dict(sorted(total.amount.items())),
            "weighted": dict(sorted(total.weighted.items())),
        },
        DrillLink(title, deals),
    )


def _month_table(months: list[_Month], totals: dict[int, _Bucket], period: Period, day: date) -> Table:
    rows = [
        _row(
            month.label,
            totals.get(index),
            DealFilter(status=StageKind.OPEN.value, expected=(month.first, month.last)),
            f"Open deals expected to close in {month.label}",
        )
        for index, month in enumerate(months)
    ]
    # After the period, and not overdue (a past period's "Later" starts today).
    after = max(period.last + timedelta(days=1), day)
    rows.append(
        _row(
            "Later",
            totals.get(LATER),
            DealFilter(status=StageKind.OPEN.value, expected=(after, date.max)),
            f"Open deals expected to close after {Period(period.last, period.last).span()}",
        )
    )
    rows.append(
        _row(
            "No close date",
            totals.get(NO_DATE),
            DealFilter(status=StageKind.OPEN.value, no_expected_date=True),
            "Open deals with no expected close date",
        )
    )
    return Table(
        "months",
        "Expected to close",
        MONTH_COLUMNS,
        rows,
        note="Open deals from today on; weighted by their stage's probability.",
    )


def _overdue_table(session: Session, day: date, total: int) -> Table:
    statement = (
        deal_rows_select()
        .where(*_open_deals(), col(Deal.expected_close_on) < day)
        .order_by(col(Deal.expected_close_on), col(Deal.id))
        .limit(OVERDUE_LIMIT)
    )
    return Table(
        "overdue",
        "Past their expected close date",
        OVERDUE_COLUMNS,
        [
            Row(
                {
                    "deal": deal.title,
                    "client": deal.company or deal.contact,
                    "expected": deal.expected_close_on,
                    "days_late": (day - deal.expected_close_on).days,  # type: ignore[operator]  # < day
                    "stage": deal.stage,
                    "amount": {deal.currency: deal.amount},
                },
                RecordLink(EntityKind.DEAL, deal.id),
            )
            for deal in deal_rows(session, statement)
        ],
        note=f"The {OVERDUE_LIMIT} most overdue are listed." if total > OVERDUE_LIMIT else "",
        total=total,
        empty="No open deal is past its expected close date.",
    )


def _sum(buckets: list[_Bucket], part: str) -> dict[str, int]:
    summed: dict[str, int] = {}
    for bucket in buckets:
        for currency, amount in getattr(bucket, part).items():
            add_money(summed, currency, amount)
    return dict(sorted(summed.items()))


def build(session: Session, period: Period) -> Report:
    day = today()
    months = _months(period, day)
    totals = _totals(session, months, period, day)
    every = list(totals.values())
    overdue = totals.get(OVERDUE, _Bucket()).deals
    facts = [
        Fact("open_deals", "Open deals", sum(bucket.deals for bucket in every)),
        Fact("open_amount", "Open amount", _sum(every, "amount"), ValueKind.MONEY),
        Fact("weighted", "Weighted", _sum(every, "weighted"), ValueKind.MONEY),
        Fact("overdue", "Past expected close", overdue),
    ]
    return Report(
        key="forecast",
        title="Forecast",
        period=period,
        facts=facts,
        tables=[_month_table(months, totals, period, day), _overdue_table(session, day, overdue)],
        scope="open deals by expected close month",
    )
