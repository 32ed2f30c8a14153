"""The date parsers against any text: a date (or a When) or a ValueError with a readable
one-line message, never another exception; and the forms people type read back as the
dates they name."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crm_tui.dates import parse_date
from crm_tui.natural_dates import When, parse_when

# Pieces of what people type, so that random text often comes near a real form.
_PIECES = st.sampled_from(
    [
        "today", "tomorrow", "day after tomorrow", "завтра", "послезавтра", "fri", "friday", "пт",
        "в пятницу", "во вторник", "next week", "next month", "+3d", "+9999m", "+9999w", "+9999h",
        "in 9999 months", "in an hour", "через 9999 месяцев", "через неделю", "15.12", "29.02",
        "31.04", "15.12.2026", "31.12.9999", "9999-12-31", "0001-01-01", "2026-02-30", "dec 31",
        "31 dec 9999", "sept 9", "10:00", "9:30", "14.30", "24:00", "25:61", "10am", "13pm",
        "0am", "12pm", "at 10", "at 24", "в 99", "—", "-", ",", ".", "/", ":", "٣", "²", "𝟗", "\x00",
    ]
)  # fmt: skip
TYPED = st.one_of(
    st.text(),
    st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=6).map(" ".join),
)
# Any moment the clock may say, to the calendar's ends.
MOMENTS = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59))
DAYS = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@pytest.fixture(autouse=True)
def _warnings_are_errors() -> Iterator[None]:
    """A warning would reach the CLI's stderr as two lines of its own: none may escape."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _readable(error: ValueError) -> None:
    message = str(error)
    assert message.strip() and "\n" not in message and "Traceback" not in message


@given(TYPED, MOMENTS)
@example("+9861d", datetime(9973, 1, 1))  # past 31.12.9999: was an OverflowError
@example("fri", datetime(9999, 12, 31))
@example("tomorrow", datetime(9999, 12, 31))
@example("next month", datetime(9999, 12, 15))
def test_parse_when_gives_a_when_or_a_readable_error(text: str, now: datetime) -> None:
    try:
        when = parse_when(text, now)
    except ValueError as error:
        _readable(error)
        return
    assert isinstance(when, When) and isinstance(when.day, date)
    assert when.at is None or isinstance(when.at, time)
    assert when.goal in text  # the goal is what follows the date, as typed
    assert when.describe()


@given(TYPED)
@example("10000000000000000000000000000M")  # was a decimal.InvalidOperation from dateutil
@example("5 jan 2026 10:00 XYZ")  # was a warning on stderr: an unknown time zone
def test_parse_date_gives_a_date_or_a_readable_error(text: str) -> None:
    try:
        assert isinstance(parse_date(text), date)
    except ValueError as error:
        _readable(error)


@given(DAYS)
def test_a_written_date_reads_back_as_itself(day: date) -> None:
    dotted = f"{day.day:02d}.{day.month:02d}.{day.year}"
    assert parse_date(dotted) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{_MONTHS[day.month - 1]} {day.day} {day.year}") == day
    assert parse_when(dotted, datetime(2026, 11, 20, 9)).day == day
    assert parse_when(day.isoformat(), datetime(2026, 11, 20, 9)).day == day


@given(DAYS, st.times(), st.sampled_from(["call back about price", "— send the offer", ""]))
def test_a_date_time_and_goal_read_back(day: date, at: time, goal: str) -> None:
    when = parse_when(f"{day:%d.%m.%Y} {at:%H:%M} {goal}", datetime(2026, 11, 20, 9))
    assert (when.day, when.at) == (day, at.replace(second=0, microsecond=0))
    assert when.goal == goal.lstrip("— ")


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(7000, 1, 1)),
    st.integers(0, 9999),
)
def test_offsets_count_from_now(now: datetime, days: int) -> None:
    assert parse_when(f"+{days}d", now).day == now.date() + timedelta(days=days)
    assert parse_when(f"in {days} days", now).day == now.date() + timedelta(days=days)


@given(st.dates(min_value=date(2026, 11, 20), max_value=date(2027, 11, 19)))
def test_a_day_and_month_mean_the_next_such_day(day: date) -> None:
    assert parse_when(f"{day.day}.{day.month}", datetime(2026, 11, 20, 9)).day == day
