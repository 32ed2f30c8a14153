"""The sales funnel: of the deals created in the period, how many reached each open stage and
how many were won, with the step-to-step rates and the days deals spent in each stage; and
how many of the leads that came in were converted.

A deal reached a stage when the furthest open stage it ever stood in (now, or before or after
any of its moves) is that stage or a later one, so a deal sent back from Proposal to
Qualified still counts for Proposal; a won deal reached every stage. `deal_reach` and
`reached` say this once in SQL, for the counts here and for the drill-down's list of deals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, union_all
from sqlmodel import Session, col, select

from crm_tui.db.models import Deal, EntityKind, Event, Lead, LeadStatus, Stage, StageKind
from crm_tui.services.events import EventKind
from crm_tui.services.reports.model import (
    Column,
    DealFilter,
    DrillLink,
    Fact,
    Report,
    Row,
    Table,
    ValueKind,
    rate,
)
from crm_tui.services.reports.period import Period
from crm_tui.services.reports.sql import days_between
from crm_tui.services.stages import list_stages, open_stages

STAGE_COLUMNS = (
    Column("stage", "Stage"),
    Column("deals", "Deals", ValueKind.COUNT, chart=True),
    Column("amount", "Amount", ValueKind.MONEY),
    Column("to_next", "→ next", ValueKind.PERCENT),
    Column("to_won", "→ won", ValueKind.PERCENT),
    Column("avg_days", "Avg days", ValueKind.DAYS),
)
LEAD_COLUMNS = (
    Column("step", "Step"),
    Column("leads", "Leads", ValueKind.COUNT, chart=True),
    Column("rate", "Of created", ValueKind.PERCENT),
)


# ---------------------------------------------------------------- which stages a deal reached


def stage_moves(deal_conditions: list[Any]) -> Subquery:
    """The stage moves that stand of the deals matching `deal_conditions` (WHERE clauses over
    Deal joined with its current Stage): deal_id, from_id, to_id, at, id.

    A move taken back with `u` is left out with its undo: the deal never really stood in
    that stage, and counting it would put a slip of the key into the funnel.
    """
    deal_ids = select(Deal.id).join(Stage, col(Stage.id) == Deal.stage_id).where(*deal_conditions)
    is_undo = Event.payload["undo"].as_boolean()
    order = (col(Event.at), col(Event.id))
    moves = (
        select(  # type: ignore[call-overload]  # >4 columns
            col(Event.entity_id).label("deal_id"),
            Event.payload["from_id"].as_integer().label("from_id"),
            Event.payload["to_id"].as_integer().label("to_id"),
            col(Event.at).label("at"),
            col(Event.id).label("id"),
            is_undo.label("is_undo"),
            # An undo follows the move it takes back (undo_move refuses once the deal moved on).
            func.lead(is_undo).over(partition_by=col(Event.entity_id), order_by=order).label("undone"),
        )
        .where(
            col(Event.entity_kind) == EntityKind.DEAL.value,
            col(Event.kind) == EventKind.STAGE_CHANGED,
            col(Event.entity_id).in_(deal_ids),
        )
        .subquery("all_moves")
    )
    stands = [or_(column.is_(None), column == False) for column in (moves.c.is_undo, moves.c.undone)]  # noqa: E712
    return (
        select(moves.c.deal_id, moves.c.from_id, moves.c.to_id, moves.c.at, moves.c.id)  # type: ignore[call-overload]
        .where(*stands)
        .cte("moves")
    )


def deal_reach(deal_conditions: list[Any]) -> Subquery:
    """One row per deal matching `deal_conditions` (WHERE clauses over Deal joined with its
    current Stage): id, currency, amount, kind (its stage's now) and furthest (the highest
    position of the open stages it ever stood in, NULL when none)."""
    moves = stage_moves(deal_conditions)
    # Every stage a deal stood in: where it is now, and both ends of each of its moves (the
    # stage it was created in is its first move's from_id).
    stood = union_all(
        select(col(Deal.id).label("deal_id"), col(Deal.stage_id).label("stage_id"))
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(*deal_conditions),
        select(moves.c.deal_id, moves.c.from_id),
        select(moves.c.deal_id, moves.c.to_id),
    ).subquery("stood")
    furthest = (
        select(stood.c.deal_id, func.max(Stage.position).label("furthest"))
        .join(Stage, col(Stage.id) == stood.c.stage_id)
        .where(col(Stage.kind) == StageKind.OPEN.value)
        .group_by(stood.c.deal_id)
        .subquery("furthest")
    )
    return (
        select(  # type: ignore[call-overload]  # >4 columns
            col(Deal.id).label("id"),
            col(Deal.currency).label("currency"),
            col(Deal.amount).label("amount"),
            col(Stage.kind).label("kind"),
            furthest.c.furthest,
        )
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .outerjoin(furthest, furthest.c.deal_id == Deal.id)
        .where(*deal_conditions)
        .subquery("reach")
    )


def reached(reach: Subquery, position: int) -> ColumnElement[bool]:
    """A row of `deal_reach` reached the open stage at `position`: won deals reached them all."""
    return or_(reach.c.kind == StageKind.WON.value, reach.c.furthest >= position)


def cohort(period: Period) -> list[Any]:
    """The funnel's deals: live ones created in the period."""
    return [
        col(Deal.archived_at).is_(None),
        col(Deal.created_at) >= period.start_utc,
        col(Deal.created_at) < period.end_utc,
    ]


# ---------------------------------------------------------------- the counts


def _when(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


@dataclass
class _Reach:
    """The cohort's totals: per open stage (in order) the deals that reached it and their
    amounts per currency; the won deals' amounts; the deals by the kind of their stage now."""

    counts: list[int]
    amounts: list[dict[str, int]]
    won_amount: dict[str, int] = field(default_factory=dict)
    kinds: dict[StageKind, int] = field(default_factory=lambda: dict.fromkeys(StageKind, 0))


def _reach_totals(session: Session, period: Period, positions: list[int]) -> _Reach:
    """One GROUP BY currency, a CASE sum per stage: never a loop over deals."""
    reach = deal_reach(cohort(period))
    columns = [reach.c.currency]
    for i, position in enumerate(positions):
        columns.append(_when(reached(reach, position), 1).label(f"deals_{i}"))
        columns.append(_when(reached(reach, position), reach.c.amount).label(f"amount_{i}"))
    for kind in StageKind:
        columns.append(_when(reach.c.kind == kind.value, 1).label(f"kind_{kind.value}"))
    columns.append(_when(reach.c.kind == StageKind.WON.value, reach.c.amount).label("won_amount"))
    totals = _Reach([0] * len(positions), [{} for _ in positions])
    for row in session.exec(select(*columns).group_by(reach.c.currency)):
        sums, currency = row._mapping, row.currency
        for i in range(len(positions)):
            totals.counts[i] += sums[f"deals_{i}"]
            if sums[f"deals_{i}"]:
                totals.amounts[i][currency] = sums[f"amount_{i}"]
        for kind in StageKind:
            totals.kinds[kind] += sums[f"kind_{kind.value}"]
        if sums[f"kind_{StageKind.WON.value}"]:
            totals.won_amount[currency] = sums["won_amount"]
    return totals


def _average_stays(session: Session, period: Period) -> dict[int, float]:
    """Stage id → the mean days the cohort's deals stayed in it, over the stays that ended
    (each move out of the stage; the stay began at the move before, or at the deal's
    creation)."""
    moves = stage_moves(cohort(period))
    entered = func.lag(moves.c.at).over(partition_by=moves.c.deal_id, order_by=(moves.c.at, moves.c.id))
    stays = select(
        moves.c.deal_id,
        moves.c.from_id.label("stage_id"),
        moves.c.at.label("left_at"),
        entered.label("entered_at"),
    ).subquery("stays")
    began = func.coalesce(stays.c.entered_at, Deal.created_at)
    rows = session.exec(
        select(stays.c.stage_id, func.avg(days_between(stays.c.left_at, began)))
        .join(Deal, col(Deal.id) == stays.c.deal_id)
        .group_by(stays.c.stage_id)
    )
    return {stage_id: round(days, 1) for stage_id, days in rows if stage_id is not None and days is not None}


def _stage_table(session: Session, period: Period) -> tuple[Table, dict[StageKind, int]]:
    stages = open_stages(session)
    won_stage = next((s for s in list_stages(session) if s.kind == StageKind.WON.value), None)
    totals = _reach_totals(session, period, [stage.position for stage in stages])
    counts, amounts = totals.counts, totals.amounts
    stays = _average_stays(session, period)
    won = totals.kinds[StageKind.WON]
    created = (period.start_utc, period.end_utc)
    rows = []
    for i, stage in enumerate(stages):
        following = counts[i + 1] if i + 1 < len(stages) else won
        rows.append(
            Row(
                {
                    "stage": stage.name,
                    "deals": counts[i],
                    "amount": dict(sorted(amounts[i].items())),
                    "to_next": rate(following, counts[i]),
                    "to_won": rate(won, counts[i]),
                    "avg_days": stays.get(stage.id or 0),
                },
                DrillLink(
                    f"Reached {stage.name} · deals created {period.span()}",
                    DealFilter(created=created, reached_stage_id=stage.id),
                ),
            )
        )
    won_name = won_stage.name if won_stage is not None else "Won"
    rows.append(
        Row(
            {
                "stage": won_name,
                "deals": won,
                "amount": dict(sorted(totals.won_amount.items())),
                "to_next": None,
                "to_won": None,
                "avg_days": None,
            },
            DrillLink(
                f"{won_name} · deals created {period.span()}", DealFilter(created=created, status="won")
            ),
        )
    )
    table = Table(
        "stages",
        "Deals reaching each stage",
        STAGE_COLUMNS,
        rows,
        note="A deal counts in every stage up to the furthest it reached, even if it went back; "
        "won deals count in all. Avg days: the stays that ended, of deals created in the period.",
    )
    return table, totals.kinds


def _lead_table(session: Session, period: Period) -> Table:
    converted = col(Lead.status) == LeadStatus.CONVERTED.value
    created, converted_count, with_deal = session.exec(
        select(
            func.count(),
            _when(converted, 1),
            _when(and_(converted, col(Lead.deal_id).is_not(None)), 1),
        ).where(
            # An archived lead is a duplicate merged into another (lead_matches): counting it
            # would count one inquiry twice. Disqualified leads are not archived: they count.
            col(Lead.archived_at).is_(None),
            col(Lead.created_at) >= period.start_utc,
            col(Lead.created_at) < period.end_utc,
        )
    ).one()
    steps = (("Created", created), ("Converted", converted_count), ("Became deals", with_deal))
    rows = [Row({"step": step, "leads": count, "rate": rate(count, created)}) for step, count in steps]
    return Table("leads", "Leads", LEAD_COLUMNS, rows)


def build(session: Session, period: Period) -> Report:
    stages, kinds = _stage_table(session, period)
    deals = sum(kinds.values())
    won = kinds[StageKind.WON]
    facts = [
        Fact("deals", "Deals created", deals),
        Fact("won", "Won", won),
        Fact("lost", "Lost", kinds[StageKind.LOST]),
        Fact("open", "Still open", kinds[StageKind.OPEN]),
        Fact("win_rate", "Won of created", rate(won, deals), ValueKind.PERCENT),
    ]
    return Report(
        key="funnel",
        title="Sales funnel",
        period=period,
        facts=facts,
        tables=[stages, _lead_table(session, period)],
        scope=f"deals and leads created {period.span()}",
    )
