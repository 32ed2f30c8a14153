"""Python's full garbage collection, moved to the moments nobody is typing.

A full collection walks every object the app made since start-up: 20–55 ms on a large
database, long enough to make the keystroke it lands on miss its 50 ms. Collections of the
young generations stay automatic (a few milliseconds); the full one waits until the person
has not pressed a key for a second, or, for someone who never stops, until ten times as many
young collections have gone by as Python would have waited."""

from __future__ import annotations

import gc
import time

# How long without input counts as a pause, and how often to look.
QUIET_SECONDS = 1.0
CHECK_SECONDS = 0.5
# Python's own full collection comes after 10 collections of the middle generation.
DUE_AFTER = 10
OVERDUE_AFTER = 10 * DUE_AFTER
_NEVER = 2**30


class IdleCollector:
    def __init__(self) -> None:
        self._thresholds = gc.get_threshold()
        self._last_input = time.monotonic()
        self.collections = 0

    def start(self) -> None:
        young, middle, _ = self._thresholds
        gc.set_threshold(young, middle, _NEVER)

    def stop(self) -> None:
        gc.set_threshold(*self._thresholds)

    def input_seen(self) -> None:
        self._last_input = time.monotonic()

    def check(self) -> None:
        """Collect in full if one is due and the person is not typing (or one is long overdue)."""
        pending = gc.get_count()[2]
        quiet = time.monotonic() - self._last_input >= QUIET_SECONDS
        if (pending >= DUE_AFTER and quiet) or pending >= OVERDUE_AFTER:
            gc.collect()
            self.collections += 1
