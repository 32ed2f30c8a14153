"""Companies: create, find by name in any letter case, update with events, archive, list."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from crm_tui.db.models import Company, CompanyBase, Event
from crm_tui.errors import ValidationError
from crm_tui.services import companies, contacts, search
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.events import EventKind


def test_create_company_folds_the_name_and_writes_an_event(session: Session, events_of) -> None:
    company = companies.create_company(
        session, CompanyBase(name="  ООО Ромашка ", email="info@romashka.example")
    )
    stored = session.get(Company, company.id)
    assert (stored.name, stored.name_fold, stored.email) == (
        "ООО Ромашка",
        "ооо ромашка",
        "info@romashka.example",
    )
    assert [(e.kind, e.company_id) for e in events_of("company", company.id)] == [
        (EventKind.CREATED, company.id)
    ]


def test_create_company_validates_name_and_email(session: Session) -> None:
    with pytest.raises(ValidationError) as caught:
        companies.create_company(session, CompanyBase(name="   "))
    assert caught.value.field == "name"
    with pytest.raises(ValidationError) as caught:
        companies.create_company(session, CompanyBase(name="Acme", email="nope"))
    assert caught.value.field == "email"
    assert session.exec(select(func.count()).select_from(Company)).one() == 0
    assert session.exec(select(func.count()).select_from(Event)).one() == 0


def test_find_or_create_matches_any_letter_case(session: Session) -> None:
    first = companies.find_or_create_company(session, "Müller GmbH")
    again = companies.find_or_create_company(session, "MÜLLER GMBH")
    assert again.id == first.id
    assert companies.find_company_by_name(session, "müller gmbh").id == first.id
    assert companies.find_company_by_name(session, "Someone else") is None


def test_find_ignores_archived_companies(session: Session) -> None:
    old = companies.create_company(session, CompanyBase(name="Acme"))
    companies.archive_company(session, old.id)
    assert companies.find_company_by_name(session, "acme") is None
    assert companies.find_or_create_company(session, "Acme").id != old.id


def test_update_company_events_and_cleaning(session: Session, events_of) -> None:
    company = companies.create_company(session, CompanyBase(name="Acme", industry="Retail"))
    companies.update_company(session, company.id, {"name": "Acme Ltd", "industry": "Retail", "website": "  "})
    changed = events_of("company", company.id, EventKind.FIELD_CHANGED)
    assert [e.payload for e in changed] == [{"field": "name", "old": "Acme", "new": "Acme Ltd"}]
    assert session.get(Company, company.id).name_fold == "acme ltd"
    with pytest.raises(ValidationError):
        companies.update_company(session, company.id, {"email": "broken"})
    with pytest.raises(ValueError, match="not company fields"):
        companies.update_company(session, company.id, {"revenue": 1})


def test_renaming_a_company_reindexes_its_people(session: Session) -> None:
    company = companies.create_company(session, CompanyBase(name="Acme"))
    contacts.create_contact(session, ContactCreate(first_name="Anna", company_id=company.id))
    companies.update_company(session, company.id, {"name": "Globex"})
    assert {(hit.kind, hit.title) for hit in search.search(session, "globex")} == {
        ("company", "Globex"),
        ("contact", "Anna"),
    }
    assert search.search(session, "acme") == []


def test_archive_company_once(session: Session, events_of) -> None:
    company = companies.create_company(session, CompanyBase(name="Acme"))
    companies.archive_company(session, company.id)
    companies.archive_company(session, company.id)
    assert [e.kind for e in events_of("company", company.id)] == [EventKind.CREATED, EventKind.ARCHIVED]
    assert companies.count_companies(session) == 0
    assert companies.list_companies(session) == []


def test_list_companies_counts_active_people(session: Session) -> None:
    acme = companies.create_company(
        session, CompanyBase(name="acme", industry="Retail", website="acme.example")
    )
    companies.create_company(session, CompanyBase(name="Beta"))
    contacts.create_contact(session, ContactCreate(first_name="Anna", company_id=acme.id))
    gone = contacts.create_contact(session, ContactCreate(first_name="Bob", company_id=acme.id))
    contacts.archive_contact(session, gone.id)
    rows = companies.list_companies(session)
    assert [(row.name, row.contacts, row.industry, row.website) for row in rows] == [
        ("acme", 1, "Retail", "acme.example"),
        ("Beta", 0, "", ""),
    ]
