"""Figures of the app itself: first paint (headless and in tmux), typing, peak memory."""

from __future__ import annotations

from typing import Any

from crmbench.context import Context, alternate
from crmbench.measure import probe
from crmbench.results import Budget, Result
from crmbench.stats import Stats
from crmbench.tmux import Terminal

# DESIGN.md, "Budgets".
FIRST_PAINT = Budget("ratio", 1.2)
KEYSTROKE = Budget("max", 50.0, statistic="p95")
PIPELINE_BOARD = Budget("max", 0.5)
# Not in DESIGN.md: the harness's own line. Lists page (DESIGN.md), so memory should barely grow
# with the data; half as much again would mean rows are being held somewhere.
PEAK_RSS = Budget("ratio", 1.5, note="harness's own, not in DESIGN.md")

EMPTY = "empty DB"


def paint_runs(ctx: Context) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Headless start-ups on the benchmark and the empty database; shared by two figures."""
    data = ctx.dataset

    def make() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return alternate(
            ctx.repeats,
            lambda: probe("app_probe.py", "paint", str(data.db)),
            lambda: probe("app_probe.py", "paint", str(data.empty_db)),
        )

    return ctx.once("paint_runs", make)


def first_paint(ctx: Context) -> Result:
    measured, baseline = paint_runs(ctx)
    return Result(
        "first_paint",
        "First paint, headless (run_test)",
        measured=_stats(measured, "loaded_s", "s", "benchmark DB"),
        baseline=_stats(baseline, "loaded_s", "s", EMPTY),
        budget=FIRST_PAINT,
        method="A fresh process per run (cold imports): from opening the database and building "
        "CrmApp until the first screen, its list filled, is painted (App._display) in "
        "run_test(size=(120, 40)). Import time is in the details.",
        details={
            "import_s": _stats(measured, "import_s", "s").to_json(),
            "first_paint_before_data_s": _stats(measured, "first_paint_s", "s").to_json(),
            "baseline_first_paint_before_data_s": _stats(baseline, "first_paint_s", "s").to_json(),
            "process_start_to_loaded_s": _stats(measured, "total_s", "s").to_json(),
            # More than one means the first screen fetched its list again before it was seen.
            "list_loads_at_start": measured[0]["lists_loaded"],
        },
    ).judge()


def peak_rss(ctx: Context) -> Result:
    measured, baseline = paint_runs(ctx)
    return Result(
        "peak_rss",
        "Peak memory (RSS) of the app",
        measured=_stats(measured, "max_rss_mib", "MiB", "benchmark DB"),
        baseline=_stats(baseline, "max_rss_mib", "MiB", EMPTY),
        budget=PEAK_RSS,
        method="Peak resident memory (VmHWM) of the headless first-paint process, the same runs "
        "as first_paint: start-up and the first screen with its list filled.",
    ).judge()


def first_paint_tmux(ctx: Context) -> Result:
    terminal = Terminal()
    data = ctx.dataset
    try:
        measured, baseline = alternate(
            ctx.repeats,
            lambda: terminal.launch([*ctx.crm_tui, "--db", str(data.db)]),
            lambda: terminal.launch([*ctx.crm_tui, "--db", str(data.empty_db)]),
        )
    finally:
        terminal.close()
    return Result(
        "first_paint_tmux",
        "First paint, real terminal (tmux)",
        measured=Stats([run.loaded_s for run in measured], "s", "benchmark DB"),
        baseline=Stats([run.loaded_s for run in baseline], "s", EMPTY),
        budget=FIRST_PAINT,
        method="`crm-tui --db DB` started in a detached 120×40 tmux session; from launch until "
        "capture-pane shows the inbox title with its count (the list filled), polled every 5 ms.",
        details={
            "mode_bar_s": Stats([run.mode_bar_s for run in measured], "s").to_json(),
            "baseline_mode_bar_s": Stats([run.mode_bar_s for run in baseline], "s").to_json(),
        },
    ).judge()


def search_typing(ctx: Context) -> Result:
    return _typing(
        ctx,
        "search_typing",
        "typing",
        "Search as you type",
        "The inbox, then `/` (the search dialog), each word typed a letter at a time; "
        "per keystroke from the key press until the results list for that prefix is painted.",
    )


def contacts_list_typing(ctx: Context) -> Result:
    return _typing(
        ctx,
        "contacts_list_typing",
        "list_typing",
        "Contacts list search as you type",
        "Contacts (2), `/` into the list's own search box, each word typed a letter at a time; "
        "per keystroke from the key press until the list (its count and first page) is painted; "
        "the health lights are read after the rows and come a frame later.",
    )


def pipeline_board(ctx: Context) -> Result:
    data = ctx.dataset
    measured, baseline = alternate(
        ctx.repeats,
        lambda: probe("app_probe.py", "board", str(data.db)),
        lambda: probe("app_probe.py", "board", str(data.empty_db)),
    )
    shown = measured[0]
    return Result(
        "pipeline_board",
        f"Pipeline board ({shown['open_deals']:,} open deals, {shown['columns']} stages)",
        measured=_stats(measured, "board_s", "s", "benchmark DB"),
        baseline=_stats(baseline, "board_s", "s", EMPTY),
        budget=PIPELINE_BOARD,
        method="A fresh process per run: the app started headless in run_test(size=(120, 40)) on "
        "the inbox, then 3; from the key press until the board's columns, their totals and the "
        "cards that fit are painted (the board's Loaded message handled, then App._display). "
        "The empty database's board, its columns empty, is the baseline.",
        details={
            "read_s": _stats(measured, "read_s", "s").to_json(),
            "baseline_read_s": _stats(baseline, "read_s", "s").to_json(),
            # Every column's first window: what fits on the screen and a few cards either side.
            "cards_read": shown["cards_read"],
        },
    ).judge()


def _typing(ctx: Context, name: str, probe_mode: str, title: str, method: str) -> Result:
    data = ctx.dataset
    words = [data.words["cyrillic"], data.words["latin"]]
    args = [str(ctx.repeats), *words]
    # One process per database types every word `repeats` times; no warm-up process needed,
    # the first keystrokes of a session are part of what a person feels.
    measured = probe("app_probe.py", probe_mode, str(data.db), *args)
    baseline = probe("app_probe.py", probe_mode, str(data.empty_db), *args)
    result = Result(
        name,
        f"{title} ({' / '.join(words)})",
        measured=_keystrokes(measured, "benchmark DB"),
        baseline=_keystrokes(baseline, EMPTY),
        budget=KEYSTROKE,
        method=method,
        details={
            "per_word_ms": {
                word: Stats(samples, "ms").to_json() for word, samples in measured["latencies_ms"].items()
            },
            "results_for_whole_word": measured["found"],
        },
    )
    return result.judge()


def _keystrokes(run: dict[str, Any], label: str) -> Stats:
    samples = [latency for word in run["latencies_ms"].values() for latency in word]
    return Stats(samples, "ms", label)


def _stats(runs: list[dict[str, Any]], key: str, unit: str, label: str = "") -> Stats:
    return Stats([run[key] for run in runs], unit, label)
