"""Lead sources: where the period's leads came from, and what became of them.

The leads counted are those created in the period and not archived. Archiving a lead is not
a decision about it: disqualifying one only sets its status (it stays in the inbox's
Disqualified tab and counts here), while the one place that archives a lead is the merge of
duplicates (`lead_matches.merge_leads`), where the archived copy is the same enquiry as the
lead it was merged into. Counting it would count that enquiry twice.

What became of them is a cohort count, whatever the day it happened: converted and
disqualified by the lead's status now, and the deals made from them (`Deal.lead_id`, set
by the conversion) won by now and not archived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlmodel import Session, col, select

from crm_tui.db.models import Deal, Lead, LeadStatus, Stage, StageKind
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
from crm_tui.services.reports.period import Period

NO_SOURCE = "(none)"

COLUMNS = (
    Column("source", "Source"),
    Column("leads", "Leads", ValueKind.COUNT, chart=True),
    Column("converted", "Converted", ValueKind.COUNT),
    Column("conversion", "Conv.", ValueKind.PERCENT),
    Column("disqualified", "Disqual.", ValueKind.COUNT),
    Column("won", "Won", ValueKind.COUNT),
    Column("won_amount", "Won amount", ValueKind.MONEY),
)


@dataclass
class _Source:
    leads: int = 0
    converted: int = 0
    disqualified: int = 0
    won: int = 0
    won_amount: dict[str, int] = field(default_factory=dict)


def _source_key() -> Any:
    """The lead's source, "" for none (NULL or empty alike)."""
    return func.coalesce(col(Lead.source), "")


def _in_period(period: Period) -> list[ColumnElement[bool]]:
    return [
        col(Lead.archived_at).is_(None),
        col(Lead.created_at) >= period.start_utc,
        col(Lead.created_at) < period.end_utc,
    ]


def _count_where(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _leads(session: Session, period: Period) -> dict[str, _Source]:
    source = _source_key()
    rows: Any = session.exec(
        select(
            source,
            func.count(),
            _count_where(col(Lead.status) == LeadStatus.CONVERTED.value),
            _count_where(col(Lead.status) == LeadStatus.DISQUALIFIED.value),
        )
        .where(*_in_period(period))
        .group_by(source)
    ).all()
    return {
        text: _Source(leads=leads, converted=int(converted), disqualified=int(disqualified))
        for text, leads, converted, disqualified in rows
    }


def _add_won(session: Session, period: Period, sources: dict[str, _Source]) -> None:
    """The won deals made from the period's leads, per source and currency."""
    source = _source_key()
    rows: Any = session.exec(
        select(source, Deal.currency, func.count(), func.sum(Deal.amount))
        .join(Deal, col(Deal.lead_id) == Lead.id)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(*_in_period(period), col(Stage.kind) == StageKind.WON.value, col(Deal.archived_at).is_(None))
        .group_by(source, Deal.currency)
    ).all()
    for text, currency, won, amount in rows:
        tally = sources.setdefault(text, _Source())
        tally.won += won
        add_money(tally.won_amount, currency, int(amount))


def _row(text: str, tally: _Source) -> Row:
    shown = text or NO_SOURCE
    return Row(
        {
            "source": shown,
            "leads": tally.leads,
            "converted": tally.converted,
            "conversion": rate(tally.converted, tally.leads),
            "disqualified": tally.disqualified,
            "won": tally.won,
            "won_amount": dict(tally.won_amount),
        },
        # Every deal ever made from a lead of this source: the drill-down cannot limit the
        # leads to the period's, so its title says so rather than pass for the row's numbers.
        DrillLink(f"Deals from {shown} leads (of any date)", DealFilter(lead_source=text)),
    )


def build(session: Session, period: Period) -> Report:
    sources = _leads(session, period)
    _add_won(session, period, sources)
    ordered = sorted(sources, key=lambda text: (-sources[text].leads, text.casefold()))
    leads = sum(tally.leads for tally in sources.values())
    converted = sum(tally.converted for tally in sources.values())
    won_amount: dict[str, int] = {}
    for tally in sources.values():
        for currency, amount in tally.won_amount.items():
            add_money(won_amount, currency, amount)
    table = Table(
        "sources",
        "Leads by source",
        COLUMNS,
        [_row(text, sources[text]) for text in ordered],
        note="Leads created in the period (merged duplicates left out); converted, disqualified "
        "and deals won count what became of them by today.",
        empty="No lead came in this period.",
    )
    return Report(
        key="sources",
        title="Lead sources",
        period=period,
        scope=f"leads created {period.span()}",
        facts=[
            Fact("leads", "Leads", leads),
            Fact("converted", "Converted", converted),
            Fact("conversion", "Conversion", rate(converted, leads), ValueKind.PERCENT),
            Fact("won", "Deals won", sum(tally.won for tally in sources.values())),
            Fact("won_amount", "Won amount", won_amount, ValueKind.MONEY),
        ],
        tables=[table],
    )
