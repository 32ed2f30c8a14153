"""The clock (frozen by CRM_TUI_NOW), local time, and due-date wording."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from crm_tui import dates


@pytest.fixture
def moscow(monkeypatch: pytest.MonkeyPatch) -> None:
    """UTC+3 all year; the autouse fixture puts TZ back after the test."""
    monkeypatch.setenv("TZ", "Europe/Moscow")
    time.tzset()


def test_frozen_clock_is_aware_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    assert dates.utcnow() == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    monkeypatch.setenv(dates.NOW_ENV_VAR, "2026-11-20T12:00:00+03:00")
    assert dates.utcnow() == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert dates.utcnow().tzinfo is UTC
    monkeypatch.setenv(dates.NOW_ENV_VAR, "2026-11-20T09:00:00")  # naive means UTC
    assert dates.utcnow() == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_unfrozen_clock_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dates.NOW_ENV_VAR)
    assert abs(dates.utcnow() - datetime.now(UTC)) < timedelta(minutes=1)


def test_local_time_follows_the_time_zone(moscow: None) -> None:
    moment = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    assert dates.to_local(moment) == datetime(2026, 11, 21, 1, 30)
    assert dates.to_local(moment.replace(tzinfo=None)) == datetime(2026, 11, 21, 1, 30)


def test_today_is_the_local_date(moscow: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dates.NOW_ENV_VAR, "2026-11-20T22:30:00+00:00")
    assert dates.today() == date(2026, 11, 21)


def test_day_start_utc(moscow: None) -> None:
    assert dates.day_start_utc(date(2026, 11, 21)) == datetime(2026, 11, 20, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (date(2026, 11, 20), "today"),
        (date(2026, 11, 21), "tomorrow"),
        (date(2026, 11, 19), "yesterday"),
        (date(2026, 11, 23), "in 3d"),
        (date(2026, 11, 15), "5d overdue"),
    ],
)
def test_describe_due(due: date, words: str) -> None:
    assert dates.describe_due(due) == words


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=2), "2d"),
        (timedelta(days=70), "10w"),
    ],
)
def test_humanize_age(ago: timedelta, words: str) -> None:
    assert dates.humanize_age(dates.utcnow() - ago) == words
    assert dates.humanize_age((dates.utcnow() - ago).replace(tzinfo=None)) == words


def test_parse_date_fills_a_missing_year_with_this_year() -> None:
    assert dates.parse_date("Dec 15") == date(2026, 12, 15)


def test_parse_date_refuses_empty_and_garbage() -> None:
    with pytest.raises(ValueError, match="required"):
        dates.parse_date("  ")
    with pytest.raises(ValueError, match="is not a date"):
        dates.parse_date("whenever")


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("+3d", date(2026, 11, 23)),
        ("+2w", date(2026, 12, 4)),
        ("-30d", date(2026, 10, 21)),
        ("-1w", date(2026, 11, 13)),
    ],
)
def test_parse_date_counts_days_and_weeks_either_way(typed: str, day: date) -> None:
    assert dates.parse_date(typed) == day
