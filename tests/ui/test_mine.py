"""Pilot tests of "mine / everyone" (M): one choice for Inbox, Pipeline and Today, in their
titles, lists and counts; and the timeline's "who" column on a card.

The sample data is the tester's (tests/conftest.py); anna adds a lead, a deal and an overdue
call of her own. The clock is frozen at Friday 2026-11-20 09:00 UTC.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import pytest
from sqlalchemy.engine import Engine
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Label, Static

from crm_tui.db.engine import session_scope
from crm_tui.services import activities, deals, events, leads
from crm_tui.ui.app import CrmApp
from crm_tui.ui.screens.help import HelpScreen
from crm_tui.ui.screens.inbox import InboxScreen
from crm_tui.ui.screens.pipeline import PipelineScreen
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.screens.today import TodayScreen
from crm_tui.ui.widgets.agenda_list import AgendaList
from crm_tui.ui.widgets.board import Board
from crm_tui.users import set_current_user

from .conftest import press, settle, shown_text

SIZE = (100, 30)


@pytest.fixture
def annas(engine: Engine, sample_ids: dict[str, int]) -> dict[str, int]:
    """Anna's lead, deal and overdue call, next to the tester's sample; and her note on the
    tester's new lead."""
    set_current_user("anna")
    try:
        with session_scope(engine) as session:
            lead = leads.create_lead(session, leads.lead_from_fields({"name": "Vera Annina"}))
            deals.create_deal(session, deals.DealCreate(title="Anna's deal", amount=5_000_00))
            activities.create_activity(
                session,
                activities.ActivityCreate(
                    kind="call", title="Anna's overdue call", due_on=date(2026, 11, 17)
                ),
            )
            olga = leads.get_lead(session, sample_ids["lead_new"])
            events.add_note(session, leads.subject(olga), "anna called Olga")
            return {"lead": lead.id or 0}
    finally:
        set_current_user(None)


S = TypeVar("S")


def _screen(pilot: Pilot[None], kind: type[S]) -> S:
    screen = pilot.app.screen
    assert isinstance(screen, kind), screen
    return screen


def inbox_title(pilot: Pilot[None]) -> str:
    screen = _screen(pilot, InboxScreen)
    return shown_text(screen.query_one("#list-title", Label)).strip()


def inbox_rows(pilot: Pilot[None]) -> str:
    table = _screen(pilot, InboxScreen).table
    return "\n".join(
        " | ".join(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count)
    )


def pipeline_title(pilot: Pilot[None]) -> str:
    return shown_text(_screen(pilot, PipelineScreen).query_one("#pipeline-title", Static))


def today_title(pilot: Pilot[None]) -> str:
    title = _screen(pilot, TodayScreen).query_one("#today-title", Static)
    width, height = title.outer_size  # the padding too: the right edge's words end at it
    return "\n".join(line.text for line in title.render_lines(Region(0, 0, width, height))).strip()


def footer_keys(pilot: Pilot[None]) -> set[tuple[str, str]]:
    # Textual's footer draws a FooterKey widget per binding (the class is not public).
    return {(key.key_display, key.description) for key in pilot.app.screen.query("FooterKey")}


async def test_m_shows_mine_in_the_three_modes_and_everyone_again(app: CrmApp, annas: dict[str, int]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert inbox_title(pilot) == "Inbox · New · 2"
        assert "Vera Annina" in inbox_rows(pilot)

        await press(pilot, "M")
        assert app.mine
        assert inbox_title(pilot) == "Inbox · New · 1 · mine"
        assert "Vera Annina" not in inbox_rows(pilot) and "Ольга Смирнова" in inbox_rows(pilot)
        tabs = shown_text(_screen(pilot, InboxScreen).query_one("#inbox-tabs", Label))
        assert "New 1" in tabs and "All 3" in tabs  # the tester's three sample leads

        await press(pilot, "3")  # the choice holds in the other modes
        assert "Pipeline · 2 open deals · mine" in pipeline_title(pilot)
        board = shown_text(_screen(pilot, PipelineScreen).query_one(Board))
        assert "Anna's deal" not in board and "50 licences" in board
        assert _screen(pilot, PipelineScreen).board.total_count == 2

        await press(pilot, "4")
        assert today_title(pilot).startswith("1 overdue") and "mine" in today_title(pilot)
        assert app.overdue == 1  # the mode bar's count too
        agenda = shown_text(_screen(pilot, TodayScreen).query_one(AgendaList))
        assert "Anna's overdue call" not in agenda and "Call about the proposal" in agenda

        await press(pilot, "M")  # everyone's again, in Today …
        assert not app.mine
        assert today_title(pilot).startswith("2 overdue") and "mine" not in today_title(pilot)
        assert "Anna's overdue call" in shown_text(_screen(pilot, TodayScreen).query_one(AgendaList))
        assert app.overdue == 2

        await press(pilot, "3")  # … and on the board
        assert "Pipeline · 3 open deals" in pipeline_title(pilot)
        assert "mine" not in pipeline_title(pilot)
        assert "Anna's deal" in shown_text(_screen(pilot, PipelineScreen).query_one(Board))

        await press(pilot, "M")  # on the board, then back in the inbox
        assert "Pipeline · 2 open deals · mine" in pipeline_title(pilot)
        await press(pilot, "1")
        assert inbox_title(pilot) == "Inbox · New · 1 · mine"
        await press(pilot, "M")
        assert inbox_title(pilot) == "Inbox · New · 2"


async def test_m_is_in_the_footer_and_the_help(app: CrmApp, annas: dict[str, int]) -> None:
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        for mode in ("1", "3", "4"):
            await press(pilot, mode)
            assert ("M", "Mine") in footer_keys(pilot), mode
            assert ("M", "Everyone") not in footer_keys(pilot), mode
        for mode in ("4", "3", "1"):  # the key that changes something: everyone's again
            await press(pilot, mode, *(["M"] if mode == "4" else []))
            assert ("M", "Everyone") in footer_keys(pilot) and ("M", "Mine") not in footer_keys(pilot), mode
        await press(pilot, "question_mark")
        help_screen = _screen(pilot, HelpScreen)
        keys = "\n".join(shown_text(static) for static in help_screen.query(Static))
        assert "Only mine" in keys and "Everyone's again" in keys


async def test_a_card_s_timeline_says_who(
    app: CrmApp, annas: dict[str, int], sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_record(leads.EntityKind.LEAD, sample_ids["lead_new"])
        await settle(pilot)
        timeline = shown_text(_screen(pilot, RecordScreen).query_one("#timeline-entries", Static))
        lines = {line.split()[-1]: line for line in timeline.splitlines() if line.strip()}
        assert "anna" in lines["Olga"] and "tester" in lines["Вектор"]
