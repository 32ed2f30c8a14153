"""Pilot tests of the CSV import screen and the export dialog: keys in, database and files out."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Lead
from crm_tui.io.csv_write import COLUMNS
from crm_tui.services.mappings import load_mapping, saved_mappings
from crm_tui.services.settings import set_setting
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.screens.import_screen import ImportScreen, Step
from crm_tui.ui.screens.inbox import InboxScreen
from crm_tui.ui.widgets.mapping_table import MappingTable
from crm_tui.ui.widgets.plan_table import PlanTable

from .conftest import settle, shown_text

CSV_FIXTURES = Path(__file__).parent.parent / "fixtures" / "csv"
BITRIX_LEADS = CSV_FIXTURES / "bitrix24_leads_cp1251.csv"
BAD_CELLS = CSV_FIXTURES / "bad_cells.csv"
SIZE = (100, 30)


async def open_file(pilot: Pilot[None], path: Path) -> ImportScreen:
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    screen.query_one("#import-path", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)
    return screen


async def type_text(pilot: Pilot[None], text: str) -> None:
    for character in text:
        await pilot.press(character)


async def select_column(pilot: Pilot[None], table: MappingTable, column: str) -> None:
    """Walk the cursor to a column's row with the arrow keys, as a person would."""
    wanted = table.header.index(column)
    while table.cursor_row != wanted:
        await pilot.press("down" if table.cursor_row < wanted else "up")
    assert table.selected_column == column


def field_shown(table: MappingTable, column: str) -> str:
    return str(table.get_cell(column, "Field"))


def summary(screen: ImportScreen) -> str:
    return shown_text(screen.query_one("#import-summary"))


def plan_actions(screen: ImportScreen) -> list[str]:
    table = screen.query_one("#import-plan", PlanTable)
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


async def test_a_bitrix24_lead_export_is_mapped_edited_previewed_and_imported(
    empty_app: CrmApp, engine: Engine
) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, BITRIX_LEADS)
        assert screen.step is Step.MAPPING
        settings = shown_text(screen.query_one("#csv-settings"))
        assert "cp1251" in settings and "delimiter ;" in settings
        assert "Bitrix24 leads preset" in settings
        table = screen.query_one("#mapping", MappingTable)
        assert table.has_focus and table.row_count == 17
        # The samples show what a column holds before anything is decided.
        assert "Петров · Сидорова · Кузнецов" in str(table.get_cell("Фамилия", "Samples"))
        # A lead export goes into the inbox unless the user says otherwise.
        assert table.mapping is not None and table.mapping.target == "leads"
        assert field_shown(table, "Название компании") == "company_name"
        await pilot.press("T")  # back to contacts: the hint says what the file really is
        await settle(pilot)
        assert table.mapping.target == "contacts" and field_shown(table, "Название компании") == "company"
        assert "looks like a leads export" in summary(screen)
        await pilot.press("t")
        await settle(pilot)
        assert table.mapping.target == "leads"

        # Who is responsible for the lead goes into its notes, picked from the field list…
        await select_column(pilot, table, "Ответственный")
        assert field_shown(table, "Ответственный") == "ignore"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(empty_app.screen, PickDialog)
        await type_text(pilot, "note")
        await pilot.press("enter")
        await settle(pilot)
        assert empty_app.screen is screen
        assert field_shown(table, "Ответственный") == "notes"
        # …and the comment is left out.
        await select_column(pilot, table, "Комментарий")
        await pilot.press("x")
        assert field_shown(table, "Комментарий") == "ignore"
        assert "edited" in shown_text(screen.query_one("#csv-settings"))

        await pilot.press("p")
        await settle(pilot)
        assert screen.step is Step.PLAN
        assert plan_actions(screen) == ["create", "create", "create"]
        assert "3 to create" in summary(screen) and "Nothing written yet" in summary(screen)
        with session_scope(engine) as session:
            assert session.exec(select(Lead)).all() == []

        await pilot.press("enter")
        await settle(pilot)
        assert "Imported (3 created)" in summary(screen)
        assert "crm-tui imports undo" in summary(screen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(empty_app.screen, InboxScreen)

    with session_scope(engine) as session:
        leads = {lead.person_name: lead for lead in session.exec(select(Lead))}
    assert sorted(leads) == ["Иван Сергеевич Петров", "Мария Сидорова", "Олег Кузнецов"]
    ivan, maria, oleg = leads["Иван Сергеевич Петров"], leads["Мария Сидорова"], leads["Олег Кузнецов"]
    assert [ivan.company_name, maria.company_name, oleg.company_name] == [
        'ООО "Ромашка"',
        "ИП Сидорова",
        "АО Вектор",
    ]
    assert [ivan.source, maria.source, oleg.source] == ["Website", "Звонок", "Trade show"]
    # Amounts in minor units: 150 000,00 RUB, "12 500 руб.", 1 234 567.
    assert [ivan.value, maria.value, oleg.value] == [15_000_000, 1_250_000, 123_456_700]
    assert {lead.currency for lead in leads.values()} == {"RUB"}
    # The picked field was filled; the ignored comment went nowhere.
    assert {lead.notes for lead in leads.values()} == {"Администратор"}
    assert not any("Перезвонить" in str(lead.model_dump()) for lead in leads.values())


async def test_esc_goes_back_one_step_then_leaves(empty_app: CrmApp, engine: Engine) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, BITRIX_LEADS)
        await pilot.press("p")
        await settle(pilot)
        assert screen.step is Step.PLAN
        await pilot.press("escape")
        assert screen.step is Step.MAPPING and screen.query_one("#mapping").has_focus
        await pilot.press("escape")
        assert screen.step is Step.PATH and screen.query_one("#import-path").has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(empty_app.screen, InboxScreen)
    with session_scope(engine) as session:
        assert session.exec(select(Lead)).all() == []


async def test_bad_cells_reject_their_row_unless_blank_is_chosen(empty_app: CrmApp, engine: Engine) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, BAD_CELLS)
        await pilot.press("t")  # leads
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert plan_actions(screen) == ["create", "reject", "reject", "reject"]
        # The reason of the highlighted row shows whole under the table.
        await pilot.press("down")
        await settle(pilot)
        assert "'31.31.2020' is not a date" in shown_text(screen.query_one("#import-detail"))

        await pilot.press("escape")
        await pilot.press("b")
        assert "import it blank" in shown_text(screen.query_one("#csv-settings"))
        await pilot.press("p")
        await settle(pilot)
        assert plan_actions(screen) == ["create"] * 4
        await pilot.press("enter")
        await settle(pilot)
        assert "Imported (4 created)" in summary(screen)
    with session_scope(engine) as session:
        leads = {lead.person_name: lead for lead in session.exec(select(Lead))}
    assert sorted(leads) == ["Bad Amount", "Bad Date", "Bad Email", "Good Row"]
    assert leads["Bad Email"].email is None and leads["Bad Amount"].value is None
    assert leads["Good Row"].value == 123_456


async def test_rejecting_bad_cells_imports_only_the_good_row(empty_app: CrmApp, engine: Engine) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, BAD_CELLS)
        await pilot.press("t", "p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Imported (1 created, 3 rejected)" in summary(screen)
    with session_scope(engine) as session:
        assert [lead.person_name for lead in session.exec(select(Lead))] == ["Good Row"]


async def test_save_a_mapping_then_load_it_back(empty_app: CrmApp, engine: Engine) -> None:
    async with empty_app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, BITRIX_LEADS)
        table = screen.query_one("#mapping", MappingTable)
        # Nothing saved yet: `l` offers nothing.
        await pilot.press("l")
        await settle(pilot)
        assert empty_app.screen is screen

        await select_column(pilot, table, "Комментарий")
        await pilot.press("delete")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(empty_app.screen, FormDialog)
        name_input = empty_app.screen.query_one("#field-name", Input)
        assert name_input.value == "bitrix24_leads_cp1251"
        name_input.value = "  "
        await pilot.press("enter")
        await settle(pilot)
        assert "needs a name" in shown_text(empty_app.screen.query_one("#form-error"))
        name_input.value = "Bitrix weekly"
        await pilot.press("enter")
        await settle(pilot)
        assert empty_app.screen is screen
        assert "Saved as 'Bitrix weekly'" in summary(screen)
        with session_scope(engine) as session:
            assert saved_mappings(session) == ["Bitrix weekly"]
            saved = load_mapping(session, "Bitrix weekly")
        assert saved.target == "leads" and saved.field_of("Комментарий") == "ignore"

        # Moving to another target re-guesses the columns; loading brings the saved ones back.
        await pilot.press("t")
        assert table.mapping is not None and table.mapping.target == "companies"
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(empty_app.screen, PickDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert empty_app.screen is screen
        assert table.mapping is not None and table.mapping.target == "leads"
        assert field_shown(table, "Комментарий") == "ignore"
        assert field_shown(table, "Название компании") == "company_name"
        assert "Loaded 'Bitrix weekly'" in summary(screen)
        assert "saved mapping 'Bitrix weekly'" in shown_text(screen.query_one("#csv-settings"))


async def test_a_broken_saved_mapping_is_named_in_the_summary(empty_app: CrmApp, engine: Engine) -> None:
    with session_scope(engine) as session:
        set_setting(session, "mapping:broken", '{"target": "leads", "columns": {"Имя": "shoe_size"}}')
    async with empty_app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, BITRIX_LEADS)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = summary(screen)
        assert "Could not load the mapping" in text and "'shoe_size'" in text
        # The mapping in use is still the one shown.
        table = screen.query_one("#mapping", MappingTable)
        assert table.mapping is not None and table.mapping.target == "leads"


async def test_an_unreadable_csv_is_named_in_the_summary(empty_app: CrmApp, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\r\n\r\n")
    async with empty_app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, empty)
        assert screen.step is Step.PATH
        text = summary(screen)
        assert "empty.csv" in text and "empty" in text and "Nothing was written" in text
        assert screen.query_one("#import-path").has_focus


async def test_export_leads_as_csv_and_bad_values_stay_in_the_dialog(app: CrmApp, tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("E")  # from the inbox: exports leads
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-kind", Input).value == "leads"
        assert dialog.query_one("#field-format", Input).value == "csv"

        async def save_with(**values: str) -> str:
            for name, value in values.items():
                dialog.query_one(f"#field-{name}", Input).value = value
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog, "a bad value must keep the dialog open"
            return shown_text(dialog.query_one("#form-error"))

        assert "no such folder" in await save_with(file=str(tmp_path / "nowhere" / "leads.csv"))
        assert "'xls': choose" in await save_with(file=str(target), format="xls")
        assert "vCard holds contacts only" in await save_with(format="vcard")
        assert "cannot be written in cp1252" in await save_with(format="csv", encoding="cp1252")
        assert not target.exists()

        dialog.query_one("#field-encoding", Input).value = "utf-8-sig"
        dialog.query_one("#field-delimiter", Input).value = ";"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ";".join(name for name, _ in COLUMNS["leads"])
    assert any("Ольга Смирнова" in line for line in lines[1:])


async def test_export_any_kind_from_the_command_palette(app: CrmApp, tmp_path: Path) -> None:
    target = tmp_path / "deals.tsv"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "export deals")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-kind", Input).value == "deals"
        dialog.query_one("#field-file", Input).value = str(target)
        dialog.query_one("#field-delimiter", Input).value = "tab"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    header = target.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split("\t") == [name for name, _ in COLUMNS["deals"]]
