"""The app's full garbage collection waits for a pause in the typing."""

from __future__ import annotations

import gc

import pytest

from crm_tui.ui import idle_collector
from crm_tui.ui.idle_collector import IdleCollector


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(idle_collector.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(idle_collector.gc, "collect", lambda *generation: calls.append(1) or 0)
    return calls


def pending(monkeypatch: pytest.MonkeyPatch, middle_collections: int) -> None:
    monkeypatch.setattr(idle_collector.gc, "get_count", lambda: (0, 0, middle_collections))


def test_full_collection_waits_for_a_pause(
    monkeypatch: pytest.MonkeyPatch, clock: list[float], collected: list[int]
) -> None:
    collector = IdleCollector()
    collector.input_seen()
    pending(monkeypatch, idle_collector.DUE_AFTER)
    clock[0] += 0.2  # still typing
    collector.check()
    assert collected == []
    clock[0] += idle_collector.QUIET_SECONDS
    collector.check()
    assert collected == [1]


def test_nothing_due_nothing_collected(
    monkeypatch: pytest.MonkeyPatch, clock: list[float], collected: list[int]
) -> None:
    collector = IdleCollector()
    pending(monkeypatch, 1)
    clock[0] += 60
    collector.check()
    assert collected == []


def test_someone_who_never_stops_typing_still_gets_a_collection(
    monkeypatch: pytest.MonkeyPatch, clock: list[float], collected: list[int]
) -> None:
    collector = IdleCollector()
    collector.input_seen()
    pending(monkeypatch, idle_collector.OVERDUE_AFTER)
    collector.check()
    assert collected == [1]


def test_the_automatic_full_collection_is_off_while_the_app_runs() -> None:
    before = gc.get_threshold()
    collector = IdleCollector()
    collector.start()
    try:
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2] and full > 10**6
    finally:
        collector.stop()
    assert gc.get_threshold() == before
