"""Who did it: events signed with the current user, records owned by them, and the services'
"mine" filters (`owner`), on both engines. The frozen clock is Friday 20 November 2026, 09:00
UTC; the tests work as "tester" (tests/conftest.py) unless they say otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Contact, Deal, EntityKind, Event, Lead, LeadStatus
from crm_tui.services import activities, contacts, deals, demo, events, lead_triage, leads, pipeline
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.cards import load_card
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.deals import DealCreate
from crm_tui.services.file_import import ImportOptions, plan_file
from crm_tui.services.import_apply import apply_plan
from crm_tui.services.leads import InboxTab
from crm_tui.services.pipeline import BoardFilter
from crm_tui.services.records import activity_records, deal_records, event_records, lead_records
from crm_tui.services.stages import stage_by_name
from crm_tui.services.today import Section, today_list, week_agenda
from crm_tui.users import set_current_user
from tests.users import TEST_USER

FRIDAY = date(2026, 11, 20)
CSV = Path(__file__).parent.parent / "fixtures" / "csv"


@pytest.fixture
def as_user() -> Iterator[Callable[[str], None]]:
    """Work as another person from here on (`--user NAME`)."""
    yield set_current_user
    set_current_user(None)


def _lead(session: Session, name: str) -> Lead:
    return leads.create_lead(session, leads.lead_from_fields({"name": name}))


def _deal(session: Session, title: str, amount: int, stage: str = "New") -> Deal:
    stage_id = stage_by_name(session, stage).id
    return deals.create_deal(
        session, DealCreate(title=title, stage_id=stage_id, amount=amount, currency="RUB")
    )


def _plan(session: Session, title: str, day: date, **links: int | None) -> Activity:
    return activities.create_activity(session, ActivityCreate(kind="call", title=title, due_on=day, **links))


# ---------------------------------------------------------------- signed and owned


def test_records_are_owned_and_events_signed_by_whoever_makes_them(session: Session, as_user) -> None:
    mine = _lead(session, "Olga")
    as_user("anna")
    hers = _lead(session, "Vera")
    events.add_note(session, leads.subject(mine), "anna called Olga")
    session.flush()

    assert (mine.owner, hers.owner) == (TEST_USER, "anna")
    signed = session.exec(
        select(Event.text, Event.actor).where(Event.entity_id == mine.id, Event.entity_kind == "lead")
    ).all()
    assert sorted(signed) == [("Lead created: Olga", TEST_USER), ("anna called Olga", "anna")]


def test_the_json_records_say_who_owns_and_who_did(session: Session, as_user) -> None:
    as_user("anna")
    lead = _lead(session, "Olga")
    deal = _deal(session, "Licences", 100)
    activity = _plan(session, "call Olga", FRIDAY, lead_id=lead.id)
    session.flush()
    assert lead_records(session, [lead])[0]["owner"] == "anna"
    assert deal_records(session, [deal])[0]["owner"] == "anna"
    assert activity_records(session, [activity])[0]["owner"] == "anna"
    created = session.exec(
        select(Event).where(Event.entity_id == lead.id, Event.entity_kind == "lead", Event.kind == "created")
    ).one()
    assert event_records(session, [created])[0]["actor"] == "anna"


def test_the_timeline_of_a_card_says_who_and_old_events_say_nothing(session: Session, as_user) -> None:
    lead = _lead(session, "Olga")
    as_user("anna")
    events.add_note(session, leads.subject(lead), "called back")
    old = events.add_note(session, leads.subject(lead), "written before v9")
    session.flush()
    # As an upgraded database holds them: nobody said who.
    session.execute(update(Event).where(col(Event.id) == old.id).values(actor=None))

    timeline = load_card(session, EntityKind.LEAD, lead.id or 0).timeline
    assert {entry.text: entry.actor for entry in timeline} == {
        "Lead created: Olga": TEST_USER,
        "called back": "anna",
        "written before v9": "",
    }


def test_imported_rows_belong_to_the_importer(engine: Engine, as_user) -> None:
    as_user("boris")
    with session_scope(engine) as session:
        plan = plan_file(session, CSV / "bitrix24_leads_cp1251.csv", None, ImportOptions(into="leads"))
        apply_plan(session, plan)
    with session_scope(engine) as session:
        owners = set(session.exec(select(Lead.owner)).all())
        actors = set(session.exec(select(Event.actor).where(Event.entity_kind == "lead")).all())
    assert owners == {"boris"} and actors == {"boris"}


def test_a_converted_lead_s_contact_and_deal_belong_to_who_converted_it(session: Session, as_user) -> None:
    lead = leads.create_lead(
        session, leads.lead_from_fields({"name": "Olga", "company": "Vektor", "value": "1000"})
    )
    as_user("anna")
    conversion = lead_triage.convert_lead(session, lead_triage.conversion_defaults(session, lead.id or 0))
    session.flush()
    contact = session.get(Contact, conversion.contact_id)
    deal = session.get(Deal, conversion.deal_id)
    assert contact is not None and deal is not None
    assert (contact.owner, deal.owner) == ("anna", "anna")


def test_the_demo_spreads_its_records_over_a_small_team(session: Session) -> None:
    demo.generate(session, demo.DemoSize.for_size(40), seed=3)
    session.flush()
    for model in (Lead, Deal, Activity, Contact):
        owners = dict(session.exec(select(model.owner, func.count()).group_by(model.owner)).all())  # type: ignore[attr-defined]
        assert set(owners) == {TEST_USER, "anna", "boris"}, model
        assert owners[TEST_USER] >= max(owners["anna"], owners["boris"])  # half are the user's
    # Each lead's events are signed by its owner.
    unsigned = session.exec(
        select(func.count())
        .select_from(Event)
        .join(Lead, col(Lead.id) == Event.entity_id)
        .where(Event.entity_kind == "lead", col(Event.actor) != col(Lead.owner))
    ).one()
    assert unsigned == 0


# ---------------------------------------------------------------- the inbox


def test_the_inbox_tabs_counts_and_pages_follow_the_owner(session: Session, as_user) -> None:
    _lead(session, "tester's")
    as_user("anna")
    olga, vera = _lead(session, "Olga"), _lead(session, "Vera")
    leads.set_status(session, vera.id or 0, LeadStatus.WORKING)
    session.flush()

    assert leads.tab_counts(session)[InboxTab.ALL] == 3
    anna = leads.tab_counts(session, owner="anna")
    assert (anna[InboxTab.NEW], anna[InboxTab.WORKING], anna[InboxTab.ALL]) == (1, 1, 2)
    assert leads.tab_counts(session, owner="nobody")[InboxTab.ALL] == 0
    assert leads.count_leads_in(session, InboxTab.NEW, owner="anna") == 1
    assert [row.id for row in leads.list_leads_in(session, InboxTab.NEW, owner="anna")] == [olga.id]
    assert leads.count_leads_in(session, InboxTab.NEW, owner=TEST_USER) == 1
    assert leads.count_leads(session, owner="anna") == 2
    assert {row.title for row in leads.list_leads(session, owner=TEST_USER)} == {"tester's"}


# ---------------------------------------------------------------- the pipeline


def test_the_board_columns_cards_and_list_follow_the_owner(session: Session, as_user) -> None:
    _deal(session, "mine", 100)
    as_user("anna")
    hers = _deal(session, "hers", 250)
    _deal(session, "hers too", 50, stage="Proposal")
    session.flush()

    anna = BoardFilter(owner="anna")
    assert not anna.narrowed and anna.describe() == ""  # "mine" is shown apart from the filter
    columns = {column.name: column for column in pipeline.board_columns(session, anna)}
    assert (columns["New"].count, columns["New"].amounts) == (1, {"RUB": 250})
    assert columns["Proposal"].count == 1
    everyone = {column.name: column for column in pipeline.board_columns(session)}
    assert (everyone["New"].count, everyone["New"].amounts) == (2, {"RUB": 350})
    new_stage = columns["New"].stage_id
    assert [card.title for card in pipeline.stage_cards(session, new_stage, anna)] == ["hers"]
    assert pipeline.card_index(session, hers.id or 0, BoardFilter(owner=TEST_USER)) is None
    assert deals.count_deals(session, wanted=anna) == 2
    assert {row.title for row in deals.list_deals(session, wanted=BoardFilter(owner=TEST_USER))} == {"mine"}
    # With the other filters: both narrow.
    both = BoardFilter(owner="anna", min_amount=100)
    assert [row.title for row in deals.list_deals(session, wanted=both)] == ["hers"]


# ---------------------------------------------------------------- Today


def test_today_s_sections_and_counts_follow_the_activity_s_owner(session: Session, as_user) -> None:
    _plan(session, "my overdue", date(2026, 11, 18))
    _plan(session, "my today", FRIDAY)
    as_user("anna")
    _plan(session, "her overdue", date(2026, 11, 19))
    _plan(session, "her tomorrow", date(2026, 11, 21))
    session.flush()

    mine = today_list(session, owner=TEST_USER)
    assert [item.row.title for item in mine.items] == ["my overdue", "my today"]
    assert (mine.counts["overdue"], mine.counts["today"], mine.counts["tomorrow"]) == (1, 1, 0)
    hers = today_list(session, owner="anna")
    assert [item.row.title for item in hers.section(Section.OVERDUE)] == ["her overdue"]
    assert (hers.counts["overdue"], hers.counts["today"], hers.counts["tomorrow"]) == (1, 0, 1)
    everyone = today_list(session)
    assert everyone.counts["overdue"] == 2 and len(everyone.items) == 4
    assert activities.overdue_count(session, "anna") == 1 and activities.overdue_count(session) == 2
    week = week_agenda(session, date(2026, 11, 16), owner="anna")
    assert [row.title for rows in week.values() for row in rows] == ["her overdue", "her tomorrow"]


def test_deals_without_a_next_step_follow_the_deal_s_owner(session: Session, as_user) -> None:
    mine = _deal(session, "my stalled deal", 100)
    as_user("anna")
    _deal(session, "her stalled deal", 100)
    # Anna plans a call on my deal: it has a next step, whoever planned it.
    _plan(session, "her call on my deal", date(2026, 11, 23), deal_id=mine.id)
    _deal(session, "her other stalled deal", 100)
    session.flush()

    hers = today_list(session, owner="anna")
    assert {deal.title for deal in hers.stalled_deals} == {"her stalled deal", "her other stalled deal"}
    assert hers.counts["stalled"] == 2
    assert today_list(session, owner=TEST_USER).counts["stalled"] == 0
    assert today_list(session).counts["stalled"] == 2


def test_forgotten_clients_follow_the_contact_s_owner(session: Session, as_user, clock) -> None:
    clock("2026-09-01T09:00:00+00:00")
    contacts.create_contact(session, ContactCreate(first_name="Olga", is_client=True))
    as_user("anna")
    contacts.create_contact(session, ContactCreate(first_name="Vera", is_client=True))
    contacts.create_contact(session, ContactCreate(first_name="Tom", tags=["client"]))
    session.flush()
    clock("2026-11-20T09:00:00+00:00")

    hers = today_list(session, owner="anna")
    assert {client.name for client in hers.forgotten} == {"Vera", "Tom"}
    assert hers.counts["forgotten"] == 2
    assert [client.name for client in today_list(session, owner=TEST_USER).forgotten] == ["Olga"]
    assert today_list(session).counts["forgotten"] == 3
