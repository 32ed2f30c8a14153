"""The reports' date arithmetic in SQL: a stored UTC moment's local day and the days between
two moments, as SQLite runs them, and as they are written for PostgreSQL (issue 12)."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import create_engine, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import DateTime

from crm_tui.services.reports.sql import days_between, local_day


def _moment(text: str) -> object:
    return literal(datetime.fromisoformat(text), DateTime())


def test_sqlite_gives_the_local_day_and_fractional_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Moscow")
    time.tzset()
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        day, days = connection.execute(
            select(
                local_day(_moment("2026-10-31 22:30:00")),  # 01:30 on 1 November in Moscow
                days_between(_moment("2026-11-03 12:00:00"), _moment("2026-11-01 00:00:00")),
            )
        ).one()
    assert day == "2026-11-01"
    assert days == pytest.approx(2.5)


def test_postgresql_spelling() -> None:
    compiled = str(
        select(
            local_day(_moment("2026-10-31 22:30:00")),
            days_between(_moment("2026-11-03"), _moment("2026-11-01")),
        ).compile(dialect=postgresql.dialect())
    )
    assert "AT TIME ZONE current_setting('TimeZone')" in compiled
    assert "EXTRACT(EPOCH FROM" in compiled and "/ 86400.0" in compiled
