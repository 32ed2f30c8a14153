"""Changes made by keys reach the database in the order of the keys.

Each change runs in a thread worker; a plain lock would let two quick presses (L, L) race
for it and apply in either order. A ticket taken on the UI thread, when the key is handled,
fixes the order; each worker waits for its ticket's turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A turn whose worker never came (cancelled before it started) is skipped after this long,
# so one lost worker cannot hold every later change back for good.
LOST_TURN_SECONDS = 30.0


class InOrder:
    def __init__(self) -> None:
        self._turns = threading.Condition()
        self._issued = 0
        self._serving = 0

    def ticket(self) -> int:
        """The next place in line; take it on the UI thread, in the order of the keys."""
        with self._turns:
            ticket = self._issued
            self._issued += 1
            return ticket

    @contextmanager
    def turn(self, ticket: int) -> Iterator[None]:
        """Wait until every change before `ticket` is done, then hold the turn."""
        with self._turns:
            if not self._turns.wait_for(lambda: self._serving >= ticket, timeout=LOST_TURN_SECONDS):
                self._serving = ticket  # the ones before never came
        try:
            yield
        finally:
            with self._turns:
                self._serving = max(self._serving, ticket + 1)
                self._turns.notify_all()
