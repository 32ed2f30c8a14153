"""The drill-down: the deals a report row stands for (a DealFilter), as the deals list shows
them, largest first.

A funnel stage's deals are picked by the funnel's own SQL (`funnel.deal_reach` and
`funnel.reached`), so the list always holds exactly the deals the stage counted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, func, or_
from sqlmodel import Session, col, select

from crm_tui.db.models import Deal, Lead, Stage, StageKind
from crm_tui.errors import ValidationError
from crm_tui.services.deals import DEAL_STATUSES, DealRow, deal_rows, deal_rows_select
from crm_tui.services.reports.funnel import deal_reach, reached
from crm_tui.services.reports.model import DealFilter


def _blank(column: Any) -> Any:
    """Not given: NULL or empty text."""
    return or_(col(column).is_(None), col(column) == "")


def _plain_conditions(deals: DealFilter) -> list[Any]:
    """Every field but reached_stage_id, as WHERE clauses over Deal joined with its Stage."""
    conditions: list[Any] = [col(Deal.archived_at).is_(None)]
    if deals.created is not None:
        conditions += [col(Deal.created_at) >= deals.created[0], col(Deal.created_at) < deals.created[1]]
    if deals.closed is not None:
        conditions += [col(Deal.closed_at) >= deals.closed[0], col(Deal.closed_at) < deals.closed[1]]
    if deals.status is not None:
        if deals.status not in DEAL_STATUSES:
            raise ValidationError("status", f"{deals.status!r} is not one of {', '.join(DEAL_STATUSES)}")
        conditions.append(col(Stage.kind) == deals.status)
    if deals.lost_reason is not None:
        # A reason, or none given (""), of a lost deal: open and won deals have no reason either.
        reason = col(Deal.lost_reason)
        conditions.append(col(Stage.kind) == StageKind.LOST.value)
        conditions.append(_blank(reason) if deals.lost_reason == "" else reason == deals.lost_reason)
    if deals.expected is not None:
        conditions.append(col(Deal.expected_close_on).between(*deals.expected))
    if deals.expected_before is not None:
        conditions.append(col(Deal.expected_close_on) < deals.expected_before)
    if deals.no_expected_date:
        conditions.append(col(Deal.expected_close_on).is_(None))
    if deals.lead_source is not None:
        source = col(Lead.source)
        matching = _blank(source) if deals.lead_source == "" else source == deals.lead_source
        conditions.append(col(Deal.lead_id).in_(select(Lead.id).where(matching)))
    return conditions


def _reached_condition(session: Session, stage_id: int, conditions: list[Any]) -> Any:
    """The deals among `conditions` that reached the stage, counted as the funnel counts."""
    stage = session.get(Stage, stage_id)
    if stage is None:  # deleted since the report was made: no deal can have reached it
        return false()
    if stage.kind != StageKind.OPEN.value:
        # The funnel links only open stages; an outcome's deals are those in it now.
        return col(Deal.stage_id) == stage_id
    reach = deal_reach(conditions)
    return col(Deal.id).in_(select(reach.c.id).where(reached(reach, stage.position)))


def deal_conditions(session: Session, deals: DealFilter) -> list[Any]:
    """The filter as WHERE clauses over Deal joined with its current Stage; live deals only."""
    conditions = _plain_conditions(deals)
    if deals.reached_stage_id is not None:
        conditions.append(_reached_condition(session, deals.reached_stage_id, list(conditions)))
    return conditions


def drill_deals(session: Session, deals: DealFilter, limit: int = 500) -> tuple[list[DealRow], int]:
    """The first `limit` deals the filter stands for, largest amount first (then by id), and
    how many there are in all."""
    conditions = deal_conditions(session, deals)
    total = session.exec(
        select(func.count()).select_from(Deal).join(Stage, col(Stage.id) == Deal.stage_id).where(*conditions)
    ).one()
    statement = (
        deal_rows_select().where(*conditions).order_by(col(Deal.amount).desc(), col(Deal.id)).limit(limit)
    )
    return deal_rows(session, statement), total
