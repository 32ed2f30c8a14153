"""Activity times: stored in UTC, spoken in local time, in any zone and across DST; the
verbs of the Today list (reschedule, snooze, repeat, overdue, reminders)."""

from __future__ import annotations

import sqlite3
import time as clock_module
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from crm_tui.db import schema
from crm_tui.db.engine import session_scope
from crm_tui.db.models import Activity
from crm_tui.errors import ValidationError
from crm_tui.services import activities
from crm_tui.services.activities import ActivityCreate

Zone = Callable[[str], None]


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Zone:
    """Move the machine to another time zone (the app reads it as the local one)."""

    def move_to(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        clock_module.tzset()

    return move_to


def _call(session: Session, day: date, at: time | None, **more: object) -> Activity:
    return activities.create_activity(
        session,
        ActivityCreate(kind="call", title="Call Olga", due_on=day, due_time=at, **more),  # type: ignore[arg-type]
    )


def test_a_time_is_stored_in_utc_and_shown_in_the_zone_one_is_in(session: Session, zone: Zone) -> None:
    zone("Europe/Moscow")  # UTC+3, no DST
    call = _call(session, date(2026, 11, 25), time(10, 0))
    session.flush()
    assert call.due_at is not None
    assert activities.as_utc(call.due_at) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert activities.local_due(call) == (date(2026, 11, 25), time(10, 0))
    zone("America/New_York")  # the same call, seen from New York in November (UTC-5)
    assert activities.local_due(call) == (date(2026, 11, 25), time(2, 0))
    (row,) = activities.agenda(session, until=date(2026, 11, 30))
    assert (row.due_on, row.due_time) == (date(2026, 11, 25), time(2, 0))


def test_across_a_dst_change_the_wall_clock_time_holds(session: Session, zone: Zone, clock) -> None:
    zone("Europe/Berlin")
    clock("2026-03-27T08:00:00+00:00")  # Friday; summer time starts on Sunday the 29th
    before = _call(session, date(2026, 3, 28), time(10, 0))
    after = _call(session, date(2026, 3, 30), time(10, 0))
    assert activities.as_utc(before.due_at) == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # CET, UTC+1
    assert activities.as_utc(after.due_at) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # CEST, UTC+2
    assert activities.local_due(after) == (date(2026, 3, 30), time(10, 0))
    # Snoozed across the change it keeps its 10:00.
    activities.snooze_activity(session, before.id or 0)
    assert activities.local_due(before) == (date(2026, 3, 28), time(10, 0))  # tomorrow of the 27th
    clock("2026-03-28T20:00:00+00:00")
    activities.snooze_activity(session, before.id or 0)
    assert activities.local_due(before) == (date(2026, 3, 29), time(10, 0))
    assert activities.as_utc(before.due_at) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_overdue_by_the_moment_when_timed_and_by_the_day_when_not(session: Session, clock) -> None:
    clock("2026-11-20T09:00:00+00:00")
    _call(session, date(2026, 11, 20), time(8, 30))  # an hour ago
    _call(session, date(2026, 11, 20), time(17, 0))  # later today
    _call(session, date(2026, 11, 20), None)  # today, no time: not overdue yet
    _call(session, date(2026, 11, 19), None)  # yesterday
    session.flush()
    assert activities.overdue_count(session) == 2
    rows = activities.agenda(session)
    assert [activities.is_overdue(row) for row in rows] == [True, True, False, False]
    assert [row.due_time for row in rows] == [None, time(8, 30), time(17, 0), None]


def test_reschedule_says_from_and_to_and_refuses_a_done_activity(session: Session, events_of) -> None:
    call = _call(session, date(2026, 11, 20), time(9, 0))
    activities.reschedule_activity(session, call.id or 0, date(2026, 11, 23), time(11, 30))
    assert activities.local_due(call) == (date(2026, 11, 23), time(11, 30))
    moved = [event.text for event in events_of("activity", call.id or 0)]
    assert any("2026-11-20 09:00 → 2026-11-23 11:30" in text for text in moved)
    activities.reschedule_activity(session, call.id or 0, date(2026, 11, 24), None)  # untimed now
    assert (call.due_on, call.due_at) == (date(2026, 11, 24), None)
    activities.complete_activity(session, call.id or 0)
    with pytest.raises(ValidationError, match="is done"):
        activities.reschedule_activity(session, call.id or 0, date(2026, 11, 25), None)


@pytest.mark.parametrize(
    ("recurrence", "due", "following"),
    [
        ("weekdays", date(2026, 11, 20), date(2026, 11, 23)),  # Friday → Monday
        ("weekdays", date(2026, 11, 23), date(2026, 11, 24)),
        ("weekly", date(2026, 11, 20), date(2026, 11, 27)),
        ("monthly", date(2027, 1, 31), date(2027, 2, 28)),  # a shorter month: its last day
        ("weekly", date(2026, 11, 1), date(2026, 11, 22)),  # done three weeks late: the next one ahead
    ],
)
def test_a_repeating_activity_moves_to_its_next_date_when_done(
    session: Session, recurrence: str, due: date, following: date
) -> None:
    call = _call(session, due, time(10, 0), recurrence=recurrence)
    activities.complete_activity(session, call.id or 0, "talked")
    assert call.done_at is None  # one item, still open
    assert activities.local_due(call) == (following, time(10, 0))


def test_repeat_and_remind_are_checked(session: Session) -> None:
    with pytest.raises(ValidationError, match="repeat"):
        _call(session, date(2026, 11, 20), None, recurrence="hourly")
    with pytest.raises(ValidationError, match="needs a due date"):
        _call(session, None, None, recurrence="weekly")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="remind"):
        activities.activity_from_fields({"title": "x", "remind": "soon"})


def test_reminders_come_once_as_the_clock_passes_them(session: Session) -> None:
    early = _call(session, date(2026, 11, 20), time(10, 0), remind_minutes=15)  # reminds 09:45
    _call(session, date(2026, 11, 20), time(9, 50))  # reminds at 09:50
    _call(session, date(2026, 11, 21), time(10, 0))  # tomorrow
    session.flush()
    start = datetime(2026, 11, 20, 9, 40, tzinfo=UTC)
    first = activities.reminders_due(session, start, start + timedelta(minutes=5))
    assert [row.id for row in first] == [early.id]
    second = activities.reminders_due(session, start + timedelta(minutes=5), start + timedelta(minutes=10))
    assert [row.title for row in second] == ["Call Olga"] and second[0].id != early.id
    assert activities.reminders_due(session, start + timedelta(minutes=10), start + timedelta(hours=1)) == []


def test_a_version_7_database_gets_its_wall_clock_times_as_utc_moments(tmp_path: Path, zone: Zone) -> None:
    zone("Europe/Moscow")
    path = tmp_path / "crm.sqlite3"
    engine = schema.open_database(str(path))
    with session_scope(engine) as session:
        _call(session, date(2026, 11, 25), time(10, 0))
        _call(session, date(2026, 11, 26), None)
    engine.dispose()
    connection = sqlite3.connect(path)
    try:  # the table as version 7 had it: a local wall-clock due_time, no due_at
        connection.execute("ALTER TABLE activity ADD COLUMN due_time TIME")
        connection.execute("UPDATE activity SET due_time = '10:00:00.000000' WHERE due_at IS NOT NULL")
        connection.execute("DROP INDEX ix_activity_open_moment")
        for column in ("due_at", "remind_minutes", "recurrence"):
            connection.execute(f"ALTER TABLE activity DROP COLUMN {column}")
        connection.execute("UPDATE schemaversion SET version = 7")
        connection.commit()
    finally:
        connection.close()
    engine = schema.open_database(str(path))
    try:
        with session_scope(engine) as session:
            timed, untimed = session.exec(select(Activity).order_by(col(Activity.id))).all()
            assert activities.as_utc(timed.due_at) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
            assert activities.local_due(timed) == (date(2026, 11, 25), time(10, 0))
            assert (untimed.due_on, untimed.due_at) == (date(2026, 11, 26), None)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("typed", "repeat"),
    [
        ("", None),
        ("once", None),
        ("Weekdays", "weekdays"),
        ("every  week", "weekly"),
        ("ежемесячно", "monthly"),
    ],
)
def test_repeat_as_typed(typed: str, repeat: str | None) -> None:
    assert activities.parse_repeat(typed) == repeat


@pytest.mark.parametrize(
    ("typed", "minutes"), [("", None), ("15", 15), ("15 min", 15), ("1h", 60), ("2 ч", 120)]
)
def test_remind_as_typed(typed: str, minutes: int | None) -> None:
    assert activities.parse_remind(typed) == minutes


def test_repeat_and_remind_from_the_forms(session: Session) -> None:
    from crm_tui.services import activity_edit

    added = activity_edit.add_activity(
        session,
        {"kind": "call", "title": "Standup", "when": "mon 10:00", "repeat": "weekdays", "remind": "10"},
        None,
    )
    assert (added.recurrence, added.remind_minutes) == ("weekdays", 10)
    form = activity_edit.activity_form(session, added.id or 0)
    assert (form["repeat"], form["remind"]) == ("weekdays", "10")
    activity_edit.save_activity_form(session, added.id or 0, form | {"repeat": "", "remind": "1h"})
    assert (added.recurrence, added.remind_minutes) == (None, 60)
    with pytest.raises(ValidationError, match="repeat"):
        activity_edit.save_activity_form(session, added.id or 0, form | {"repeat": "yearly"})
    assert added.recurrence is None  # nothing saved


def test_a_reminder_rings_for_the_owner_of_the_activity_only(session: Session) -> None:
    from crm_tui.users import set_current_user

    mine = _call(session, date(2026, 11, 20), time(10, 0))  # the tester's
    set_current_user("anna")
    try:
        annas = _call(session, date(2026, 11, 20), time(10, 0))
    finally:
        set_current_user(None)
    session.flush()
    start = datetime(2026, 11, 20, 9, 55, tzinfo=UTC)
    window = (start, start + timedelta(minutes=10))
    assert [row.id for row in activities.reminders_due(session, *window, owner="anna")] == [annas.id]
    assert {row.id for row in activities.reminders_due(session, *window)} == {mine.id, annas.id}
