"""How one column of the pipeline board looks: the stage's name, count and sums on top, then
its cards, as lines of text exactly a column wide. Kept apart from the Board widget, which
decides what is shown and where; this only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from crm_tui.money import format_money
from crm_tui.services.pipeline import BoardCard, ColumnTotal

CARD_LINES = 3
CARD_HEIGHT = CARD_LINES + 1  # and a gap
MAX_CURRENCY_LINES = 3
RULE = "─"
SEPARATOR = "│"
MARKER = "▌"
# Room for "123d in stage · meeting 24.12".
LONG_DAYS_FROM = 29


@dataclass
class ColumnView:
    """One column as the board holds it: the stage's totals and a window of its cards."""

    total: ColumnTotal
    cards: list[BoardCard] = field(default_factory=list)
    offset: int = 0  # where cards[0] sits in the column
    top: int = 0  # the first card on the screen
    pending: bool = False  # a window is being read

    @property
    def count(self) -> int:
        return self.total.count

    def card_at(self, index: int) -> BoardCard | None:
        position = index - self.offset
        return self.cards[position] if 0 <= position < len(self.cards) else None

    def window_end(self) -> int:
        return self.offset + len(self.cards)


@dataclass(frozen=True)
class Look:
    """The styles of the board's parts (from its component classes, so they follow the theme)."""

    name: Style
    name_focused: Style
    muted: Style
    rule: Style
    title: Style
    focused: Style
    marker: Style
    warning: Style
    overdue: Style
    stale: Style


@dataclass(frozen=True)
class ColumnShape:
    """What every column shown shares: its width, the header's height, the cards that fit."""

    width: int
    currency_lines: int
    visible: int
    height: int

    @property
    def content(self) -> int:
        """The cells for text: one goes to the focus marker, one to the separator."""
        return max(1, self.width - 2)

    @property
    def header_height(self) -> int:
        return 2 + self.currency_lines


def fitted(text: Text, width: int) -> Text:
    """The text cut (with an ellipsis) or padded to exactly `width` cells."""
    text = text.copy()
    text.no_wrap = True
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


def compact_money(minor_units: int) -> str:
    """`7.03M`, `125k`: an amount in a few cells, for a sum too long for its column."""
    units = minor_units / 100
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(units) >= threshold:
            return f"{units / threshold:.3g}{suffix}"
    return f"{units:.0f}"


def totals_text(currency: str, amount: int, weighted: int, width: int) -> str:
    """The sum and the probability-weighted sum in one currency, as long as the room allows:
    `150 000 RUB · ≈75 000 RUB`, `150 000 RUB ≈75 000`, `7.03M RUB ≈3.51M`."""
    candidates = [
        f"{format_money(amount, currency)} · ≈{format_money(weighted, currency)}",
        f"{format_money(amount, currency)} ≈{format_money(weighted)}",
        f"{compact_money(amount)} {currency} ≈{compact_money(weighted)}",
    ]
    return next((text for text in candidates if cell_len(text) <= width), candidates[-1])


def _header(view: ColumnView, shape: ColumnShape, focused: bool, position: str, look: Look) -> list[Text]:
    room = shape.content
    total = view.total
    count = f" · {total.count:,}"
    probability = f"{total.probability}%"
    name = Text(total.name, style=look.name_focused if focused else look.name)
    name.truncate(max(1, room - cell_len(count)), overflow="ellipsis")
    name.append(count)
    if cell_len(name.plain) + 1 + len(probability) <= room:
        name.append(" " * (room - cell_len(name.plain) - len(probability)))
        name.append(probability, style=look.muted)
    lines = [name]
    ordered = sorted(total.amounts.items(), key=lambda item: -item[1])
    for index in range(shape.currency_lines):
        if index < len(ordered):
            currency, amount = ordered[index]
            shown = totals_text(currency, amount, total.weighted.get(currency, 0), room)
            if index == shape.currency_lines - 1 and len(ordered) > shape.currency_lines:
                shown = f"+{len(ordered) - index} more currencies"
            lines.append(Text(shown, style=look.muted))
        else:
            lines.append(Text("0" if index == 0 else "", style=look.muted))
    rule = RULE * room
    if position:
        label = f" {position} "
        rule = RULE * max(0, room - cell_len(label) - 1) + label + RULE
    lines.append(Text(rule, style=look.rule))
    return lines


def _next_step(card: BoardCard, look: Look) -> Text:
    if card.next_kind is None:
        return Text("no next step", style=look.warning)
    shown = card.next_kind if card.next_due is None else f"{card.next_kind} {card.next_due:%d.%m}"
    return Text(shown, style=look.overdue if card.overdue else "")


def card_lines(card: BoardCard, room: int, look: Look) -> list[Text]:
    """Three lines: the title (and how long it has gone stale); the client and the amount;
    days in the stage and the next step."""
    title = Text(card.title, style=look.title)
    if card.stale_days is not None:
        stale = f" stale {card.stale_days}d"
        title.truncate(max(1, room - len(stale)), overflow="ellipsis")
        title.append(stale, style=look.stale)

    amount = format_money(card.amount, card.currency)
    client_room = room - cell_len(amount) - 3
    if card.client and client_room >= 4:
        client = Text(card.client)
        client.truncate(client_room, overflow="ellipsis")
        second = Text.assemble(client, (" · ", look.muted), amount)
    else:
        second = Text(amount)

    step = _next_step(card, look)
    # The same words on every card of a column: "in stage" only where any card has room for it.
    days = f"{card.days_in_stage}d in stage" if room >= LONG_DAYS_FROM else f"{card.days_in_stage}d"
    third = Text.assemble((days, look.muted), (" · ", look.muted), step)
    return [title, second, third]


def column_lines(
    view: ColumnView,
    shape: ColumnShape,
    *,
    focused: bool,
    focus_row: int,
    look: Look,
    show_empty: bool = True,
) -> list[Text]:
    """Every line of one column, `shape.height` of them, each `shape.width` cells wide."""
    room = shape.content
    position = ""
    if view.count > shape.visible:
        last = min(view.top + shape.visible, view.count)
        position = f"{focus_row + 1}/{view.count:,}" if focused else f"{view.top + 1}–{last}/{view.count:,}"
    body: list[tuple[Text, bool]] = [(line, False) for line in _header(view, shape, focused, position, look)]
    if view.count == 0 and show_empty:
        body.append((Text("no deals", style=look.muted), False))
    for slot in range(shape.visible if view.count else 0):
        index = view.top + slot
        if index >= view.count:
            break
        card = view.card_at(index)
        current = focused and index == focus_row
        if card is None:
            lines = [Text("…", style=look.muted), Text(""), Text("")]
        else:
            lines = card_lines(card, room, look)
        body.extend((line, current) for line in lines)
        body.append((Text(""), False))
    lines = []
    for line, current in body[: shape.height]:
        drawn = Text()
        drawn.append(MARKER if current else " ", style=look.marker if current else "")
        drawn.append_text(fitted(line, room))
        if current:
            drawn.stylize(look.focused, 1, 1 + room)
        drawn.append(SEPARATOR, style=look.rule)
        lines.append(drawn)
    blank = Text(" " * (shape.width - 1))
    blank.append(SEPARATOR, style=look.rule)  # (a Text's own style would colour it all)
    lines.extend(blank.copy() for _ in range(shape.height - len(lines)))
    return lines
