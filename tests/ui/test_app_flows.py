"""Pilot tests: press the keys a salesperson would press; check the screen and the database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, select
from textual.widgets import DataTable, Input, OptionList, Static

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Contact, EntityKind, Event, Lead
from crm_tui.services import contacts
from crm_tui.services.events import add_note
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.dialogs.search_dialog import SearchDialog
from crm_tui.ui.screens.contacts import ContactsScreen
from crm_tui.ui.screens.help import HelpScreen
from crm_tui.ui.screens.import_screen import ImportScreen
from crm_tui.ui.screens.inbox import InboxScreen
from crm_tui.ui.screens.pipeline import PipelineScreen
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.screens.reports import ReportsScreen
from crm_tui.ui.screens.today import TodayScreen
from crm_tui.ui.widgets.agenda_list import AgendaList
from crm_tui.ui.widgets.board import Board
from crm_tui.ui.widgets.empty_state import EmptyState
from crm_tui.ui.widgets.record_table import PAGE_SIZE, RecordTable

from .conftest import settle, shown_text


def table_texts(app: CrmApp) -> list[str]:
    table = app.screen.query_one("#records", RecordTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(index)) for index in range(table.row_count)]


async def type_text(pilot, text: str) -> None:
    for character in text:
        await pilot.press(character)


async def test_number_keys_switch_between_the_five_modes(app: CrmApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        for key, screen_type in [
            ("2", ContactsScreen),
            ("3", PipelineScreen),
            ("4", TodayScreen),
            ("5", ReportsScreen),
            ("1", InboxScreen),
        ]:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen_type)


async def test_each_mode_lists_its_real_records(app: CrmApp) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        inbox = table_texts(app)
        # The inbox opens on its New tab; the working lead is one tab on, the disqualified
        # one is in neither.
        assert len(inbox) == 1 and "Ольга Смирнова" in inbox[0]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        working = table_texts(app)
        assert len(working) == 1 and "Tom Baker" in working[0]
        assert not any("prize" in row for row in inbox + working)

        await pilot.press("2")
        await settle(pilot)
        names = [row.split(" | ")[1] for row in table_texts(app)]  # after the health light
        # Sorted by last name, case-folded: Müller, Smith, then the Cyrillic Иванов.
        assert names == ["Müller, Anna", "Smith, Jane", "Иванов, Пётр"]  # surname first, as sorted

        await pilot.press("3")
        await settle(pilot)
        board = shown_text(app.screen.query_one(Board))  # the pipeline is a board of cards
        assert "Proposal · 1" in board and "Поставка оборудования" in board
        assert "50 licences" in board and "USD" in board

        await pilot.press("4")
        await settle(pilot)
        today = shown_text(app.screen.query_one(AgendaList)).splitlines()
        # Due on the 18th (overdue) and the 20th (today); the 25th is next week.
        assert "Call about the proposal" in today[1] and "18.11" in today[1]
        assert "Demo at Acme" in today[3] and "14:30" in today[3]
        assert "Send the contract" not in "\n".join(today)


async def test_open_a_contact_card_and_add_a_note(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#records", RecordTable)
        table.move_cursor(row=table.get_row_index(str(sample_ids["ivanov"])))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        fields = shown_text(app.screen.query_one("#card-fields", Static))
        assert "p.ivanov@romashka.ru" in fields and "+7 912 345-67-89" in fields
        links = app.screen.query_one("#card-links", OptionList)
        link_texts = [str(links.get_option_at_index(i).prompt) for i in range(links.option_count)]
        assert any("Поставка оборудования" in text for text in link_texts)
        assert any("Call about the proposal" in text for text in link_texts)

        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "Asked for a discount")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        timeline = shown_text(app.screen.query_one("#timeline-entries", Static)).splitlines()
        assert "Asked for a discount" in timeline[0]

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)

    with session_scope(engine) as session:
        notes = session.exec(
            select(Event).where(
                Event.kind == "note", Event.entity_id == sample_ids["ivanov"], Event.entity_kind == "contact"
            )
        ).all()
        assert [note.text for note in notes] == ["Prefers calls after 10:00", "Asked for a discount"]


async def test_brackets_in_names_and_notes_are_shown_as_typed(app: CrmApp, engine: Engine) -> None:
    """Data is never read as markup: "[old]" would be a style tag and vanish."""
    with session_scope(engine) as session:
        contact = contacts.create_contact(
            session, contacts.ContactCreate(first_name="Aaron", last_name="Smith [old]", title="[b]CEO[/b]")
        )
        add_note(session, contacts.subject(contact), "Use the [work] number")
        contact_id = contact.id or 0
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#records", RecordTable)
        assert "Smith [old], Aaron" in shown_text(table)
        table.move_cursor(row=table.get_row_index(str(contact_id)))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert "[b]CEO[/b]" in shown_text(app.screen.query_one("#card-fields", Static))
        assert "Use the [work] number" in shown_text(app.screen.query_one("#timeline-entries", Static))


async def test_an_empty_note_is_refused_and_nothing_is_written(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # open the newest lead
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "note: is empty" in shown_text(app.screen.query_one("#form-error"))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
    with session_scope(engine) as session:
        assert (
            session.exec(select(Event).where(Event.kind == "note", Event.entity_kind == "lead")).all() == []
        )


async def test_search_finds_cyrillic_in_any_case_and_opens_the_record(
    app: CrmApp, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, SearchDialog)
        await type_text(pilot, "иванов")
        await settle(pilot)
        results = app.screen.query_one("#search-results", OptionList)
        texts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any("Пётр Иванов" in text for text in texts)
        contact_index = next(i for i, hit in enumerate(app.screen.hits) if hit.kind is EntityKind.CONTACT)
        await pilot.press("down")
        results.highlighted = contact_index
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert app.screen.kind is EntityKind.CONTACT and app.screen.record_id == sample_ids["ivanov"]


async def test_search_with_no_match_says_so(app: CrmApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "zzzqqq")
        await settle(pilot)
        assert "No matches" in shown_text(app.screen.query_one("#search-status"))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)


async def test_add_a_lead_from_the_inbox(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "Игорь Котов")
        await pilot.press("tab")
        await type_text(pilot, "Ромб")
        await pilot.press("tab")
        await type_text(pilot, "not-an-email")
        await pilot.press("enter")
        await settle(pilot)
        # A bad email keeps the dialog open, names the field, and writes nothing.
        assert isinstance(app.screen, FormDialog)
        assert "not an email address" in shown_text(app.screen.query_one("#form-error"))
        assert app.screen.focused is app.screen.query_one("#field-email", Input)
        with session_scope(engine) as session:
            assert session.exec(select(Lead).where(Lead.person_name == "Игорь Котов")).first() is None

        email = app.screen.query_one("#field-email", Input)
        email.value = "igor@romb.ru"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert any("Игорь Котов" in row for row in table_texts(app))
    with session_scope(engine) as session:
        lead = session.exec(select(Lead).where(Lead.person_name == "Игорь Котов")).one()
        assert (lead.company_name, lead.email, lead.status) == ("Ромб", "igor@romb.ru", "new")


async def test_mark_an_activity_done_from_today(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_text(pilot, "Agreed to sign")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")  # no next step
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        assert app.screen.data is not None and [item.row.title for item in app.screen.data.items] == [
            "Demo at Acme"
        ]
    with session_scope(engine) as session:
        call = session.get(Activity, sample_ids["call"])
        assert call is not None and call.done_at is not None and call.outcome == "Agreed to sign"
        ivanov = session.get(Contact, sample_ids["ivanov"])
        assert ivanov is not None and ivanov.last_touch_at is not None


async def test_help_lists_keys_and_the_database_path(app: CrmApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(shown_text(widget) for widget in app.screen.query(Static))
        assert "/tmp/crm-test.sqlite3" in text
        for expected in ("Search", "Quit", "Inbox", "Add"):
            assert expected in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)

        # The keys of the screen below are listed too, those it inherits included.
        await pilot.press("4", "question_mark")
        await settle(pilot)
        text = " ".join(shown_text(widget) for widget in app.screen.query(Static))
        assert "Done" in text and "Add" in text


async def test_command_palette_goes_to_a_mode(app: CrmApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "go to pipeline")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)


async def test_an_empty_database_shows_the_first_run_hint(empty_app: CrmApp) -> None:
    async with empty_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        hint = empty_app.screen.query_one(EmptyState)
        assert hint.has_class("visible")
        assert "crm-tui demo" in shown_text(hint)
        assert not empty_app.screen.query_one("#records").display


async def test_long_lists_load_a_page_at_a_time(empty_app: CrmApp, engine: Engine) -> None:
    with session_scope(engine) as session:
        for number in range(PAGE_SIZE * 2 + 30):
            contacts.create_contact(
                session, contacts.ContactCreate(first_name="Person", last_name=f"{number:04d}")
            )
    async with empty_app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = empty_app.screen.query_one("#records", RecordTable)
        assert table.total == PAGE_SIZE * 2 + 30
        assert table.row_count == PAGE_SIZE
        table.move_cursor(row=PAGE_SIZE - 1)
        await settle(pilot)
        assert table.row_count == PAGE_SIZE * 2
        await pilot.press("G")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert table.row_count == PAGE_SIZE * 2 + 30
        assert f"People {PAGE_SIZE * 2 + 30}" in shown_text(empty_app.screen.query_one("#list-title"))
    with session_scope(engine) as session:
        assert len(session.exec(select(Contact.id).where(col(Contact.archived_at).is_(None))).all()) == (
            PAGE_SIZE * 2 + 30
        )


async def test_import_leads_from_a_json_file(app: CrmApp, engine: Engine, tmp_path) -> None:
    leads_file = tmp_path / "form.json"
    leads_file.write_text(
        '[{"name": "Вера Козлова", "email": "vera@example.ru"}, {"name": "Bad", "email": "nope"}]',
        encoding="utf-8",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        app.screen.query_one("#import-path", Input).value = str(tmp_path / "missing.json")
        await pilot.press("enter")
        await settle(pilot)
        summary = shown_text(app.screen.query_one("#import-summary"))
        assert "missing.json" in summary and "Nothing was written" in summary

        app.screen.query_one("#import-path", Input).value = str(leads_file)
        await pilot.press("enter")
        await settle(pilot)
        summary = shown_text(app.screen.query_one("#import-summary"))
        assert "1 lead(s) added" in summary and "lead 2: email" in summary
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert any("Вера Козлова" in row for row in table_texts(app))
    with session_scope(engine) as session:
        vera = session.exec(select(Lead).where(Lead.person_name == "Вера Козлова")).one()
        assert vera.email == "vera@example.ru"
        assert session.exec(select(Lead).where(Lead.person_name == "Bad")).first() is None


async def test_import_a_vcard_file_shows_the_plan_then_applies_it(empty_app: CrmApp, engine: Engine) -> None:
    source = Path(__file__).parent.parent / "fixtures" / "vcard" / "cli-three-cards-one-broken.vcf"
    async with empty_app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        empty_app.screen.query_one("#import-path", Input).value = str(source)
        await pilot.press("enter")
        await settle(pilot)
        plan = empty_app.screen.query_one("#import-plan", DataTable)
        actions = [str(plan.get_row_at(index)[0]) for index in range(plan.row_count)]
        assert actions == ["create", "reject", "create"]
        assert "Nothing written yet" in shown_text(empty_app.screen.query_one("#import-summary"))
        with session_scope(engine) as session:
            assert session.exec(select(Contact)).all() == []

        await pilot.press("enter")
        await settle(pilot)
        assert "Imported (2 created, 1 rejected)" in shown_text(empty_app.screen.query_one("#import-summary"))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(empty_app.screen, InboxScreen)
    with session_scope(engine) as session:
        names = sorted(contact.full_name for contact in session.exec(select(Contact)))
        assert names == ["John Smith", "Анна Петрова"]


async def test_export_contacts_as_vcard_from_the_command_palette(app: CrmApp, tmp_path) -> None:
    target = tmp_path / "out.vcf"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "export contacts")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one("#field-file", Input).value = str(target)
        app.screen.query_one("#field-version", Input).value = "5.0"
        await pilot.press("enter")
        await settle(pilot)
        assert "choose 3.0" in shown_text(app.screen.query_one("#form-error"))
        assert not target.exists()
        app.screen.query_one("#field-version", Input).value = "4.0"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    text = target.read_text(encoding="utf-8")
    assert text.count("BEGIN:VCARD") == 3 and "VERSION:4.0" in text and "Иванов" in text
