"""The one shape every report comes in, so that the app, `crm-tui report` (text, JSON, CSV)
and the CSV export all draw the same numbers from the same object.

A report is a few headline facts and one or more tables. A table's cells are plain values:
text, counts (int), money (a dict of currency → minor units, since deals come in several
currencies), percentages (float, 0–100), days (float) and dates. A row may lead somewhere:
to a record's card, or to the list of deals it stands for (the funnel's drill-down).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from crm_tui.db.models import EntityKind
from crm_tui.services.reports.period import Period


class ValueKind(StrEnum):
    TEXT = "text"
    COUNT = "count"  # int
    MONEY = "money"  # dict[str, int]: currency → minor units ({} is zero)
    PERCENT = "percent"  # float 0–100, or None when the base is zero ("—")
    DAYS = "days"  # float, or None when nothing to average
    NUMBER = "number"  # float shown with one decimal (an average count), or None
    DATE = "date"  # datetime.date


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key and the basis of the CSV header
    title: str  # the header people read
    kind: ValueKind = ValueKind.TEXT
    # The column drawn as bars beside the numbers (at most one per table).
    chart: bool = False


@dataclass(frozen=True)
class DealFilter:
    """Which deals a report row stands for; `reports.drill.drill_deals` lists them.

    Every field left as None does not filter. Ranges of moments are [start, end) in UTC,
    ranges of days are inclusive local days.
    """

    created: tuple[datetime, datetime] | None = None
    closed: tuple[datetime, datetime] | None = None
    # Deals that reached this open stage or one after it (by position), counting the stages
    # they passed through on the way and not only where they are now; won deals reached all.
    reached_stage_id: int | None = None
    status: str | None = None  # a StageKind value: open / won / lost
    lost_reason: str | None = None  # exact; "" for the lost deals with no reason given
    expected: tuple[date, date] | None = None  # expected_close_on within these days
    expected_before: date | None = None  # expected_close_on earlier than this day (overdue)
    no_expected_date: bool = False  # expected_close_on is not set
    lead_source: str | None = None  # the deal came from a lead of this source ("" for none)


@dataclass(frozen=True)
class RecordLink:
    """`enter` on the row opens this record's card."""

    kind: EntityKind
    id: int


@dataclass(frozen=True)
class DrillLink:
    """`enter` on the row lists the deals behind it."""

    title: str  # "Reached Proposal · deals created 1 Nov – 30 Nov 2026"
    deals: DealFilter


@dataclass(frozen=True)
class Row:
    values: dict[str, Any]  # column key → value of the column's kind
    link: RecordLink | DrillLink | None = None


@dataclass(frozen=True)
class Table:
    key: str  # "stages", "leads", "months", "overdue", "reasons", …
    title: str
    columns: tuple[Column, ...]
    rows: list[Row]
    # Said under the table: how its numbers are counted, or that rows were left out.
    note: str = ""
    # When the rows are a first page of a longer list (the red contacts), how many there are.
    total: int | None = None
    # Said instead of an empty table.
    empty: str = "Nothing in this period."

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def values(self, key: str) -> list[Any]:
        """One column's values, top to bottom (tests read reports this way)."""
        return [row.values.get(key) for row in self.rows]


@dataclass(frozen=True)
class Fact:
    """A headline number: win rate, average deal size, average cycle, …"""

    key: str
    label: str
    value: Any
    kind: ValueKind = ValueKind.COUNT


@dataclass(frozen=True)
class Report:
    key: str  # funnel / forecast / wonlost / sources / activity / health
    title: str
    period: Period
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # What the period means for this report ("deals created in the period", "as of today").
    scope: str = ""

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def fact(self, key: str) -> Any:
        return next(fact.value for fact in self.facts if fact.key == key)


def rate(part: int, whole: int) -> float | None:
    """A percentage rounded to one decimal, None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def add_money(total: dict[str, int], currency: str, amount: int) -> None:
    total[currency] = total.get(currency, 0) + amount
