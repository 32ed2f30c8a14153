"""The companies list: name order, searched as you type through the global search index,
each company with its people, open deals and next contact (its health light is read apart,
`health.companies_health`, so the list shows first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from crm_tui.db.models import Company, Contact, Deal, EntityKind, Stage, StageKind
from crm_tui.services.search import typed_into

COUNT_CAP = 2000  # as in the contacts list: a broad search is counted this far


@dataclass(frozen=True)
class ListedCompany:
    id: int
    name: str
    industry: str
    people: int
    open_deals: int
    next_contact_on: date | None


def _conditions(typed: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Company.archived_at).is_(None)]
    if (searched := typed_into(Company.id, EntityKind.COMPANY, typed)) is not None:
        conditions.append(searched)
    return conditions


def count_companies(session: Session, typed: str = "") -> int:
    statement = select(Company.id).where(and_(*_conditions(typed)))
    if typed:
        statement = statement.limit(COUNT_CAP + 1)
    return session.exec(select(func.count()).select_from(statement.subquery())).one()


def list_companies(
    session: Session, typed: str = "", offset: int = 0, limit: int = 50
) -> list[ListedCompany]:
    people = (
        select(func.count())
        .where(Contact.company_id == Company.id, col(Contact.archived_at).is_(None))
        .scalar_subquery()
    )
    open_deals = (
        select(func.count())
        .select_from(Deal)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(
            Deal.company_id == Company.id, Stage.kind == StageKind.OPEN.value, col(Deal.archived_at).is_(None)
        )
        .scalar_subquery()
    )
    rows = session.exec(
        select(Company.id, Company.name, Company.industry, people, open_deals, Company.next_contact_on)  # type: ignore[call-overload]  # >4 columns
        .where(*_conditions(typed))
        .order_by(Company.name_fold, Company.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [ListedCompany(row[0], row[1], row[2] or "", row[3], row[4], row[5]) for row in rows]
