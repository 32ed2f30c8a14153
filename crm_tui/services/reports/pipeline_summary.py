"""Figures for the Reports mode: the pipeline by stage and the leads by status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_tui.db.models import Lead, LeadStatus
from crm_tui.services.deals import StageTotal, stage_totals
from crm_tui.services.pipeline import weighted_amount


@dataclass(frozen=True)
class PipelineSummary:
    stages: list[StageTotal]
    leads_by_status: dict[str, int]

    @property
    def weighted_open(self) -> dict[str, int]:
        """The open pipeline weighted by each stage's probability, per currency (minor units)."""
        weighted: dict[str, int] = {}
        for stage in self.stages:
            if stage.kind == "open":
                for currency, amount in stage.amounts.items():
                    weighted[currency] = weighted.get(currency, 0) + weighted_amount(
                        amount, stage.probability
                    )
        return weighted


def pipeline_summary(session: Session) -> PipelineSummary:
    counts = dict(
        session.exec(
            select(Lead.status, func.count()).where(col(Lead.archived_at).is_(None)).group_by(Lead.status)
        ).all()
    )
    return PipelineSummary(
        stages=stage_totals(session),
        leads_by_status={status.value: counts.get(status.value, 0) for status in LeadStatus},
    )
