"""The week agenda (`v` on Today): Monday to Sunday of one week, today marked.

Wide enough for seven readable columns (about 18 characters each) it is a column per day;
narrower, a list per day, one line per activity — at 80 columns seven columns would leave
eleven characters for a title. It shows what it is given; the screen reads the week.
"""

from __future__ import annotations

from datetime import date

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from crm_tui.dates import today
from crm_tui.services.activities import AgendaRow, is_overdue
from crm_tui.ui.widgets.agenda_list import day_label, kind_label, line
from crm_tui.vocabulary import ACTIVITY_SYMBOLS

# Seven columns of at least this many characters, or a list per day.
MIN_DAY_WIDTH = 18


def week_title(monday: date) -> str:
    sunday = date.fromordinal(monday.toordinal() + 6)
    week = monday.isocalendar().week
    return f"Week {week} · {monday:%d.%m} – {sunday:%d.%m.%Y}"


class WeekView(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.monday: date | None = None
        self.week: dict[date, list[AgendaRow]] = {}

    def show(self, monday: date, week: dict[date, list[AgendaRow]]) -> None:
        self.monday, self.week = monday, week
        self.update(self._draw())

    def on_resize(self) -> None:
        if self.monday is not None:
            self.update(self._draw())

    @property
    def columns(self) -> bool:
        """Seven columns side by side, when they fit."""
        return (self.size.width or self.app.size.width) >= 7 * MIN_DAY_WIDTH

    def _draw(self) -> RenderableType:
        if not self.week:
            return Text("")
        return self._table() if self.columns else self._list()

    def _day_header(self, day: date, count: int) -> Text:
        is_today = day == today()
        header = Text(day_label(day), style="bold reverse" if is_today else "bold")
        if is_today:
            header.append(" today", style="bold")
        if count:
            header.append(f" · {count}", style="dim")
        return header

    def _table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1), show_edge=False)
        for day, rows in self.week.items():
            table.add_column(self._day_header(day, len(rows)), ratio=1, overflow="fold")
        # A title may take two lines; what it belongs to, one, cut to the column.
        room = max((self.size.width or self.app.size.width) // 7 - 6, 8)
        cells = []
        for rows in self.week.values():
            cell = Text()
            for number, row in enumerate(rows):
                if number:
                    cell.append("\n")
                late = is_overdue(row)
                if row.due_time:
                    cell.append(f"{row.due_time:%H:%M} ", style="bold red" if late else "bold")
                cell.append(f"{ACTIVITY_SYMBOLS.get(row.kind, '·')} ")
                cell.append(row.title, style="red" if late else "")
                if row.regarding:
                    regarding = Text(row.regarding, style="dim")
                    regarding.truncate(room, overflow="ellipsis")
                    cell.append("\n  ")
                    cell.append_text(regarding)
            cells.append(cell if rows else Text("—", style="dim"))
        table.add_row(*cells)
        return table

    def _list(self) -> Group:
        width = max((self.size.width or self.app.size.width) - 2, 20)
        lines: list[Text] = []
        for day, rows in self.week.items():
            lines.append(self._day_header(day, len(rows)))
            for row in rows:
                late = is_overdue(row)
                clock = row.due_time.strftime("%H:%M") if row.due_time else "any time"
                lines.append(
                    line(
                        width,
                        Text(clock, style="bold red" if late else "bold"),
                        Text(kind_label(row.kind, width)),
                        Text(row.title, style="red" if late else ""),
                        Text(row.regarding, style="dim"),
                        None,
                    )
                )
            if not rows:
                lines.append(Text("  —", style="dim"))
        return Group(*lines)
