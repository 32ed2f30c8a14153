"""Measure crm-tui against its budgets (DESIGN.md, "Budgets") and print the table.

    .venv/bin/python tests/bench/run.py --quick                 scale 0.1, fewer runs
    .venv/bin/python tests/bench/run.py                         the full data set; writes BENCHMARKS.md
    .venv/bin/python tests/bench/run.py --only cli_search --json out.json

Benchmarks are not tests: a figure over its budget is reported, not failed. The exit code is 1
only when the harness itself broke (a figure could not be measured for another reason than a
missing tool).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import traceback
from pathlib import Path

from crmbench import dataset, report
from crmbench.context import Context
from crmbench.figures import FIGURES, NAMES, Figure
from crmbench.measure import BenchError, Skip, crm_tui_command
from crmbench.results import Result, failed, skipped
from rich.console import Console

QUICK_SCALE = 0.1
# Timed runs per side of a figure, and of the (slow) import figures.
QUICK_REPEATS = (3, 2)
FULL_REPEATS = (5, 3)
DEFAULT_TOOLS = Path("/tmp/crm-tui-bench-tools")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help=f"scale {QUICK_SCALE} and fewer runs")
    parser.add_argument("--scale", type=float, help="data set scale (default 1.0, or 0.1 with --quick)")
    parser.add_argument("--repeats", type=int, help="timed runs per side of every figure (overrides)")
    parser.add_argument("--data", type=Path, help="data set folder (default /tmp/crm-tui-bench-SCALE)")
    parser.add_argument("--tools", type=Path, default=DEFAULT_TOOLS, help="where khard gets installed")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    parser.add_argument("--only", help=f"comma-separated figures: {', '.join(NAMES)}")
    parser.add_argument(
        "--write-md", action="store_true", help="write BENCHMARKS.md (a full run always does)"
    )
    parser.add_argument("--no-md", action="store_true", help="do not write BENCHMARKS.md on a full run")
    parser.add_argument("--force-dataset", action="store_true", help="rebuild the data set")
    args = parser.parse_args(argv)
    args.scale = args.scale or (QUICK_SCALE if args.quick else 1.0)
    if args.scale <= 0 or (args.repeats is not None and args.repeats < 1):
        parser.error("--scale must be above 0 and --repeats at least 1")
    args.figures = select(parser, args.only)
    return args


def select(parser: argparse.ArgumentParser, only: str | None) -> list[Figure]:
    if not only:
        return list(FIGURES)
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in NAMES]
    if unknown:
        parser.error(f"unknown figure {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    return [figure for figure in FIGURES if figure.name in wanted]


def measure(figure: Figure, ctx: Context, console: Console) -> Result:
    """One figure; a missing tool or a broken run becomes its row in the table, not a crash."""
    console.print(f"[bold]{figure.name}[/bold] …")
    started = time.perf_counter()
    try:
        result = figure.measure(ctx)
    except Skip as reason:
        result = skipped(figure.name, figure.name, str(reason))
    except BenchError as error:
        result = failed(figure.name, figure.name, str(error))
    except Exception as error:
        traceback.print_exc()
        result = failed(figure.name, figure.name, f"{type(error).__name__}: {error}")
    result.details["harness_s"] = round(time.perf_counter() - started, 1)
    console.print(f"  {report.verdict_cell(result)} ({result.details['harness_s']} s)")
    return result


def context(args: argparse.Namespace, data: dataset.Dataset) -> Context:
    repeats, import_repeats = QUICK_REPEATS if args.quick else FULL_REPEATS
    if args.repeats:
        repeats = import_repeats = args.repeats
    work = data.root / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    return Context(data, repeats, import_repeats, work, args.tools, crm_tui_command())


def is_full_run(args: argparse.Namespace) -> bool:
    return args.scale == 1.0 and not args.only and not args.quick and args.repeats is None


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    code_before = report.tree_state()
    # Piped (CI, a log file), Rich would wrap the table at 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=150)
    data = dataset.ensure(
        args.data or Path(f"/tmp/crm-tui-bench-{args.scale:g}"), args.scale, args.force_dataset
    )
    ctx = context(args, data)
    results = [measure(figure, ctx, console) for figure in args.figures]
    run = report.Run(
        quick=args.quick,
        scale=args.scale,
        repeats=ctx.repeats,
        import_repeats=ctx.import_repeats,
        dataset={
            "dir": str(data.root),
            "counts": data.counts,
            "open_deals": data.open_deals(),
            "open_stages": data.open_stages(),
            "cards": data.cards,
            "words": data.words,
            "build_s": round(data.build_s, 1),
            "built_now": data.built_now,
        },
        results=results,
        total_s=time.perf_counter() - started,
        tree_changed=report.tree_state() != code_before,
    )
    report.print_table(run, console)
    built = f"data set built in {data.build_s:.0f} s during this run" if data.built_now else "data set reused"
    console.print(f"Whole run: {run.total_s:.0f} s ({built}).")
    if run.tree_changed:
        console.print("[bold yellow]The app's code changed during this run: figures may mix two versions.")
    if args.json:
        report.write_json(run, args.json)
        console.print(f"JSON: {args.json}")
    broken = sum(result.status == "error" for result in results)
    if args.write_md or (is_full_run(args) and not args.no_md and not broken):
        console.print(f"Wrote {report.write_markdown(run)}")
    elif is_full_run(args) and broken:
        # The committed table must have every figure measured.
        console.print(
            f"BENCHMARKS.md left as it was: {broken} figure(s) not measured (--write-md forces it)."
        )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
