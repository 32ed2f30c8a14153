"""The forecast on a small hand-made pipeline, today being 20 Nov 2026: every count, sum and
weighted sum exact, and the drill-down of each month row listing the deals it counted.

    deal  stage (probability)  amount       expected     counted in
    O1    New (10)             RUB 100.05   25 Nov       Nov   (weighted 10.005 → 10.01)
    O2    Qualified (25)       RUB 100.02   20 Nov       Nov   (today; 25.005 → 25.01)
    O3    Proposal (50)        USD 3.01     30 Nov       Nov   (1.505 → 1.51)
    O4    Negotiation (75)     RUB 1,000    15 Dec       Dec, or Later
    O5    New (10)             RUB 500      —            No close date
    O6    Qualified (25)       USD 2,000    19 Nov       overdue 1 day (Acme, Boris)
    O7    Proposal (50)        RUB 300      1 Oct        overdue 50 days (Anna Petrova)
    O8    Negotiation (75)     USD 10       10 Feb 2027  Later
    O9    New (10)             RUB 0        1 Nov        overdue 19 days (no client)
    not counted: a won, a lost and an archived deal, all expected on 25 Nov.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from crm_tui.db.models import EntityKind
from crm_tui.services import contacts, deals
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.reports import forecast
from crm_tui.services.reports.drill import drill_deals
from crm_tui.services.reports.model import DealFilter, DrillLink, RecordLink, Table, ValueKind
from crm_tui.services.reports.period import Period
from crm_tui.services.stages import stage_by_name

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
QUARTER = Period(date(2026, 10, 1), date(2026, 12, 31))
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@dataclass(frozen=True)
class Pipeline:
    deals: dict[str, int]  # name → deal id


def _deal(
    session: Session,
    title: str,
    stage: str,
    amount: int,
    currency: str = "RUB",
    expected: date | None = None,
    contact_id: int | None = None,
) -> int:
    data = DealCreate(
        title=title,
        amount=amount,
        currency=currency,
        expected_close_on=expected,
        stage_id=stage_by_name(session, stage).id,
        contact_id=contact_id,
    )
    return deals.create_deal(session, data).id or 0


@pytest.fixture
def pipeline(session: Session) -> Pipeline:
    boris = contacts.create_contact(session, ContactCreate(first_name="Boris", company_name="Acme"))
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna", last_name="Petrova"))
    ids = {
        "O1": _deal(session, "O1", "New", 100_05, expected=date(2026, 11, 25)),
        "O2": _deal(session, "O2", "Qualified", 100_02, expected=date(2026, 11, 20)),
        "O3": _deal(session, "O3", "Proposal", 3_01, "USD", date(2026, 11, 30)),
        "O4": _deal(session, "O4", "Negotiation", 1_000_00, expected=date(2026, 12, 15)),
        "O5": _deal(session, "O5", "New", 500_00),
        "O6": _deal(session, "O6", "Qualified", 2_000_00, "USD", date(2026, 11, 19), boris.id),
        "O7": _deal(session, "O7", "Proposal", 300_00, expected=date(2026, 10, 1), contact_id=anna.id),
        "O8": _deal(session, "O8", "Negotiation", 10_00, "USD", date(2027, 2, 10)),
        "O9": _deal(session, "O9", "New", 0, expected=date(2026, 11, 1)),
    }
    won = _deal(session, "won", "New", 1_00, expected=date(2026, 11, 25))
    deals.win_deal(session, won)
    lost = _deal(session, "lost", "New", 1_00, expected=date(2026, 11, 25))
    deals.lose_deal(session, lost, "Price")
    archived = _deal(session, "archived", "New", 1_00, expected=date(2026, 11, 25))
    deals.archive_deal(session, archived)
    session.flush()
    return Pipeline(ids)


NOVEMBER_ROW = (3, {"RUB": 200_07, "USD": 3_01}, {"RUB": 10_01 + 25_01, "USD": 1_51})
NO_DATE_ROW = (1, {"RUB": 500_00}, {"RUB": 50_00})


def _rows(table: Table) -> list[tuple[Any, ...]]:
    return [
        (r.values["month"], r.values["deals"], r.values["amount"], r.values["weighted"]) for r in table.rows
    ]


def test_months_later_and_no_date(session: Session, pipeline: Pipeline) -> None:
    table = forecast.build(session, NOVEMBER).table("months")
    assert table.title == "Expected to close"
    assert _rows(table) == [
        ("Nov 2026", *NOVEMBER_ROW),
        ("Later", 2, {"RUB": 1_000_00, "USD": 10_00}, {"RUB": 750_00, "USD": 7_50}),
        ("No close date", *NO_DATE_ROW),
    ]


def test_a_quarter_shows_its_months(session: Session, pipeline: Pipeline) -> None:
    table = forecast.build(session, QUARTER).table("months")
    # October is past: its deals are overdue, not October's.
    assert _rows(table) == [
        ("Oct 2026", 0, {}, {}),
        ("Nov 2026", *NOVEMBER_ROW),
        ("Dec 2026", 1, {"RUB": 1_000_00}, {"RUB": 750_00}),
        ("Later", 1, {"USD": 10_00}, {"USD": 7_50}),
        ("No close date", *NO_DATE_ROW),
    ]


def test_a_period_ending_mid_month_leaves_the_rest_to_later(session: Session, pipeline: Pipeline) -> None:
    table = forecast.build(session, Period(date(2026, 11, 10), date(2026, 12, 10))).table("months")
    assert _rows(table)[1:3] == [
        ("Dec 2026", 0, {}, {}),
        ("Later", 2, {"RUB": 1_000_00, "USD": 10_00}, {"RUB": 750_00, "USD": 7_50}),
    ]
    assert table.rows[1].link == DrillLink(
        "Open deals expected to close in Dec 2026",
        DealFilter(status="open", expected=(DEC, date(2026, 12, 10))),
    )
    assert table.rows[2].link == DrillLink(
        "Open deals expected to close after 10 Dec 2026",
        DealFilter(status="open", expected=(date(2026, 12, 11), date.max)),
    )


def test_a_period_to_come_leaves_out_the_days_before_it(session: Session, pipeline: Pipeline) -> None:
    report = forecast.build(session, Period(DEC, date(2026, 12, 31)))
    # O1–O3 close between today and December: in no row, still in the facts.
    assert [row[:2] for row in _rows(report.table("months"))] == [
        ("Dec 2026", 1),
        ("Later", 1),
        ("No close date", 1),
    ]
    assert report.fact("open_deals") == 9


def test_month_rows_link_to_their_open_deals(session: Session, pipeline: Pipeline) -> None:
    rows = forecast.build(session, QUARTER).table("months").rows
    today = date(2026, 11, 20)
    assert [row.link for row in rows] == [
        DrillLink(
            "Open deals expected to close in Oct 2026",
            DealFilter(status="open", expected=(today, date(2026, 10, 31))),
        ),
        DrillLink(
            "Open deals expected to close in Nov 2026",
            DealFilter(status="open", expected=(today, date(2026, 11, 30))),
        ),
        DrillLink(
            "Open deals expected to close in Dec 2026",
            DealFilter(status="open", expected=(DEC, date(2026, 12, 31))),
        ),
        DrillLink(
            "Open deals expected to close after 31 Dec 2026",
            DealFilter(status="open", expected=(date(2027, 1, 1), date.max)),
        ),
        DrillLink("Open deals with no expected close date", DealFilter(status="open", no_expected_date=True)),
    ]


@pytest.mark.parametrize("period", [NOVEMBER, QUARTER], ids=["november", "quarter"])
def test_each_month_row_drills_into_the_deals_it_counted(
    session: Session, pipeline: Pipeline, period: Period
) -> None:
    names = {deal_id: name for name, deal_id in pipeline.deals.items()}
    listed = {}
    for row in forecast.build(session, period).table("months").rows:
        assert isinstance(row.link, DrillLink)
        found, total = drill_deals(session, row.link.deals)
        assert total == row.values["deals"]
        listed[row.values["month"]] = [names[deal.id] for deal in found]
    assert listed["Nov 2026"] == ["O1", "O2", "O3"]  # largest amount first
    assert listed["No close date"] == ["O5"]
    assert listed["Later"] == (["O4", "O8"] if period == NOVEMBER else ["O8"])


def test_overdue_deals_most_overdue_first(session: Session, pipeline: Pipeline) -> None:
    table = forecast.build(session, NOVEMBER).table("overdue")
    assert table.title == "Past their expected close date"
    assert [(c.key, c.kind) for c in table.columns] == [
        ("deal", ValueKind.TEXT),
        ("client", ValueKind.TEXT),
        ("expected", ValueKind.DATE),
        ("days_late", ValueKind.COUNT),
        ("stage", ValueKind.TEXT),
        ("amount", ValueKind.MONEY),
    ]
    assert [row.values for row in table.rows] == [
        {
            "deal": "O7",
            "client": "Anna Petrova",
            "expected": date(2026, 10, 1),
            "days_late": 50,
            "stage": "Proposal",
            "amount": {"RUB": 300_00},
        },
        {
            "deal": "O9",
            "client": "",
            "expected": date(2026, 11, 1),
            "days_late": 19,
            "stage": "New",
            "amount": {"RUB": 0},
        },
        {
            "deal": "O6",
            "client": "Acme",
            "expected": date(2026, 11, 19),
            "days_late": 1,
            "stage": "Qualified",
            "amount": {"USD": 2_000_00},
        },
    ]
    assert [row.link for row in table.rows] == [
        RecordLink(EntityKind.DEAL, pipeline.deals[name]) for name in ("O7", "O9", "O6")
    ]
    assert (table.total, table.note) == (3, "")
    found, total = drill_deals(session, DealFilter(status="open", expected_before=date(2026, 11, 20)))
    overdue = sorted(pipeline.deals[name] for name in ("O6", "O7", "O9"))
    assert (sorted(deal.id for deal in found), total) == (overdue, 3)


def test_overdue_list_is_cut_but_the_total_is_not(
    session: Session, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forecast, "OVERDUE_LIMIT", 2)
    table = forecast.build(session, NOVEMBER).table("overdue")
    assert [row.values["deal"] for row in table.rows] == ["O7", "O9"]
    assert (table.total, table.note) == (3, "The 2 most overdue are listed.")


def test_facts(session: Session, pipeline: Pipeline) -> None:
    report = forecast.build(session, NOVEMBER)
    assert (report.key, report.title, report.scope) == (
        "forecast",
        "Forecast",
        "open deals by expected close month",
    )
    rub = 200_07 + 1_000_00 + 500_00 + 300_00
    usd = 3_01 + 10_00 + 2_000_00
    weighted_rub = 10_01 + 25_01 + 750_00 + 50_00 + 150_00
    weighted_usd = 1_51 + 7_50 + 500_00
    assert [(fact.key, fact.value, fact.kind) for fact in report.facts] == [
        ("open_deals", 9, ValueKind.COUNT),
        ("open_amount", {"RUB": rub, "USD": usd}, ValueKind.MONEY),
        ("weighted", {"RUB": weighted_rub, "USD": weighted_usd}, ValueKind.MONEY),
        ("overdue", 3, ValueKind.COUNT),
    ]


def test_nothing_open(session: Session) -> None:
    report = forecast.build(session, NOVEMBER)
    assert _rows(report.table("months")) == [
        ("Nov 2026", 0, {}, {}),
        ("Later", 0, {}, {}),
        ("No close date", 0, {}, {}),
    ]
    overdue = report.table("overdue")
    assert (overdue.rows, overdue.total) == ([], 0)
    assert overdue.empty == "No open deal is past its expected close date."
    assert [fact.value for fact in report.facts] == [0, {}, {}, 0]
