"""The Today list: its sections and their order on a frozen clock (Friday 20 November 2026,
09:00 UTC, in UTC), the week's edge, the phone or email at hand, the deals with no next step
and the forgotten clients with their setting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import Session

from crm_tui.db.models import Activity, Contact
from crm_tui.errors import ValidationError
from crm_tui.services import activities, contacts, deals, leads, settings
from crm_tui.services.activities import ActivityCreate
from crm_tui.services.contacts import ContactCreate, EmailIn, PhoneIn
from crm_tui.services.deals import DealCreate
from crm_tui.services.stages import stage_by_name
from crm_tui.services.today import Section, today_list, week_agenda

FRIDAY = date(2026, 11, 20)


def plan(session: Session, title: str, day: date | None, at: time | None = None, **links) -> Activity:
    return activities.create_activity(
        session, ActivityCreate(kind=links.pop("kind", "task"), title=title, due_on=day, due_time=at, **links)
    )


def titles(session: Session, section: Section) -> list[str]:
    return [item.row.title for item in today_list(session).section(section)]


def test_sections_in_order_untimed_after_timed(session: Session) -> None:
    plan(session, "sunday 10:00", date(2026, 11, 22), time(10))
    plan(session, "today untimed", FRIDAY)
    plan(session, "today 14:30", FRIDAY, time(14, 30))
    plan(session, "today 08:00, passed", FRIDAY, time(8))
    plan(session, "today 11:00", FRIDAY, time(11))
    plan(session, "wednesday", date(2026, 11, 18))
    plan(session, "thursday 10:00", date(2026, 11, 19), time(10))
    plan(session, "tomorrow", date(2026, 11, 21))
    plan(session, "next monday", date(2026, 11, 23))
    plan(session, "no date", None)
    done = plan(session, "done already", date(2026, 11, 19))
    activities.complete_activity(session, done.id or 0)

    listed = today_list(session)
    assert [item.row.title for item in listed.items] == [
        "wednesday",
        "thursday 10:00",
        "today 08:00, passed",
        "today 11:00",
        "today 14:30",
        "today untimed",
        "tomorrow",
        "sunday 10:00",
    ]
    assert [item.section for item in listed.items] == [Section.OVERDUE] * 3 + [Section.TODAY] * 3 + [
        Section.TOMORROW,
        Section.THIS_WEEK,
    ]
    assert [item.overdue for item in listed.items] == [True] * 3 + [False] * 5
    assert listed.counts == {
        "overdue": 3,
        "today": 3,
        "tomorrow": 1,
        "this week": 1,
        "stalled": 0,
        "forgotten": 0,
    }
    # Local times: what the person typed, back.
    assert listed.items[3].row.due_time == time(11)
    assert listed.items[3].row.due_at == datetime(2026, 11, 20, 11, tzinfo=UTC)


def test_on_sunday_tomorrow_is_monday_and_the_week_is_over(
    session: Session, clock: Callable[[str], None]
) -> None:
    plan(session, "monday", date(2026, 11, 23))
    plan(session, "tuesday", date(2026, 11, 24))
    plan(session, "sunday", date(2026, 11, 22))
    clock("2026-11-22T09:00:00+00:00")
    listed = today_list(session)
    assert [(item.row.title, item.section) for item in listed.items] == [
        ("sunday", Section.TODAY),
        ("monday", Section.TOMORROW),
    ]
    assert listed.counts["this week"] == 0


def test_the_week_ends_on_sunday(session: Session, clock: Callable[[str], None]) -> None:
    plan(session, "sunday", date(2026, 11, 22))
    plan(session, "monday", date(2026, 11, 23))
    clock("2026-11-17T09:00:00+00:00")  # a Tuesday: tomorrow is Wednesday
    assert titles(session, Section.THIS_WEEK) == ["sunday"]


def test_a_timed_item_is_overdue_in_another_zone_by_its_moment(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as time_module

    plan(session, "call at 11:00 UTC", FRIDAY, time(11))
    # 09:00 UTC is 12:00 in Moscow: the call (14:00 Moscow) is still ahead.
    monkeypatch.setenv("TZ", "Europe/Moscow")
    time_module.tzset()
    (item,) = today_list(session).items
    assert (item.section, item.row.due_time) == (Section.TODAY, time(14))
    # In New York it is 04:00 and the call is at 06:00, still today.
    monkeypatch.setenv("TZ", "America/New_York")
    time_module.tzset()
    (item,) = today_list(session).items
    assert (item.section, item.row.due_time) == (Section.TODAY, time(6))


def test_the_phone_or_email_at_hand(session: Session) -> None:
    both = contacts.create_contact(
        session,
        ContactCreate(
            first_name="Anna",
            emails=[EmailIn(value="anna@example.com")],
            phones=[PhoneIn(value="+7 900 000-00-01"), PhoneIn(value="+7 900 000-00-02", is_primary=True)],
        ),
    )
    mail_only = contacts.create_contact(
        session,
        ContactCreate(first_name="Bob", emails=[EmailIn(value="bob@example.com")]),
    )
    lead = leads.create_lead(session, leads.lead_from_fields({"name": "Olga", "phone": "+7 900 000-00-03"}))
    plan(session, "call Anna", FRIDAY, time(12), contact_id=both.id)
    plan(session, "mail Bob", FRIDAY, time(13), contact_id=mail_only.id)
    plan(session, "call Olga", FRIDAY, time(14), lead_id=lead.id)
    plan(session, "think", FRIDAY, time(15))
    details = [(item.row.title, item.contact_detail) for item in today_list(session).items]
    assert details[0] == ("call Anna", "+7 900 000-00-02")
    assert details[1] == ("mail Bob", "bob@example.com")
    assert details[2][0] == "call Olga" and "900" in details[2][1]
    assert details[3] == ("think", "")


def test_a_long_overdue_tail_leaves_today_on_the_list(session: Session) -> None:
    for number in range(5):
        plan(session, f"old {number}", date(2026, 11, 1))
    for hour in range(3, 8):  # five calls this morning, before 09:00: overdue
        plan(session, f"at {hour}", FRIDAY, time(hour))
    plan(session, "at 10", FRIDAY, time(10))
    plan(session, "today", FRIDAY)
    listed = today_list(session, limit=3)
    assert [item.row.title for item in listed.items] == [
        "old 0",
        "old 1",
        "old 2",
        "at 3",
        "at 4",
        "at 5",
        "at 10",
        "today",
    ]
    assert listed.counts["overdue"] == 10 and listed.counts["today"] == 2


def test_stalled_deals_have_no_open_activity(session: Session, clock: Callable[[str], None]) -> None:
    anna = contacts.create_contact(session, ContactCreate(first_name="Anna", company_name="Acme"))
    clock("2026-11-01T09:00:00+00:00")
    old = deals.create_deal(session, DealCreate(title="Old", contact_id=anna.id, amount=500_00))
    clock("2026-11-10T09:00:00+00:00")
    recent = deals.create_deal(session, DealCreate(title="Recent", contact_id=anna.id))
    planned = deals.create_deal(session, DealCreate(title="Planned", contact_id=anna.id))
    won = deals.create_deal(session, DealCreate(title="Won", contact_id=anna.id))
    clock("2026-11-20T09:00:00+00:00")
    deals.move_deal(session, won.id or 0, stage_by_name(session, "Won").id or 0)
    plan(session, "call", FRIDAY, deal_id=planned.id)
    done = plan(session, "done call", FRIDAY, deal_id=recent.id)
    activities.complete_activity(session, done.id or 0)

    listed = today_list(session)
    assert [(deal.title, deal.days_in_stage) for deal in listed.stalled_deals] == [
        ("Old", 19),
        ("Recent", 10),
    ]
    first = listed.stalled_deals[0]
    assert (first.deal_id, first.client, first.stage, first.amount) == (old.id, "Acme", "New", 500_00)
    assert listed.counts["stalled"] == 2


def _touched(session: Session, contact: Contact, moment: str) -> None:
    contacts.touch(session, contact.id or 0, datetime.fromisoformat(moment))


def test_forgotten_clients_with_the_setting(session: Session, clock: Callable[[str], None]) -> None:
    clock("2026-08-01T09:00:00+00:00")
    flagged = contacts.create_contact(session, ContactCreate(first_name="Flagged", is_client=True))
    tagged = contacts.create_contact(
        session, ContactCreate(first_name="Tagged", company_name="Acme", tags=["Client"])
    )
    dealer = contacts.create_contact(session, ContactCreate(first_name="Dealer"))
    deals.create_deal(session, DealCreate(title="Open", contact_id=dealer.id))
    loser = contacts.create_contact(session, ContactCreate(first_name="Loser"))
    lost = deals.create_deal(session, DealCreate(title="Lost", contact_id=loser.id))
    deals.move_deal(session, lost.id or 0, stage_by_name(session, "Lost").id or 0, "price")
    contacts.create_contact(session, ContactCreate(first_name="Nobody"))
    clock("2026-11-20T09:00:00+00:00")
    recent = contacts.create_contact(session, ContactCreate(first_name="Recent", is_client=True))
    _touched(session, flagged, "2026-10-10T12:00:00+00:00")  # 41 days
    _touched(session, tagged, "2026-10-20T12:00:00+00:00")  # 31 days
    _touched(session, loser, "2026-09-01T12:00:00+00:00")

    listed = today_list(session)
    assert [(client.name, client.days_untouched, client.reason) for client in listed.forgotten] == [
        ("Dealer", None, "open deal"),
        ("Flagged", 41, "client"),
        ("Tagged", 31, "client"),
    ]
    assert listed.forgotten[2].company == "Acme"
    assert listed.counts["forgotten"] == 3
    assert recent.id not in [client.contact_id for client in listed.forgotten]

    assert settings.set_forgotten_days(session, " 40 ") == 40
    assert settings.forgotten_days(session) == 40
    assert [client.name for client in today_list(session).forgotten] == ["Dealer", "Flagged"]


def test_forgotten_days_setting_defaults_and_refuses_nonsense(session: Session) -> None:
    assert settings.forgotten_days(session) == 30
    for bad in ("0", "-3", "soon", 0):
        with pytest.raises(ValidationError) as refused:
            settings.set_forgotten_days(session, bad)
        assert refused.value.field == "forgotten_days"
    assert settings.forgotten_days(session) == 30
    settings.set_setting(session, settings.FORGOTTEN_DAYS_KEY, "garbage")
    assert settings.forgotten_days(session) == 30


def test_week_agenda_files_each_day(session: Session) -> None:
    plan(session, "mon untimed", date(2026, 11, 16))
    plan(session, "mon 09:00", date(2026, 11, 16), time(9))
    plan(session, "sun", date(2026, 11, 22))
    plan(session, "next mon", date(2026, 11, 23))
    week = week_agenda(session, date(2026, 11, 16))
    assert list(week) == [date(2026, 11, 16 + offset) for offset in range(7)]
    assert [row.title for row in week[date(2026, 11, 16)]] == ["mon 09:00", "mon untimed"]
    assert [row.title for row in week[date(2026, 11, 22)]] == ["sun"]
    assert sum(len(rows) for rows in week.values()) == 3


@pytest.mark.parametrize(
    ("typed", "day", "at"),
    [
        ("tomorrow 9:30", date(2026, 11, 21), time(9, 30)),
        ("mon", date(2026, 11, 23), None),
        ("+2d", date(2026, 11, 22), None),
        ("next week", date(2026, 11, 23), None),
        ("15.12 14:00", date(2026, 12, 15), time(14)),
        ("2026-12-15", date(2026, 12, 15), None),
    ],
)
def test_the_issue_s_date_forms_are_read(typed: str, day: date, at: time | None) -> None:
    from crm_tui.natural_dates import parse_when

    when = parse_when(typed)
    assert (when.day, when.at) == (day, at)
