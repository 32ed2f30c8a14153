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
        Console(highlight=False).print(report_text(report))


def report_text(report: Report) -> Group:
    """The report for a terminal: its title and period, the facts on one line, each table."""
    parts: list[Any] = [
        Text(f"{report.title} · {report.period.label}", style="bold"),
    ]
    if report.scope:
        parts.append(Text(report.scope, style="dim"))
    if report.facts:
        facts = " · ".join(f"{fact.label} {format_value(fact.value, fact.kind)}" for fact in report.facts)
        parts.append(Text(facts))
    for table in report.tables:
        parts.append(Text(""))
        parts.append(Text(table.title, style="bold"))
        parts.extend(_table_parts(table))
    return Group(*parts)


def _table_parts(table: Table) -> list[Any]:
    if not table.rows:
        return [Text(table.empty, style="dim")]
    shown = RichTable(box=None, header_style="bold", pad_edge=False)
    for column in table.columns:
        shown.add_column(column.title, justify="right" if column.kind in _RIGHT_KINDS else "left")
    lengths = chart_values(table)
    if lengths is not None:
        shown.add_column(chart_title(table), no_wrap=True)
    largest = max(lengths or [0.0])
    for position, row in enumerate(table.rows):
        cells = [format_value(row.values.get(column.key), column.kind) for column in table.columns]
        if lengths is not None:
            cells.append(bar(lengths[position], largest, BAR_WIDTH))
        shown.add_row(*cells)
    parts: list[Any] = [shown]
    if table.total is not None and table.total > len(table.rows):
        parts.append(
            Text(f"first {len(table.rows)} of {table.total} (--json or --csv for the rest)", style="dim")
        )
    if table.note:
        parts.append(Text(table.note, style="dim"))
    return parts
