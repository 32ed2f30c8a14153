"""Two people on one database (a shared PostgreSQL server, or one SQLite file): what the second
sees when the first changed the same deal or lead after their screen was read — a warning
that names it and says what it is now, the view read again, nothing written over the winner.

Run on both engines (the `engine` fixture); "someone else" works through an engine of their
own on the same database, or through a second app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from textual.widgets._toast import Toast

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Contact, Deal, EntityKind, LeadStatus
from crm_tui.db.schema import open_database
from crm_tui.services import deals, lead_triage, leads
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.convert_dialog import ConvertDialog
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.screens.inbox import InboxScreen
from crm_tui.ui.screens.pipeline import PipelineScreen
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.widgets.board import Board
from crm_tui.ui.widgets.record_table import RecordTable

from .conftest import press, settle, shown_text
from .test_pipeline import board_text, deal_named, moves_of, open_board, stage_of

CHANGED = "“50 licences” was changed by someone else (now in Qualified) — reloaded"


@pytest.fixture
def someone_else(database_target: str, engine: Engine) -> Iterator[Engine]:
    """Another person's connection to the same database."""
    other = open_database(database_target)
    yield other
    other.dispose()


def count_of(session: Session, model: Any) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def warnings(app: CrmApp) -> list[str]:
    return [str(note.message) for note in app._notifications if note.severity == "warning"]


def toasts(app: CrmApp) -> str:
    """The notifications on the screen, as they read."""
    return "\n".join(shown_text(toast) for toast in app.screen.query(Toast))


def move_on(engine: Engine, title: str) -> None:
    with session_scope(engine) as session:
        deals.move_to_adjacent(session, deal_named(engine, title).id or 0, 1)


def focused_title(screen: PipelineScreen) -> str | None:
    card = screen.query_one(Board).focused_card
    return card.title if card is not None else None


async def test_a_deal_moved_by_someone_else_meanwhile_is_not_moved_again(
    app: CrmApp, engine: Engine, someone_else: Engine
) -> None:
    async with app.run_test(size=(100, 30), notifications=True) as pilot:  # toasts on the screen
        screen = await open_board(pilot)
        assert focused_title(screen) == "50 licences" and "New · 1" in board_text(screen)
        move_on(someone_else, "50 licences")  # New → Qualified, after this board was read

        await press(pilot, "L")  # this person's move, on the card as they saw it in New

        deal = deal_named(engine, "50 licences")
        assert stage_of(engine, deal) == "Qualified", "the winner's move stands; no second move"
        assert [(move["from"], move["to"]) for move in moves_of(engine, deal.id or 0)] == [
            ("New", "Qualified")
        ]
        assert warnings(app) == [CHANGED]
        assert "changed by someone else" in " ".join(toasts(app).split())
        shown = board_text(screen)
        assert "New · 0" in shown and "Qualified · 1" in shown, "the board shows it as it is now"
        assert focused_title(screen) == "50 licences"

        # Now seen as it is, the next press moves it on.
        await press(pilot, "L")
        assert stage_of(engine, deal_named(engine, "50 licences")) == "Proposal"


async def test_two_apps_move_the_same_deal_the_second_is_told(
    app: CrmApp, engine: Engine, someone_else: Engine
) -> None:
    other_app = CrmApp(someone_else, database="/tmp/crm-test.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot, other_app.run_test(size=(100, 30)) as other:
        first = await open_board(pilot)
        second = await open_board(other)
        assert focused_title(first) == focused_title(second) == "50 licences"

        await press(pilot, "L")  # the first person moves it: New → Qualified
        await press(other, "L")  # the second, on the board they read before that

        assert stage_of(engine, deal_named(engine, "50 licences")) == "Qualified"
        assert warnings(other_app) == [CHANGED] and warnings(app) == []
        assert "Qualified · 1" in board_text(second) and "New · 0" in board_text(second)
        assert "50 licences: New → Qualified · u undoes" in "\n".join(
            str(note.message) for note in app._notifications
        )


async def test_won_on_a_deal_someone_else_moved_closes_the_form_and_reloads(
    app: CrmApp, engine: Engine, someone_else: Engine
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_board(pilot)
        await press(pilot, "w")
        assert isinstance(app.screen, FormDialog)
        move_on(someone_else, "50 licences")
        await press(pilot, "ctrl+s")

        assert app.screen is screen, "a save that cannot succeed does not keep the form open"
        assert stage_of(engine, deal_named(engine, "50 licences")) == "Qualified"
        assert warnings(app) == [CHANGED]
        assert "Qualified · 1" in board_text(screen)


async def test_reopen_on_a_card_someone_else_reopened_says_so(
    app: CrmApp, engine: Engine, someone_else: Engine
) -> None:
    deal_id = deal_named(engine, "50 licences").id or 0
    with session_scope(engine) as session:
        deals.win_deal(session, deal_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_record(EntityKind.DEAL, deal_id)
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        with session_scope(someone_else) as session:
            deals.reopen_deal(session, deal_id)  # back in New
            deals.move_to_adjacent(session, deal_id, 1)  # and on to Qualified
        await press(pilot, "r")

        assert stage_of(engine, deal_named(engine, "50 licences")) == "Qualified"
        assert warnings(app) == [CHANGED]
        assert app.screen.card is not None and app.screen.card.subtitle.startswith("Qualified")


async def test_a_lead_decided_by_someone_else_meanwhile_is_not_decided_again(
    app: CrmApp, engine: Engine, someone_else: Engine
) -> None:
    with session_scope(engine) as session:
        lead_id = leads.create_lead(session, leads.lead_from_fields({"name": "Newest Lead"})).id or 0
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        table = app.screen.query_one("#records", RecordTable)
        assert table.selected_id == lead_id
        with session_scope(someone_else) as session:
            leads.set_status(session, lead_id, LeadStatus.WORKING)
        await press(pilot, "x")
        assert isinstance(app.screen, PickDialog)
        await press(pilot, "enter")  # "No budget"

        with session_scope(engine) as session:
            lead = leads.get_lead(session, lead_id)
            assert (lead.status, lead.disqualify_reason) == (LeadStatus.WORKING.value, None)
        assert warnings(app) == ["“Newest Lead” was changed by someone else (now working) — reloaded"]


async def test_quick_presses_on_one_card_are_this_person_s_own_moves(
    app: CrmApp, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys pressed before the board caught up act on the card as it was: the versions this
    screen's own moves made are not someone else's change."""
    pressed = threading.Event()
    move = deals.move_to_adjacent

    def held_until_all_pressed(*args: Any, **kwargs: Any) -> deals.StageMove:
        pressed.wait(timeout=30)  # the first move holds the queue: every key sees the card in New
        return move(*args, **kwargs)

    monkeypatch.setattr(deals, "move_to_adjacent", held_until_all_pressed)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_board(pilot)
        await pilot.press("L", "L", "H", "L")  # queued in order, all on the card read in New
        assert "New · 1" in board_text(screen)
        pressed.set()
        await settle(pilot)
        await press(pilot, "u")  # takes the last one back, and the next key still moves it
        await pilot.press("L")
        await settle(pilot)

        deal = deal_named(engine, "50 licences")
        assert stage_of(engine, deal) == "Proposal"
        assert [(move["from"], move["to"]) for move in moves_of(engine, deal.id or 0)] == [
            ("New", "Qualified"),
            ("Qualified", "Proposal"),
            ("Proposal", "Qualified"),
            ("Qualified", "Proposal"),
            ("Proposal", "Qualified"),
            ("Qualified", "Proposal"),
        ]
        assert warnings(app) == []


async def test_converting_a_lead_someone_else_converted_meanwhile_makes_nothing(
    app: CrmApp, engine: Engine, someone_else: Engine, sample_ids: dict[str, int]
) -> None:
    lead_id = sample_ids["lead_new"]  # Ольга Смирнова, first in the inbox
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        assert isinstance(app.screen, ConvertDialog)
        with session_scope(someone_else) as session:  # converts it while the form is open
            lead_triage.convert_lead(session, lead_triage.conversion_defaults(session, lead_id))
        with session_scope(engine) as session:
            made = (count_of(session, Contact), count_of(session, Deal))
        await press(pilot, "ctrl+s")

        assert isinstance(app.screen, InboxScreen), "the form closes: saving again cannot succeed"
        with session_scope(engine) as session:
            assert (count_of(session, Contact), count_of(session, Deal)) == made, "no second contact or deal"
        assert warnings(app) == [
            "“Ольга Смирнова · Вектор” was changed by someone else (now converted) — reloaded"
        ]
        table = app.screen.query_one("#records", RecordTable)
        assert lead_id not in [row.id for row in table.records], "the inbox shows it converted"
