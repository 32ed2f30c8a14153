"""One line about a record (title + detail), for search results and pickers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from crm_tui.db.models import Company, Contact, Deal, EntityKind, Lead, Stage
from crm_tui.services.validation import format_money


@dataclass(frozen=True)
class RecordSummary:
    kind: EntityKind
    id: int
    title: str
    detail: str


def summarize(session: Session, kind: EntityKind, ids: list[int]) -> list[RecordSummary]:
    if kind is EntityKind.CONTACT:
        rows = session.exec(
            select(Contact.id, Contact.full_name, Company.name, Contact.title)
            .outerjoin(Company, col(Company.id) == Contact.company_id)
            .where(col(Contact.id).in_(ids))
        ).all()
        return [RecordSummary(kind, r[0] or 0, r[1], " · ".join(filter(None, [r[2], r[3]]))) for r in rows]
    if kind is EntityKind.COMPANY:
        companies = session.exec(select(Company).where(col(Company.id).in_(ids))).all()
        return [
            RecordSummary(kind, c.id or 0, c.name, " · ".join(filter(None, [c.industry, c.website])))
            for c in companies
        ]
    if kind is EntityKind.LEAD:
        leads = session.exec(select(Lead).where(col(Lead.id).in_(ids))).all()
        return [
            RecordSummary(
                kind,
                lead.id or 0,
                lead.title,
                " · ".join(filter(None, [lead.status, lead.source, lead.email])),
            )
            for lead in leads
        ]
    if kind is EntityKind.DEAL:
        deal_rows = session.exec(
            select(Deal.id, Deal.title, Stage.name, Deal.amount, Deal.currency, Company.name)  # type: ignore[call-overload]  # >4 columns
            .join(Stage, col(Stage.id) == Deal.stage_id)
            .outerjoin(Company, col(Company.id) == Deal.company_id)
            .where(col(Deal.id).in_(ids))
        ).all()
        return [
            RecordSummary(
                kind, r[0] or 0, r[1], " · ".join(filter(None, [r[2], format_money(r[3], r[4]), r[5]]))
            )
            for r in deal_rows
        ]
    return []
