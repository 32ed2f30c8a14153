"""Companies: create, read, update, archive, list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_tui.dates import utcnow
from crm_tui.db.models import Company, CompanyBase, Contact, Deal, EntityKind, Stage, StageKind
from crm_tui.errors import NotFound
from crm_tui.services import search
from crm_tui.services.events import EventKind, Subject, apply_changes, record_event
from crm_tui.services.validation import clean, fold, parse_email, require


def subject(company: Company) -> Subject:
    assert company.id is not None
    return Subject(EntityKind.COMPANY, company.id, company_id=company.id)


def get_company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound("company", company_id)
    return company


def create_company(session: Session, data: CompanyBase) -> Company:
    name = require("name", data.name)
    company = Company.model_validate(data, update={"name": name, "name_fold": fold(name)})
    company.email = parse_email(company.email)
    session.add(company)
    session.flush()
    record_event(session, subject(company), EventKind.CREATED, f"Company created: {name}")
    search.reindex(session, EntityKind.COMPANY, [company.id])  # type: ignore[list-item]
    return company


def find_company_by_name(session: Session, name: str) -> Company | None:
    return session.exec(
        select(Company).where(Company.name_fold == fold(name), col(Company.archived_at).is_(None))
    ).first()


def find_or_create_company(session: Session, name: str) -> Company:
    """The company of that name (any letter case), created when there is none."""
    return find_company_by_name(session, name) or create_company(session, CompanyBase(name=name))


def update_company(session: Session, company_id: int, changes: dict[str, Any]) -> Company:
    company = get_company(session, company_id)
    allowed = set(CompanyBase.model_fields)
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not company fields: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = require("name", changes["name"])
    if "email" in changes:
        changes["email"] = parse_email(changes["email"])
    for field in ("website", "industry", "phone", "address", "notes", "next_contact_goal"):
        if field in changes:
            changes[field] = clean(changes[field])
    if apply_changes(session, company, subject(company), changes):
        company.name_fold = fold(company.name)
        company.updated_at = utcnow()
        session.flush()
        search.reindex(session, EntityKind.COMPANY, [company_id])
        contact_ids = session.exec(select(Contact.id).where(Contact.company_id == company_id)).all()
        search.reindex(session, EntityKind.CONTACT, [i for i in contact_ids if i is not None])
        search.reindex_deals_of(session, EntityKind.COMPANY, company_id)
    return company


def archive_company(session: Session, company_id: int) -> Company:
    company = get_company(session, company_id)
    if company.archived_at is None:
        company.archived_at = utcnow()
        record_event(session, subject(company), EventKind.ARCHIVED, "Company archived")
        session.flush()
        search.reindex(session, EntityKind.COMPANY, [company_id])
    return company


@dataclass(frozen=True)
class CompanyRow:
    id: int
    name: str
    industry: str
    contacts: int
    website: str


def count_companies(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(Company).where(col(Company.archived_at).is_(None))
    ).one()


def list_companies(session: Session, offset: int = 0, limit: int = 100) -> Sequence[CompanyRow]:
    people = (
        select(func.count())
        .where(Contact.company_id == Company.id, col(Contact.archived_at).is_(None))
        .scalar_subquery()
    )
    rows = session.exec(
        select(Company.id, Company.name, Company.industry, people, Company.website)  # type: ignore[call-overload]  # >4 columns
        .where(col(Company.archived_at).is_(None))
        .order_by(Company.name_fold, Company.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [CompanyRow(row[0] or 0, row[1], row[2] or "", row[3], row[4] or "") for row in rows]


# ---------------------------------------------------------------- deal totals (company card)


@dataclass(frozen=True)
class CompanyTotals:
    """A company's deals at a glance; sums are per currency (roubles and dollars do not add)."""

    open_count: int = 0
    open_sums: dict[str, int] = dataclass_field(default_factory=dict)
    won_count: int = 0
    won_sums: dict[str, int] = dataclass_field(default_factory=dict)
    lost_count: int = 0


def company_totals(session: Session, company_id: int) -> CompanyTotals:
    """Open, won and lost deals of a company (archived ones left out), counted and summed by
    the database: one row per stage kind and currency."""
    rows = session.exec(
        select(Stage.kind, Deal.currency, func.count(), func.coalesce(func.sum(Deal.amount), 0))
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(Deal.company_id == company_id, col(Deal.archived_at).is_(None))
        .group_by(col(Stage.kind), col(Deal.currency))
    ).all()
    counts: dict[str, int] = {}
    sums: dict[str, dict[str, int]] = {}
    for kind, currency, count, amount in rows:
        counts[kind] = counts.get(kind, 0) + count
        sums.setdefault(kind, {})[currency] = amount
    return CompanyTotals(
        open_count=counts.get(StageKind.OPEN.value, 0),
        open_sums=sums.get(StageKind.OPEN.value, {}),
        won_count=counts.get(StageKind.WON.value, 0),
        won_sums=sums.get(StageKind.WON.value, {}),
        lost_count=counts.get(StageKind.LOST.value, 0),
    )
