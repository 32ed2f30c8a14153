"""`crm-tui report KIND`: a report of mode 5 in the shell, as text (facts, then each table
with its bars), JSON (`--json`) or CSV (`--csv`); the same Report object the app draws, so the
numbers are the same.

Kept apart from `cli.py` so the other commands do not import Rich and the reports to start.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.columns import Columns
from rich.console import Console, Group
from rich.table import Table as RichTable
from rich.text import Text

from crm_tui.cli import UsageError
from crm_tui.io.report_write import (
    bar,
    chart_title,
    chart_values,
    format_value,
    report_json,
    rows_left_out,
    write_report_csv,
)
from crm_tui.services.reports import build_report
from crm_tui.services.reports.model import Report, Table, ValueKind
from crm_tui.services.reports.period import Period, PeriodPreset, custom_period, parse_preset, preset_period

BAR_WIDTH = 16
# Numbers read right-aligned, so their digits line up.
_RIGHT_KINDS = frozenset(ValueKind) - {ValueKind.TEXT, ValueKind.DATE}


def requested_period(args: argparse.Namespace) -> Period:
    if args.period and (args.first or args.last):
        raise UsageError("give either --period or --from/--to, not both")
    if args.first or args.last:
        return custom_period(args.first, args.last)
    return preset_period(parse_preset(args.period) if args.period else PeriodPreset.THIS_MONTH)


def run_report(args: argparse.Namespace, engine: Any) -> None:
    from crm_tui.db.engine import session_scope

    period = requested_period(args)
    with session_scope(engine) as session:
        report = build_report(session, args.kind, period)
    if args.json:
        sys.stdout.write(json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n")
    elif args.csv:
        write_report_csv(sys.stdout, report)
    else:
        console = Console(highlight=False)
        console.print(report_text(report, console.width))


def report_text(report: Report, width: int) -> Group:
    """The report for a terminal `width` columns wide: its title and period, the facts, then
    each table, one line per row (long names end in an ellipsis; --json carries them whole)."""
    parts: list[Any] = [
        Text(f"{report.title} · {report.period.label}", style="bold"),
    ]
    if report.scope:
        parts.append(Text(report.scope, style="dim"))
    if report.facts:
        # Each fact stays whole on its line: a number cut in two reads as two numbers.
        facts = [
            Text(f"{fact.label} {format_value(fact.value, fact.kind)}", no_wrap=True) for fact in report.facts
        ]
        parts.append(Columns(facts, padding=(0, 3)))
    for table in report.tables:
        parts.append(Text(""))
        parts.append(Text(table.title, style="bold"))
        parts.extend(_table_parts(table, width))
    return Group(*parts)


def _cells(table: Table) -> list[list[str]]:
    return [
        [format_value(row.values.get(column.key), column.kind, "\n") for column in table.columns]
        for row in table.rows
    ]


def _rich_table(headers: list[tuple[str, str]], cells: list[list[str]]) -> RichTable:
    """`headers`: (title, "number" | "bar" | "text"). Numbers and bars keep their full width
    (a number's header may wrap onto a second line); text columns share what is left, down to
    12 characters."""
    shown = RichTable(box=None, header_style="bold", pad_edge=False)
    for position, (title, shape) in enumerate(headers):
        widest = max((len(line) for row in cells for line in row[position].split("\n")), default=0)
        if shape == "text":
            shown.add_column(title, min_width=min(max(widest, len(title)), 12), max_width=36)
        else:
            shown.add_column(title, justify="right" if shape == "number" else "left", no_wrap=True)
    for row in cells:
        shown.add_row(*(Text(cell, no_wrap=True, overflow="ellipsis") for cell in row))
    return shown


def _natural_width(table: RichTable) -> int:
    return Console(width=1000).measure(table).maximum


def _table_parts(table: Table, width: int) -> list[Any]:
    if not table.rows:
        return [Text(table.empty, style="dim")]
    cells = _cells(table)
    headers = [
        (column.title, "number" if column.kind in _RIGHT_KINDS else "text") for column in table.columns
    ]
    shown = _rich_table(headers, cells)
    if _natural_width(shown) > width:
        # Too wide: the numbers' headers go on two lines ("Won" over "amount").
        headers = [
            (title.replace(" ", "\n") if shape == "number" else title, shape) for title, shape in headers
        ]
        shown = _rich_table(headers, cells)
    lengths = chart_values(table)
    if lengths is not None:
        # The bars take the room the numbers leave, and are left out when there is none.
        room = min(BAR_WIDTH, width - _natural_width(shown) - 2)
        if room >= 6:
            largest = max(lengths)
            for row, length in zip(cells, lengths, strict=True):
                row.append(bar(length, largest, room).ljust(room))
            shown = _rich_table([*headers, (chart_title(table), "bar")], cells)
    parts: list[Any] = [shown]
    if left_out := rows_left_out(table):
        parts.append(Text(f"{left_out} --json or --csv give them all.", style="dim"))
    if table.note:
        parts.append(Text(table.note, style="dim"))
    return parts
