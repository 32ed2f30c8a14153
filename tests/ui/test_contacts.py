"""Pilot tests of the contacts and companies lists and of the contact and company cards:
the keys a salesperson presses before and after a call, checked on the screen and in the
database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Label, OptionList, Static

from crm_tui.dates import utcnow
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Contact, ContactEmail, Deal, EntityKind, Event
from crm_tui.services import contacts, deals
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.screens.companies import CompaniesScreen
from crm_tui.ui.screens.contacts import ContactsScreen
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.widgets.record_table import RecordTable

from .conftest import fill_form, settle, shown_text


async def type_text(pilot: Pilot[None], text: str) -> None:
    for character in text:
        await pilot.press(character)


def listed_names(app: CrmApp) -> list[str]:
    table = app.screen.query_one("#records", RecordTable)
    return [row.full_name if hasattr(row, "full_name") else row.name for row in table.records]


async def open_contacts(pilot: Pilot[None]) -> ContactsScreen:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ContactsScreen)
    return screen


async def open_card_of(pilot: Pilot[None], contact_id: int) -> RecordScreen:
    screen = await open_contacts(pilot)
    screen.table.move_cursor(row=screen.table.get_row_index(str(contact_id)))
    await pilot.press("enter")
    await settle(pilot)
    card = pilot.app.screen
    assert isinstance(card, RecordScreen) and card.record_id == contact_id
    return card


def health_line(card: RecordScreen) -> str:
    return shown_text(card.query_one("#card-health", Label)).strip()


# ---------------------------------------------------------------- the list


async def test_lowercase_part_of_a_cyrillic_name_finds_the_contact(app: CrmApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_contacts(pilot)
        assert len(listed_names(app)) == 3
        await pilot.press("slash")
        await type_text(pilot, "иван")
        await settle(pilot)
        assert listed_names(app) == ["Пётр Иванов"]
        assert "People 1" in shown_text(screen.query_one("#list-title", Label))
        await pilot.press("down")  # from the box into the list
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        assert len(listed_names(app)) == 3


async def test_a_filter_saved_as_a_smart_list_is_recalled(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_contacts(pilot)
        await pilot.press("f")
        await settle(pilot)
        await fill_form(pilot, {"tag": "vip"})
        assert listed_names(app) == ["Пётр Иванов"]
        assert "tag vip" in shown_text(screen.query_one("#list-filter", Label))

        await pilot.press("S")
        await settle(pilot)
        await fill_form(pilot, {"name": "VIP clients"})
        await pilot.press("escape")  # back to everyone
        await settle(pilot)
        assert len(listed_names(app)) == 3

        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert listed_names(app) == ["Пётр Иванов"]


async def test_a_bad_filter_value_names_its_field(app: CrmApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contacts(pilot)
        await pilot.press("f")
        await settle(pilot)
        await fill_form(pilot, {"light": "purple"})
        assert isinstance(app.screen, FormDialog)
        assert "light: 'purple' is not green, yellow or red" in shown_text(
            app.screen.query_one("#form-error")
        )


async def test_untouched_filter_and_sort_by_last_touch(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    with session_scope(engine) as session:
        contacts.touch(session, sample_ids["smith"], utcnow() - timedelta(days=3))
        contacts.touch(session, sample_ids["ivanov"], utcnow() - timedelta(days=40))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_contacts(pilot)
        await pilot.press("o")  # name → last touch: never touched first, then the longest ago
        await settle(pilot)
        assert listed_names(app) == ["Anna Müller", "Пётр Иванов", "Jane Smith"]
        assert "sorted by last touch" in shown_text(screen.query_one("#list-filter", Label))
        await pilot.press("f")
        await settle(pilot)
        await fill_form(pilot, {"untouched": "30"})
        assert listed_names(app) == ["Anna Müller", "Пётр Иванов"]


async def test_space_selects_contacts_and_hash_tags_them_all(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_contacts(pilot)
        screen.table.move_cursor(row=0)
        await pilot.press("space", "space")  # marks the first two, the cursor moving down
        assert len(screen.marked) == 2
        await pilot.press("number_sign")
        await settle(pilot)
        await fill_form(pilot, {"add": "Partner"})
        assert "Tags changed on 2 contacts." in [n.message for n in app._notifications]
        assert not screen.marked
    with session_scope(engine) as session:
        tagged = [
            c
            for c in (sample_ids["ivanov"], sample_ids["smith"], sample_ids["muller"])
            if "Partner" in contacts.tags_of(session, c)
        ]
        assert len(tagged) == 2


async def test_companies_tab_searches_and_opens_a_company_card(app: CrmApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_contacts(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, CompaniesScreen)
        assert sorted(listed_names(app)) == ["Acme Corp", "ООО «Ромашка»"]
        await pilot.press("slash")
        await type_text(pilot, "ромаш")
        await settle(pilot)
        assert listed_names(app) == ["ООО «Ромашка»"]
        await pilot.press("enter")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, RecordScreen) and card.kind is EntityKind.COMPANY
        fields = shown_text(card.query_one("#card-fields", Static))
        assert "1 open: 150 000 RUB" in fields.replace("\u202f", " ")
        links = card.query_one("#card-links", OptionList)
        texts = [str(links.get_option_at_index(i).prompt) for i in range(links.option_count)]
        assert any("Пётр Иванов" in text for text in texts)
        # The company's timeline holds its people's events: Иванов's note.
        assert "Prefers calls after 10:00" in shown_text(card.query_one("#timeline-entries", Static))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)


# ---------------------------------------------------------------- the card


@pytest.fixture
def red_contact(engine: Engine) -> int:
    """Everything in order but the last touch, 100 days ago: red for that alone."""
    with session_scope(engine) as session:
        contact = contacts.create_contact(
            session,
            contacts.ContactCreate(
                first_name="Ольга",
                last_name="Смирнова",
                company_name="Вектор",
                title="Закупки",
                emails=[contacts.EmailIn(value="olga@vektor.ru", kind="work")],
                phones=[contacts.PhoneIn(value="+7 916 000-11-22", kind="cell")],
                next_contact_on=date(2026, 12, 1),
            ),
        )
        deals.create_deal(
            session, deals.DealCreate(title="Вектор: сервис", amount=50_000_00, contact_id=contact.id)
        )
        contacts.touch(session, contact.id or 0, utcnow() - timedelta(days=100))
        return contact.id or 0


async def test_logging_a_call_turns_the_light_green(app: CrmApp, engine: Engine, red_contact: int) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card_of(pilot, red_contact)
        assert health_line(card).startswith("● red: not touched for 100 days")
        await pilot.press("l")
        await settle(pilot)
        await fill_form(pilot, {"outcome": "Agreed to a demo next week"})
        assert isinstance(app.screen, RecordScreen)
        assert health_line(card).startswith("● green")
        timeline = shown_text(card.query_one("#timeline-entries", Static))
        assert "Agreed to a demo next week" in timeline.splitlines()[0]
    with session_scope(engine) as session:
        contact = session.get(Contact, red_contact)
        assert contact is not None and contact.last_touch_at is not None
        assert contact.last_touch_at.replace(tzinfo=None) >= (utcnow() - timedelta(minutes=1)).replace(
            tzinfo=None
        )


async def test_edit_refuses_a_bad_email_and_saves_nothing(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card_of(pilot, sample_ids["ivanov"])
        await pilot.press("e")
        await settle(pilot)
        await fill_form(pilot, {"title": "CEO", "emails": "work: bob@"})
        assert isinstance(app.screen, FormDialog)
        error = shown_text(app.screen.query_one("#form-error"))
        assert "bob@" in error and "email" in error
        await pilot.press("escape")
        await settle(pilot)
        with session_scope(engine) as session:
            contact = session.get(Contact, sample_ids["ivanov"])
            assert contact is not None and contact.title == "Директор"
        await pilot.press("e")
        await settle(pilot)
        await fill_form(pilot, {"title": "CEO", "phones": "cell: 8 (912) 345-67-00"})
        assert isinstance(app.screen, RecordScreen)
        assert "title: Директор → CEO" in shown_text(card.query_one("#timeline-entries", Static))
    with session_scope(engine) as session:
        contact = session.get(Contact, sample_ids["ivanov"])
        assert contact is not None and contact.title == "CEO"
        assert [phone.e164 for phone in contacts.phones_of(session, sample_ids["ivanov"])] == ["+79123456700"]
        assert [
            e.value for e in session.exec(select(ContactEmail).where(ContactEmail.contact_id == contact.id))
        ] == ["p.ivanov@romashka.ru"]


async def test_next_step_from_the_card(app: CrmApp, engine: Engine, sample_ids: dict[str, int]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card_of(pilot, sample_ids["muller"])
        await pilot.press("s")
        await settle(pilot)
        await fill_form(pilot, {"when": "someday soon"})
        assert isinstance(app.screen, FormDialog)  # not a date: the form stays, nothing written
        await fill_form(pilot, {"when": "+3d", "goal": "send the offer"})
        assert isinstance(app.screen, RecordScreen)
        assert "2026-11-23 send the offer" in shown_text(card.query_one("#card-fields", Static))
    with session_scope(engine) as session:
        contact = session.get(Contact, sample_ids["muller"])
        assert contact is not None and contact.next_contact_on == date(2026, 11, 23)


async def test_new_deal_from_the_card_belongs_to_the_contact_and_company(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card_of(pilot, sample_ids["smith"])
        await pilot.press("d")
        await settle(pilot)
        await fill_form(pilot, {"title": "Support contract", "amount": "3 000"})
        assert isinstance(app.screen, RecordScreen)
    with session_scope(engine) as session:
        deal = session.exec(select(Deal).where(Deal.title == "Support contract")).one()
        smith = session.get(Contact, sample_ids["smith"])
        assert smith is not None
        assert (deal.contact_id, deal.company_id, deal.amount) == (smith.id, smith.company_id, 3_000_00)


async def test_copy_and_mail_and_go_to_the_company(
    app: CrmApp, sample_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(
        "crm_tui.ui.record_actions.open_mail_client", lambda address: opened.append(address) or True
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card_of(pilot, sample_ids["ivanov"])
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)  # an email and a phone: which one?
        await type_text(pilot, "phone")
        await pilot.press("enter")
        await settle(pilot)
        assert app.clipboard == "+7 912 345-67-89"
        await pilot.press("o")  # one email: no question
        await settle(pilot)
        assert opened == ["p.ivanov@romashka.ru"]
        await pilot.press("g")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, RecordScreen) and card.kind is EntityKind.COMPANY
        assert "ООО «Ромашка»" in shown_text(card.query_one("#card-title", Label))


async def test_archiving_a_contact_with_deals_asks_and_keeps_them(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_contacts(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(sample_ids["ivanov"])))
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        assert "keep the 1 open deals" in str(app.screen.choices[0])
        await pilot.press("enter")  # the first choice, the default: keep the deals
        await settle(pilot)
        assert "Пётр Иванов" not in listed_names(app)
        with session_scope(engine) as session:
            deal = session.get(Deal, sample_ids["supply"])
            assert deal is not None and deal.archived_at is None and deal.contact_id == sample_ids["ivanov"]
        await pilot.press("u")
        await settle(pilot)
        assert "Пётр Иванов" in listed_names(app)
    with session_scope(engine) as session:
        archived = session.exec(
            select(Event).where(Event.entity_id == sample_ids["ivanov"], Event.kind == "archived")
        ).all()
        assert len(archived) == 1


async def test_a_contact_archived_from_its_card_comes_back_with_u_on_the_list(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card_of(pilot, sample_ids["muller"])
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)  # no open deals: archive or cancel
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)  # the card closed
        assert "Anna Müller" not in listed_names(app)
        await pilot.press("u")
        await settle(pilot)
        assert "Anna Müller" in listed_names(app)
    with session_scope(engine) as session:
        contact = session.get(Contact, sample_ids["muller"])
        assert contact is not None and contact.archived_at is None
