"""Pilot tests of the lead inbox: triage by keys only, checked on the screen and in the database.

The clock is frozen at Friday 2026-11-20 09:00 UTC (tests/conftest.py).
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select
from textual.widgets import Input, Label

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Company, Contact, Deal, EntityKind, Event, Lead
from crm_tui.services import activities, contacts, leads
from crm_tui.services.events import timeline
from crm_tui.services.today import Section
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.convert_dialog import ConvertDialog
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.screens.inbox import InboxScreen
from crm_tui.ui.screens.today import TodayScreen
from crm_tui.ui.widgets.record_table import RecordTable

from .conftest import settle, shown_text

SIZE = (100, 30)


def listed(app: CrmApp) -> list[str]:
    table = app.screen.query_one("#records", RecordTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(index)) for index in range(table.row_count)]


def add_leads(engine: Engine, *names: str, **fields: str) -> list[int]:
    with session_scope(engine) as session:
        return [
            leads.create_lead(session, leads.lead_from_fields({"name": name, **fields})).id or 0
            for name in names
        ]


def lead(engine: Engine, lead_id: int) -> Lead:
    with session_scope(engine) as session:
        found = session.get(Lead, lead_id)
        assert found is not None
        session.expunge(found)
        return found


def count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


async def type_text(pilot, text: str) -> None:
    for character in text:
        await pilot.press(character)


async def test_convert_a_lead_into_contact_company_and_deal(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    contacts_before = count(engine, Contact)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert "Ольга Смирнова" in listed(app)[0]
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConvertDialog)
        # Pre-filled from the lead.
        assert dialog.query_one("#field-contact", Input).value == "new"
        assert dialog.query_one("#field-first_name", Input).value == "Ольга"
        assert dialog.query_one("#field-last_name", Input).value == "Смирнова"
        assert dialog.query_one("#field-company", Input).value == "Вектор"
        assert dialog.query_one("#field-deal_amount", Input).value == "250000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert not any("Ольга Смирнова" in row for row in listed(app))
    converted = lead(engine, sample_ids["lead_new"])
    assert converted.status == "converted"
    assert converted.contact_id and converted.company_id and converted.deal_id
    assert count(engine, Contact) == contacts_before + 1
    with session_scope(engine) as session:
        contact = session.get(Contact, converted.contact_id)
        company = session.get(Company, converted.company_id)
        deal = session.get(Deal, converted.deal_id)
        assert contact is not None and company is not None and deal is not None
        assert (contact.first_name, contact.last_name, contact.company_id) == (
            "Ольга",
            "Смирнова",
            company.id,
        )
        assert company.name == "Вектор"
        assert (deal.amount, deal.contact_id, deal.company_id) == (250_000_00, contact.id, company.id)
        kinds = [event.kind for event in timeline(session, leads.subject(converted))]
        assert "converted" in kinds
        contact_events = timeline(session, contacts.subject(contact))
        assert any(event.kind == "converted" for event in contact_events)
        # The lead's own history (its `created` event) is on the new contact's timeline too.
        assert any(
            event.entity_kind == EntityKind.LEAD.value and event.kind == "created" for event in contact_events
        )


async def test_converting_a_lead_of_a_known_contact_links_instead_of_duplicating(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    [returning] = add_leads(engine, "Jane S.", email="JANE@acme.example", company="Acme Corp")
    contacts_before = count(engine, Contact)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Jane S." in listed(app)[0]  # newest first
        assert listed(app)[0].startswith("≈")  # the duplicate marker
        assert "matches contact Jane Smith" in shown_text(app.screen.query_one("#preview"))
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConvertDialog)
        assert app.screen.query_one("#field-contact", Input).value == f"#{sample_ids['smith']} Jane Smith"
        app.screen.query_one("#field-deal_title", Input).value = ""  # no deal this time
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    assert count(engine, Contact) == contacts_before
    converted = lead(engine, returning)
    assert (converted.status, converted.contact_id, converted.deal_id) == (
        "converted",
        sample_ids["smith"],
        None,
    )


async def test_a_bad_amount_keeps_the_conversion_dialog_open_and_writes_nothing(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    contacts_before, deals_before = count(engine, Contact), count(engine, Deal)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one("#field-deal_amount", Input).value = "a lot"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConvertDialog)
        assert "not an amount" in shown_text(app.screen.query_one("#form-error"))
        assert app.screen.focused is app.screen.query_one("#field-deal_amount", Input)
        await pilot.press("escape")
        await settle(pilot)
    assert (count(engine, Contact), count(engine, Deal)) == (contacts_before, deals_before)
    assert lead(engine, sample_ids["lead_new"]).status == "new"


async def test_disqualify_with_a_reason_then_undo(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    first, second = add_leads(engine, "Second Lead", "First Lead")  # newest first: First, Second
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "First Lead" in listed(app)[0]
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await type_text(pilot, "compet")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        # The cursor is on the next lead, ready for the next decision.
        assert app.screen.query_one("#records", RecordTable).selected_id == first
        assert lead(engine, second).status == "disqualified"
        assert lead(engine, second).disqualify_reason == "Competitor"
        await pilot.press("u")
        await settle(pilot)
        assert lead(engine, second).status == "new"
        assert any("First Lead" in row for row in listed(app))


async def test_schedule_tomorrow_creates_the_activity_on_today(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "tomorrow 10:00 call back about price")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        # Scheduled for later: it leaves New for the Scheduled tab.
        assert not any("Ольга Смирнова" in row for row in listed(app))
        tabs = shown_text(app.screen.query_one("#inbox-tabs", Label))
        assert "Scheduled 1" in tabs
        await pilot.press("4")  # and it is on the Today list, for tomorrow
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen) and today.data is not None
        assert [item.row.title for item in today.data.section(Section.TOMORROW)] == ["call back about price"]
    scheduled = lead(engine, sample_ids["lead_new"])
    assert (scheduled.next_contact_on, scheduled.next_contact_goal) == (
        date(2026, 11, 21),
        "call back about price",
    )
    with session_scope(engine) as session:
        activity = session.exec(select(Activity).where(Activity.lead_id == scheduled.id)).one()
        assert (activity.kind, *activities.local_due(activity)) == (
            "call",
            date(2026, 11, 21),
            time(10, 0),
        )
        assert activity.title == "call back about price"


async def test_a_date_that_cannot_be_read_is_named(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await type_text(pilot, "someday maybe")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "someday" in shown_text(app.screen.query_one("#form-error"))
    assert lead(engine, sample_ids["lead_new"]).next_contact_on is None


async def test_select_two_with_space_and_disqualify_both(app: CrmApp, engine: Engine) -> None:
    spam_a, spam_b, keep = add_leads(engine, "Keep Me", "Spam B", "Spam A")[::-1]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Spam A" in listed(app)[0] and "Spam B" in listed(app)[1]
        await pilot.press("space", "space")
        assert listed(app)[0].startswith("●") and listed(app)[1].startswith("●")
        await pilot.press("x")
        await settle(pilot)
        await type_text(pilot, "spam")
        await pilot.press("enter")
        await settle(pilot)
        assert not any("Spam" in row for row in listed(app))
    assert [lead(engine, spam_a).status, lead(engine, spam_b).status, lead(engine, keep).status] == [
        "disqualified",
        "disqualified",
        "new",
    ]


async def test_brackets_switch_tabs_and_tabs_show_counts(app: CrmApp, sample_ids: dict[str, int]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tabs = shown_text(app.screen.query_one("#inbox-tabs", Label))
        assert "New 1" in tabs and "Working 1" in tabs and "Disqualified 1" in tabs and "All 3" in tabs
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert [row for row in listed(app) if "Tom Baker" in row]
        assert not any("Ольга" in row for row in listed(app))
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert len(listed(app)) == 3  # All


async def test_working_and_notes_from_the_inbox(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "Asked for a price list")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Asked for a price list" in shown_text(app.screen.query_one("#preview"))
        await pilot.press("w")
        await settle(pilot)
    assert lead(engine, sample_ids["lead_new"]).status == "working"
    with session_scope(engine) as session:
        notes = session.exec(
            select(Event).where(
                Event.kind == "note",
                Event.entity_kind == "lead",
                col(Event.entity_id) == sample_ids["lead_new"],
            )
        )
        assert [event.text for event in notes] == ["Asked for a price list"]


async def test_lead_sources_are_edited_from_the_palette_and_filter_the_inbox(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    from textual.widgets import TextArea

    from crm_tui.services.stages import lead_sources

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_lead_sources()
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        box = app.screen.query_one("#field-sources", TextArea)
        assert box.text.splitlines()[0] == "Website"
        box.text = "Website\nExhibition 2026\nReferral"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        # f: the inbox shows one source's leads.
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await type_text(pilot, "refer")
        await pilot.press("enter")
        await settle(pilot)
        assert listed(app) == []  # the New tab holds no referral lead
        await pilot.press("right_square_bracket")  # Working: Tom Baker came by referral
        await settle(pilot)
        assert len(listed(app)) == 1 and "Tom Baker" in listed(app)[0]
        assert "source: Referral" in shown_text(app.screen.query_one("#inbox-tabs", Label))
    with session_scope(engine) as session:
        assert lead_sources(session) == ["Website", "Exhibition 2026", "Referral"]


async def test_edit_a_lead_and_a_bad_amount_is_named(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert app.screen.query_one("#field-value", Input).value == "250000"
        app.screen.query_one("#field-company_name", Input).value = "Вектор Плюс"
        app.screen.query_one("#field-value", Input).value = "lots"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "not an amount" in shown_text(app.screen.query_one("#form-error"))
        assert lead(engine, sample_ids["lead_new"]).company_name == "Вектор"  # nothing written
        app.screen.query_one("#field-value", Input).value = "300 000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    edited = lead(engine, sample_ids["lead_new"])
    assert (edited.company_name, edited.value) == ("Вектор Плюс", 300_000_00)
