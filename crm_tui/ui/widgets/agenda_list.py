"""Today's one list: section headers, the activities under them, the deals with no next step
and the forgotten clients — a line each, cut to the width, moved through from the keyboard.

The list is drawn from a `TodayList` the screen read in a worker; it never reads the database.
A header opens and closes its section (enter, space, →; ← closes the section the cursor is
in). Options are keyed `h:<section>`, `a:<activity id>`, `d:<deal id>`, `c:<contact id>`, so
the cursor can be put back on the same thing after the list is drawn again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from crm_tui.dates import today
from crm_tui.money import format_money
from crm_tui.services.settings import DEFAULT_FORGOTTEN_DAYS
from crm_tui.services.today import ForgottenClient, Section, StalledDeal, TodayItem, TodayList
from crm_tui.vocabulary import ACTIVITY_SYMBOLS

KIND_LABELS = {
    kind: f"{symbol} {'meet' if kind == 'meeting' else kind}" for kind, symbol in ACTIVITY_SYMBOLS.items()
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

STALLED = "stalled"
FORGOTTEN = "forgotten"
# Every section in the order shown, with its header's words.
SECTION_NAMES: dict[str, str] = {
    Section.OVERDUE.value: "Overdue",
    Section.TODAY.value: "Today",
    Section.TOMORROW.value: "Tomorrow",
    Section.THIS_WEEK.value: "This week",
    STALLED: "Deals with no next step",
    FORGOTTEN: "Forgotten clients",
}
COLLAPSED_AT_FIRST = frozenset({Section.TOMORROW.value, Section.THIS_WEEK.value})

WHEN_WIDTH = 11
INDENT = 2
# The phone or email at hand: most phone numbers whole ("8 (912) 345-67-89").
DETAIL_WIDTH = 17
# Titles are short sentences; past this, the room goes to what they belong to.
TITLE_MAX = 34
# …and what they belong to has this much at most, so the phone stays near it on a wide screen.
REGARDING_MAX = 56
# From this width on, the kind is said in a word beside its symbol.
WIDE = 110


@dataclass(frozen=True)
class Pick:
    """What the cursor is on: a section's header, or a thing under it."""

    kind: str  # "section", "activity", "deal", "contact"
    key: str  # the section's value, or the record's id as text
    section: str

    @property
    def record_id(self) -> int:
        return int(self.key)


def day_label(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day:%d.%m}"


def when_text(item: TodayItem) -> str:
    """When, as short as the section allows: a time today, a weekday this week, a date before."""
    row = item.row
    clock = row.due_time.strftime("%H:%M") if row.due_time else ""
    day = row.due_on
    if day is None:
        return clock
    if item.section is Section.OVERDUE and day != today():
        return f"{day:%d.%m} {clock}".strip()
    if item.section is Section.THIS_WEEK:
        return f"{_WEEKDAYS[day.weekday()]} {clock}".strip()
    return clock or "any time"


def kind_label(kind: str, width: int) -> str:
    """`☎ call` where there is room, `☎` alone at 80 columns."""
    label = KIND_LABELS.get(kind, kind)
    return label if width >= WIDE else label.split(" ")[0]


def _cell(text: str | Text, width: int, style: str = "") -> Text:
    cell = text.copy() if isinstance(text, Text) else Text(text, style=style)
    cell.truncate(max(width, 0), overflow="ellipsis", pad=True)
    return cell


def kind_width(width: int) -> int:
    return 7 if width >= WIDE else 2


def columns_for(width: int, detail: bool = True) -> tuple[int, int, int]:
    """Widths of the title, "belongs to" and phone-or-email columns in a line `width` wide:
    the title gets the larger share, the phone its whole number when there is room."""
    rest = max(width - INDENT - WHEN_WIDTH - kind_width(width) - 2 - 2 - (2 if detail else 0), 12)
    detail_width = min(DETAIL_WIDTH, rest // 3) if detail else 0
    title = min(TITLE_MAX, (rest - detail_width) * 3 // 5)
    return title, min(REGARDING_MAX, rest - detail_width - title), detail_width


def line(width: int, when: Text, kind: Text, title: Text, regarding: Text, detail: Text | None) -> Text:
    title_width, regarding_width, detail_width = columns_for(width, detail is not None)
    parts = [
        Text(" " * INDENT),
        _cell(when, WHEN_WIDTH),
        Text(" "),
        _cell(kind, kind_width(width)),
        Text(" "),
        _cell(title, title_width),
        Text("  "),
        _cell(regarding, regarding_width),
    ]
    if detail is not None:
        parts += [Text("  "), _cell(detail, detail_width)]
    joined = Text().join(parts)
    joined.rstrip()
    joined.truncate(width, overflow="ellipsis")
    return joined


def item_line(item: TodayItem, width: int) -> Text:
    row = item.row
    when_style = "bold red" if item.overdue else "bold"
    repeat = " ↻" if row.recurrence else ""
    return line(
        width,
        Text(when_text(item), style=when_style),
        Text(kind_label(row.kind, width)),
        Text(row.title + repeat, style="bold red" if item.overdue else ""),
        Text(row.regarding, style="dim"),
        Text(item.contact_detail, style="cyan"),
    )


def deal_line(deal: StalledDeal, width: int) -> Text:
    days = f"{deal.days_in_stage}d" if deal.days_in_stage else "new"
    when = Text(f"{days:>4} ", style="yellow" if deal.days_in_stage >= 14 else "dim")
    when.append(deal.stage)
    return line(
        width,
        when,
        Text("◆", style="dim"),
        Text(deal.title, style="bold"),
        Text(deal.client, style="dim"),
        Text(format_money(deal.amount, deal.currency)),
    )


def client_line(client: ForgottenClient, width: int) -> Text:
    untouched = "never" if client.days_untouched is None else f"{client.days_untouched} days"
    return line(
        width,
        Text(untouched, style="yellow"),
        Text("●", style="dim"),
        Text(client.name, style="bold"),
        Text(client.company, style="dim"),
        Text(client.reason, style="dim"),
    )


class AgendaList(OptionList):
    """The Today list. The screen gives it a `TodayList` with `show`; it says what the cursor is
    on with `pick`, and posts `Toggled` when a section opens or closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        # No words: the help lists g and G with the other lists' keys already.
        Binding("g", "first", "", show=False),
        Binding("G", "last", "", show=False),
        Binding("space,right", "open_section", "Open", show=False, tooltip="Open the section"),
        Binding("left", "close_section", "Close", show=False, tooltip="Close the section"),
    ]

    class Toggled(Message):
        """A section was opened or closed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: TodayList | None = None
        self.forgotten_days = DEFAULT_FORGOTTEN_DAYS
        self.collapsed: set[str] = set(COLLAPSED_AT_FIRST)
        self._picks: list[Pick | None] = []
        self._drawn_width = 0

    # ---------------------------------------------------------------- drawing

    @property
    def line_width(self) -> int:
        # Room for the scroll bar whether it shows or not (the columns stay put when it comes
        # and goes), and a little air at the right.
        return max((self.size.width or self.app.size.width) - 2, 20)

    def show(self, data: TodayList, follow: str | None = None, forgotten_days: int | None = None) -> None:
        """Draw `data`; the cursor goes to the option keyed `follow` when it is still there,
        else stays at the same place in the list (the next item, after one is cleared)."""
        before = self.highlighted
        self.data = data
        if forgotten_days is not None:
            self.forgotten_days = forgotten_days
        self._draw(follow, before)

    def _draw(self, follow: str | None, before: int | None) -> None:
        if self.data is None:
            return
        width = self.line_width
        self._drawn_width = width
        options: list[Option] = []
        picks: list[Pick | None] = []
        for section, count, lines in self._sections(self.data, width):
            if count == 0 and section not in (Section.TODAY.value,):
                continue
            options.append(Option(self._header(section, count), id=f"h:{section}"))
            picks.append(Pick("section", section, section))
            if section in self.collapsed:
                continue
            if count == 0:
                options.append(Option(Text("  Nothing left for today.", style="dim italic"), disabled=True))
                picks.append(None)
            for option_id, text in lines:
                kind, key = option_id.split(":", 1)
                options.append(Option(text, id=option_id))
                picks.append(Pick({"a": "activity", "d": "deal", "c": "contact"}[kind], key, section))
            if len(lines) < count:
                more = Text(f"  … and {count - len(lines):,} more", style="dim italic")
                options.append(Option(more, disabled=True))
                picks.append(None)
        self._picks = picks
        self.set_options(options)
        if not options:
            return
        index = None
        if follow is not None:
            try:
                index = self.get_option_index(follow)
            except OptionDoesNotExist:  # the thing left the list (done, moved, deleted)
                index = None
        if index is None and before is None:
            # The first time: on the first thing to do, not on its header.
            index = next((number for number, pick in enumerate(picks) if pick and pick.kind != "section"), 0)
        if index is None:
            index = min(before if before is not None else 0, len(options) - 1)
        # Not on a "… more" line: the nearest option above that can be chosen.
        while index > 0 and options[index].disabled:
            index -= 1
        self.highlighted = index
        self.scroll_to_highlight()

    def _sections(self, data: TodayList, width: int) -> list[tuple[str, int, list[tuple[str, Text]]]]:
        found: list[tuple[str, int, list[tuple[str, Text]]]] = []
        for section in Section:
            lines = [(f"a:{item.row.id}", item_line(item, width)) for item in data.section(section)]
            found.append((section.value, data.counts.get(section.value, len(lines)), lines))
        deals = [(f"d:{deal.deal_id}", deal_line(deal, width)) for deal in data.stalled_deals]
        found.append((STALLED, data.counts.get(STALLED, len(deals)), deals))
        clients = [(f"c:{client.contact_id}", client_line(client, width)) for client in data.forgotten]
        found.append((FORGOTTEN, data.counts.get(FORGOTTEN, len(clients)), clients))
        return found

    def _header(self, section: str, count: int) -> Text:
        marker = "▸" if section in self.collapsed else "▾"
        style = "bold red" if section == Section.OVERDUE.value else "bold"
        name = SECTION_NAMES[section]
        if section == Section.TODAY.value:
            name += f" · {day_label(today())}"
        header = Text.assemble((f"{marker} {name}", style), (f" · {count:,}", "bold"))
        if section == FORGOTTEN:
            header.append(f"   not touched for over {self.forgotten_days} days", style="dim")
        if section in self.collapsed:
            header.append("   enter opens", style="dim")
        return header

    def on_resize(self) -> None:
        if self.data is not None and self.line_width != self._drawn_width:
            self._draw(self._key_at(self.highlighted), self.highlighted)

    # ---------------------------------------------------------------- the cursor

    @property
    def pick(self) -> Pick | None:
        index = self.highlighted
        if index is None or index >= len(self._picks):
            return None
        return self._picks[index]

    def _key_at(self, index: int | None) -> str | None:
        if index is None or index >= self.option_count:
            return None
        return self.get_option_at_index(index).id

    def key_of(self, pick: Pick) -> str:
        prefix = {"section": "h", "activity": "a", "deal": "d", "contact": "c"}[pick.kind]
        return f"{prefix}:{pick.key}"

    def neighbour_key(self) -> str | None:
        """The option after the highlighted one (else before it): where the cursor belongs
        once the highlighted item leaves the list."""
        index = self.highlighted
        if index is None:
            return None
        for other in (index + 1, index - 1):
            if 0 <= other < len(self._picks) and self._picks[other] is not None:
                pick = self._picks[other]
                assert pick is not None
                if pick.kind != "section":
                    return self.key_of(pick)
        return None

    # ---------------------------------------------------------------- sections

    def toggle(self, section: str, open_it: bool | None = None) -> None:
        opened = section in self.collapsed if open_it is None else open_it
        if opened == (section not in self.collapsed):
            return
        if opened:
            self.collapsed.discard(section)
        else:
            self.collapsed.add(section)
        self._draw(f"h:{section}", self.highlighted)
        self.post_message(self.Toggled())

    def action_open_section(self) -> None:
        pick = self.pick
        if pick is not None and pick.kind == "section":
            self.toggle(pick.section, open_it=True)

    def action_close_section(self) -> None:
        pick = self.pick
        if pick is not None:
            self.toggle(pick.section, open_it=False)
