"""Reading a large file's phone numbers on the machine's second core while the first one
converts the file's rows.

phonenumbers is pure Python and takes about 30 µs a number: in a 100,000-row import that was a
third of the planning. A file's numbers are known as its rows are converted, so they go, a few
thousand at a time, to one helper process; when the rows are done, this process reads the
chunks the helper has not been given yet, from the last one back, while the helper goes on
from the front. A small file (or a one-core machine, or a helper that cannot start or dies)
reads its numbers here, as before: the answers are the same either way.

The helper is fed through a pipe by this thread itself, not by a process pool: a pool's
feeder threads need the GIL that the converting thread holds, and got a chunk through only
every few switch intervals, so the helper sat idle.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from crm_tui.services.validation import PhoneReading, phone_reading

# Numbers per chunk: big enough that sending it costs little next to reading it (~30 ms),
# small enough that both cores finish together and a chunk fits in a pipe's buffer.
CHUNK = 1_000
# Below this many distinct numbers, starting a process (~0.1 s) costs more than it saves.
WORTH_A_PROCESS = 6_000
# Chunks the helper holds at once: one to read while the next is on its way.
_IN_FLIGHT = 2


def read_phones(values: list[str], region: str) -> list[PhoneReading]:
    """The reading of each number."""
    return [phone_reading(value, region) for value in values]


def _serve(connection: Connection, region: str) -> None:
    """The helper process: read each chunk it is sent, send back the readings, until None.

    When the importing process is gone (killed, or ctrl+c), the helper ends quietly: its
    traceback would be the only thing the person saw of an import they stopped."""
    try:
        while (values := connection.recv()) is not None:
            connection.send(read_phones(values, region))
    except (EOFError, OSError, KeyboardInterrupt):
        return
    connection.close()


class PhoneBatch:
    """The distinct numbers of a file, read in the background as they are noted."""

    def __init__(self, region: str, parallel: bool | None = None) -> None:
        self.region = region
        self._parallel = (os.cpu_count() or 1) > 1 if parallel is None else parallel
        self._seen: set[str] = set()
        self._pending: list[str] = []
        self._unsent: deque[list[str]] = deque()
        self._in_flight: deque[list[str]] = deque()
        self._found: dict[str, PhoneReading] = {}
        self._helper: BaseProcess | None = None
        self._connection: Connection | None = None

    def note(self, values: Iterable[str]) -> None:
        for text in values:
            value = text.strip()
            if value and value not in self._seen:
                self._seen.add(value)
                self._pending.append(value)
        if len(self._pending) >= CHUNK:
            self._unsent.append(self._pending)
            self._pending = []
            self._pump()

    def readings(self) -> dict[str, PhoneReading]:
        """Every noted number's reading: what the helper has not been given is read here, from
        the last chunk back, while it is kept busy from the front."""
        if self._pending:
            self._unsent.append(self._pending)
            self._pending = []
        while self._unsent:
            self._pump()
            if self._unsent:
                self._read_here(self._unsent.pop())
        self._receive(wait=True)
        self.close()
        return self._found

    def close(self) -> None:
        """Stop the helper (it is also a daemon: it cannot outlive this process)."""
        connection, helper = self._connection, self._helper
        self._connection = self._helper = None
        if connection is not None:
            with suppress(OSError):  # already gone
                connection.send(None)
            connection.close()
        if helper is not None:
            helper.join(timeout=1)
            if helper.is_alive():
                helper.terminate()

    def _pump(self) -> None:
        """Collect the helper's answers so far and give it chunks up to its share."""
        if not self._started():
            return
        self._receive(wait=False)
        while self._connection is not None and self._unsent and len(self._in_flight) < _IN_FLIGHT:
            values = self._unsent.popleft()
            self._in_flight.append(values)
            try:
                self._connection.send(values)
            except OSError:
                self._lost_helper()

    def _receive(self, wait: bool) -> None:
        """Take the helper's answers: those that have arrived, or (wait) all it holds."""
        try:
            while self._connection is not None and self._in_flight and (wait or self._connection.poll()):
                answers = self._connection.recv()
                self._found.update(zip(self._in_flight.popleft(), answers, strict=True))
        except (OSError, EOFError):
            self._lost_helper()

    def _read_here(self, values: list[str]) -> None:
        self._found.update(zip(values, read_phones(values, self.region), strict=True))

    def _lost_helper(self) -> None:
        """The helper died: what it held is read here."""
        self._parallel = False
        orphans = list(self._in_flight)
        self._in_flight.clear()
        self.close()
        for values in orphans:
            self._read_here(values)

    def _started(self) -> bool:
        """Start the helper once the file has shown enough numbers to be worth it."""
        if self._helper is None and self._parallel and len(self._seen) >= WORTH_A_PROCESS:
            # spawn, not fork: the app imports from a worker thread, and a process forked
            # from one with threads can inherit a lock in the held state.
            context = multiprocessing.get_context("spawn")
            ours, theirs = context.Pipe()
            helper = context.Process(target=_serve, args=(theirs, self.region), daemon=True)
            try:
                helper.start()
            except (OSError, RuntimeError):
                self._parallel = False
                return False
            theirs.close()
            self._helper, self._connection = helper, ours
        return self._connection is not None
