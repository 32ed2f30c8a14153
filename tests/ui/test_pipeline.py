"""Pilot tests of the pipeline board (mode 3): the keys a salesperson presses to move deals
along, win and lose them, undo, filter, and the list view — checked in the database and on
the screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input, Static

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Deal, EntityKind, Event, Stage
from crm_tui.services import deals
from crm_tui.services.stages import stage_by_name
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.deal_dialogs import LostDialog
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.screens.pipeline import PipelineScreen
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.widgets.board import Board
from crm_tui.ui.widgets.record_table import RecordTable

from .conftest import fill_form, press, settle, shown_text

LATER = "2026-11-21T10:00:00+00:00"


async def open_board(pilot: Pilot[None]) -> PipelineScreen:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PipelineScreen)
    return screen


def board_text(screen: PipelineScreen) -> str:
    return shown_text(screen.query_one(Board))


def title_text(screen: PipelineScreen) -> str:
    title = screen.query_one("#pipeline-title", Static)
    width, height = title.outer_size
    return "\n".join(line.text for line in title.render_lines(Region(0, 0, width, height)))


def money(text: str) -> str:
    """An amount as the screen shows it: thousands apart by a narrow no-break space."""
    return text.replace(" 0", "\u202f0")


def notes(app: CrmApp) -> str:
    return "\n".join(str(note.message) for note in app._notifications)


def deal_named(engine: Engine, title: str) -> Deal:
    with session_scope(engine) as session:
        return session.exec(select(Deal).where(Deal.title == title)).one()


def stage_of(engine: Engine, deal: Deal) -> str:
    with session_scope(engine) as session:
        return session.exec(select(Stage.name).where(Stage.id == deal.stage_id)).one()


def moves_of(engine: Engine, deal_id: int) -> list[dict[str, object]]:
    with session_scope(engine) as session:
        events = session.exec(
            select(Event)
            .where(Event.entity_kind == EntityKind.DEAL.value, Event.entity_id == deal_id)
            .where(Event.kind == "stage_changed")
            .order_by(col(Event.id))
        ).all()
        return [event.payload or {} for event in events]


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


# ---------------------------------------------------------------- moving along


async def test_a_deal_moves_across_two_stages(
    app: CrmApp, engine: Engine, clock: Callable[[str], None]
) -> None:
    before = deal_named(engine, "50 licences")
    clock(LATER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        assert screen.query_one(Board).focused_card.title == "50 licences"  # type: ignore[union-attr]
        assert "New · 1" in board_text(screen)
        await press(pilot, "L")
        await press(pilot, "shift+right")

        after = deal_named(engine, "50 licences")
        assert stage_of(engine, after) == "Proposal"
        assert aware(after.stage_entered_at) == datetime(2026, 11, 21, 10, tzinfo=UTC)
        assert aware(after.stage_entered_at) != aware(before.stage_entered_at)
        moves = moves_of(engine, after.id or 0)
        assert [(move["from"], move["to"]) for move in moves[-2:]] == [
            ("New", "Qualified"),
            ("Qualified", "Proposal"),
        ]

        shown = board_text(screen)
        assert "New · 0" in shown and "Qualified · 0" in shown and "Proposal · 2" in shown
        assert (
            money("150 000 RUB ≈75 000") in shown and money("12 000 USD · ≈6 000 USD") in shown
        )  # the column sums, per currency
        assert screen.query_one(Board).focused_card.title == "50 licences"  # type: ignore[union-attr]
        assert "50 licences: Qualified → Proposal · u undoes" in notes(app)


async def test_won_with_a_new_amount_and_lost_with_a_reason(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "w")
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-amount", Input).value == "12000"  # the current amount
        await fill_form(pilot, {"amount": "13 500"})
        assert isinstance(app.screen, PipelineScreen)

        won = deal_named(engine, "50 licences")
        assert stage_of(engine, won) == "Won"
        assert won.closed_at is not None and won.amount == 13_500_00
        assert "New · 0" in board_text(screen)
        assert "Pipeline · 1 open deal " in title_text(screen)

        await press(pilot, "l", "l")  # to Proposal, where the other deal is
        assert screen.query_one(Board).focused_card.title == "Поставка оборудования"  # type: ignore[union-attr]
        await press(pilot, "x")
        assert isinstance(app.screen, LostDialog)
        await press(pilot, "down")  # price → competitor
        await pilot.press(*"Globex")
        await press(pilot, "enter")
        assert isinstance(app.screen, PipelineScreen)

        lost = deal_named(engine, "Поставка оборудования")
        assert stage_of(engine, lost) == "Lost"
        assert lost.lost_reason == "competitor: Globex" and lost.closed_at is not None
        assert moves_of(engine, lost.id or 0)[-1]["reason"] == "competitor: Globex"
        assert "No open deals. a adds one" in board_text(screen)


async def test_other_as_a_lost_reason_needs_the_words(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot)
        await press(pilot, "x")
        await press(pilot, *["down"] * 5)  # … timing, other
        await press(pilot, "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, LostDialog)
        assert "say what it was" in shown_text(dialog.query_one("#form-error"))
        assert stage_of(engine, deal_named(engine, "50 licences")) == "New"


async def test_words_typed_after_a_tab_in_the_lost_dialog_are_kept(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot)
        await press(pilot, "x", "tab")  # a habit from other forms: the details box keeps the focus
        await pilot.press(*"too far away")
        await press(pilot, "enter")
        assert deal_named(engine, "50 licences").lost_reason == "price: too far away"


async def test_undo_puts_the_deal_back(app: CrmApp, engine: Engine, clock: Callable[[str], None]) -> None:
    before = deal_named(engine, "50 licences")
    clock(LATER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "L")
        assert stage_of(engine, deal_named(engine, "50 licences")) == "Qualified"
        await press(pilot, "u")

        after = deal_named(engine, "50 licences")
        assert stage_of(engine, after) == "New"
        assert aware(after.stage_entered_at) == aware(before.stage_entered_at)
        assert "Undone: 50 licences: New → Qualified" in notes(app)
        assert "New · 1" in board_text(screen) and "Qualified · 0" in board_text(screen)
        await press(pilot, "u")
        assert "Nothing to undo" in notes(app)


async def test_a_refused_move_changes_nothing_and_says_why(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "L", "L", "L")  # New → Qualified → Proposal → Negotiation
        deal = deal_named(engine, "50 licences")
        assert stage_of(engine, deal) == "Negotiation"
        assert "‹ 1 more" in title_text(screen)  # the board scrolled to the last column
        moved = len(moves_of(engine, deal.id or 0))
        await press(pilot, "L")

        assert stage_of(engine, deal_named(engine, "50 licences")) == "Negotiation"
        assert len(moves_of(engine, deal.id or 0)) == moved
        assert "Negotiation is the last open stage: w marks the deal won" in notes(app)


async def test_a_bad_amount_in_the_won_form_changes_nothing(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot)
        await press(pilot, "w")
        await fill_form(pilot, {"amount": "lots"})
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert "amount: 'lots' is not an amount" in shown_text(dialog.query_one("#form-error"))
        deal = deal_named(engine, "50 licences")
        assert stage_of(engine, deal) == "New" and deal.amount == 12_000_00 and deal.closed_at is None


# ---------------------------------------------------------------- the focus and the other keys


async def test_the_focus_keeps_its_row_across_columns(app: CrmApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        board = screen.query_one(Board)
        await press(pilot, "l")
        assert board.focused_column.name == "Qualified" and board.focused_card is None  # type: ignore[union-attr]
        assert "no deals" in board_text(screen)
        await press(pilot, "right")
        assert board.focused_card.title == "Поставка оборудования"  # type: ignore[union-attr]
        await press(pilot, "l")  # Negotiation, off the screen at 80 columns: it scrolls in
        assert "Negotiation" in board_text(screen) and "‹ 1 more" in title_text(screen)
        await press(pilot, "h", "h", "h")
        assert board.focused_card.title == "50 licences"  # type: ignore[union-attr]
        assert "1 more ›" in title_text(screen)


async def test_the_filter_narrows_the_board(app: CrmApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "slash")
        await fill_form(pilot, {"tag": "VIP"})
        assert "tag VIP" in title_text(screen) and "Pipeline · 1 open deal " in title_text(screen)
        shown = board_text(screen)
        assert "Поставка" in shown and "50 licences" not in shown and "New · 0" in shown

        await press(pilot, "slash")
        await fill_form(pilot, {"tag": "", "min_amount": "ten"})
        assert isinstance(app.screen, FormDialog)
        assert "min_amount" in shown_text(app.screen.query_one("#form-error"))
        await press(pilot, "escape")  # the form
        await press(pilot, "escape")  # the filter
        assert "Pipeline · 2 open deals" in title_text(screen) and "50 licences" in board_text(screen)


async def test_the_list_view_sorts_and_moves(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "v")
        table = screen.query_one("#records", RecordTable)
        assert table.display and not screen.query_one(Board).display
        assert [row.title for row in table.records] == ["50 licences", "Поставка оборудования"]
        assert "sorted by stage" in title_text(screen)
        await press(pilot, "o")  # stage → amount, largest first
        assert [row.title for row in table.records] == ["Поставка оборудования", "50 licences"]
        assert "sorted by amount" in title_text(screen)

        await press(pilot, "g", "L")  # the first deal: Proposal → Negotiation
        assert stage_of(engine, deal_named(engine, "Поставка оборудования")) == "Negotiation"
        assert table.records[0].stage == "Negotiation"
        await press(pilot, "u")
        assert stage_of(engine, deal_named(engine, "Поставка оборудования")) == "Proposal"

        await press(pilot, "v")
        assert screen.query_one(Board).display and not table.display


async def test_enter_opens_the_deal_card(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot)
        await press(pilot, "enter")
        card = app.screen
        assert isinstance(card, RecordScreen)
        assert card.kind is EntityKind.DEAL and card.record_id == deal_named(engine, "50 licences").id


async def test_a_deal_added_in_the_focused_column(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "l", "l", "a")
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-stage", Input).value == "Proposal"
        await fill_form(pilot, {"title": "Support renewal", "amount": "40 000"})
        assert stage_of(engine, deal_named(engine, "Support renewal")) == "Proposal"
        assert "Proposal · 2" in board_text(screen)
        assert screen.query_one(Board).focused_card.title == "Support renewal"  # type: ignore[union-attr]


async def test_edit_refuses_a_bad_date_then_saves(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "e")
        assert isinstance(app.screen, FormDialog)
        await fill_form(pilot, {"title": "60 licences", "expected_close": "someday"})
        assert isinstance(app.screen, FormDialog)
        assert "expected close" in shown_text(app.screen.query_one("#form-error"))
        assert deal_named(engine, "50 licences").amount == 12_000_00

        await fill_form(pilot, {"expected_close": "2026-12-20", "amount": "14 000"})
        deal = deal_named(engine, "60 licences")
        assert deal.amount == 14_000_00 and str(deal.expected_close_on) == "2026-12-20"
        assert "60 licences" in board_text(screen) and money("14 000 USD") in board_text(screen)


async def test_a_note_and_a_task_on_the_focused_deal(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "l", "l")  # the deal with an overdue call
        assert "call 18.11" in board_text(screen)
        await press(pilot, "n")
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#field-note").text = "Asked for a discount"  # type: ignore[attr-defined]
        await press(pilot, "ctrl+s")
        supply = deal_named(engine, "Поставка оборудования")
        with session_scope(engine) as session:
            noted = session.exec(
                select(Event).where(
                    Event.entity_kind == "deal", Event.entity_id == supply.id, Event.kind == "note"
                )
            ).all()
        assert [event.text for event in noted] == ["Asked for a discount"]
        await press(pilot, "t")
        assert isinstance(app.screen, FormDialog)
        await fill_form(pilot, {"title": "Send the revised offer"})
        with session_scope(engine) as session:
            planned = session.exec(select(Activity.title).where(Activity.deal_id == supply.id)).all()
        assert "Send the revised offer" in planned and "Task planned." in notes(app)


async def test_a_long_column_is_read_a_window_at_a_time(app: CrmApp, engine: Engine) -> None:
    with session_scope(engine) as session:
        qualified = stage_by_name(session, "Qualified").id
        for number in range(60):
            deals.create_deal(
                session, deals.DealCreate(title=f"Deal {number:02d}", amount=1_000_00, stage_id=qualified)
            )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        board = screen.query_one(Board)
        await press(pilot, "l")
        view = board.focused_view
        assert view is not None and view.count == 60
        assert len(view.cards) < 30  # what fits, and a few more: not the whole column
        assert "1/60" in board_text(screen) and "Qualified · 60" in board_text(screen)
        assert money("60 000 RUB") in board_text(screen)  # the sum is SQL's, not the window's

        await press(pilot, "G")  # the last card: the window around it is read
        assert board.focused_card is not None and board.focused_card.title == "Deal 59"
        assert "60/60" in board_text(screen) and "Deal 59" in board_text(screen)
        assert len(view.cards) < 30 and view.offset > 0
        for _ in range(15):
            await pilot.press("k")
        await settle(pilot)
        assert board.focused_card is not None and board.focused_card.title == "Deal 44"
        assert "45/60" in board_text(screen)


async def test_a_click_focuses_a_card_and_a_double_click_opens_it(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        board = screen.query_one(Board)
        # The third column (Proposal), on its first card under the three header lines.
        await pilot.click(Board, offset=(60, 5))
        await settle(pilot)
        assert board.focused_card is not None and board.focused_card.title == "Поставка оборудования"
        await pilot.click(Board, offset=(60, 5), times=2)
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)


async def test_coming_back_from_the_card_shows_what_changed(app: CrmApp, engine: Engine) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordScreen)
        with session_scope(engine) as session:  # as if changed on the card, or elsewhere
            deal = session.exec(select(Deal).where(Deal.title == "50 licences")).one()
            deals.update_deal(session, deal.id or 0, {"title": "55 licences"})
        await press(pilot, "escape")
        assert "55 licences" in board_text(screen)
