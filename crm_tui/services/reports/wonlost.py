"""Won and lost: the deals closed in the period, month by month, and why the lost ones were lost.

A closed deal is one not archived whose current stage is a won or a lost one, with its
`closed_at` in the period. A deal reopened since is open again (its `closed_at` is cleared)
and does not count; won again later, it counts in the month it was won the last time.

Two GROUP BY queries over the closed deals make the whole report: one by local month, stage
kind and currency (the months, the headline facts), one by lost reason and currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from crm_tui.dates import day_start_utc
from crm_tui.db.models import Deal, Stage, StageKind
from crm_tui.services.reports.model import (
    Column,
    DealFilter,
    DrillLink,
    Fact,
    Report,
    Row,
    Table,
    ValueKind,
    add_money,
    rate,
)
from crm_tui.services.reports.period import Period, month_label, next_month
from crm_tui.services.reports.sql import days_between, local_day

NO_REASON = "(no reason)"

MONTH_COLUMNS = (
    Column("month", "Month"),
    Column("won", "Won", ValueKind.COUNT),
    Column("won_amount", "Won amount", ValueKind.MONEY, chart=True),
    Column("lost", "Lost", ValueKind.COUNT),
    Column("win_rate", "Win rate", ValueKind.PERCENT),
)

REASON_COLUMNS = (
    Column("reason", "Reason"),
    Column("deals", "Deals", ValueKind.COUNT, chart=True),
    Column("amount", "Amount", ValueKind.MONEY),
    Column("share", "Share", ValueKind.PERCENT),
)


@dataclass
class _Tally:
    """The won and lost deals of one month, or of the whole period."""

    won: int = 0
    lost: int = 0
    won_amount: dict[str, int] = field(default_factory=dict)
    won_by_currency: dict[str, int] = field(default_factory=dict)
    cycle_days: float = 0.0  # the sum over the won deals of days from created to closed

    def add(self, kind: str, currency: str, deals: int, amount: int, cycle_days: float) -> None:
        if kind == StageKind.WON.value:
            self.won += deals
            add_money(self.won_amount, currency, amount)
            self.won_by_currency[currency] = self.won_by_currency.get(currency, 0) + deals
            self.cycle_days += cycle_days
        else:
            self.lost += deals

    @property
    def win_rate(self) -> float | None:
        return rate(self.won, self.won + self.lost)


def _closed(period: Period) -> list[ColumnElement[bool]]:
    return [
        col(Deal.archived_at).is_(None),
        col(Stage.kind).in_([StageKind.WON.value, StageKind.LOST.value]),
        col(Deal.closed_at) >= period.start_utc,
        col(Deal.closed_at) < period.end_utc,
    ]


def _by_month(session: Session, period: Period) -> dict[date, _Tally]:
    """Month (its first local day) → the deals closed in it; only months with any."""
    month = func.substr(local_day(col(Deal.closed_at)), 1, 7)
    cycle = func.coalesce(func.sum(days_between(col(Deal.closed_at), col(Deal.created_at))), 0.0)
    rows: Any = session.exec(
        select(month, Stage.kind, Deal.currency, func.count(), func.sum(Deal.amount), cycle)  # type: ignore[call-overload]  # >4 columns
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(*_closed(period))
        .group_by(month, Stage.kind, Deal.currency)
    ).all()
    months: dict[date, _Tally] = {}
    for month_text, kind, currency, deals, amount, days in rows:
        first = date.fromisoformat(f"{month_text}-01")
        months.setdefault(first, _Tally()).add(kind, currency, deals, int(amount), days)
    return months


def _total(months: dict[date, _Tally]) -> _Tally:
    total = _Tally()
    for tally in months.values():
        total.won += tally.won
        total.lost += tally.lost
        total.cycle_days += tally.cycle_days
        for currency, amount in tally.won_amount.items():
            add_money(total.won_amount, currency, amount)
        for currency, deals in tally.won_by_currency.items():
            total.won_by_currency[currency] = total.won_by_currency.get(currency, 0) + deals
    return total


def _month_range(month: date, period: Period) -> tuple[datetime, datetime]:
    """The UTC moments of a month's local days, clipped to the period."""
    return (
        max(day_start_utc(month), period.start_utc),
        min(day_start_utc(next_month(month)), period.end_utc),
    )


def _months_table(period: Period, months: dict[date, _Tally]) -> Table:
    rows = []
    for month in period.months():
        tally = months.get(month, _Tally())
        label = month_label(month)
        rows.append(
            Row(
                {
                    "month": label,
                    "won": tally.won,
                    "won_amount": dict(tally.won_amount),
                    "lost": tally.lost,
                    "win_rate": tally.win_rate,
                },
                DrillLink(f"Won in {label}", DealFilter(closed=_month_range(month, period), status="won")),
            )
        )
    return Table(
        "months",
        "Closed per month",
        MONTH_COLUMNS,
        rows,
        note="Month of closing, in local time; the win rate is won ÷ (won + lost).",
    )


def _reasons_table(session: Session, period: Period) -> Table:
    reason = func.coalesce(col(Deal.lost_reason), "")
    rows: Any = session.exec(
        select(reason, Deal.currency, func.count(), func.sum(Deal.amount))
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(*_closed(period), col(Stage.kind) == StageKind.LOST.value)
        .group_by(reason, Deal.currency)
    ).all()
    deals: dict[str, int] = {}
    amounts: dict[str, dict[str, int]] = {}
    for text, currency, count, amount in rows:
        deals[text] = deals.get(text, 0) + count
        add_money(amounts.setdefault(text, {}), currency, int(amount))
    lost = sum(deals.values())
    closed = (period.start_utc, period.end_utc)
    ordered = sorted(deals, key=lambda text: (-deals[text], text.casefold()))
    return Table(
        "reasons",
        "Lost, by reason",
        REASON_COLUMNS,
        [
            Row(
                {
                    "reason": text or NO_REASON,
                    "deals": deals[text],
                    "amount": amounts[text],
                    "share": rate(deals[text], lost),
                },
                DrillLink(
                    f"Lost: {text or NO_REASON}", DealFilter(closed=closed, status="lost", lost_reason=text)
                ),
            )
            for text in ordered
        ],
        empty="No deal lost in this period.",
    )


def _average_deal(total: _Tally) -> dict[str, int]:
    """Per currency, the won amount ÷ the won deals in it, rounded half up to a minor unit."""
    return {
        currency: (2 * amount + deals) // (2 * deals)
        for currency, amount in total.won_amount.items()
        if (deals := total.won_by_currency.get(currency, 0))
    }


def build(session: Session, period: Period) -> Report:
    months = _by_month(session, period)
    total = _total(months)
    cycle = round(total.cycle_days / total.won, 1) if total.won else None
    return Report(
        key="wonlost",
        title="Won and lost",
        period=period,
        scope=f"deals closed {period.span()}",
        facts=[
            Fact("won", "Won", total.won),
            Fact("lost", "Lost", total.lost),
            Fact("win_rate", "Win rate", total.win_rate, ValueKind.PERCENT),
            Fact("won_amount", "Won amount", dict(total.won_amount), ValueKind.MONEY),
            Fact("avg_deal", "Average won deal", _average_deal(total), ValueKind.MONEY),
            Fact("avg_cycle", "Average sales cycle", cycle, ValueKind.DAYS),
        ],
        tables=[_months_table(period, months), _reasons_table(session, period)],
    )
