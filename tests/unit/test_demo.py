"""The demo generator: every kind of record, consistent links, the same data for a seed and clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from crm_tui.dates import today, utcnow
from crm_tui.db.engine import session_scope
from crm_tui.db.models import (
    Activity,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    Deal,
    EntityKind,
    Event,
    Lead,
    LeadStatus,
    Stage,
    StageKind,
)
from crm_tui.db.schema import open_database
from crm_tui.services import activities, search
from crm_tui.services.demo import DISQUALIFY_REASONS, DemoSize, database_is_empty, generate
from crm_tui.services.validation import parse_phone

FROZEN_NOW = "2026-03-02T09:30:00"


def _open(path: Path) -> Engine:
    return open_database(str(path))


@pytest.fixture
def engine(database_target: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    # A frozen clock makes the data reproducible; the tests below rely on it.
    monkeypatch.setenv("CRM_TUI_NOW", FROZEN_NOW)
    engine = open_database(database_target)
    yield engine
    engine.dispose()


@pytest.fixture
def demo(engine: Engine) -> Iterator[Session]:
    """A database holding the size-50 demo, and a session on it."""
    with session_scope(engine) as session:
        generate(session, DemoSize.for_size(50))
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def larger_demo(engine: Engine) -> Iterator[Session]:
    """The size-300 demo: enough deals and field edits for the checks that need many."""
    with session_scope(engine) as session:
        generate(session, DemoSize.for_size(300))
    with session_scope(engine) as session:
        yield session


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_database_is_empty_before_and_not_after(engine: Engine) -> None:
    with session_scope(engine) as session:
        # Stages, lead sources and settings come with the schema and do not count.
        assert _count(session, Stage) > 0
        assert database_is_empty(session)
        generate(session, DemoSize.for_size(50))
    with session_scope(engine) as session:
        assert not database_is_empty(session)


def test_every_kind_is_present_and_counted(engine: Engine) -> None:
    with session_scope(engine) as session:
        counts = generate(session, DemoSize.for_size(50))
    with session_scope(engine) as session:
        for key, model in (
            ("companies", Company),
            ("contacts", Contact),
            ("emails", ContactEmail),
            ("phones", ContactPhone),
            ("leads", Lead),
            ("deals", Deal),
            ("activities", Activity),
            ("events", Event),
        ):
            assert counts[key] > 0, key
            assert _count(session, model) == counts[key], key
        assert counts["contacts"] == 50
        assert counts["events"] >= DemoSize.for_size(50).events


def test_every_lead_status_and_every_stage_appears(demo: Session) -> None:
    statuses = set(demo.exec(select(Lead.status).distinct()).all())
    assert statuses == {status.value for status in LeadStatus}
    used_stages = set(demo.exec(select(Deal.stage_id).distinct()).all())
    assert used_stages == set(demo.exec(select(Stage.id)).all())


def test_leads_and_deals_are_consistent(demo: Session) -> None:
    for lead in demo.exec(select(Lead)).all():
        if lead.status == LeadStatus.DISQUALIFIED:
            assert lead.disqualify_reason in DISQUALIFY_REASONS
        if lead.status == LeadStatus.CONVERTED:
            assert lead.contact_id is not None and lead.converted_at is not None
        if lead.email:
            assert lead.email_fold == lead.email.casefold()
    stages = {stage.id: stage for stage in demo.exec(select(Stage)).all()}
    deals = demo.exec(select(Deal)).all()
    for deal in deals:
        kind = stages[deal.stage_id].kind
        assert (deal.closed_at is not None) == (kind != StageKind.OPEN)
        assert (deal.lost_reason is not None) == (kind == StageKind.LOST)
        # Minor units: 10,000.00–5,000,000.00 RUB, 1,000.00–100,000.00 USD.
        low, high = (100_000, 10_000_000) if deal.currency == "USD" else (1_000_000, 500_000_000)
        assert low <= deal.amount <= high
        if deal.lead_id is not None:
            source_lead = demo.get(Lead, deal.lead_id)
            assert source_lead is not None and source_lead.deal_id == deal.id
    open_deals = sum(stages[deal.stage_id].kind == StageKind.OPEN for deal in deals)
    assert open_deals * 2 >= len(deals) >= open_deals


def test_emails_are_casefolded_and_phones_have_e164(demo: Session) -> None:
    for email in demo.exec(select(ContactEmail)).all():
        assert email.value_fold == email.value.casefold()
    phones = demo.exec(select(ContactPhone)).all()
    for phone in phones:
        assert phone.e164 is not None and phone.e164.startswith("+")
        # What is stored is what the app itself would make of the number as written.
        assert parse_phone(phone.value, "RU") == (phone.value, phone.e164)
    assert any(phone.e164.startswith("+7") for phone in phones if phone.e164)
    assert any(phone.value.startswith("8 (") for phone in phones)


def test_some_activities_are_overdue_and_some_due_today(demo: Session) -> None:
    open_activities = demo.exec(select(Activity).where(col(Activity.done_at).is_(None))).all()
    due_days = [activity.due_on for activity in open_activities if activity.due_on is not None]
    assert any(day < today() for day in due_days)
    assert any(day == today() for day in due_days)
    assert any(activities.local_due(a)[0] == today() and activities.local_due(a)[1] for a in open_activities)
    done = demo.exec(select(Activity).where(col(Activity.done_at).is_not(None))).all()
    assert done
    assert all(activity.done_at is not None and activity.done_at <= utcnow() for activity in done)


def test_events_are_in_the_past_and_name_their_people(demo: Session) -> None:
    now = datetime.fromisoformat(FROZEN_NOW).replace(tzinfo=UTC)
    events = demo.exec(select(Event)).all()
    assert {"created", "note", "stage_changed", "field_changed"} <= {event.kind for event in events}
    contacts = {contact.id: contact for contact in demo.exec(select(Contact)).all()}
    for event in events:
        assert event.at.tzinfo is not None and event.at <= now
        if event.entity_kind == EntityKind.CONTACT:
            assert event.contact_id == event.entity_id
            assert event.company_id == contacts[event.entity_id].company_id
        if event.entity_kind == EntityKind.COMPANY:
            assert event.company_id == event.entity_id
        if event.kind == "stage_changed":
            assert {"from", "to"} <= set(event.payload)
    created = {(event.entity_kind, event.entity_id) for event in events if event.kind == "created"}
    assert len(created) == sum(_count(demo, model) for model in (Company, Contact, Lead, Deal))


def test_a_contacts_last_touch_is_no_older_than_its_logged_interactions(demo: Session) -> None:
    """The health light and the activity report read the same history: a contact with a call
    on its timeline was touched at least then."""
    logged = (
        select(Event.contact_id, func.max(Event.at))
        .where(col(Event.contact_id).is_not(None), col(Event.kind).in_(["call", "meeting", "email"]))
        .group_by(col(Event.contact_id))
    )
    latest = dict(demo.exec(logged).all())
    assert latest
    touches = dict(demo.exec(select(Contact.id, Contact.last_touch_at)).all())
    assert all(touches[contact] is not None and touches[contact] >= at for contact, at in latest.items())


def _broken_references(session: Session) -> list[Any]:
    """Rows whose foreign keys point nowhere. PostgreSQL checks each row as it goes in (an
    insert would have failed); SQLite checks on insert too, but is asked once more here."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    return list(session.connection().execute(text("PRAGMA foreign_key_check")).all())


def test_foreign_keys_hold(demo: Session) -> None:
    assert _broken_references(demo) == []


def test_same_seed_and_clock_give_the_same_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", FROZEN_NOW)

    def names(path: Path, seed: int) -> list[tuple[str, str | None]]:
        engine = _open(path)
        try:
            with session_scope(engine) as session:
                generate(session, DemoSize.for_size(30), seed=seed)
            with session_scope(engine) as session:
                return [
                    (contact.full_name, contact.last_touch_at.isoformat() if contact.last_touch_at else None)
                    for contact in session.exec(select(Contact).order_by(col(Contact.id))).all()
                ]
        finally:
            engine.dispose()

    first = names(tmp_path / "a.sqlite3", seed=7)
    assert first == names(tmp_path / "b.sqlite3", seed=7)
    assert first != names(tmp_path / "c.sqlite3", seed=8)


def test_a_cyrillic_surname_is_found_by_search(demo: Session) -> None:
    contact = demo.get(Contact, 1)
    assert contact is not None
    assert any("а" <= letter <= "я" for letter in contact.last_name.lower())
    hits = search.search(demo, contact.last_name.lower(), limit=500)
    assert (EntityKind.CONTACT, contact.id) in {(hit.kind, hit.id) for hit in hits}


def test_generating_again_adds_to_what_is_there(engine: Engine) -> None:
    with session_scope(engine) as session:
        generate(session, DemoSize.for_size(10))
    with session_scope(engine) as session:
        generate(session, DemoSize.for_size(10), seed=11)
    with session_scope(engine) as session:
        assert _count(session, Contact) == 20
        assert _broken_references(session) == []


def test_sizes_scale_and_keep_a_floor() -> None:
    tiny = DemoSize.for_size(1)
    assert min(tiny.contacts, tiny.companies, tiny.leads, tiny.deals, tiny.activities, tiny.events) >= 3
    assert DemoSize.for_size(1000) == DemoSize(
        contacts=1000, companies=200, leads=1000, deals=100, activities=500, events=5000
    )
    assert DemoSize.benchmark() == DemoSize(
        contacts=100_000, companies=20_000, leads=100_000, deals=10_000, activities=50_000, events=500_000
    )
    assert DemoSize.benchmark(0.1).contacts == 10_000


def test_deal_titles_say_what_is_sold_not_who_buys(larger_demo: Session) -> None:
    # The company is shown next to the title everywhere, so the title does not repeat it.
    companies = {company.id: company.name for company in larger_demo.exec(select(Company)).all()}
    deals = larger_demo.exec(select(Deal)).all()
    with_company = [deal for deal in deals if deal.company_id is not None]
    assert with_company
    for deal in with_company:
        assert deal.company_id is not None
        assert companies[deal.company_id] not in deal.title, deal.title
        assert " — " not in deal.title
    # A client's deals on the same subject are told apart ("…, phase 2").
    titles = [
        (deal.company_id, deal.contact_id if deal.company_id is None else None, deal.title) for deal in deals
    ]
    assert len(titles) == len(set(titles))


def _edits(session: Session) -> dict[tuple[str, int, str], list[Event]]:
    """The `field_changed` events of each record's field, oldest first."""
    edits: dict[tuple[str, int, str], list[Event]] = defaultdict(list)
    statement = select(Event).where(Event.kind == "field_changed").order_by(col(Event.at), col(Event.id))
    for event in session.exec(statement).all():
        edits[(event.entity_kind, event.entity_id, event.payload["field"])].append(event)
    return edits


def test_the_newest_title_edit_of_a_contact_is_its_title(larger_demo: Session) -> None:
    edits = _edits(larger_demo)
    checked = 0
    for contact in larger_demo.exec(select(Contact)).all():
        history = edits.get((EntityKind.CONTACT.value, contact.id, "title"))
        if history:
            assert history[-1].payload["new"] == contact.title, (contact.id, history[-1].text)
            checked += 1
    assert checked > 0


def _stored(value: Any) -> Any:
    """A field's value as an event payload holds it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


def test_field_edits_lead_to_what_each_record_holds_now(larger_demo: Session) -> None:
    models = {
        EntityKind.CONTACT.value: Contact,
        EntityKind.COMPANY.value: Company,
        EntityKind.LEAD.value: Lead,
        EntityKind.DEAL.value: Deal,
    }
    edits = _edits(larger_demo)
    assert {kind for kind, _, _ in edits} == set(models)
    for (kind, record_id, field), history in edits.items():
        record = larger_demo.get(models[kind], record_id)
        assert history[-1].payload["new"] == _stored(getattr(record, field)), history[-1].text
        for earlier, later in pairwise(history):
            assert earlier.payload["new"] == later.payload["old"], (earlier.text, later.text)
        for event in history:
            assert set(event.payload) == {"field", "old", "new"}
            assert event.payload["old"] != event.payload["new"]
            assert event.text.startswith(f"{field.replace('_', ' ')}: ") and " → " in event.text
