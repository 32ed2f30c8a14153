"""Pilot tests of Today (mode 4): the keys a salesperson presses to clear the list — done with
an outcome and the next step, reschedule, snooze, delete, undo — the sections opening and
closing, enter opening the record, and the week agenda. Checked in the database and on the
screen. The clock is Friday 20 November 2026, 09:00 UTC, in UTC; the sample data has a call
overdue since Wednesday (about the deal with Иванов) and a meeting with Jane Smith at 14:30."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.engine import Engine
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity, Contact, EntityKind, Event
from crm_tui.services import activities, deals
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.deals import DealCreate
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.screens.record import RecordScreen
from crm_tui.ui.screens.today import TodayScreen
from crm_tui.ui.widgets.agenda_list import AgendaList
from crm_tui.ui.widgets.week_view import WeekView

from .conftest import fill_form, press, settle, shown_text

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


async def open_today(pilot: Pilot[None]) -> TodayScreen:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TodayScreen)
    return screen


def list_text(screen: TodayScreen) -> str:
    return shown_text(screen.query_one(AgendaList))


def title_text(screen: TodayScreen) -> str:
    return shown_text(screen.query_one("#today-title", Static))


def notes(app: CrmApp) -> str:
    return "\n".join(str(note.message) for note in app._notifications)


def activity(engine: Engine, activity_id: int) -> Activity | None:
    with session_scope(engine) as session:
        return session.get(Activity, activity_id)


def due_of(engine: Engine, activity_id: int) -> tuple[date | None, time | None]:
    found = activity(engine, activity_id)
    assert found is not None
    return activities.local_due(found)


def timeline(engine: Engine, kind: str, record_id: int) -> list[str]:
    with session_scope(engine) as session:
        found = session.exec(
            select(Event)
            .where(Event.entity_kind == kind, Event.entity_id == record_id)
            .order_by(col(Event.id))
        ).all()
        return [event.text for event in found]


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def follow_ups(engine: Engine) -> list[Activity]:
    with session_scope(engine) as session:
        return list(session.exec(select(Activity).where(col(Activity.id) > 3).order_by(col(Activity.id))))


# ---------------------------------------------------------------- the list


async def test_the_list_in_sections(app: CrmApp) -> None:
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_today(pilot)
        shown = list_text(screen)
        lines = [line.strip() for line in shown.splitlines() if line.strip()]
        assert lines[0] == "▾ Overdue · 1"
        assert lines[1].startswith("18.11") and "Call about the proposal" in lines[1]
        # The deal and the person it is about, and the phone at hand.
        assert "Поставка оборудования · Пётр Иванов" in lines[1] and "+7 912 345-67-89" in lines[1]
        assert lines[2] == "▾ Today · Fri 20.11 · 1"
        assert lines[3].startswith("14:30") and "Demo at Acme" in lines[3] and "+1 212" in lines[3]
        assert "1 overdue · 1 today" in title_text(screen)
        # The cursor starts on the first thing to do.
        pick = screen.query_one(AgendaList).pick
        assert pick is not None and pick.kind == "activity"


async def test_done_with_an_outcome_then_the_next_step(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "d")
        assert isinstance(pilot.app.screen, FormDialog)
        await fill_form(pilot, {"outcome": "Agreed on the price"})
        # Offered the next step: taken, with the goal after the date.
        assert isinstance(pilot.app.screen, FormDialog)
        assert "Next step" in pilot.app.screen.form_title
        await fill_form(pilot, {"when": "tue 10:00 send the contract"})
        assert pilot.app.screen is screen

        call = activity(engine, sample_ids["call"])
        assert call is not None and aware(call.done_at) == NOW and call.outcome == "Agreed on the price"
        assert "Call: Call about the proposal — Agreed on the price" in timeline(
            engine, "deal", sample_ids["supply"]
        )
        with session_scope(engine) as session:
            ivanov = session.get(Contact, sample_ids["ivanov"])
            assert ivanov is not None and aware(ivanov.last_touch_at) == NOW
            assert ivanov.next_contact_on == date(2026, 11, 24)
        (planned,) = [found for found in follow_ups(engine) if found.title == "send the contract"]
        assert (planned.kind, planned.deal_id) == ("call", sample_ids["supply"])
        assert activities.local_due(planned) == (date(2026, 11, 24), time(10))
        assert "Done: Call about the proposal" in notes(pilot.app)
        assert "Next step planned for Tue 24.11 10:00: send the contract" in notes(pilot.app)
        assert "Call about the proposal" not in list_text(screen)
        assert "0 overdue" in title_text(screen)


async def test_done_on_a_meeting_skipping_the_next_step(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "down", "down")  # past the Today header to the meeting
        assert screen.query_one(AgendaList).pick.key == str(sample_ids["meeting"])  # type: ignore[union-attr]
        await press(pilot, "d")
        await fill_form(pilot, {"outcome": "They want a trial"})
        await press(pilot, "escape")
        assert pilot.app.screen is screen
        meeting = activity(engine, sample_ids["meeting"])
        assert meeting is not None and meeting.done_at is not None
        assert "Meeting: Demo at Acme — They want a trial" in timeline(engine, "contact", sample_ids["smith"])
        assert follow_ups(engine) == []  # no next step planned
        with session_scope(engine) as session:
            smith = session.get(Contact, sample_ids["smith"])
            assert smith is not None and aware(smith.last_touch_at) == NOW and smith.next_contact_on is None


async def test_done_twice_says_so_and_changes_nothing(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_today(pilot)
        # Done meanwhile elsewhere (the command line), while the list still shows it.
        with session_scope(engine) as session:
            activities.complete_activity(session, sample_ids["call"], "from the shell")
        events_before = timeline(engine, "deal", sample_ids["supply"])
        await press(pilot, "d")
        await fill_form(pilot, {"outcome": "again"})
        dialog = pilot.app.screen
        assert isinstance(dialog, FormDialog)
        assert "done already" in str(dialog.query_one("#form-error", Label).render())
        await press(pilot, "escape")
        call = activity(engine, sample_ids["call"])
        assert call is not None and call.outcome == "from the shell"
        assert timeline(engine, "deal", sample_ids["supply"]) == events_before


async def test_undo_of_done_reopens(app: CrmApp, engine: Engine, sample_ids: dict[str, int]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "d")
        await fill_form(pilot, {"outcome": "No answer"})
        await press(pilot, "escape", "u")
        call = activity(engine, sample_ids["call"])
        assert call is not None and (call.done_at, call.outcome) == (None, None)
        with session_scope(engine) as session:
            ivanov = session.get(Contact, sample_ids["ivanov"])
            assert ivanov is not None and ivanov.last_touch_at is None  # the touch taken back too
        texts = timeline(engine, "deal", sample_ids["supply"])
        assert texts[-2:] == [
            "Call: Call about the proposal — No answer",
            "Call reopened: Call about the proposal",
        ]
        assert "Call about the proposal" in list_text(screen)
        assert "Undone: done “Call about the proposal”" in notes(pilot.app)


# ---------------------------------------------------------------- another day


async def test_reschedule_in_words_and_a_bad_date(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "r")
        await fill_form(pilot, {"when": "someday soon"})
        dialog = pilot.app.screen
        assert isinstance(dialog, FormDialog)
        error = str(dialog.query_one("#form-error", Label).render())
        assert "'someday soon' is not a date" in error
        assert "tomorrow 9:30, mon, +2d, next week, 15.12 14:00, 2026-12-15" in error
        assert due_of(engine, sample_ids["call"]) == (date(2026, 11, 18), None)

        await fill_form(pilot, {"when": "tomorrow 10:00"})
        assert pilot.app.screen is screen
        assert due_of(engine, sample_ids["call"]) == (date(2026, 11, 21), time(10))
        assert "Moved: Call about the proposal → Sat 21.11 10:00" in notes(pilot.app)
        # Now under Tomorrow, which is closed: its header counts it.
        assert "▸ Tomorrow · 1" in list_text(screen)
        assert "0 overdue · 1 today · 1 tomorrow" in title_text(screen)

        await press(pilot, "u")
        assert due_of(engine, sample_ids["call"]) == (date(2026, 11, 18), None)


async def test_snooze_to_tomorrow_at_the_same_time(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "down", "down", "z")
        assert due_of(engine, sample_ids["meeting"]) == (date(2026, 11, 21), time(14, 30))
        assert "Snoozed: Demo at Acme → Sat 21.11 14:30" in notes(pilot.app)
        assert "Demo at Acme" not in list_text(screen)
        await press(pilot, "u")
        assert due_of(engine, sample_ids["meeting"]) == (date(2026, 11, 20), time(14, 30))


async def test_delete_and_undo(app: CrmApp, engine: Engine, sample_ids: dict[str, int]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "x")
        assert activity(engine, sample_ids["call"]) is None
        assert "Deleted: Call about the proposal" in notes(pilot.app)
        assert "Call about the proposal" not in list_text(screen)
        # The cursor moved on to the next thing to do.
        assert screen.query_one(AgendaList).pick.key == str(sample_ids["meeting"])  # type: ignore[union-attr]
        await press(pilot, "u")
        back = activity(engine, sample_ids["call"])
        assert back is not None and (back.deal_id, back.contact_id) == (
            sample_ids["supply"],
            sample_ids["ivanov"],
        )
        assert "Call about the proposal" in list_text(screen)
        await press(pilot, "u")
        assert "Nothing to undo" in notes(pilot.app)


# ---------------------------------------------------------------- sections, enter, add


async def test_closed_sections_open_and_close(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    with session_scope(engine) as session:
        activities.create_activity(
            session,
            ActivityCreate(
                kind="email",
                title="Send the price list",
                due_on=date(2026, 11, 21),
                contact_id=sample_ids["muller"],
            ),
        )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        agenda = screen.query_one(AgendaList)
        assert "▸ Tomorrow · 1" in list_text(screen)
        assert "Send the price list" not in list_text(screen)
        await press(pilot, "G")
        assert agenda.pick is not None and agenda.pick.section == "tomorrow"
        await press(pilot, "enter")
        assert "▾ Tomorrow · 1" in list_text(screen)
        assert "Send the price list" in list_text(screen) and "anna@mueller.de" in list_text(screen)
        await press(pilot, "down")
        assert agenda.pick is not None and agenda.pick.kind == "activity"
        await press(pilot, "left")  # from an item, ← closes its section
        assert "▸ Tomorrow · 1" in list_text(screen)
        assert agenda.pick is not None and agenda.pick.kind == "section"
        await press(pilot, "right")
        assert "Send the price list" in list_text(screen)
        await press(pilot, "left", "space")
        assert "Send the price list" in list_text(screen)


async def test_enter_opens_the_record_it_belongs_to(app: CrmApp, sample_ids: dict[str, int]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_today(pilot)
        await press(pilot, "enter")
        card = pilot.app.screen
        assert isinstance(card, RecordScreen)
        assert (card.kind, card.record_id) == (EntityKind.DEAL, sample_ids["supply"])


async def test_deals_with_no_next_step_and_a_task_for_one(
    app: CrmApp, engine: Engine, sample_ids: dict[str, int]
) -> None:
    with session_scope(engine) as session:
        deal = deals.create_deal(session, DealCreate(title="Quiet deal", contact_id=sample_ids["muller"]))
        deal_id = deal.id or 0
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        assert "▾ Deals with no next step · 1" in list_text(screen)
        assert "Quiet deal" in list_text(screen)
        await press(pilot, "G")  # the last line: the quiet deal
        await press(pilot, "a")
        await fill_form(pilot, {"title": "Ask about the budget", "when": "sun 11:00"})
        assert "Planned: Ask about the budget (Sun 22.11 11:00)" in notes(pilot.app)
        assert "Deals with no next step" not in list_text(screen)
        (planned,) = [found for found in follow_ups(engine) if found.title == "Ask about the budget"]
        assert (planned.kind, planned.deal_id) == ("call", deal_id)
        await press(pilot, "G", "enter")
        # Back on the Today list's last line: the header of this week, opened by enter.
        assert "Ask about the budget" in list_text(screen)


async def test_add_finds_the_record_by_name(app: CrmApp, engine: Engine, sample_ids: dict[str, int]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "up", "up", "a")  # on a header: the record is searched for
        search = pilot.app.screen.query_one("#search-input", Input)
        search.value = "Müller"
        await settle(pilot)
        await press(pilot, "enter")
        await fill_form(pilot, {"kind": "meeting", "title": "Coffee", "when": "today 16:00"})
        (planned,) = [found for found in follow_ups(engine) if found.title == "Coffee"]
        assert (planned.kind, planned.contact_id) == ("meeting", sample_ids["muller"])
        assert "Coffee" in list_text(screen)


# ---------------------------------------------------------------- the week


async def test_week_agenda_moves_by_weeks(app: CrmApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "v")
        week = screen.query_one(WeekView)
        assert "Week 47 · 16.11 – 22.11.2026 · this week" in title_text(screen)
        shown = shown_text(week)
        assert "Fri 20.11 today · 1" in shown and "Demo at Acme" in shown
        assert "Wed 18.11 · 1" in shown and "Call about the proposal" in shown
        await press(pilot, "right_square_bracket")
        assert "Week 48 · 23.11 – 29.11.2026" in title_text(screen)
        shown = shown_text(week)
        assert "Wed 25.11 · 1" in shown and "Send the contract" in shown and "today" not in shown
        await press(pilot, "left_square_bracket", "left_square_bracket")
        assert "Week 46 · 09.11 – 15.11.2026" in title_text(screen)
        await press(pilot, "v")
        assert "1 overdue · 1 today" in title_text(screen)
        assert screen.query_one(AgendaList).display


async def test_edit_kind_title_date_and_time(app: CrmApp, engine: Engine, sample_ids: dict[str, int]) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(pilot)
        await press(pilot, "e")
        dialog = pilot.app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-due", Input).value == "18.11.2026"
        await fill_form(pilot, {"time": "25:61"})
        assert "not a time of day" in str(dialog.query_one("#form-error", Label).render())
        await fill_form(
            pilot, {"kind": "meeting", "title": "Meet about the proposal", "due": "today", "time": "16:00"}
        )
        assert pilot.app.screen is screen
        edited = activity(engine, sample_ids["call"])
        assert edited is not None and (edited.kind, edited.title) == ("meeting", "Meet about the proposal")
        assert due_of(engine, sample_ids["call"]) == (date(2026, 11, 20), time(16))
        assert "Saved: Meet about the proposal" in notes(pilot.app)
        # Today now, after the 14:30 meeting; the cursor followed it.
        lines = [line.strip() for line in list_text(screen).splitlines() if line.strip()]
        assert lines[0].startswith("▾ Today") and lines[2].startswith("16:00")
        assert screen.query_one(AgendaList).pick.key == str(sample_ids["call"])  # type: ignore[union-attr]


async def test_the_keys_are_in_the_footer_or_the_help(app: CrmApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await open_today(pilot)
        await press(pilot, "question_mark")
        shown = "\n".join(shown_text(widget) for widget in pilot.app.screen.query(Static))
        for words in (
            "Done: a call",
            "Move to another day",
            "Move to tomorrow",
            "Delete the activity",
            "Undo the last",
        ):
            assert words in shown, words
