"""The stages editor, the lost reasons and reopening a deal from its card, by keys only:
checked in the database and on the screen.

The sample data's stages are New, Qualified, Proposal, Negotiation, Won and Lost; its
«Поставка оборудования» deal is in Proposal and «50 licences» in New.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, Label, TextArea

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Deal, EntityKind, Event, Stage
from crm_tui.services import deals
from crm_tui.services.settings import lost_reasons
from crm_tui.services.stages import delete_stage, list_stages, stage_by_name
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.screens.stages import StagesScreen
from crm_tui.ui.widgets.board import Board

from .conftest import press, settle, shown_text

SIZE = (80, 24)
SAMPLE_STAGES = ["New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]


async def type_text(pilot: Pilot[None], text: str) -> None:
    for character in text:
        await pilot.press(character)


def stages_in_order(engine: Engine) -> list[tuple[str, str, int, int | None]]:
    """(name, kind, probability, rot_days) of every stage, in board order."""
    with session_scope(engine) as session:
        return [(stage.name, stage.kind, stage.probability, stage.rot_days) for stage in list_stages(session)]


def names(engine: Engine) -> list[str]:
    return [name for name, *_ in stages_in_order(engine)]


def deal(engine: Engine, deal_id: int) -> Deal:
    with session_scope(engine) as session:
        found = session.get(Deal, deal_id)
        assert found is not None
        session.expunge(found)
        return found


def stage_name(engine: Engine, stage_id: int) -> str:
    with session_scope(engine) as session:
        stage = session.get(Stage, stage_id)
        assert stage is not None
        return stage.name


def stage_moves(engine: Engine, deal_id: int) -> list[dict[str, object]]:
    with session_scope(engine) as session:
        events = session.exec(
            select(Event)
            .where(Event.entity_kind == "deal", Event.entity_id == deal_id, Event.kind == "stage_changed")
            .order_by(col(Event.id))
        )
        return [event.payload for event in events]


def notes(app: CrmApp) -> str:
    return "\n".join(str(note.message) for note in app._notifications)


def editor(app: CrmApp) -> StagesScreen:
    assert isinstance(app.screen, StagesScreen)
    return app.screen


def rows(app: CrmApp) -> list[list[str]]:
    table = editor(app).table
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def cursor_on(app: CrmApp) -> str:
    return rows(app)[editor(app).table.cursor_row][0]


async def open_editor(pilot: Pilot[None]) -> None:
    await settle(pilot)
    pilot.app.action_stages()  # type: ignore[attr-defined]
    await settle(pilot)


async def save_form(pilot: Pilot[None], **values: str) -> FormDialog:
    """Fill the open form's fields (by name) and press ctrl+s; returns the form."""
    form = pilot.app.screen
    assert isinstance(form, FormDialog)
    for name, value in values.items():
        form.query_one(f"#field-{name}", Input).value = value
    await press(pilot, "ctrl+s")
    return form


# ---------------------------------------------------------------- the editor


async def test_the_palette_opens_the_editor_with_every_stage(app: CrmApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "deal stages")
        await press(pilot, "enter")
        assert rows(app) == [
            ["New", "open", "10%", "7 days", "1"],
            ["Qualified", "open", "25%", "14 days", "0"],
            ["Proposal", "open", "50%", "14 days", "1"],
            ["Negotiation", "open", "75%", "21 days", "0"],
            ["Won", "won", "100%", "—", "0"],
            ["Lost", "lost", "0%", "—", "0"],
        ]
        assert "Deal stages · 6" in shown_text(editor(app).query_one("#stages-title", Label))
        await press(pilot, "escape")
        assert not isinstance(app.screen, StagesScreen)


async def test_a_new_stage_goes_before_won_and_onto_the_board(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "a")
        await type_text(pilot, "Demo")
        await pilot.press("down")
        await type_text(pilot, "40")
        await pilot.press("down")
        await type_text(pilot, "10")
        await press(pilot, "ctrl+s")
        assert stages_in_order(engine)[3:6] == [
            ("Negotiation", "open", 75, 21),
            ("Demo", "open", 40, 10),
            ("Won", "won", 100, None),
        ]
        assert cursor_on(app) == "Demo"
        assert rows(app)[4] == ["Demo", "open", "40%", "10 days", "0"]
        assert "Stage Demo added." in notes(app)
        await press(pilot, "escape", "3")
        board = app.screen.query_one(Board)
        assert [view.total.name for view in board.columns] == [
            "New",
            "Qualified",
            "Proposal",
            "Negotiation",
            "Demo",
        ]


async def test_edit_renames_and_sets_probability_and_stale_days(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "j", "e")  # Qualified
        await save_form(pilot, name="Discovery", probability="30", rot_days="")
        assert stages_in_order(engine)[1] == ("Discovery", "open", 30, None)  # empty: never stale
        assert cursor_on(app) == "Discovery"
        assert rows(app)[1] == ["Discovery", "open", "30%", "—", "0"]
        await press(pilot, "enter")  # enter edits too
        await save_form(pilot, rot_days="5")
        assert stages_in_order(engine)[1] == ("Discovery", "open", 30, 5)


async def test_a_bad_value_stays_in_the_form_and_changes_nothing(app: CrmApp, engine: Engine) -> None:
    before = stages_in_order(engine)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "e")
        form = await save_form(pilot, probability="lots")
        assert app.screen is form
        assert "probability" in shown_text(form.query_one("#form-error", Label))
        assert form.focused is form.query_one("#field-probability", Input)
        await press(pilot, "escape")
        await press(pilot, "a")
        form = await save_form(pilot, name="Proposal")  # a name taken already
        assert app.screen is form
        assert "Proposal" in shown_text(form.query_one("#form-error", Label))
    assert stages_in_order(engine) == before


async def test_won_and_lost_are_renamed_only(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "j", "j", "j", "j", "e")  # Won
        form = app.screen
        assert isinstance(form, FormDialog)
        assert [field.name for field in form.fields] == ["name"]
        await save_form(pilot, name="Closed won")
        assert stages_in_order(engine)[4] == ("Closed won", "won", 100, None)
        assert cursor_on(app) == "Closed won"


async def test_open_stages_move_up_and_down(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "j", "j", "K")  # Proposal up
        assert names(engine) == ["New", "Proposal", "Qualified", "Negotiation", "Won", "Lost"]
        assert cursor_on(app) == "Proposal"
        await press(pilot, "shift+down", "J")  # back down, then below Negotiation
        assert names(engine) == ["New", "Qualified", "Negotiation", "Proposal", "Won", "Lost"]
        assert cursor_on(app) == "Proposal"
        await press(pilot, "j", "K")  # Won does not move
        assert "only open stages move" in notes(app)
        assert names(engine) == ["New", "Qualified", "Negotiation", "Proposal", "Won", "Lost"]
        assert cursor_on(app) == "Won"


async def test_delete_an_empty_stage_after_confirming(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "j", "x")  # Qualified holds no deal
        assert isinstance(app.screen, PickDialog)
        await press(pilot, "escape")  # cancelled: still there
        assert names(engine) == SAMPLE_STAGES
        await press(pilot, "x", "enter")
        assert names(engine) == ["New", "Proposal", "Negotiation", "Won", "Lost"]
        assert [row[0] for row in rows(app)] == ["New", "Proposal", "Negotiation", "Won", "Lost"]
        assert cursor_on(app) == "Proposal"  # the row that took its place
        assert "Stage Qualified deleted." in notes(app)


async def test_delete_a_stage_with_deals_moves_them_to_the_stage_picked(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    supply = sample_ids["supply"]
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "j", "j", "x")  # Proposal holds «Поставка оборудования»
        pick = app.screen
        assert isinstance(pick, PickDialog)
        assert pick.choices == ["New", "Qualified", "Negotiation"]
        assert "Proposal holds 1 deal: move them to…" in pick.pick_title
        await type_text(pilot, "nego")
        await press(pilot, "enter")
        assert names(engine) == ["New", "Qualified", "Negotiation", "Won", "Lost"]
        assert "Its 1 deal moved to Negotiation." in notes(app)
    assert stage_name(engine, deal(engine, supply).stage_id) == "Negotiation"
    last = stage_moves(engine, supply)[-1]
    assert (last["from"], last["to"]) == ("Proposal", "Negotiation")


async def test_won_and_the_last_open_stage_cannot_be_deleted(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "j", "j", "j", "j", "x")  # Won
        assert isinstance(app.screen, StagesScreen)
        assert "Won cannot be deleted" in notes(app)
    assert names(engine) == SAMPLE_STAGES


async def test_the_only_open_stage_cannot_be_deleted(app: CrmApp, engine: Engine) -> None:
    with session_scope(engine) as session:
        new = stage_by_name(session, "New").id or 0
        for name in ("Qualified", "Proposal", "Negotiation"):
            delete_stage(session, stage_by_name(session, name).id or 0, move_deals_to=new)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await press(pilot, "x")
        assert isinstance(app.screen, StagesScreen)
        assert "New is the only open stage" in notes(app)
    assert names(engine) == ["New", "Won", "Lost"]


# ---------------------------------------------------------------- lost reasons


async def test_lost_reasons_are_edited_from_the_palette(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "lost reasons")
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, FormDialog)
        box = form.query_one("#field-lost_reasons", TextArea)
        assert box.text.splitlines()[:2] == ["price", "competitor"]
        box.text = "\n"
        await press(pilot, "ctrl+s")
        assert app.screen is form  # an empty list is refused
        assert "keep at least one reason" in shown_text(form.query_one("#form-error", Label))
        box.text = "Price\nChose a competitor\n\nNo budget"
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, FormDialog)
        assert "Lost reasons saved." in notes(app)
    with session_scope(engine) as session:
        assert lost_reasons(session) == ["Price", "Chose a competitor", "No budget"]


# ---------------------------------------------------------------- reopening from the card


@pytest.fixture
def lost_supply(engine: Engine, sample_ids: dict[str, int]) -> int:
    with session_scope(engine) as session:
        deals.lose_deal(session, sample_ids["supply"], "competitor")
    return sample_ids["supply"]


async def open_card(pilot: Pilot[None], deal_id: int) -> RecordScreen:
    await settle(pilot)
    pilot.app.open_record(EntityKind.DEAL, deal_id)  # type: ignore[attr-defined]
    await settle(pilot)
    card = pilot.app.screen
    assert isinstance(card, RecordScreen)
    return card


async def test_r_reopens_a_lost_deal_from_its_card(app: CrmApp, engine: Engine, lost_supply: int) -> None:
    async with app.run_test(size=SIZE) as pilot:
        card = await open_card(pilot, lost_supply)
        fields = shown_text(card.query_one("#card-fields"))
        assert "Lost reason competitor" in " ".join(fields.split())
        await press(pilot, "r")
        assert "Поставка оборудования reopened: back in Proposal." in notes(app)
        fields = shown_text(card.query_one("#card-fields"))
        assert "Proposal (50%)" in fields and "Lost reason" not in fields
        assert "stage: Lost → Proposal" in shown_text(card.query_one("#timeline-entries"))
    reopened = deal(engine, lost_supply)
    assert stage_name(engine, reopened.stage_id) == "Proposal"
    assert reopened.closed_at is None and reopened.lost_reason is None
    last = stage_moves(engine, lost_supply)[-1]
    assert (last["from"], last["to"]) == ("Lost", "Proposal")


async def test_r_on_an_open_deal_changes_nothing(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    supply = sample_ids["supply"]
    async with app.run_test(size=SIZE) as pilot:
        await open_card(pilot, supply)
        await press(pilot, "r")
        assert "Only a won or lost deal can be reopened." in notes(app)
    assert len(stage_moves(engine, supply)) == 1  # the sample data's move to Proposal


async def test_ctrl_r_refreshes_a_card_and_r_does_nothing_on_a_contact_card(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_record(EntityKind.CONTACT, sample_ids["ivanov"])
        await settle(pilot)
        card = app.screen
        assert isinstance(card, RecordScreen)
        with session_scope(engine) as session:
            deals.win_deal(session, sample_ids["supply"])  # elsewhere, meanwhile
        await press(pilot, "r")
        assert "reopen" not in notes(app).casefold()
        assert card.card is not None and dict(card.card.links)["Closed deals"] == []
        await press(pilot, "ctrl+r")
        closed = dict(card.card.links)["Closed deals"]
        assert [link.id for link in closed] == [sample_ids["supply"]]
