"""The pipeline board: one column per open stage, cards moved through from the keyboard.

Only what is on the screen is read. Each column holds a window of its cards (those that fit
and a few more either side) and its totals, which come from SQL; moving the focus past the
window reads the next one in a worker. The first reading — every column's totals and first
window — is one worker call in one session, drawn once. The board is drawn line by line
(Textual's Line API): the columns that fit are joined side by side, and the ones that do not
are reported through `Scrolled` for the screen to say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from sqlmodel import Session
from textual import events, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from crm_tui.services import pipeline
from crm_tui.services.pipeline import BoardCard, BoardFilter, ColumnTotal
from crm_tui.ui.database import run_in_session
from crm_tui.ui.widgets.board_column import (
    CARD_HEIGHT,
    MAX_CURRENCY_LINES,
    ColumnShape,
    ColumnView,
    Look,
    column_lines,
    fitted,
)

MIN_COLUMN_WIDTH = 26
MAX_COLUMN_WIDTH = 40
# Cards read beyond those on the screen, either side: a few keystrokes' worth of moving on.
WINDOW_MARGIN = 6
# Before the board has a size: the rows a terminal leaves it (mode bar, title, footer…).
CHROME_ROWS = 8


@dataclass(frozen=True)
class BoardRead:
    """What one reading of the board brought: every column's totals, the windows of the
    columns read again (stage id -> top, offset, cards), where the followed deal now is."""

    totals: list[ColumnTotal]
    windows: dict[int, tuple[int, int, list[BoardCard]]]
    place: tuple[int, int] | None


def top_for(top: int, count: int, visible: int, row: int | None) -> int:
    """The first card to show so that `row` (when given) is on the screen, moving as little
    as possible, and no room is wasted past the column's last card."""
    if row is not None:
        if row < top:
            top = row
        elif row >= top + visible:
            top = row - visible + 1
    return max(0, min(top, count - visible))


class Board(Widget, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "board--name",
        "board--name-focused",
        "board--muted",
        "board--rule",
        "board--title",
        "board--focused",
        "board--marker",
        "board--warning",
        "board--overdue",
        "board--stale",
    }
    DEFAULT_CSS = """
    Board {
        height: 1fr;
    }
    Board > .board--name { text-style: bold; }
    Board > .board--name-focused { text-style: bold; color: $text-accent; }
    Board > .board--muted { color: $text-muted; }
    Board > .board--rule { color: $panel-lighten-2; }
    Board > .board--title { text-style: bold; }
    Board > .board--focused { background: $accent 25%; }
    Board > .board--marker { color: $accent; }
    Board > .board--warning { color: $text-warning; }
    Board > .board--overdue { color: $text-error; }
    Board > .board--stale { color: $text-error; text-style: bold; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "step(1)", "Next card", show=False, tooltip="Next card in the column"),
        Binding("up,k", "step(-1)", "Previous card", show=False, tooltip="Previous card in the column"),
        Binding("right,l", "column(1)", "Next column", show=False, tooltip="The column on the right"),
        Binding("left,h", "column(-1)", "Previous column", show=False, tooltip="The column on the left"),
        Binding("pagedown", "page(1)", "Page down", show=False, tooltip="A screenful down the column"),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="A screenful up the column"),
        Binding("home,g", "edge(-1)", "First card", show=False, tooltip="The column's first card"),
        Binding("end,G", "edge(1)", "Last card", show=False, tooltip="The column's last card"),
    ]

    class Loaded(Message):
        """The board was read (again): its columns, totals and cards are on the screen."""

        def __init__(self, board: Board) -> None:
            super().__init__()
            self.board = board

        @property
        def control(self) -> Board:
            return self.board

    class Scrolled(Message):
        """Which columns are off the screen changed."""

        def __init__(self, board: Board) -> None:
            super().__init__()
            self.board = board

        @property
        def control(self) -> Board:
            return self.board

    class Opened(Message):
        """A card was double-clicked."""

        def __init__(self, board: Board, deal_id: int) -> None:
            super().__init__()
            self.board = board
            self.deal_id = deal_id

        @property
        def control(self) -> Board:
            return self.board

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.wanted = BoardFilter()
        self.columns: list[ColumnView] = []
        self.column_index = 0
        self.row = 0  # the focused card's place in its column
        self.first_shown = 0  # the leftmost column on the screen
        self.loaded = False
        # Which reading the windows answer: a window read before the board was read again
        # (a move, a filter) is dropped when it arrives.
        self._generation = 0
        self._lines: list[Strip] | None = None
        self._column_cache: dict[int, tuple[tuple[object, ...], list[Strip]]] = {}
        self._shown_edges = (0, 0)
        # What the reading on its way was asked for: (the deal to follow, the columns).
        self._asked: tuple[int | None, set[int] | None] | None = None

    # ---------------------------------------------------------------- geometry

    @property
    def fit(self) -> int:
        """How many columns the board has room for."""
        room = self.size.width or self.app.size.width
        return max(1, min(len(self.columns) or 1, room // MIN_COLUMN_WIDTH))

    @property
    def column_width(self) -> int:
        room = self.size.width or self.app.size.width
        return max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, room // self.fit))

    @property
    def currency_lines(self) -> int:
        widest = max((len(view.total.amounts) for view in self.columns), default=1)
        return max(1, min(MAX_CURRENCY_LINES, widest))

    @property
    def cards_fit(self) -> int:
        """How many cards a column shows (the last one needs no gap under it)."""
        height = self.size.height or max(CARD_HEIGHT, self.app.size.height - CHROME_ROWS)
        return max(1, (height - 2 - self.currency_lines + 1) // CARD_HEIGHT)

    def shape(self) -> ColumnShape:
        return ColumnShape(self.column_width, self.currency_lines, self.cards_fit, self.size.height)

    @property
    def hidden_left(self) -> int:
        return self.first_shown

    @property
    def hidden_right(self) -> int:
        return max(0, len(self.columns) - self.first_shown - self.fit)

    @property
    def total_count(self) -> int:
        return sum(view.count for view in self.columns)

    # ---------------------------------------------------------------- what has the focus

    @property
    def focused_view(self) -> ColumnView | None:
        return self.columns[self.column_index] if self.columns else None

    @property
    def focused_column(self) -> ColumnTotal | None:
        view = self.focused_view
        return view.total if view is not None else None

    @property
    def focused_card(self) -> BoardCard | None:
        view = self.focused_view
        return view.card_at(self.row) if view is not None else None

    # ---------------------------------------------------------------- reading

    def load(self, follow: int | None = None, affected: set[int] | None = None) -> None:
        """Read the totals again, and the windows of the `affected` columns (None: of every
        column). The focus goes to the deal `follow` when it is on the board, else stays on
        the deal it is on, else at the same place."""
        self._generation += 1
        if self._asked is not None:
            # A reading still on its way is dropped for this one (a change, then the screen's
            # resume as its dialog closes): this one does what that one was asked to as well.
            follow = follow if follow is not None else self._asked[0]
            affected = None if affected is None or self._asked[1] is None else affected | self._asked[1]
        if follow is None and (card := self.focused_card) is not None:
            follow = card.id
        self._asked = (follow, affected)
        tops = {view.total.stage_id: view.top for view in self.columns}
        self._read(self._generation, self.wanted, follow, affected, tops, self.cards_fit)

    @work(thread=True, exclusive=True, group="board-read", exit_on_error=False)
    def _read(
        self,
        generation: int,
        wanted: BoardFilter,
        follow: int | None,
        affected: set[int] | None,
        tops: dict[int, int],
        visible: int,
    ) -> None:
        def read(session: Session) -> BoardRead:
            totals = pipeline.board_columns(session, wanted)
            place = pipeline.card_index(session, follow, wanted) if follow is not None else None
            windows = {}
            for total in totals:
                known = total.stage_id in tops
                if affected is not None and known and total.stage_id not in affected:
                    continue
                row = place[1] if place is not None and place[0] == total.stage_id else None
                top = top_for(tops.get(total.stage_id, 0), total.count, visible, row)
                offset = max(0, top - WINDOW_MARGIN)
                limit = visible + 2 * WINDOW_MARGIN
                windows[total.stage_id] = (
                    top,
                    offset,
                    pipeline.stage_cards(session, total.stage_id, wanted, offset, limit),
                )
            return BoardRead(totals, windows, place)

        found = run_in_session(self, read)
        self.app.call_from_thread(self._show, generation, found)

    def _show(self, generation: int, found: BoardRead) -> None:
        if generation != self._generation:
            return
        self._asked = None
        before = {view.total.stage_id: view for view in self.columns}
        focused_stage = self.focused_column.stage_id if self.focused_column else None
        views = []
        for total in found.totals:
            view = before.get(total.stage_id) or ColumnView(total)
            view.total = total
            view.pending = False
            if total.stage_id in found.windows:
                view.top, view.offset, view.cards = found.windows[total.stage_id]
            views.append(view)
        self.columns = views
        stage_ids = [view.total.stage_id for view in views]
        if found.place is not None and found.place[0] in stage_ids:
            self.column_index, self.row = stage_ids.index(found.place[0]), found.place[1]
        elif focused_stage in stage_ids:
            self.column_index = stage_ids.index(focused_stage)
        self.loaded = True
        self._settle()
        self.post_message(self.Loaded(self))

    @work(thread=True, group="board-window", exit_on_error=False)
    def _read_window(self, generation: int, stage_id: int, offset: int, limit: int) -> None:
        wanted = self.wanted
        cards = run_in_session(
            self, lambda session: pipeline.stage_cards(session, stage_id, wanted, offset, limit)
        )
        self.app.call_from_thread(self._show_window, generation, stage_id, offset, cards)

    def _show_window(self, generation: int, stage_id: int, offset: int, cards: list[BoardCard]) -> None:
        if generation != self._generation:
            return
        view = next((view for view in self.columns if view.total.stage_id == stage_id), None)
        if view is None:
            return
        view.offset, view.cards, view.pending = offset, cards, False
        self._settle()

    def _ensure_window(self, view: ColumnView) -> None:
        """Read the window around the cards on the screen when they are not all there, or
        when the focus comes within a few cards of the window's edge."""
        if view.pending or view.count == 0:
            return
        visible = self.cards_fit
        start, end = view.top, min(view.top + visible, view.count)
        margin = WINDOW_MARGIN // 2
        short_above = view.offset > 0 and start - margin < view.offset
        short_below = view.window_end() < view.count and end + margin > view.window_end()
        if not (short_above or short_below):
            return
        view.pending = True
        offset = max(0, view.top - WINDOW_MARGIN)
        self._read_window(self._generation, view.total.stage_id, offset, visible + 2 * WINDOW_MARGIN)

    # ---------------------------------------------------------------- moving the focus

    def _settle(self) -> None:
        """After any change: the focus on a card that exists, on the screen, its column
        shown, the windows read that the screen needs; then draw."""
        if self.columns:
            self.column_index = max(0, min(self.column_index, len(self.columns) - 1))
            view = self.columns[self.column_index]
            self.row = max(0, min(self.row, view.count - 1))
            visible = self.cards_fit
            view.top = top_for(view.top, view.count, visible, self.row)
            fit = self.fit
            if self.column_index < self.first_shown:
                self.first_shown = self.column_index
            elif self.column_index >= self.first_shown + fit:
                self.first_shown = self.column_index - fit + 1
            self.first_shown = max(0, min(self.first_shown, len(self.columns) - fit))
            for shown in self.columns[self.first_shown : self.first_shown + fit]:
                shown.top = top_for(shown.top, shown.count, visible, None)
                self._ensure_window(shown)
        else:
            self.column_index = self.row = self.first_shown = 0
        self._lines = None
        self.refresh()
        edges = (self.hidden_left, self.hidden_right)
        if edges != self._shown_edges:
            self._shown_edges = edges
            self.post_message(self.Scrolled(self))

    def action_step(self, step: int) -> None:
        view = self.focused_view
        if view is None or view.count == 0:
            return
        self.row = max(0, min(self.row + step, view.count - 1))
        self._settle()

    def action_page(self, direction: int) -> None:
        self.action_step(direction * self.cards_fit)

    def action_edge(self, direction: int) -> None:
        view = self.focused_view
        if view is not None:
            self.action_step(direction * view.count)

    def action_column(self, step: int) -> None:
        """The next column on that side, at about the same height on the screen."""
        if not self.columns:
            return
        target = max(0, min(self.column_index + step, len(self.columns) - 1))
        if target == self.column_index:
            return
        on_screen = self.row - self.columns[self.column_index].top
        self.column_index = target
        self.row = self.columns[target].top + on_screen
        self._settle()

    def focus_place(self, column_index: int, row: int) -> None:
        self.column_index, self.row = column_index, row
        self._settle()

    # ---------------------------------------------------------------- the mouse

    def _place_at(self, x: int, y: int) -> tuple[int, int | None] | None:
        """(column index, card index or None for the header) under a point of the board."""
        column = self.first_shown + x // self.column_width
        if not self.columns or column >= min(len(self.columns), self.first_shown + self.fit):
            return None
        shape = self.shape()
        if y < shape.header_height:
            return column, None
        slot = (y - shape.header_height) // CARD_HEIGHT
        index = self.columns[column].top + slot
        return column, index if index < self.columns[column].count else None

    def on_click(self, event: events.Click) -> None:
        place = self._place_at(event.x, event.y)
        if place is None:
            return
        column, index = place
        if index is None:
            self.action_column(column - self.column_index)
            return
        self.focus_place(column, index)
        if event.chain >= 2 and (card := self.focused_card) is not None:
            self.post_message(self.Opened(self, card.id))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_step(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_step(-1)

    # ---------------------------------------------------------------- drawing

    def on_resize(self) -> None:
        self._settle()

    def notify_style_update(self) -> None:
        # A new theme: draw again in its colours.
        super().notify_style_update()
        self._lines = None

    def _look(self) -> Look:
        def style(name: str, background: bool = False) -> Style:
            # The full style, for colours blended with the background as the theme says
            # (a partial one loses the alpha); then only what the part changes, so a card's
            # highlight leaves its text's colours alone.
            full = self.get_component_rich_style(f"board--{name}", partial=False)
            return Style(
                color=None if background else full.color,
                bgcolor=full.bgcolor if background else None,
                bold=full.bold or None,
                italic=full.italic or None,
            )

        return Look(
            name=style("name"),
            name_focused=style("name-focused"),
            muted=style("muted"),
            rule=style("rule"),
            title=style("title"),
            focused=style("focused", background=True),
            marker=style("marker"),
            warning=style("warning"),
            overdue=style("overdue"),
            stale=style("stale"),
        )

    def message(self) -> str:
        """What the board says instead of cards, when it has none to show."""
        if not self.loaded:
            return ""
        if not self.columns:
            return "No open stages. S opens the stages editor."
        if self.total_count == 0:
            if self.wanted.narrowed:
                return "No deal matches the filter. / changes it, esc clears it."
            return "No open deals. a adds one (in the focused column)."
        return ""

    def _column_strips(
        self, view: ColumnView, focused: bool, shape: ColumnShape, look: Look, empty: bool
    ) -> list[Strip]:
        """One column's lines, drawn again only when something it shows changed: a key that
        moves the focus down a column redraws that column alone."""
        key = (
            id(view.cards),
            view.offset,
            view.top,
            id(view.total),
            focused,
            self.row if focused else -1,
            shape,
            look,
            empty,
        )
        cached = self._column_cache.get(view.total.stage_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        console, base = self.app.console, self.rich_style
        lines = column_lines(view, shape, focused=focused, focus_row=self.row, look=look, show_empty=empty)
        strips = [Strip(list(line.render(console)), shape.width).apply_style(base) for line in lines]
        self._column_cache[view.total.stage_id] = (key, strips)
        return strips

    def _draw(self) -> list[Strip]:
        width, height = self.size
        base = self.rich_style
        if not self.loaded or width == 0:
            return [Strip.blank(width, base) for _ in range(height)]
        look = self._look()
        shape = self.shape()
        message = self.message()
        shown = self.columns[self.first_shown : self.first_shown + self.fit]
        columns = [
            self._column_strips(
                view, self.first_shown + offset == self.column_index, shape, look, not message
            )
            for offset, view in enumerate(shown)
        ]
        strips = []
        for y in range(height):
            if message and y == shape.header_height + 1:
                text = fitted(Text(f"  {message}", style=look.muted), width)
                strips.append(Strip(list(text.render(self.app.console)), width).apply_style(base))
                continue
            strips.append(Strip.join(lines[y] for lines in columns).crop_extend(0, width, base))
        return strips

    def render_line(self, y: int) -> Strip:
        if self._lines is None or len(self._lines) != self.size.height:
            self._lines = self._draw()
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)
