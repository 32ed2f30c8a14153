"""Every figure the runner measures, in the order of the table.

To add one: write
`def my_figure(ctx: Context) -> Result` in a module of this package — time the thing in a
subprocess or a probe under probes/, compare it with a baseline measured in the same run
(`context.alternate`), give it the budget from DESIGN.md and `.judge()` it — then append
`Figure("my_figure", my_figure)` below. Raise `measure.Skip("reason")` when a tool it needs
is missing. `run.py --only my_figure` runs it alone; the table, the JSON and BENCHMARKS.md
pick it up by themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crmbench import figures_app, figures_cli, figures_reports
from crmbench.context import Context
from crmbench.results import Result


@dataclass(frozen=True)
class Figure:
    name: str
    measure: Callable[[Context], Result]


FIGURES: list[Figure] = [
    Figure("first_paint", figures_app.first_paint),
    Figure("first_paint_tmux", figures_app.first_paint_tmux),
    Figure("search_typing", figures_app.search_typing),
    Figure("contacts_list_typing", figures_app.contacts_list_typing),
    Figure("pipeline_board", figures_app.pipeline_board),
    Figure("cli_search", figures_cli.cli_search),
    # After vcard_import: khard_list searches the database that figure's last import left.
    Figure("vcard_import", figures_cli.vcard_import),
    Figure("khard_list", figures_cli.khard_list),
    Figure("csv_import", figures_cli.csv_import),
    Figure("peak_rss", figures_app.peak_rss),
    *(Figure(f"report_{kind}", figures_reports.report_figure(kind)) for kind in figures_reports.REPORT_KINDS),
]

NAMES = [figure.name for figure in FIGURES]
