"""Upgrading to schema v9: what was there belongs to whoever upgrades, and its events say
nobody (they were written before crm-tui recorded who); what comes after is signed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Contact, Deal, Event, Lead
from crm_tui.db.schema import open_database
from crm_tui.db.version import SCHEMA_VERSION
from crm_tui.services import activities, contacts, deals, events, leads
from crm_tui.services.deals import DealCreate
from crm_tui.services.stages import stage_by_name
from crm_tui.users import set_current_user

OLD_SCHEMA = Path(__file__).parent.parent / "fixtures" / "old_schema"
OWNED = (Lead, Deal, Activity, Contact)


@pytest.fixture
def upgrader() -> Iterator[None]:
    """The upgrade runs as olga (`crm-tui --user olga`)."""
    set_current_user("olga")
    yield
    set_current_user(None)


def _check_upgraded(target: str) -> None:
    engine = open_database(target)
    try:
        with session_scope(engine) as session:
            for model in OWNED:
                owners = session.exec(select(model.owner).distinct()).all()  # type: ignore[attr-defined]
                assert owners == ["olga"], model
            assert session.exec(select(func.count()).select_from(Event)).one() > 0
            assert session.exec(select(Event.actor).distinct()).all() == [None]
            assert set(session.exec(select(Lead.version)).all()) == {1}
            lead = session.exec(select(Lead)).first()
            assert lead is not None
            note = events.add_note(session, leads.subject(lead), "after the upgrade")
            assert note.actor == "olga"
            version = session.connection().execute(text("SELECT version FROM schemaversion")).scalar()
            assert version == SCHEMA_VERSION
    finally:
        engine.dispose()


def test_a_version_7_file_upgraded_is_the_upgrader_s_and_its_events_say_nobody(
    tmp_path: Path, upgrader: None
) -> None:
    path = tmp_path / "crm.sqlite3"
    shutil.copy(OLD_SCHEMA / "crm-v7.sqlite3", path)
    _check_upgraded(str(path))


def test_a_version_8_database_upgraded_on_either_engine(database_target: str) -> None:
    engine = open_database(database_target)
    with session_scope(engine) as session:
        olga = contacts.create_contact(session, contacts.ContactCreate(first_name="Olga"))
        lead = leads.create_lead(session, leads.lead_from_fields({"name": "Vera"}))
        stage_id = stage_by_name(session, "New").id
        deals.create_deal(session, DealCreate(title="Licences", stage_id=stage_id, contact_id=olga.id))
        events.add_note(session, leads.subject(lead), "called")
        activities.create_activity(
            session, activities.ActivityCreate(kind="call", title="call Vera", lead_id=lead.id)
        )
    with engine.begin() as connection:  # back to version 8: no owners, no actors, no row versions
        for table, column in [
            ("event", "actor"),
            ("lead", "owner"),
            ("deal", "owner"),
            ("activity", "owner"),
            ("contact", "owner"),
            ("lead", "version"),
            ("deal", "version"),
        ]:
            connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        connection.execute(text("UPDATE schemaversion SET version = 8"))
    engine.dispose()

    set_current_user("olga")  # the records were made as the tester; olga upgrades
    _check_upgraded(database_target)
