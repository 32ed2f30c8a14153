"""The activity report: done work per day or week, and the clients it touched.

Calls, emails and meetings are logged and activities completed through the services, with
the frozen clock moved to the moment each happens. The week of 16–22 November 2026 runs
Monday to Sunday. TZ is UTC unless a test says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session, col, select

from crm_tui.db.models import Activity, Contact, EntityKind, Event
from crm_tui.services import activities, contacts, interactions
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.cards import subject_of
from crm_tui.services.contacts import ContactCreate
from crm_tui.services.events import EventKind, add_note
from crm_tui.services.reports.activity import build
from crm_tui.services.reports.model import RecordLink, Report, ValueKind
from crm_tui.services.reports.period import Period

Clock = Callable[[str], None]

WEEK = Period(date(2026, 11, 16), date(2026, 11, 22))


def _id(record: Contact | Activity) -> int:
    assert record.id is not None
    return record.id


def _log(session: Session, clock: Clock, at: str, kind: str, record: EntityKind, record_id: int) -> None:
    clock(f"{at}+00:00")
    interactions.log_interaction(session, subject_of(session, record, record_id), kind, f"{kind} at {at}")


def _plan(session: Session, clock: Clock, at: str, kind: str, due: date, contact_id: int) -> Activity:
    clock(f"{at}+00:00")
    return activities.create_activity(
        session, ActivityCreate(kind=kind, title=f"{kind} due {due}", due_on=due, contact_id=contact_id)
    )


def _complete(session: Session, clock: Clock, at: str, activity: Activity) -> None:
    clock(f"{at}+00:00")
    activities.complete_activity(session, _id(activity), "done")


def _report(session: Session, period: Period = WEEK) -> Report:
    session.flush()
    return build(session, period)


@pytest.fixture
def people(session: Session) -> dict[str, Contact]:
    return {
        "anna": contacts.create_contact(
            session, ContactCreate(first_name="Anna", last_name="Smith", company_name="Acme")
        ),
        "bob": contacts.create_contact(session, ContactCreate(first_name="Bob", last_name="Brown")),
    }


@pytest.fixture
def week(session: Session, clock: Clock, people: dict[str, Contact]) -> None:
    anna, bob = _id(people["anna"]), _id(people["bob"])
    company_id = people["anna"].company_id
    assert company_id is not None
    # Planned: a "task" event, which is not work done.
    _plan(session, clock, "2026-11-16T09:00:00", "call", date(2026, 11, 17), anna)
    meeting = _plan(session, clock, "2026-11-16T09:05:00", "meeting", date(2026, 11, 19), anna)
    task = _plan(session, clock, "2026-11-16T09:10:00", "task", date(2026, 11, 18), bob)
    # Tue: a logged call that completes the call planned for the day: one call, not two.
    _log(session, clock, "2026-11-17T10:00:00", "call", EntityKind.CONTACT, anna)
    # Wed: a task done (not a touch) and an email to Bob.
    _complete(session, clock, "2026-11-18T11:00:00", task)
    _log(session, clock, "2026-11-18T12:00:00", "email", EntityKind.CONTACT, bob)
    # Thu: the planned meeting done from Today.
    _complete(session, clock, "2026-11-19T15:00:00", meeting)
    # Fri: a call to the company's switchboard: done work, but no client touched.
    _log(session, clock, "2026-11-20T08:00:00", "call", EntityKind.COMPANY, company_id)
    # A note is not a call.
    add_note(session, subject_of(session, EntityKind.CONTACT, anna), "likes tea")
    # The last moment before the first day and the first after the last.
    _log(session, clock, "2026-11-15T23:59:59", "call", EntityKind.CONTACT, anna)
    _log(session, clock, "2026-11-23T00:00:00", "email", EntityKind.CONTACT, bob)


def test_a_call_that_completes_a_planned_call_is_marked_and_counted_once(
    session: Session, clock: Clock, people: dict[str, Contact]
) -> None:
    anna = _id(people["anna"])
    planned = _plan(session, clock, "2026-11-16T09:00:00", "call", date(2026, 11, 17), anna)
    clock("2026-11-17T10:00:00+00:00")
    logged = interactions.log_interaction(
        session, subject_of(session, EntityKind.CONTACT, anna), "call", "agreed"
    )
    assert logged.completed == [planned.id]
    session.flush()
    calls = session.exec(select(Event).where(Event.kind == EventKind.CALL).order_by(col(Event.id))).all()
    # Both are on the timeline; the completion names the logged call that did the work.
    assert [event.payload.get("answered_by") for event in calls] == [None, logged.event_id]
    report = _report(session)
    assert report.fact("calls") == 1
    assert report.table("clients").values("touches") == [1]


def test_facts_count_done_work_by_kind(session: Session, week) -> None:
    report = _report(session)
    assert (report.key, report.title, report.scope) == ("activity", "Activity", "done 16 Nov – 22 Nov 2026")
    assert [report.fact(key) for key in ("calls", "meetings", "emails", "tasks", "clients_touched")] == [
        2,
        1,
        1,
        1,
        2,
    ]
    # Anna: the call and the meeting; Bob: the email. The company call touched no one.
    assert report.fact("touches_per_client") == 1.5
    assert {fact.key: fact.kind for fact in report.facts}["touches_per_client"] is ValueKind.NUMBER


def test_a_short_period_has_a_row_per_day_empty_days_included(session: Session, week) -> None:
    table = _report(session).table("timeline")
    assert table.title == "Done per day"
    assert [(column.key, column.title) for column in table.columns] == [
        ("day", "Day"),
        ("calls", "Calls"),
        ("meetings", "Meetings"),
        ("emails", "Emails"),
        ("tasks", "Tasks"),
        ("total", "Total"),
    ]
    assert table.column("total").chart
    assert table.values("day") == [
        "Mon 16 Nov",
        "Tue 17 Nov",
        "Wed 18 Nov",
        "Thu 19 Nov",
        "Fri 20 Nov",
        "Sat 21 Nov",
        "Sun 22 Nov",
    ]
    assert table.values("calls") == [0, 1, 0, 0, 1, 0, 0]
    assert table.values("meetings") == [0, 0, 0, 1, 0, 0, 0]
    assert table.values("emails") == [0, 0, 1, 0, 0, 0, 0]
    assert table.values("tasks") == [0, 0, 1, 0, 0, 0, 0]
    assert table.values("total") == [0, 1, 2, 1, 1, 0, 0]


def test_clients_are_listed_most_touched_first_with_their_last_touch(
    session: Session, week, people: dict[str, Contact]
) -> None:
    table = _report(session).table("clients")
    assert table.title == "Touches per client"
    assert table.values("contact") == ["Anna Smith", "Bob Brown"]
    assert table.values("company") == ["Acme", ""]
    assert table.values("touches") == [2, 1]
    assert table.values("last") == [date(2026, 11, 19), date(2026, 11, 18)]
    assert [row.link for row in table.rows] == [
        RecordLink(EntityKind.CONTACT, _id(people["anna"])),
        RecordLink(EntityKind.CONTACT, _id(people["bob"])),
    ]
    assert table.total == 2


def test_clients_with_as_many_touches_go_by_name_and_only_the_first_page_is_listed(
    session: Session, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crm_tui.services.reports.activity.CLIENT_ROWS", 2)
    for name in ("Carol", "Alice", "Bella"):
        person = contacts.create_contact(session, ContactCreate(first_name=name))
        _log(session, clock, "2026-11-18T10:00:00", "call", EntityKind.CONTACT, _id(person))
    table = _report(session).table("clients")
    assert table.values("contact") == ["Alice", "Bella"]
    assert table.total == 3
    assert _report(session).fact("clients_touched") == 3


def test_an_empty_period_has_zero_rows_and_no_average(session: Session, week) -> None:
    report = _report(session, Period(date(2026, 10, 5), date(2026, 10, 6)))
    assert [report.fact(key) for key in ("calls", "meetings", "emails", "tasks", "clients_touched")] == [
        0
    ] * 5
    assert report.fact("touches_per_client") is None
    assert report.table("timeline").values("day") == ["Mon 5 Oct", "Tue 6 Oct"]
    assert report.table("timeline").values("total") == [0, 0]
    assert report.table("clients").rows == []
    assert report.table("clients").total == 0


def test_a_long_period_folds_days_into_weeks_from_monday(
    session: Session, clock: Clock, people: dict[str, Contact]
) -> None:
    anna = _id(people["anna"])
    # 1 Nov 2026 is a Sunday, 15 Dec a Tuesday: 45 days, eight weeks, the ends cut short.
    period = Period(date(2026, 11, 1), date(2026, 12, 15))
    for at, kind in (
        ("2026-10-31T23:59:59", "call"),  # the day before: not counted
        ("2026-11-01T10:00:00", "call"),  # the first week, a single Sunday
        ("2026-11-02T10:00:00", "meeting"),  # Monday: the second week
        ("2026-11-08T23:00:00", "email"),  # its Sunday
        ("2026-12-15T23:59:59", "call"),  # the last day
        ("2026-12-16T00:00:00", "call"),  # the day after: not counted
    ):
        _log(session, clock, at, kind, EntityKind.CONTACT, anna)
    table = _report(session, period).table("timeline")
    assert table.title == "Done per week"
    assert table.column("day").title == "Week"
    assert table.values("day") == [
        "Week of 1 Nov",
        "Week of 2 Nov",
        "Week of 9 Nov",
        "Week of 16 Nov",
        "Week of 23 Nov",
        "Week of 30 Nov",
        "Week of 7 Dec",
        "Week of 14 Dec",
    ]
    assert table.values("calls") == [1, 0, 0, 0, 0, 0, 0, 1]
    assert table.values("meetings") == [0, 1, 0, 0, 0, 0, 0, 0]
    assert table.values("emails") == [0, 1, 0, 0, 0, 0, 0, 0]
    assert table.values("total") == [1, 2, 0, 0, 0, 0, 0, 1]


def test_weeks_of_a_period_across_years_carry_the_year(session: Session) -> None:
    table = _report(session, Period(date(2025, 12, 20), date(2026, 1, 31))).table("timeline")
    assert table.values("day")[:3] == ["Week of 20 Dec 2025", "Week of 22 Dec 2025", "Week of 29 Dec 2025"]
    assert table.values("day")[-1] == "Week of 26 Jan 2026"


def test_a_31_day_period_is_still_daily(session: Session) -> None:
    table = _report(session, Period(date(2026, 10, 1), date(2026, 10, 31))).table("timeline")
    assert table.title == "Done per day"
    assert len(table.rows) == 31


def test_work_falls_on_its_local_day(
    session: Session, clock: Clock, people: dict[str, Contact], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Moscow")  # UTC+3
    time.tzset()
    # 31 Oct 22:30 UTC is 1 Nov 01:30 in Moscow: November's, on a Sunday.
    _log(session, clock, "2026-10-31T22:30:00", "call", EntityKind.CONTACT, _id(people["anna"]))
    october = _report(session, Period(date(2026, 10, 31), date(2026, 10, 31)))
    november = _report(session, Period(date(2026, 11, 1), date(2026, 11, 2)))
    assert october.fact("calls") == 0
    assert november.table("timeline").values("calls") == [1, 0]
    assert november.table("timeline").values("day") == ["Sun 1 Nov", "Mon 2 Nov"]
    assert november.table("clients").values("last") == [date(2026, 11, 1)]
