"""Activities to iCalendar: meetings as VEVENTs, the rest as VTODOs, every moment in UTC;
parsed back with vobject the way a calendar program would read the file."""

from __future__ import annotations

import io
import re
import stat
import time as clock_module
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from sqlmodel import Session

from crm_tui.db.models import CompanyBase
from crm_tui.errors import UnreadableInput
from crm_tui.io.ics_write import component, write_calendar
from crm_tui.services import activities, companies, contacts
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.exports import ExportOptions, export_to_file, write_export

ICS = ExportOptions(fmt="ics")


@pytest.fixture
def planned(session: Session) -> dict[str, int]:
    """One of each shape: timed and all-day meetings, a repeating call with a reminder, a
    monthly task, a done email, a task with no date."""
    acme = companies.create_company(session, CompanyBase(name="ООО Ромашка"))
    olga = contacts.create_contact(
        session, ContactCreate(first_name="Olga", last_name="Petrova", company_id=acme.id)
    )
    made = {
        "demo": ActivityCreate(
            kind="meeting",
            title="Demo",
            due_on=date(2026, 11, 24),
            due_time=time(14, 30),
            contact_id=olga.id,
            notes="Bring the projector; ask about the budget",
        ),
        "offsite": ActivityCreate(kind="meeting", title="Offsite", due_on=date(2026, 11, 26)),
        "standup": ActivityCreate(
            kind="call",
            title="Call Olga",
            due_on=date(2026, 11, 23),
            due_time=time(10, 0),
            contact_id=olga.id,
            recurrence="weekdays",
            remind_minutes=15,
        ),
        "report": ActivityCreate(
            kind="task", title="Monthly report", due_on=date(2026, 11, 30), recurrence="monthly"
        ),
        "sent": ActivityCreate(
            kind="email", title="Send the offer", due_on=date(2026, 11, 19), due_time=time(11, 0)
        ),
        "someday": ActivityCreate(kind="task", title="Tidy the tags"),
    }
    ids = {}
    for name, data in made.items():
        activity = activities.create_activity(session, data)
        assert activity.id is not None
        ids[name] = activity.id
    activities.complete_activity(session, ids["sent"])
    session.flush()
    return ids


def _export(session: Session, options: ExportOptions = ICS) -> str:
    stream = io.StringIO(newline="")
    write_export(session, stream, "activities", options)
    return stream.getvalue()


def _parse(text: str) -> Any:
    return vobject.readOne(text)


def _by_uid(calendar: Any) -> dict[str, Any]:
    return {item.uid.value: item for item in [*calendar.vevent_list, *calendar.vtodo_list]}


def test_meetings_are_events_and_the_rest_to_dos(session: Session, planned: dict[str, int]) -> None:
    calendar = _parse(_export(session))
    assert calendar.version.value == "2.0"
    events = {item.summary.value for item in calendar.vevent_list}
    todos = {item.summary.value for item in calendar.vtodo_list}
    assert events == {"Meeting: Demo", "Meeting: Offsite"}
    # Open ones only by default: the done email stays out.
    assert todos == {"Call: Call Olga", "Task: Monthly report", "Task: Tidy the tags"}


def test_a_timed_meeting_starts_at_its_utc_moment_and_lasts_an_hour(
    session: Session, planned: dict[str, int]
) -> None:
    demo = _by_uid(_parse(_export(session)))[f"activity-{planned['demo']}@crm-tui"]
    assert demo.dtstart.value == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    assert demo.dtend.value - demo.dtstart.value == timedelta(hours=1)
    assert (
        demo.description.value
        == "Regarding: Olga Petrova · ООО Ромашка\nBring the projector; ask about the budget"
    )


def test_an_untimed_meeting_takes_the_whole_day(session: Session, planned: dict[str, int]) -> None:
    offsite = _by_uid(_parse(_export(session)))[f"activity-{planned['offsite']}@crm-tui"]
    assert offsite.dtstart.value == date(2026, 11, 26)
    assert offsite.dtend.value == date(2026, 11, 27)


def test_to_dos_are_due_at_a_utc_moment_or_on_a_day(session: Session, planned: dict[str, int]) -> None:
    items = _by_uid(_parse(_export(session)))
    call = items[f"activity-{planned['standup']}@crm-tui"]
    assert call.due.value == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert call.status.value == "NEEDS-ACTION"
    report = items[f"activity-{planned['report']}@crm-tui"]
    assert report.due.value == date(2026, 11, 30)
    someday = items[f"activity-{planned['someday']}@crm-tui"]
    assert not hasattr(someday, "due")


def test_repeating_ones_carry_their_rule(session: Session, planned: dict[str, int]) -> None:
    items = _by_uid(_parse(_export(session)))
    call = items[f"activity-{planned['standup']}@crm-tui"]
    assert call.rrule.value == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert call.dtstart.value == call.due.value  # a rule counts from DTSTART
    dates = list(call.getrruleset())[:6]
    assert [moment.weekday() for moment in dates] == [0, 1, 2, 3, 4, 0]
    assert items[f"activity-{planned['report']}@crm-tui"].rrule.value == "FREQ=MONTHLY"
    assert not hasattr(items[f"activity-{planned['demo']}@crm-tui"], "rrule")


def test_a_reminder_offset_becomes_an_alarm(session: Session, planned: dict[str, int]) -> None:
    items = _by_uid(_parse(_export(session)))
    call = items[f"activity-{planned['standup']}@crm-tui"]
    alarm = call.valarm
    assert alarm.action.value == "DISPLAY"
    assert alarm.trigger.value == timedelta(minutes=-15)
    assert alarm.trigger.params["RELATED"] == ["END"]  # before the DUE of a to-do
    assert not hasattr(items[f"activity-{planned['demo']}@crm-tui"], "valarm")


def test_all_includes_done_ones_as_completed(session: Session, planned: dict[str, int]) -> None:
    items = _by_uid(_parse(_export(session, ExportOptions(fmt="ics", include_done=True))))
    assert len(items) == len(planned)
    sent = items[f"activity-{planned['sent']}@crm-tui"]
    assert sent.status.value == "COMPLETED"
    assert sent.completed.value == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the frozen clock


def test_every_moment_is_written_in_utc(
    session: Session, planned: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In another zone the wall-clock times move, the file still says Z: calendar programs show
    them in their own zone."""
    monkeypatch.setenv("TZ", "America/New_York")
    clock_module.tzset()
    activities.create_activity(
        session,
        ActivityCreate(kind="meeting", title="Late call", due_on=date(2026, 11, 24), due_time=time(21, 0)),
    )
    text = _export(session, ExportOptions(fmt="ics", include_done=True))
    timed = re.findall(r"^(DTSTART|DTEND|DUE|COMPLETED|DTSTAMP)(;[^:]*)?:(\S+)\r$", text, flags=re.MULTILINE)
    assert timed
    for name, params, value in timed:
        if params == ";VALUE=DATE":
            assert re.fullmatch(r"\d{8}", value), (name, value)
        else:
            assert params == "" and re.fullmatch(r"\d{8}T\d{6}Z", value), (name, params, value)
    assert "TZID" not in text and "VTIMEZONE" not in text
    # 21:00 in New York in November (UTC-5) is 02:00 UTC the next day.
    assert "DTSTART:20261125T020000Z" in text


def test_lines_end_in_crlf_and_long_ones_are_folded(session: Session) -> None:
    activities.create_activity(
        session, ActivityCreate(kind="task", title="Ж" * 100, due_on=date(2026, 11, 24))
    )
    text = _export(session)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert _parse(text).vtodo.summary.value == "Task: " + "Ж" * 100


def test_the_uid_is_the_same_on_every_export(session: Session, planned: dict[str, int]) -> None:
    first = sorted(_by_uid(_parse(_export(session))))
    assert first == sorted(_by_uid(_parse(_export(session))))
    assert f"activity-{planned['demo']}@crm-tui" in first


def test_text_is_escaped() -> None:
    lines = component(
        {
            "id": 1,
            "kind": "task",
            "title": "a, b; c\\d",
            "notes": "line one\nline two",
            "due_on": None,
            "due_at": None,
        },
        datetime(2026, 11, 20, 9, tzinfo=UTC),
    )
    assert "SUMMARY:Task: a\\, b\\; c\\\\d" in lines
    assert "DESCRIPTION:line one\\nline two" in lines


def test_an_empty_calendar_is_still_a_calendar() -> None:
    text = "".join(write_calendar([], datetime(2026, 11, 20, 9, tzinfo=UTC)))
    calendar = _parse(text)
    assert calendar.prodid.value.startswith("-//crm-tui//")
    assert not hasattr(calendar, "vevent") and not hasattr(calendar, "vtodo")


def test_the_file_is_written_for_its_owner_only(
    session: Session, planned: dict[str, int], tmp_path: Path
) -> None:
    target = export_to_file(session, tmp_path / "tasks.ics", "activities", ICS)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(_by_uid(_parse(target.read_text(encoding="utf-8")))) == 5


def test_only_activities_go_to_a_calendar(session: Session) -> None:
    with pytest.raises(UnreadableInput, match="activities only"):
        _export_kind(session, "contacts")


def _export_kind(session: Session, kind: str) -> None:
    write_export(session, io.StringIO(), kind, ICS)
