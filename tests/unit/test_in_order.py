"""Changes made by keys apply in the order of the keys, whichever worker thread starts first."""

from __future__ import annotations

import threading

import pytest

from crm_tui.ui import in_order
from crm_tui.ui.in_order import InOrder


def test_workers_take_their_turns_in_ticket_order_whatever_order_they_start() -> None:
    line = InOrder()
    tickets = [line.ticket() for _ in range(5)]
    applied: list[int] = []

    def change(ticket: int) -> None:
        with line.turn(ticket):
            applied.append(ticket)

    # The last key's worker starts first, the first key's last.
    workers = [threading.Thread(target=change, args=(ticket,)) for ticket in reversed(tickets)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    assert applied == tickets


def test_a_failed_change_passes_the_turn_on() -> None:
    line = InOrder()
    first, second = line.ticket(), line.ticket()
    with pytest.raises(RuntimeError), line.turn(first):
        raise RuntimeError("refused")
    with line.turn(second):
        pass  # reached: the failure did not keep the turn


def test_a_turn_whose_worker_never_came_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(in_order, "LOST_TURN_SECONDS", 0.01)
    line = InOrder()
    line.ticket()  # its worker was cancelled before it started
    later = line.ticket()
    with line.turn(later):
        pass
