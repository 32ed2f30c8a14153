"""Run the app headless once, in a process of its own, and print what was measured as JSON.

    python app_probe.py paint  DB                    first paint, and the process's peak RSS
    python app_probe.py typing DB REPEATS WORD…      search-as-you-type latency per keystroke
    python app_probe.py list_typing DB REPEATS WORD… the same in the contacts list's own search box
    python app_probe.py board DB                     from pressing 3 until the pipeline board is painted

A fresh process per run keeps imports cold, as they are when a person starts the app.

Times are taken from hooks, not from Pilot: `pilot.pause()` sleeps in 20 ms steps until the
process looks idle, so timing around it would measure Pilot. The hooks note when the app hands
a finished screen update to its driver (`App._display`, which a real terminal then writes out)
and when a list or the search dialog received its rows; Pilot only drives and waits.
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()  # before any import below: import time is part of start-up

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

SIZE = (120, 40)


class Clock:
    """When the app painted, and when the data a figure waits for arrived."""

    def __init__(self) -> None:
        self.paints: list[float] = []
        self.arrivals: list[float] = []

    def watch_paints(self, app: Any) -> None:
        display = app._display

        def timed_display(screen: Any, update: Any) -> None:
            display(screen, update)
            if update is not None:
                self.paints.append(time.perf_counter())

        app._display = timed_display

    def arrived(self) -> None:
        self.arrivals.append(time.perf_counter())

    def paint_after(self, moment: float) -> float:
        """The first paint at or after `moment`: when the user could see what happened then."""
        return next((paint for paint in self.paints if paint >= moment), moment)


async def settle(app: Any, pilot: Any) -> None:
    """Wait until database workers are done and their results handled."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def watch_list_loads(clock: Clock) -> None:
    """Note when a mode's list got its rows (RecordTable calls ListScreen.show_loaded as they
    go in, in the same screen update)."""
    from crm_tui.ui.screens.base import ListScreen

    loaded = ListScreen.show_loaded

    def timed_loaded(screen: Any, total: int) -> None:
        loaded(screen, total)
        clock.arrived()

    ListScreen.show_loaded = timed_loaded  # type: ignore[method-assign,unused-ignore]


async def paint(db: str) -> dict[str, Any]:
    from crm_tui.db.schema import open_database
    from crm_tui.ui.app import CrmApp

    imported = time.perf_counter()
    clock = Clock()
    watch_list_loads(clock)
    engine = open_database(db)
    app = CrmApp(engine, database=db)
    clock.watch_paints(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
    if not clock.paints:
        raise SystemExit("the app never painted")
    first_paint = clock.paints[0]
    # The first screen with its records in it, which is what a person waits for; a first
    # screen without a list counts from its first paint.
    loaded = clock.paint_after(clock.arrivals[0]) if clock.arrivals else first_paint
    return {
        "import_s": imported - PROCESS_START,
        "first_paint_s": first_paint - imported,
        "loaded_s": loaded - imported,
        "lists_loaded": len(clock.arrivals),
        "total_s": loaded - PROCESS_START,
    }


async def typing(db: str, words: list[str], repeats: int) -> dict[str, Any]:
    from crm_tui.db.schema import open_database
    from crm_tui.ui.app import CrmApp

    app = CrmApp(open_database(db), database=db)
    clock = Clock()
    clock.watch_paints(app)
    latencies: dict[str, list[float]] = {word: [] for word in words}
    found: dict[str, int] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(repeats):
            for word in words:
                dialog = await open_search(app, pilot, clock)
                for typed in range(1, len(word) + 1):
                    latencies[word].append(await keystroke(app, pilot, clock, dialog, word[:typed]))
                found[word] = len(dialog.hits)
                await pilot.press("escape")
                await settle(app, pilot)
    return {"latencies_ms": latencies, "found": found}


async def list_typing(db: str, words: list[str], repeats: int) -> dict[str, Any]:
    """Contacts (2), `/` into the list's search box, each word typed a letter at a time."""
    # The app first, as `crm-tui` imports it: crm_tui.ui sets Textual's frame rate before
    # Textual is first imported (a widget imported first would leave it at 60 a second).
    from crm_tui.db.schema import open_database
    from crm_tui.ui.app import CrmApp

    app = CrmApp(open_database(db), database=db)
    clock = Clock()
    clock.watch_paints(app)
    watch_list_loads(clock)
    latencies: dict[str, list[float]] = {word: [] for word in words}
    found: dict[str, int] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        box = app.screen.search_box
        for _ in range(repeats):
            for word in words:
                await pilot.press("slash")
                await settle(app, pilot)
                for typed in range(1, len(word) + 1):
                    before = len(clock.arrivals)
                    started = time.perf_counter()
                    await pilot.press(word[typed - 1])
                    await settle(app, pilot)
                    if box.value != word[:typed]:
                        raise SystemExit(f"typed {word[:typed]!r} but the search box shows {box.value!r}")
                    if len(clock.arrivals) == before:
                        raise SystemExit(f"the list did not answer {word[:typed]!r}")
                    latencies[word].append((clock.paint_after(clock.arrivals[-1]) - started) * 1000)
                found[word] = app.screen.table.total
                await pilot.press("escape")  # clears the box (and the list reloads in full)
                await settle(app, pilot)
    return {"latencies_ms": latencies, "found": found}


def watch_board_loads(clock: Clock) -> None:
    """Note when the pipeline board's first reading is in: the board reads every column's
    totals and first window of cards in one worker call, puts them in and posts
    `Board.Loaded`, which its screen handles by writing the title's count."""
    from crm_tui.ui.screens.pipeline import PipelineScreen

    loaded = PipelineScreen.on_board_loaded

    def timed_loaded(screen: Any, event: Any) -> None:
        loaded(screen, event)
        clock.arrived()

    PipelineScreen.on_board_loaded = timed_loaded  # type: ignore[method-assign,unused-ignore]


async def board(db: str) -> dict[str, Any]:
    """The inbox first (what `crm-tui` opens on), then 3: until the board's columns, totals
    and cards are painted."""
    from crm_tui.db.schema import open_database
    from crm_tui.ui.app import CrmApp

    app = CrmApp(open_database(db), database=db)
    clock = Clock()
    clock.watch_paints(app)
    watch_board_loads(clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        started = time.perf_counter()
        await pilot.press("3")
        # The board's reading may start after the screen is mounted, so one settle may
        # return before it; wait for it (a minute at most: past that the harness is broken).
        deadline = started + 60
        while not clock.arrivals and time.perf_counter() < deadline:
            await settle(app, pilot)
        if not clock.arrivals:
            raise SystemExit("the board never showed its cards")
        await settle(app, pilot)  # the paint of what arrived
        painted = clock.paint_after(clock.arrivals[0])
        if painted == clock.arrivals[0]:
            raise SystemExit("the board's cards were never painted")
        shown = app.screen.board
        return {
            "board_s": painted - started,
            "read_s": clock.arrivals[0] - started,
            "columns": len(shown.columns),
            "open_deals": shown.total_count,
            "cards_read": sum(len(view.cards) for view in shown.columns),
        }


async def open_search(app: Any, pilot: Any, clock: Clock) -> Any:
    """Open `/` over the inbox and note each answer that reaches its results list."""
    from textual.widgets import Input

    from crm_tui.ui.dialogs.search_dialog import SearchDialog

    await pilot.press("slash")
    await settle(app, pilot)
    dialog = app.screen
    if not isinstance(dialog, SearchDialog):
        raise SystemExit(f"/ opened {type(dialog).__name__}, not the search dialog")
    show = dialog._show

    def timed_show(text: str, hits: Any) -> None:
        show(text, hits)
        # A stale answer (an earlier keystroke's) is dropped by the dialog: not an arrival.
        if text == dialog.query_one("#search-input", Input).value:
            clock.arrived()

    dialog._show = timed_show  # the worker calls self._show through call_from_thread
    return dialog


async def keystroke(app: Any, pilot: Any, clock: Clock, dialog: Any, text: str) -> float:
    """Type the last letter of `text`; milliseconds until its results were painted."""
    from textual.widgets import Input

    before = len(clock.arrivals)
    started = time.perf_counter()
    await pilot.press(text[-1])
    await settle(app, pilot)
    shown = dialog.query_one("#search-input", Input).value
    if shown != text:
        raise SystemExit(f"typed {text!r} but the search box shows {shown!r}")
    if len(clock.arrivals) == before:
        raise SystemExit(f"no search results arrived for {text!r}")
    return (clock.paint_after(clock.arrivals[-1]) - started) * 1000


def peak_rss_mib() -> float:
    """The peak resident memory of this program.

    Not ru_maxrss: Linux carries it over from the parent across fork and exec, so every probe
    would report the runner's own size. VmHWM belongs to this program's address space alone.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def main(argv: list[str]) -> None:
    mode, db, *rest = argv
    if mode == "paint":
        measuring = paint(db)
    elif mode == "board":
        measuring = board(db)
    else:
        measuring = (list_typing if mode == "list_typing" else typing)(db, rest[1:], int(rest[0]))
    result = asyncio.run(measuring)
    result["max_rss_mib"] = peak_rss_mib()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
