"""The reports' date arithmetic in SQL: a stored UTC moment's local day and the days between
two moments, as each database runs them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.types import DateTime

from crm_tui.services.reports.sql import days_between, local_day


def _moment(text: str) -> object:
    return literal(datetime.fromisoformat(text).replace(tzinfo=UTC), DateTime(timezone=True))


@pytest.mark.parametrize(("zone", "expected_day"), [("Europe/Moscow", "2026-11-01"), ("UTC", "2026-10-31")])
def test_the_local_day_is_the_askers_and_days_are_fractional(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, zone: str, expected_day: str
) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    with engine.connect() as connection:
        day, days = connection.execute(
            select(
                local_day(_moment("2026-10-31 22:30:00")),  # 01:30 on 1 November in Moscow
                days_between(_moment("2026-11-03 12:00:00"), _moment("2026-11-01 00:00:00")),
            )
        ).one()
    assert day == expected_day
    assert isinstance(days, float) and days == pytest.approx(2.5)
