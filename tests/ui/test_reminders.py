"""Reminders while the app is open, and the overdue count on the mode bar of every mode.

The conftest freezes the clock at Friday 20 November 2026, 09:00 UTC (TZ=UTC); moving it
(`clock`) and asking the app to look again stands in for the timer's next tick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual.pilot import Pilot

from crm_tui.db.engine import session_scope
from crm_tui.db.models import CompanyBase
from crm_tui.services import activities, companies, contacts
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.settings import reminder_bell, set_reminder_bell
from crm_tui.ui.app import CrmApp
from crm_tui.ui.dialogs.export_dialog import export, export_dialog
from crm_tui.ui.dialogs.form_dialog import FormDialog
from crm_tui.ui.widgets.mode_bar import ModeBar

from .conftest import settle, shown_text


def _plan(session: Session, title: str, day: date, at: time | None, **extra: object) -> int:
    activity = activities.create_activity(
        session,
        ActivityCreate(kind=str(extra.pop("kind", "call")), title=title, due_on=day, due_time=at, **extra),
    )
    assert activity.id is not None
    return activity.id


@pytest.fixture
def planned(engine: Engine) -> dict[str, int]:
    """A call due two minutes ago (inside the first look), one due yesterday (overdue, not
    announced: before the first look), a meeting at 09:30 with a reminder 10 minutes ahead,
    and a task due at 09:45."""
    with session_scope(engine) as session:
        acme = companies.create_company(session, CompanyBase(name="ООО Ромашка"))
        olga = contacts.create_contact(
            session, ContactCreate(first_name="Olga", last_name="Petrova", company_id=acme.id)
        )
        return {
            "now": _plan(session, "call Olga", date(2026, 11, 20), time(8, 58), contact_id=olga.id),
            "old": _plan(session, "Call about the invoice", date(2026, 11, 19), time(15, 0)),
            "meeting": _plan(
                session, "Demo", date(2026, 11, 20), time(9, 30), kind="meeting", remind_minutes=10
            ),
            "later": _plan(session, "Send the offer", date(2026, 11, 20), time(9, 45), kind="task"),
        }


@pytest.fixture
def reminder_app(engine: Engine, planned: dict[str, int]) -> CrmApp:
    return CrmApp(engine, database="/tmp/crm-test.sqlite3")


def _messages(app: CrmApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


async def _started(pilot: Pilot[None]) -> None:
    """Wait for the first look (it runs after the first paint, in a worker)."""
    app = pilot.app
    assert isinstance(app, CrmApp)
    for _ in range(50):
        await settle(pilot)
        if app.reminders_checked is not None and not app.workers:
            return
    raise AssertionError("the first reminder look never ran")


def _bar(app: CrmApp) -> str:
    return shown_text(app.screen.query_one(ModeBar))


async def test_a_reminder_due_in_the_first_look_is_notified(reminder_app: CrmApp) -> None:
    async with reminder_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        assert _messages(reminder_app) == ["☎ Call Olga at 08:58 — Olga Petrova · ООО Ромашка"]
        note = next(iter(reminder_app._notifications))
        assert note.title == "Reminder"


async def test_the_overdue_count_shows_on_the_mode_bar_of_every_mode(
    reminder_app: CrmApp, engine: Engine, planned: dict[str, int]
) -> None:
    async with reminder_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        assert "2 overdue" in _bar(reminder_app)
        assert reminder_app.screen.query_one(ModeBar).render_modes().spans[-2].style == "bold red"
        for key in ("2", "3", "4", "5", "1"):
            await pilot.press(key)
            await settle(pilot)
            assert "2 overdue" in _bar(reminder_app), key
        # Done elsewhere: the next mode shown counts again.
        with session_scope(engine) as session:
            activities.complete_activity(session, planned["old"])
        await pilot.press("2")
        await settle(pilot)
        assert "1 overdue" in _bar(reminder_app)
        with session_scope(engine) as session:
            activities.complete_activity(session, planned["now"])
        await pilot.press("1")
        await settle(pilot)
        assert "overdue" not in _bar(reminder_app)


async def test_the_count_fits_an_80_column_bar(reminder_app: CrmApp) -> None:
    async with reminder_app.run_test(size=(80, 24)) as pilot:
        await _started(pilot)
        assert _bar(reminder_app).startswith(" crm-tui   1 Inbox ")
        assert _bar(reminder_app).rstrip().endswith("5 Reports   2 overdue")


async def test_the_clock_passing_a_reminder_announces_it_once(
    reminder_app: CrmApp, clock: Callable[[str], None]
) -> None:
    async with reminder_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        assert len(_messages(reminder_app)) == 1
        # Nothing between 09:00 and 09:19; the meeting's reminder is at 09:20 (10 minutes ahead).
        clock("2026-11-20T09:19:00+00:00")
        reminder_app.check_reminders()
        await settle(pilot)
        assert len(_messages(reminder_app)) == 1
        clock("2026-11-20T09:21:00+00:00")
        reminder_app.check_reminders()
        await settle(pilot)
        assert _messages(reminder_app)[-1] == "◷ Demo at 09:30"
        # The same window looked at again (a clock set back) announces nothing twice.
        reminder_app.reminders_checked = None
        clock("2026-11-20T09:22:00+00:00")
        reminder_app.check_reminders()
        await settle(pilot)
        assert len(_messages(reminder_app)) == 2
        # The 09:45 task, and the overdue count that grew as the clock passed the 09:00s.
        clock("2026-11-20T09:46:00+00:00")
        reminder_app.check_reminders()
        await settle(pilot)
        assert _messages(reminder_app)[-1] == "☐ Send the offer at 09:45"
        assert "4 overdue" in _bar(reminder_app)


async def test_the_first_look_does_not_flood_with_old_reminders(engine: Engine) -> None:
    with session_scope(engine) as session:
        for hour in range(8):
            _plan(session, f"Old call {hour}", date(2026, 11, 20), time(hour, 0))
    app = CrmApp(engine, database="/tmp/crm-test.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        assert _messages(app) == []
        assert "8 overdue" in _bar(app)


async def test_no_overdue_no_count(empty_app: CrmApp) -> None:
    async with empty_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        assert "overdue" not in _bar(empty_app)
        assert "1 Inbox" in _bar(empty_app)


@pytest.mark.parametrize("bell_on", [False, True])
async def test_the_bell_rings_only_when_turned_on(
    reminder_app: CrmApp, engine: Engine, monkeypatch: pytest.MonkeyPatch, bell_on: bool
) -> None:
    with session_scope(engine) as session:
        set_reminder_bell(session, bell_on)
    rings: list[None] = []
    monkeypatch.setattr(reminder_app, "bell", lambda: rings.append(None))
    async with reminder_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        assert len(_messages(reminder_app)) == 1
    assert len(rings) == (1 if bell_on else 0)


def test_the_bell_setting_is_off_by_default(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert reminder_bell(session) is False
        assert set_reminder_bell(session, True) is True
        assert reminder_bell(session) is True
        set_reminder_bell(session, False)
        assert reminder_bell(session) is False


async def test_export_in_today_offers_a_calendar_file(
    reminder_app: CrmApp, engine: Engine, tmp_path: Path
) -> None:
    async with reminder_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        dialog = reminder_app.screen
        assert isinstance(dialog, FormDialog)
    fields = {field.name: field.value for field in export_dialog("activities").fields}
    assert (fields["kind"], fields["format"], fields["file"]) == ("activities", "ics", "~/activities.ics")
    target = tmp_path / "week.ics"
    with session_scope(engine) as session:
        written = export(
            session, {"kind": "activities", "format": "ics", "file": str(target)}, "~/activities.ics"
        )
    assert written == target
    assert target.read_text(encoding="utf-8").count("BEGIN:VTODO") == 3


async def test_a_long_count_is_cut_not_wrapped_away(empty_app: CrmApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        empty_app.overdue = 12_345
        await settle(pilot)
        bar = empty_app.screen.query_one(ModeBar)
        assert bar.size.height == 1
        assert shown_text(bar).endswith("5 Reports   12,345 over")


async def test_the_command_palette_turns_the_bell_on_and_off(reminder_app: CrmApp, engine: Engine) -> None:
    async with reminder_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        commands = {
            command.title: command for command in reminder_app.get_system_commands(reminder_app.screen)
        }
        commands["Reminder bell on/off"].callback()
        await settle(pilot)
        with session_scope(engine) as session:
            assert reminder_bell(session) is True
        assert "Reminders ring the bell." in _messages(reminder_app)
        commands["Reminder bell on/off"].callback()
        await settle(pilot)
        with session_scope(engine) as session:
            assert reminder_bell(session) is False


async def test_a_snooze_on_today_shows_in_the_count_of_the_next_mode(reminder_app: CrmApp) -> None:
    async with reminder_app.run_test(size=(100, 30)) as pilot:
        await _started(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "2 overdue" in _bar(reminder_app)
        # The cursor starts on the oldest overdue item: yesterday's call; z moves it to tomorrow.
        await pilot.press("z")
        await settle(pilot)
        assert _messages(reminder_app)[-1].startswith("Snoozed: Call about the invoice")
        await pilot.press("1")
        await settle(pilot)
        assert "1 overdue" in _bar(reminder_app)
