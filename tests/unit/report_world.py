"""The hand-made history the funnel and drill-down tests count (every number known).

The world (November 2026, UTC, moments chosen so stays are whole or half days):

    A  RUB 100,000  New 2 Nov 09:00 → Qualified 4 Nov 09:00 → Proposal 5 Nov 09:00
                    → back to Qualified 8 Nov 21:00 (open; it still reached Proposal)
    B  USD 5,000    New 3 Nov 09:00 → Qualified 4 Nov 09:00 → Won 6 Nov 09:00
    C  RUB 40,000   New 5 Nov 00:00 → Proposal 7 Nov 00:00 → Lost 10 Nov 12:00 ("Price")
    D  RUB 7,000    New 10 Nov 09:00, never moved
    E  USD 1,000    created in Negotiation 12 Nov 09:00, never moved
    J  RUB 20,000   New 15 Nov 09:00, the deal of lead L1 (source Website)
    not counted: H (created 31 Oct, won in November), I (created 1 Dec), G (archived)

Leads created in November: L1 converted with a deal, L2 converted without, L3 disqualified,
L4 new; L5 merged away (archived) and L6 (October) are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from crm_tui.services import deals, lead_triage, leads
from crm_tui.services.deals import DealCreate
from crm_tui.services.lead_triage import ConversionRequest
from crm_tui.services.reports.period import Period
from crm_tui.services.stages import stage_by_name

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
CREATED = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
STAGES = ["New", "Qualified", "Proposal", "Negotiation", "Won"]


@dataclass(frozen=True)
class World:
    deals: dict[str, int]  # letter → deal id
    stages: dict[str, int]  # name → stage id


def _stage(session: Session, name: str) -> int:
    return stage_by_name(session, name).id or 0


def _deal(session: Session, title: str, amount: int, currency: str = "RUB", stage: str = "New") -> int:
    data = DealCreate(title=title, amount=amount, currency=currency, stage_id=_stage(session, stage))
    return deals.create_deal(session, data).id or 0


def _lead(session: Session, name: str, source: str | None = None) -> int:
    fields = {"name": name} | ({"source": source} if source else {})
    return leads.create_lead(session, leads.lead_from_fields(fields)).id or 0


def build_world(session: Session, clock: Callable[[str], None]) -> World:
    """The history of the module docstring, written through the services."""

    def at(moment: str) -> None:
        clock(f"2026-{moment}:00+00:00")

    def move(deal_id: int, stage: str) -> None:
        deals.move_deal_to(session, deal_id, _stage(session, stage))

    ids: dict[str, int] = {}
    at("10-31T23:00")
    ids["H"] = _deal(session, "H", 9_999_00)
    at("11-02T09:00")
    ids["A"] = _deal(session, "A", 100_000_00)
    at("11-03T09:00")
    ids["B"] = _deal(session, "B", 5_000_00, "USD")
    deals.win_deal(session, ids["H"])
    at("11-04T09:00")
    move(ids["A"], "Qualified")
    move(ids["B"], "Qualified")
    at("11-05T00:00")
    ids["C"] = _deal(session, "C", 40_000_00)
    at("11-05T09:00")
    move(ids["A"], "Proposal")
    at("11-06T09:00")
    deals.win_deal(session, ids["B"])
    at("11-07T00:00")
    move(ids["C"], "Proposal")
    at("11-08T21:00")
    move(ids["A"], "Qualified")
    at("11-10T09:00")
    ids["D"] = _deal(session, "D", 7_000_00)
    at("11-10T12:00")
    deals.lose_deal(session, ids["C"], "Price")
    at("11-11T09:00")
    ids["G"] = _deal(session, "G", 1_000_000_00)
    at("11-12T09:00")
    move(ids["G"], "Negotiation")
    deals.archive_deal(session, ids["G"])
    ids["E"] = _deal(session, "E", 1_000_00, "USD", stage="Negotiation")
    ids["J"] = _leads(session, at)
    at("12-01T00:00")
    ids["I"] = _deal(session, "I", 3_000_00)
    at("12-02T00:00")
    move(ids["I"], "Qualified")
    clock("2026-11-20T09:00:00+00:00")
    session.flush()
    return World(ids, {name: _stage(session, name) for name in [*STAGES, "Lost"]})


def _leads(session: Session, at: Callable[[str], None]) -> int:
    """The leads; returns the id of the deal L1 became (J)."""
    at("10-15T09:00")
    _lead(session, "L6 October")
    at("11-14T09:00")
    first = _lead(session, "Olga Morozova", "Website")
    second = _lead(session, "Ivan Petrov")
    third = _lead(session, "Spam Bot")
    _lead(session, "Still New")
    duplicate = _lead(session, "Olga Duplicate")
    lead_triage.disqualify(session, [third], "Spam")
    leads.archive_lead(session, duplicate)
    lead_triage.convert_lead(session, ConversionRequest(lead_id=second, first_name="Ivan"))
    at("11-15T09:00")
    conversion = lead_triage.convert_lead(
        session,
        ConversionRequest(
            lead_id=first, first_name="Olga", create_deal=True, deal_title="J", deal_amount="20000"
        ),
    )
    assert conversion.deal_amount == 20_000_00
    return conversion.deal_id or 0
