"""`crm-tui today` as text: one Rich table per section of the Today list (Overdue in red,
Today, Tomorrow, This week), then the deals with no next step and the forgotten clients.

Kept apart from `cli.py` so the other commands do not import Rich to start, and this one
imports nothing else it does not print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, time
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from crm_tui.vocabulary import ACTIVITY_SYMBOLS

if TYPE_CHECKING:
    from crm_tui.services.today import ForgottenClient, StalledDeal, TodayItem, TodayList

# Fixed English names rather than strftime("%a"), which follows the machine's locale.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
KIND_LABELS = {kind: f"{symbol} {kind}" for kind, symbol in ACTIVITY_SYMBOLS.items()}
# The generated lists are for a glance at the shell's start-up: their first rows only.
GENERATED_ROWS = 10
# The sections in the order they print, with their heading's style.
SECTION_STYLES = {"overdue": "bold red", "today": "bold", "tomorrow": "bold", "this week": "bold"}


def print_today(listing: TodayList, console: Console | None = None, mine: bool = False) -> None:
    """`mine`: the list is only the user's (`--mine`), and the headline says so."""
    console = console or Console(highlight=False)
    by_section: dict[str, list[TodayItem]] = {}
    for item in listing.items:
        by_section.setdefault(str(item.section), []).append(item)
    console.print(Text(_headline(by_section, listing) + (" (mine)" if mine else ""), style="bold"))
    if not listing.items:
        console.print("Nothing overdue, nothing due today or this week.")
    for section, style in SECTION_STYLES.items():
        items = by_section.get(section)
        if items:
            console.print()
            console.print(
                Text(f"{section.capitalize()} · {listing.counts.get(section, len(items))}", style=style)
            )
            console.print(_items_table(section, items))
    stalled = listing.counts.get("stalled", len(listing.stalled_deals))
    _print_generated(console, "Deals with no next step", listing.stalled_deals, stalled, _stalled_table)
    forgotten = listing.counts.get("forgotten", len(listing.forgotten))
    _print_generated(console, "Forgotten clients", listing.forgotten, forgotten, _forgotten_table)


def _print_generated(
    console: Console, title: str, rows: Sequence[Any], total: int, table: Callable[[Any], Table]
) -> None:
    """One generated list: its title and count, its first rows, how many more there are."""
    if not rows:
        return
    console.print()
    console.print(Text(f"{title} · {total}", style="bold"))
    console.print(table(rows[:GENERATED_ROWS]))
    hidden = total - min(len(rows), GENERATED_ROWS)
    if hidden > 0:
        console.print(Text(f"… and {hidden} more (crm-tui today --json lists them all)", style="dim"))


def _headline(by_section: dict[str, list[TodayItem]], listing: TodayList) -> str:
    from crm_tui.dates import today

    day = today()
    counts = [
        f"{listing.counts.get(name, len(by_section[name]))} {name}"
        for name in SECTION_STYLES
        if by_section.get(name)
    ]
    shown = " · ".join(counts) if counts else "nothing due"
    return f"Today, {_WEEKDAYS[day.weekday()]} {day:%d.%m.%Y} — {shown}"


def _when(section: str, day: date | None, at: time | None) -> str:
    """Today and tomorrow: the time (a day is implied); overdue and this week: day and time."""
    clock = at.strftime("%H:%M") if at else ""
    if section in ("today", "tomorrow") or day is None:
        return clock or "any time"
    shown = f"{_WEEKDAYS[day.weekday()]} {day:%d.%m}"
    return f"{shown} {clock}" if clock else shown


def _table(columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[str | Text]]) -> Table:
    """One line per row, so the output greps. A column's number is how narrow it may get: 0
    keeps its full width; the others share what is left, down to that many characters, and
    end in an ellipsis (--json carries them whole)."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for position, (header, narrowest) in enumerate(columns):
        widest = max(len(header), *(len(_plain(row[position])) for row in rows))
        table.add_column(
            header,
            justify="right" if header in _RIGHT else "left",
            no_wrap=not narrowest,
            min_width=min(widest, narrowest) if narrowest else widest,
            max_width=40 if narrowest else None,
        )
    for row in rows:
        table.add_row(*(_cell(cell) for cell in row))
    return table


def _cell(cell: str | Text) -> Text:
    """A cell that stays on its line, cut with an ellipsis when its column is narrower."""
    text = cell.copy() if isinstance(cell, Text) else Text(cell)
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


_RIGHT = frozenset({"ID", "Amount", "Days", "Untouched"})


def _plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _items_table(section: str, items: list[TodayItem]) -> Table:
    rows: list[list[str | Text]] = []
    for item in items:
        row = item.row
        style = "red" if item.overdue else ""
        rows.append(
            [
                Text(_when(section, row.due_on, row.due_time), style=style or "bold"),
                KIND_LABELS.get(row.kind, row.kind),
                Text(row.title, style=style),
                row.regarding,
                item.contact_detail,
            ]
        )
    columns = [("When", 0), ("Kind", 0), ("What", 10), ("Regarding", 10), ("At hand", 18)]
    return _table(columns, rows)


def _stalled_table(deals: list[StalledDeal]) -> Table:
    from crm_tui.money import format_money

    rows = [
        [
            str(deal.deal_id),
            deal.title,
            deal.stage,
            deal.client or "",
            format_money(deal.amount, deal.currency),
            str(deal.days_in_stage),
        ]
        for deal in deals
    ]
    columns = [("ID", 0), ("Deal", 10), ("Stage", 0), ("Client", 10), ("Amount", 0), ("Days", 0)]
    return _table(columns, rows)


def _forgotten_table(clients: list[ForgottenClient]) -> Table:
    rows = [
        [
            str(client.contact_id),
            client.name,
            client.company or "",
            "never" if client.days_untouched is None else f"{client.days_untouched}d",
            client.reason,
        ]
        for client in clients
    ]
    columns = [("ID", 0), ("Client", 10), ("Company", 10), ("Untouched", 0), ("Why", 0)]
    return _table(columns, rows)
