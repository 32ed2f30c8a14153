"""The results, three ways: a Rich table on the terminal, JSON, and BENCHMARKS.md."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crmbench.results import Result
from crmbench.stats import Stats, fmt, fmt_spread, number

REPO = Path(__file__).resolve().parents[3]
HEADERS = ("Figure", "Baseline", "Measured", "Ratio", "Budget", "Result")


@dataclass
class Run:
    """One run of the harness: its settings, the machine, and what each figure gave."""

    quick: bool
    scale: float
    repeats: int
    import_repeats: int
    dataset: dict[str, Any]
    results: list[Result]
    total_s: float
    # The app's code changed while the run went on: figures may mix two versions of it.
    tree_changed: bool = False
    date: str = ""
    machine: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.date = self.date or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.machine = self.machine or machine()

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "machine": self.machine,
            "quick": self.quick,
            "scale": self.scale,
            "repeats": self.repeats,
            "import_repeats": self.import_repeats,
            "dataset": self.dataset,
            "total_s": self.total_s,
            "tree_changed_during_run": self.tree_changed,
            "figures": {result.name: result.to_json() for result in self.results},
        }


def machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "commit": _commit(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        first = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return None
    return round(int(first.split()[1]) / 1024 / 1024, 1)


def tree_state() -> str:
    """A fingerprint of the code measured: HEAD and any changes on top of it. Compared at the
    start and the end of a run, it tells whether figures may mix two versions of the app
    (someone committed or edited meanwhile)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout
        diff = subprocess.run(
            ["git", "-C", str(REPO), "diff", "HEAD", "--", "crm_tui"], capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.strip() + ":" + hashlib.sha1(diff).hexdigest()


def _commit() -> str:
    """The commit measured, marked when the work tree had changes on top of it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+changes" if dirty else head


# Cells ---------------------------------------------------------------------------------------


def sample_cell(stats: Stats | None, latency: bool, separator: str = ": ") -> str:
    """What was compared and its numbers; latency as percentiles, anything else as a spread."""
    if stats is None:
        return ""
    label = f"{stats.label}{separator}" if stats.label else ""
    if latency:
        return f"{label}p50 {fmt(stats.p(0.5), stats.unit)} · p95 {fmt(stats.p(0.95), stats.unit)}"
    return label + fmt_spread(stats)


def ratio_cell(result: Result) -> str:
    if result.ratio is None:
        return ""
    statistic = result.budget.statistic
    return f"{number(result.ratio)}×" + ("" if statistic == "median" else f" ({statistic})")


def verdict_cell(result: Result) -> str:
    if result.reason:
        return f"{result.status}: {result.reason}"
    over = overshoot(result)
    return f"FAIL (+{over:.0%})" if result.status == "FAIL" and over is not None else result.status


def overshoot(result: Result) -> float | None:
    """How far over its budget a figure is, as a fraction of the budget."""
    budget = result.budget
    if result.measured is None:
        return None
    if budget.kind == "ratio" and result.ratio is not None:
        return result.ratio / budget.limit - 1
    if budget.kind == "max":
        return result.measured.statistic(budget.statistic) / budget.limit - 1
    return None


def row(result: Result, separator: str = ": ") -> list[str]:
    latency = result.measured is not None and result.measured.unit == "ms"
    unit = result.measured.unit if result.measured else "s"
    return [
        result.title,
        sample_cell(result.baseline, latency, separator),
        sample_cell(result.measured, latency, separator),
        ratio_cell(result),
        result.budget.text(unit),
        verdict_cell(result),
    ]


# Outputs -------------------------------------------------------------------------------------

_STYLE = {"pass": "green", "FAIL": "bold red", "info": "cyan", "skipped": "yellow", "error": "bold magenta"}


def print_table(run: Run, console: Console) -> None:
    table = Table(title=f"crm-tui benchmarks · scale {run.scale:g} · {run.date}", show_lines=True)
    for header in HEADERS:
        table.add_column(header, overflow="fold")
    for result in run.results:
        cells = row(result, separator="\n")
        table.add_row(*cells[:-1], f"[{_STYLE.get(result.status, '')}]{cells[-1]}")
    console.print(table)


def write_json(run: Run, path: Path) -> None:
    path.write_text(json.dumps(run.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


_HOW_TO_RUN = """\
## How to run

```sh
.venv/bin/python tests/bench/run.py --quick        # scale 0.1, a few minutes
.venv/bin/python tests/bench/run.py                # the DESIGN.md data set; rewrites this file
.venv/bin/python tests/bench/run.py --only cli_search,first_paint --json out.json
.venv/bin/python tests/bench/make_dataset.py --out /tmp/crm-tui-bench-1 --scale 1.0
```

The data set is built on first use and cached in `/tmp/crm-tui-bench-<scale>` (`--data DIR` to
choose). The tmux figure needs `tmux`; the khard comparison installs khard into its own venv under
`/tmp/crm-tui-bench-tools` (`pip install -e .[bench]` puts it beside the app instead). A figure
whose tool is missing is reported as skipped, with the reason. Run it on a quiet machine and a
quiet work tree: the table says so when the app's code changed during the run.
"""


def markdown(run: Run) -> str:
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "<!-- Generated by tests/bench/run.py on a full run; do not edit by hand. -->",
            "",
            'How crm-tui measures against the budgets of DESIGN.md ("Budgets"). Each figure is a ratio',
            "against a baseline measured in the same run on the same machine, since absolute times on a",
            "shared machine are noise; the absolute budgets (search) are shown as such.",
            "",
            _HOW_TO_RUN,
            "## Latest results",
            "",
            *_facts(run),
            "",
            *_markdown_table(run),
            "",
            "Medians with (min–max, number of runs); latency as p50 · p95 over every keystroke.",
            "",
            "## What each figure measures",
            "",
            *(f"- **{result.title}** (`{result.name}`): {result.method}" for result in run.results),
            "",
        ]
    )


def _over_stages(data: dict[str, Any]) -> str:
    # (A JSON written before the pipeline figure has no count of open stages.)
    stages = data.get("open_stages")
    return f" over {stages} stages" if stages else ""


def _facts(run: Run) -> list[str]:
    """Where, when and on what the figures were measured."""
    assert run.machine is not None
    m, data = run.machine, run.dataset
    counts = ", ".join(f"{count:,} {kind}" for kind, count in data["counts"].items())
    built = f"built in {data['build_s']:.0f} s" + (" during this run" if data["built_now"] else "")
    facts = [
        f"- Date: {run.date}; commit `{m['commit']}`",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}; "
        f"Python {m['python']}; SQLite {m['sqlite']}",
        f"- Data set: scale {run.scale:g}{' (quick run)' if run.quick else ''} — {counts} "
        f"({data['open_deals']:,} deals open{_over_stages(data)}); {data['cards']:,} vCards, "
        f"{data['counts'].get('leads', 0):,} CSV rows; {built}",
        f"- Runs per figure: {run.repeats} (imports: {run.import_repeats}), after one warm-up run; "
        f"whole run {run.total_s / 60:.1f} min",
    ]
    if run.tree_changed:
        facts.append("- **The app's code changed during this run**: figures may mix two versions.")
    return facts


def _markdown_table(run: Run) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(HEADERS), "|" + "---|" * len(HEADERS), *(line(row(result)) for result in run.results)]


def write_markdown(run: Run, path: Path = REPO / "BENCHMARKS.md") -> Path:
    path.write_text(markdown(run), encoding="utf-8")
    return path
