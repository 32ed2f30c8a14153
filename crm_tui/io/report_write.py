"""A report as people and programs read it: cell text for the screen and the terminal, bar
lengths for its chart, JSON for scripts and CSV for spreadsheets.

The app's Reports mode, `crm-tui report` and the CSV export all go through these, so the
numbers match wherever they are read.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from crm_tui.io.atomic_file import atomic_text_file
from crm_tui.io.csv_write import neutralise
from crm_tui.money import format_amounts, plain_amount
from crm_tui.services.reports.model import Column, Fact, RecordLink, Report, Table, ValueKind
from crm_tui.vocabulary import DEFAULT_CSV_ENCODING

NOTHING = "—"


def format_value(value: Any, kind: ValueKind, currencies: str = " + ") -> str:
    """A cell as the screen shows it: `1 250 000 RUB`, `42.9%`, `3.5 d`, `—` for no value.

    Sums in several currencies are joined by `currencies` (a table cell puts each on its
    own line, so no amount is ever broken in two)."""
    if value is None:
        return NOTHING
    if kind is ValueKind.MONEY:
        return format_amounts(value, currencies)
    if kind is ValueKind.PERCENT:
        return f"{value:.1f}%"
    if kind is ValueKind.DAYS:
        return f"{value:.1f} d"
    if kind is ValueKind.NUMBER:
        return f"{value:.1f}"
    if kind is ValueKind.COUNT:
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def main_currency(table: Table, key: str) -> str | None:
    """The currency with the largest total in a money column: the one its bars measure."""
    totals: dict[str, int] = {}
    for value in table.values(key):
        for currency, amount in (value or {}).items():
            totals[currency] = totals.get(currency, 0) + amount
    return max(totals, key=lambda currency: totals[currency]) if totals else None


def chart_values(table: Table) -> list[float] | None:
    """The length each row's bar stands for, or None when the table has no chart column.

    A money column is measured in its main currency (bars of mixed currencies would not
    compare); a percentage by itself.
    """
    column = next((column for column in table.columns if column.chart), None)
    if column is None:
        return None
    values = table.values(column.key)
    if column.kind is ValueKind.MONEY:
        currency = main_currency(table, column.key)
        return [float((value or {}).get(currency, 0)) if currency else 0.0 for value in values]
    return [float(value or 0) for value in values]


def bar(value: float, largest: float, width: int) -> str:
    """`█████▌` — a bar `width` cells long at `largest`, in eighths of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / largest))
    full, part = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[part]


def rows_left_out(table: Table) -> str:
    """`First 100 of 128.` when the table holds a first page of a longer list, else ""."""
    if table.total is None or table.total <= len(table.rows):
        return ""
    return f"First {len(table.rows):,} of {table.total:,}."


def chart_title(table: Table) -> str:
    """What the bars measure: `Amount (RUB)`, `Deals`."""
    column = next((column for column in table.columns if column.chart), None)
    if column is None:
        return ""
    if column.kind is ValueKind.MONEY:
        currency = main_currency(table, column.key)
        return f"{column.title} ({currency})" if currency else column.title
    return column.title


# JSON -----------------------------------------------------------------------------------


def _json_value(value: Any, kind: ValueKind) -> Any:
    if value is None:
        return None
    if kind is ValueKind.MONEY:
        # Major units, as records give amounts (`"amount": 1500.5`).
        return {currency: amount / 100 for currency, amount in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json_row(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    return {column.key: _json_value(values.get(column.key), column.kind) for column in table.columns}


def report_json(report: Report) -> dict[str, Any]:
    """`{"report", "title", "period": {"preset", "from", "to"}, "scope", "facts": {…},
    "tables": {key: [row, …]}}`; rows leading to a record carry `"record": {"kind", "id"}`."""
    tables: dict[str, Any] = {}
    for table in report.tables:
        rows = []
        for row in table.rows:
            record = _json_row(table, row.values)
            if isinstance(row.link, RecordLink):
                record["record"] = {"kind": row.link.kind.value, "id": row.link.id}
            rows.append(record)
        tables[table.key] = rows
        if table.total is not None:
            tables[f"{table.key}_total"] = table.total
    return {
        "report": report.key,
        "title": report.title,
        "period": report.period.as_json(),
        "scope": report.scope,
        "facts": {fact.key: _json_value(fact.value, fact.kind) for fact in report.facts},
        "tables": tables,
    }


# CSV ------------------------------------------------------------------------------------


def _csv_plain(value: Any, kind: ValueKind) -> str:
    """A cell as a spreadsheet reads it: numbers without spaces or units."""
    if value is None:
        return ""
    if kind in (ValueKind.PERCENT, ValueKind.DAYS, ValueKind.NUMBER):
        return f"{value:.1f}"
    if kind is ValueKind.COUNT:
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def _table_currencies(table: Table, column: Column) -> list[str]:
    found = {currency for value in table.values(column.key) for currency in (value or {})}
    return sorted(found) or ["RUB"]


def _csv_block(table: Table) -> Iterator[list[str]]:
    """The table's header (money split into a column per currency) and its rows."""
    header: list[str] = []
    cells: list[Any] = []  # per header cell: how to read it from a row
    for column in table.columns:
        if column.kind is ValueKind.MONEY:
            for currency in _table_currencies(table, column):
                header.append(f"{column.title} {currency}")
                cells.append((column, currency))
        else:
            header.append(column.title)
            cells.append((column, None))
    yield header
    for row in table.rows:
        line = []
        for column, currency in cells:
            value = row.values.get(column.key)
            if currency is not None:
                line.append(plain_amount((value or {}).get(currency, 0)))
            else:
                line.append(_csv_plain(value, column.kind))
        yield line


def _facts_block(report: Report) -> Iterator[list[str]]:
    yield ["Report", report.title]
    yield ["From", report.period.first.isoformat()]
    yield ["To", report.period.last.isoformat()]
    for fact in report.facts:
        yield [fact.label, _fact_plain(fact)]


def _fact_plain(fact: Fact) -> str:
    if fact.kind is ValueKind.MONEY:
        return format_amounts(fact.value or {}).replace("\u202f", "")
    return _csv_plain(fact.value, fact.kind)


def write_report_csv(stream: IO[str], report: Report, delimiter: str = ",") -> None:
    """The facts, then each table as a block (its title on a line, its header, its rows), a
    blank line between: one file a spreadsheet opens and a person reads top to bottom."""
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(_facts_block(report))
    for table in report.tables:
        writer.writerow([])
        writer.writerow([neutralise(table.title)])
        writer.writerows(_csv_block(table))


def save_report_csv(report: Report, destination: Path, encoding: str = DEFAULT_CSV_ENCODING) -> Path:
    """Write the report to a CSV file, whole or not at all; returns where it went."""
    destination = destination.expanduser()
    with atomic_text_file(destination, encoding) as handle:
        write_report_csv(handle, report)
    return destination


def default_report_file(report: Report) -> str:
    """`~/crm-funnel-2026-11-01-2026-11-30.csv`."""
    period = report.period
    return str(Path("~") / f"crm-{report.key}-{period.first.isoformat()}-{period.last.isoformat()}.csv")
