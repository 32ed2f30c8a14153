"""The lead sources report: the period's leads by source, and what became of them.

Leads come in, are converted (with a deal) or disqualified through the lead services, with
the frozen clock moved between steps. TZ is UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session

from crm_tui.db.models import Lead, LeadBase
from crm_tui.services import deals, lead_triage, leads
from crm_tui.services.lead_triage import ConversionRequest
from crm_tui.services.reports.drill import drill_deals
from crm_tui.services.reports.model import DealFilter, DrillLink, Report, ValueKind
from crm_tui.services.reports.period import Period
from crm_tui.services.reports.sources import build

Clock = Callable[[str], None]

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _lead(session: Session, clock: Clock, at: str, source: str | None, currency: str = "RUB") -> Lead:
    clock(f"{at}+00:00")
    return leads.create_lead(session, LeadBase(person_name=f"Lead {at}", source=source, currency=currency))


def _id(lead: Lead) -> int:
    assert lead.id is not None
    return lead.id


def _convert(session: Session, clock: Clock, at: str, lead: Lead, amount: str) -> int:
    """Convert with a deal; the deal's id."""
    clock(f"{at}+00:00")
    conversion = lead_triage.convert_lead(
        session,
        ConversionRequest(
            lead_id=_id(lead), first_name=lead.person_name, create_deal=True, deal_amount=amount
        ),
    )
    assert conversion.deal_id is not None
    return conversion.deal_id


def _win(session: Session, clock: Clock, at: str, deal_id: int) -> None:
    clock(f"{at}+00:00")
    deals.win_deal(session, deal_id)


def _report(session: Session, period: Period = NOVEMBER) -> Report:
    session.flush()
    return build(session, period)


@pytest.fixture
def november_leads(session: Session, clock: Clock) -> None:
    # Website: four leads, two converted (one deal won, one lost), one disqualified, one new.
    web_won = _lead(session, clock, "2026-11-02T10:00:00", "Website")
    _win(
        session,
        clock,
        "2026-11-10T10:00:00",
        _convert(session, clock, "2026-11-03T10:00:00", web_won, "1000"),
    )
    web_lost = _lead(session, clock, "2026-11-03T10:00:00", "Website")
    lost_deal = _convert(session, clock, "2026-11-04T10:00:00", web_lost, "500")
    deals.lose_deal(session, lost_deal, "price too high")
    disqualified = _lead(session, clock, "2026-11-04T10:00:00", "Website")
    lead_triage.disqualify(session, [_id(disqualified)], "spam")
    _lead(session, clock, "2026-11-05T10:00:00", "Website")
    # Referral: two leads in dollars, one converted and its deal won after the period ends:
    # what became of the period's leads counts, whenever it happened.
    referral = _lead(session, clock, "2026-11-06T10:00:00", "Referral", "USD")
    _win(
        session, clock, "2026-12-05T10:00:00", _convert(session, clock, "2026-11-07T10:00:00", referral, "10")
    )
    _lead(session, clock, "2026-11-07T10:00:00", "Referral", "USD")
    # No source, given as nothing and as blanks.
    _lead(session, clock, "2026-11-08T10:00:00", None)
    blank = _lead(session, clock, "2026-11-09T10:00:00", "  ")
    _convert(session, clock, "2026-11-10T10:00:00", blank, "")

    # A day before the first and the first moment after the last, converted and won.
    before = _lead(session, clock, "2026-10-31T23:59:59", "Website")
    _win(session, clock, "2026-11-02T10:00:00", _convert(session, clock, "2026-11-01T10:00:00", before, "7"))
    _lead(session, clock, "2026-12-01T00:00:00", "Website")
    # A duplicate merged into another lead is archived: the same enquiry, not a second one.
    duplicate = _lead(session, clock, "2026-11-11T10:00:00", "Website")
    clock("2026-11-12T10:00:00+00:00")
    leads.archive_lead(session, _id(duplicate))


def test_sources_count_the_leads_of_the_period_and_what_became_of_them(
    session: Session, november_leads
) -> None:
    report = _report(session)
    assert (report.key, report.title, report.scope) == (
        "sources",
        "Lead sources",
        "leads created 1 Nov – 30 Nov 2026",
    )
    table = report.table("sources")
    assert table.title == "Leads by source"
    assert [column.key for column in table.columns] == [
        "source",
        "leads",
        "converted",
        "conversion",
        "disqualified",
        "won",
        "won_amount",
    ]
    assert table.column("leads").chart
    # Most leads first; a tie goes by name, "(none)" before the named ones.
    assert table.values("source") == ["Website", "(none)", "Referral"]
    assert table.values("leads") == [4, 2, 2]
    assert table.values("converted") == [2, 1, 1]
    assert table.values("conversion") == [50.0, 50.0, 50.0]
    assert table.values("disqualified") == [1, 0, 0]
    assert table.values("won") == [1, 0, 1]
    assert table.values("won_amount") == [{"RUB": 1000_00}, {}, {"USD": 10_00}]


def test_facts_sum_the_sources(session: Session, november_leads) -> None:
    report = _report(session)
    assert [report.fact(key) for key in ("leads", "converted", "conversion", "won", "won_amount")] == [
        8,
        4,
        50.0,
        2,
        {"RUB": 1000_00, "USD": 10_00},
    ]
    assert {fact.key: fact.kind for fact in report.facts} == {
        "leads": ValueKind.COUNT,
        "converted": ValueKind.COUNT,
        "conversion": ValueKind.PERCENT,
        "won": ValueKind.COUNT,
        "won_amount": ValueKind.MONEY,
    }


def test_rows_drill_into_every_deal_of_their_source_and_say_so(session: Session, november_leads) -> None:
    table = _report(session).table("sources")
    assert [row.link for row in table.rows] == [
        DrillLink("Deals from Website leads (of any date)", DealFilter(lead_source="Website")),
        DrillLink("Deals from (none) leads (of any date)", DealFilter(lead_source="")),
        DrillLink("Deals from Referral leads (of any date)", DealFilter(lead_source="Referral")),
    ]


def test_an_archived_won_deal_is_not_counted(session: Session, clock: Clock) -> None:
    lead = _lead(session, clock, "2026-11-02T10:00:00", "Website")
    deal_id = _convert(session, clock, "2026-11-03T10:00:00", lead, "1000")
    _win(session, clock, "2026-11-04T10:00:00", deal_id)
    assert _report(session).fact("won") == 1
    deals.archive_deal(session, deal_id)
    report = _report(session)
    assert (report.fact("leads"), report.fact("converted"), report.fact("won")) == (1, 1, 0)


def test_an_empty_period(session: Session, november_leads) -> None:
    report = _report(session, Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert [report.fact(key) for key in ("leads", "converted", "conversion", "won", "won_amount")] == [
        0,
        0,
        None,
        0,
        {},
    ]
    assert report.table("sources").rows == []
    assert report.table("sources").empty == "No lead came in this period."


def test_the_drill_down_lists_every_deal_of_the_source_as_its_title_says(
    session: Session, november_leads
) -> None:
    website = _report(session).table("sources").rows[0]
    assert isinstance(website.link, DrillLink)
    # The won and the lost deal of November's leads, and the deal of the lead from 31 October.
    assert drill_deals(session, website.link.deals)[1] == 3
