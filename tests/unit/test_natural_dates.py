"""Reading "when and why to get in touch next" from one typed line."""

from __future__ import annotations

import re
import time as clock_module
from datetime import date, datetime, time

import pytest

from crm_tui import dates
from crm_tui.natural_dates import ACCEPTED_FORMS, When, parse_when

# Wednesday 18 November 2026, 09:00 local.
NOW = datetime(2026, 11, 18, 9, 0)


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        # Words for days, English and Russian, any letter case.
        ("today", date(2026, 11, 18), None),
        ("Tomorrow", date(2026, 11, 19), None),
        ("day after tomorrow", date(2026, 11, 20), None),
        ("Day after   TOMORROW", date(2026, 11, 20), None),
        ("сегодня", date(2026, 11, 18), None),
        ("Завтра", date(2026, 11, 19), None),
        ("послезавтра", date(2026, 11, 20), None),
        # Weekdays: the next one strictly after today (today is a Wednesday).
        ("mon", date(2026, 11, 23), None),
        ("tue", date(2026, 11, 24), None),
        ("wed", date(2026, 11, 25), None),
        ("Wednesday", date(2026, 11, 25), None),
        ("thu", date(2026, 11, 19), None),
        ("friday", date(2026, 11, 20), None),
        ("sat", date(2026, 11, 21), None),
        ("sun", date(2026, 11, 22), None),
        ("пн", date(2026, 11, 23), None),
        ("вт", date(2026, 11, 24), None),
        ("ср", date(2026, 11, 25), None),
        ("чт", date(2026, 11, 19), None),
        ("пт", date(2026, 11, 20), None),
        ("сб", date(2026, 11, 21), None),
        ("вс", date(2026, 11, 22), None),
        ("понедельник", date(2026, 11, 23), None),
        ("пятница", date(2026, 11, 20), None),
        ("в пятницу", date(2026, 11, 20), None),
        ("во вторник", date(2026, 11, 24), None),
        ("воскресенье", date(2026, 11, 22), None),
        # Next week is next Monday; next month the same day of the month.
        ("next week", date(2026, 11, 23), None),
        ("next month", date(2026, 12, 18), None),
        # Offsets.
        ("+3d", date(2026, 11, 21), None),
        ("+2d", date(2026, 11, 20), None),
        ("+2w", date(2026, 12, 2), None),
        ("+1m", date(2026, 12, 18), None),
        ("+3m", date(2027, 2, 18), None),
        ("+4h", date(2026, 11, 18), time(13, 0)),
        ("+16h", date(2026, 11, 19), time(1, 0)),
        ("in 3 days", date(2026, 11, 21), None),
        ("in 1 day", date(2026, 11, 19), None),
        ("in 2 weeks", date(2026, 12, 2), None),
        ("in a month", date(2026, 12, 18), None),
        ("in 2 hours", date(2026, 11, 18), time(11, 0)),
        ("через 3 дня", date(2026, 11, 21), None),
        ("через 5 дней", date(2026, 11, 23), None),
        ("через неделю", date(2026, 11, 25), None),
        ("через 2 месяца", date(2027, 1, 18), None),
        ("через 2 часа", date(2026, 11, 18), time(11, 0)),
        # Calendar dates, day first.
        ("15.12", date(2026, 12, 15), None),
        ("15.12.2026", date(2026, 12, 15), None),
        ("15/12", date(2026, 12, 15), None),
        ("1/2/2027", date(2027, 2, 1), None),
        ("2026-12-15", date(2026, 12, 15), None),
        ("dec 15", date(2026, 12, 15), None),
        ("December 15, 2027", date(2027, 12, 15), None),
        ("15 dec", date(2026, 12, 15), None),
        ("15 Dec 2027", date(2027, 12, 15), None),
        ("18.11", date(2026, 11, 18), None),  # today is not in the past
        # Times right after the date.
        ("tomorrow 10:00", date(2026, 11, 19), time(10, 0)),
        ("tomorrow 9:30", date(2026, 11, 19), time(9, 30)),
        ("15.12 14:00", date(2026, 12, 15), time(14, 0)),  # the Today issue's forms, as written
        ("15.12 14.30", date(2026, 12, 15), time(14, 30)),
        ("tomorrow 10am", date(2026, 11, 19), time(10, 0)),
        ("tomorrow 3pm", date(2026, 11, 19), time(15, 0)),
        ("tomorrow 3:45 PM", date(2026, 11, 19), time(15, 45)),
        ("tomorrow 12am", date(2026, 11, 19), time(0, 0)),
        ("tomorrow 12pm", date(2026, 11, 19), time(12, 0)),
        ("fri at 10", date(2026, 11, 20), time(10, 0)),
        ("fri at 4pm", date(2026, 11, 20), time(16, 0)),
        ("завтра в 10:00", date(2026, 11, 19), time(10, 0)),
        ("в пятницу в 11", date(2026, 11, 20), time(11, 0)),
    ],
)
def test_accepted_forms(text: str, day: date, at: time | None) -> None:
    assert parse_when(text, now=NOW) == When(day, at, "")


@pytest.mark.parametrize(
    ("text", "day", "at", "goal"),
    [
        ("tomorrow 10:00 call back about price", date(2026, 11, 19), time(10, 0), "call back about price"),
        ("fri send the offer", date(2026, 11, 20), None, "send the offer"),
        ("завтра в 10 позвонить Ивану", date(2026, 11, 19), time(10, 0), "позвонить Ивану"),
        ("15.12 14:00 — demo at their office", date(2026, 12, 15), time(14, 0), "demo at their office"),
        ("tomorrow, 10 copies of the contract", date(2026, 11, 19), None, "10 copies of the contract"),
        ("+4h   ping about 10:00 meeting  ", date(2026, 11, 18), time(13, 0), "ping about 10:00 meeting"),
        # A word that only looks like the start of a time stays in the goal.
        ("tomorrow at noon lunch", date(2026, 11, 19), None, "at noon lunch"),
        ("mon 3 apples", date(2026, 11, 23), None, "3 apples"),
    ],
)
def test_the_rest_of_the_line_is_the_goal(text: str, day: date, at: time | None, goal: str) -> None:
    assert parse_when(text, now=NOW) == When(day, at, goal)


def test_today_s_weekday_means_next_week() -> None:
    friday = datetime(2026, 11, 20, 9, 0)
    assert parse_when("fri", now=friday).day == date(2026, 11, 27)
    assert parse_when("пт", now=friday).day == date(2026, 11, 27)
    monday = datetime(2026, 11, 23, 9, 0)
    assert parse_when("next week", now=monday).day == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("15.01", date(2027, 1, 15)),
        ("17.11", date(2027, 11, 17)),  # yesterday's date
        ("jan 15", date(2027, 1, 15)),
        ("3 mar", date(2027, 3, 3)),
        ("15/01", date(2027, 1, 15)),
    ],
)
def test_a_past_date_without_a_year_is_next_year(text: str, day: date) -> None:
    assert parse_when(text, now=NOW).day == day


def test_a_past_date_with_a_year_is_kept() -> None:
    assert parse_when("15.01.2026", now=NOW).day == date(2026, 1, 15)


def test_next_month_stops_at_a_short_month_s_end() -> None:
    assert parse_when("next month", now=datetime(2027, 1, 31, 9, 0)).day == date(2027, 2, 28)
    assert parse_when("+1m", now=datetime(2027, 1, 31, 9, 0)).day == date(2027, 2, 28)


def test_29_february_is_read_in_the_next_year_that_has_one() -> None:
    assert parse_when("29.02", now=datetime(2027, 11, 18, 9, 0)).day == date(2028, 2, 29)


def test_the_default_now_is_the_app_s_local_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # 22:30 UTC on Friday is already 01:30 on Saturday in Moscow (UTC+3).
    monkeypatch.setenv("TZ", "Europe/Moscow")
    clock_module.tzset()
    monkeypatch.setenv(dates.NOW_ENV_VAR, "2026-11-20T22:30:00+00:00")
    assert parse_when("today") == When(date(2026, 11, 21), None, "")
    assert parse_when("+4h") == When(date(2026, 11, 21), time(5, 30), "")
    assert parse_when("sat").day == date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("blah", "'blah' does not start with a date: try tomorrow 10:00, fri, +3d, 15.12 14:00"),
        ("call Ivan tomorrow", "'call Ivan tomorrow' does not start with a date"),
        ("", "a date is required"),
        ("   ", "a date is required"),
        ("31.02", "'31.02' is not a date"),
        ("32.12.2026", "'32.12.2026' is not a date"),
        ("15.13", "'15.13' is not a date"),
        ("2026-02-30", "'2026-02-30' is not a date"),
        ("feb 30", "'feb 30' is not a date"),
        ("29.02", "'29.02' is not a date"),  # neither 2026 nor 2027 has one
        ("tomorrow 25:00", "'25:00' is not a time"),
        ("tomorrow 10:75", "'10:75' is not a time"),
        ("tomorrow 13pm", "'13pm' is not a time"),
        ("tomorrow 0am", "'0am' is not a time"),
        ("завтра в 24", "'в 24' is not a time"),
        # Glued to more than a date: neither a date nor a date and a goal.
        ("tomorrow10:00", "'tomorrow10:00' does not start with a date"),
        ("15.12.26", "'15.12.26' does not start with a date"),
        ("+3days", "'+3days' does not start with a date"),
        ("в friday", "'в friday' does not start with a date"),
    ],
)
def test_errors_name_what_could_not_be_read(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_when(text, now=NOW)


def test_a_long_line_is_cut_in_the_error() -> None:
    with pytest.raises(ValueError) as caught:
        parse_when("please remember to call the client back about the price list", now=NOW)
    assert str(caught.value).startswith("'please remember to call the client back…' does not start")


def test_describe() -> None:
    # The frozen clock's year is 2026, so only other years are shown.
    assert When(date(2026, 11, 24), time(10, 0), "call back about price").describe() == (
        "Tue 24.11 10:00 — call back about price"
    )
    assert When(date(2026, 11, 24), None, "call back").describe() == "Tue 24.11 — call back"
    assert When(date(2026, 12, 5), time(9, 5), "").describe() == "Sat 05.12 09:05"
    assert When(date(2027, 1, 15), None, "").describe() == "Fri 15.01.2027"


def test_every_accepted_form_example_parses() -> None:
    """The help screen's examples must be true: each comma-separated example reads as a date,
    or a date and a time after `tomorrow`."""
    assert ACCEPTED_FORMS
    for examples, meaning in ACCEPTED_FORMS:
        assert meaning
        for example in examples.split(", "):
            try:
                parse_when(example, now=NOW)
            except ValueError:
                when = parse_when(f"tomorrow {example}", now=NOW)
                assert when.at is not None, example
                assert when.goal == "", example
