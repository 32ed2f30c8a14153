"""Mode 3: the pipeline board — a column per open stage with its sums, deals moved along from
the keyboard, won or lost; `v` turns it into a sortable list of the same deals.

Every change is one service call in a worker; the board then reads its totals and the
columns the change touched again, the focus follows the deal, and a notification says what
happened. Moves are kept so `u` can take them back, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from crm_tui.dates import days_since
from crm_tui.db.models import Deal, EntityKind
from crm_tui.errors import CrmError, RecordChanged
from crm_tui.money import format_money
from crm_tui.services import deals, settings
from crm_tui.services.deals import DealRow, DealSort, StageMove
from crm_tui.services.pipeline import BoardFilter
from crm_tui.ui.database import crm_app, describe_failure, run_in_session, said
from crm_tui.ui.dialogs import deal_dialogs
from crm_tui.ui.dialogs.add_forms import add_dialog
from crm_tui.ui.dialogs.deal_dialogs import DealRef
from crm_tui.ui.in_order import InOrder
from crm_tui.ui.record_actions import RecordActions, Target
from crm_tui.ui.screens.base import MINE_BINDINGS, MINE_MARK, ModeScreen, title_row
from crm_tui.ui.widgets.board import Board
from crm_tui.ui.widgets.record_table import Column, RecordTable

SORTS = list(DealSort)


class PipelineScreen(RecordActions, ModeScreen):
    MODE = "pipeline"
    KIND: ClassVar[EntityKind] = EntityKind.DEAL

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=False, tooltip="Open the deal's card"),
        Binding(
            "L,shift+right",
            "move(1)",
            "Move",
            key_display="H/L",
            tooltip="Move the deal to the next stage",
        ),
        Binding(
            "H,shift+left", "move(-1)", "Move back", show=False, tooltip="Move the deal to the previous stage"
        ),
        Binding("w", "won", "Won", tooltip="Mark the deal won (asks the final amount)"),
        Binding("x", "lost", "Lost", tooltip="Mark the deal lost (asks why)"),
        Binding("a", "add", "Add", tooltip="Add a deal (in the focused stage)"),
        Binding(
            "e",
            "edit",
            "Edit",
            show=False,
            tooltip="Edit the deal: title, amount, currency, close date, notes",
        ),
        Binding("n", "note", "Note", show=False, tooltip="Add a note to the deal's timeline"),
        Binding("t", "task", "Task", show=False, tooltip="Plan a call, meeting, email or task for the deal"),
        Binding(
            "slash", "filter", "Filter", tooltip="Filter the deals by text, contact, company, tag or amount"
        ),
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="Clear the filter"),
        Binding("u", "undo", "Undo", tooltip="Undo the last move (won and lost too)"),
        Binding("v", "view('list')", "List", tooltip="Show the deals as a sortable list"),
        Binding("v", "view('board')", "Board", tooltip="Show the deals as the board"),
        Binding("o", "sort", "Sort", tooltip="Sort the list: stage, amount, expected close, days in stage"),
        Binding(
            "S", "app.stages", "Stages", show=False, tooltip="Edit the stages (names, order, probability…)"
        ),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the board again"),
        *MINE_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.wanted = BoardFilter()
        self.sort = DealSort.STAGE
        self.listing = False
        self.moves: list[StageMove] = []
        self.list_total = 0
        # One change at a time reaches the database, in the order the keys came: two quick L
        # presses are two moves of the same deal, not two sessions racing for it.
        self._changing = InOrder()
        # The versions this screen's own changes made of a deal: (deal id, version before) →
        # version after. A key queued on the card as it was before is then handed the version
        # the change before it left, and is not taken for someone else's change.
        self._own_versions: dict[tuple[int, int], int] = {}

    # ---------------------------------------------------------------- layout

    def compose_body(self) -> ComposeResult:
        with Vertical(id="pipeline-body"):
            yield Static("", id="pipeline-title")
            yield Board(id="board")

    @property
    def board(self) -> Board:
        return self.query_one("#board", Board)

    @property
    def table(self) -> RecordTable[DealRow]:
        return self.query_one("#records", RecordTable)

    def on_mount(self) -> None:
        self.board.focus()
        self.board.wanted = self.shown_filter()
        self.board.load()
        self.show_title()

    def shown_filter(self) -> BoardFilter:
        """The filter typed with `/`, narrowed to my deals under the app's "mine"."""
        return replace(self.wanted, owner=self.owner)

    def owner_changed(self) -> None:
        self.reload()
        self.show_title()

    def on_screen_resume(self) -> None:
        # Back from a deal's card, the stages editor or another mode: show what changed.
        if self.board.loaded:
            self.reload()

    def reload(self, follow: int | None = None, affected: set[int] | None = None) -> None:
        shown = self.shown_filter()
        if shown != self.board.wanted:  # "mine" changed meanwhile: every column changes
            self.board.wanted, affected = shown, None
        self.board.load(follow, affected)
        if self.listing:
            self.table.reload()

    def show_title(self) -> None:
        title = Text()
        if self.listing:
            title.append(f"Deals · {self.list_total:,} open", style="bold")
            title.append(f" · sorted by {self.sort.value}", style="bold")
        else:
            count = self.board.total_count
            title.append(f"Pipeline · {count:,} open deal{'' if count == 1 else 's'}", style="bold")
        if self.owner:
            title.append(MINE_MARK, style="bold")
        if self.wanted.narrowed:
            title.append(f"  {self.wanted.describe()}", style="italic")
            title.append("  esc clears", style="dim")
        edges = Text(justify="right", style="dim")
        if not self.listing:
            hidden = [
                f"‹ {self.board.hidden_left} more" if self.board.hidden_left else "",
                f"{self.board.hidden_right} more ›" if self.board.hidden_right else "",
            ]
            edges.append("   ".join(part for part in hidden if part))
        grid = title_row(title, edges)
        self.query_one("#pipeline-title", Static).update(grid)

    def on_board_loaded(self, event: Board.Loaded) -> None:
        self.show_title()

    def on_board_scrolled(self, event: Board.Scrolled) -> None:
        self.show_title()

    def on_board_opened(self, event: Board.Opened) -> None:
        crm_app(self).open_record(EntityKind.DEAL, event.deal_id)

    # ---------------------------------------------------------------- the list view

    def deal_table(self) -> RecordTable[DealRow]:
        columns = [
            Column("Stage", 11),
            Column("Deal", 24, flex=True),
            Column("Client", 16, flex=True),
            Column("Amount", 13),
            Column("Close by", 8),
            Column("Days", 4),
        ]
        return RecordTable(
            columns,
            self.fetch_page,
            self.count,
            lambda row: row.id,
            self.cells,
            loaded=self.list_loaded,
            id="records",
        )

    def fetch_page(self, session: Any, offset: int, limit: int) -> Sequence[DealRow]:
        return deals.list_deals(
            session, offset=offset, limit=limit, sort=self.sort, wanted=self.shown_filter()
        )

    def count(self, session: Any) -> int:
        return deals.count_deals(session, wanted=self.shown_filter())

    def cells(self, row: DealRow) -> Sequence[str | Text]:
        return [
            row.stage,
            Text(row.title, style="bold"),
            row.company or row.contact,
            Text(format_money(row.amount, row.currency), justify="right"),
            row.expected_close_on.strftime("%d.%m.%y") if row.expected_close_on else "",
            Text(str(days_since(row.stage_entered_at)), justify="right"),
        ]

    def list_loaded(self, total: int) -> None:
        self.list_total = total
        self.show_title()

    def on_record_table_opened(self, event: RecordTable.Opened) -> None:
        crm_app(self).open_record(EntityKind.DEAL, event.record_id)

    def action_view(self, view: str) -> None:
        self.listing = view == "list"
        if self.listing and not self.query("#records"):
            self.query_one("#pipeline-body").mount(self.deal_table())
        elif self.listing:
            self.table.reload()
        else:
            self.board.load()
        self.board.display = not self.listing
        if self.listing:
            self.table.display = True
            self.table.focus()
        else:
            self.table.display = False
            self.board.focus()
        self.show_title()
        self.refresh_bindings()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.table.reload()
        self.show_title()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "view":
            return (parameters[0] == "list") != self.listing
        if action == "sort":
            return self.listing
        if action == "clear_filter":
            return self.wanted.narrowed
        if action == "mine":  # RecordActions, first in line, answers True to what it does not know
            return ModeScreen.check_action(self, action, parameters)
        return super().check_action(action, parameters)

    # ---------------------------------------------------------------- what the keys act on

    def current_deal(self) -> DealRef | None:
        if self.listing:
            row_id = self.table.selected_id
            row = next((row for row in self.table.records if row.id == row_id), None)
            if row is None:
                return None
            return DealRef(row.id, row.title, row.amount, row.currency, stage=row.stage, version=row.version)
        card, column = self.board.focused_card, self.board.focused_column
        if card is None or column is None:
            return None
        return DealRef(
            card.id, card.title, card.amount, card.currency, column.stage_id, column.name, card.version
        )

    def acting_on(self) -> Target | None:
        deal = self.current_deal()
        return Target(EntityKind.DEAL, deal.id, deal.title) if deal is not None else None

    def after_action(self, message: str) -> None:
        """A note or a task was saved (RecordActions): the card's next step may have changed."""
        self.notify(message)
        deal = self.current_deal()
        self.reload(affected={deal.stage_id} if deal and deal.stage_id else None)

    def action_open(self) -> None:
        if (deal := self.current_deal()) is not None:
            crm_app(self).open_record(EntityKind.DEAL, deal.id)

    def action_reload(self) -> None:
        self.reload()

    # ---------------------------------------------------------------- moves

    def moved(self, move: StageMove, said_more: str = "") -> None:
        self.moves.append(move)
        self.notify(f"{move.describe()}{said_more} · u undoes")
        self.reload(move.deal_id, {move.from_stage_id, move.to_stage_id})

    def refused(self, error: BaseException, title: str = "Not moved") -> None:
        self.notify(said(error), title=title, severity="warning")
        if isinstance(error, RecordChanged):
            # Someone else changed the deal since the board was read: show it as it is now
            # (the focus stays on it, wherever it went).
            self.reload(error.record_id)

    def change(
        self, operation: Callable[[Any], Any], done: Callable[[Any], None], refused_title: str = "Not moved"
    ) -> None:
        """Run one service change in a worker, after the ones asked before it; a refusal is
        told, nothing else happens."""
        self._change(self._changing.ticket(), operation, done, refused_title)

    @work(thread=True, group="pipeline-change", exit_on_error=False)
    def _change(
        self, ticket: int, operation: Callable[[Any], Any], done: Callable[[Any], None], refused_title: str
    ) -> None:
        try:
            with self._changing.turn(ticket):
                result = run_in_session(self, operation)
                if isinstance(result, StageMove):  # before the next key's turn reads it
                    self._own_versions[(result.deal_id, result.previous_version)] = result.version
        except CrmError as error:
            self.app.call_from_thread(self.refused, error, refused_title)
            return
        except Exception as error:  # the database failed: said, never a silent no-op
            self.app.call_from_thread(
                self.notify, describe_failure(error), title=refused_title, severity="error"
            )
            return
        self.app.call_from_thread(done, result)

    def seen_version(self, deal: DealRef) -> int | None:
        """The version of the deal as this person last saw it: the card's, or the one this
        screen's own changes since left (called in a change's turn)."""
        version = deal.version
        while version is not None and (deal.id, version) in self._own_versions:
            version = self._own_versions[(deal.id, version)]
        return version

    def action_move(self, step: int) -> None:
        if (deal := self.current_deal()) is not None:
            self.change(
                lambda session: deals.move_to_adjacent(session, deal.id, step, self.seen_version(deal)),
                self.moved,
            )

    def action_won(self) -> None:
        if (deal := self.current_deal()) is None:
            return

        def won(move: StageMove | None) -> None:
            if move is not None:
                self.moved(move)

        self.app.push_screen(deal_dialogs.won_dialog(replace(deal, version=self.seen_version(deal))), won)

    def action_lost(self) -> None:
        if (deal := self.current_deal()) is not None:
            self._ask_lost(deal)

    @work(thread=True, group="pipeline-dialog", exit_on_error=False)
    def _ask_lost(self, deal: DealRef) -> None:
        reasons = run_in_session(self, settings.lost_reasons)
        deal = replace(deal, version=self.seen_version(deal))

        def lost(move: StageMove | None) -> None:
            if move is not None:
                self.moved(move)

        self.app.call_from_thread(self.app.push_screen, deal_dialogs.LostDialog(deal, reasons), lost)

    def action_undo(self) -> None:
        if not self.moves:
            self.notify("Nothing to undo: no deal was moved here yet.")
            return
        move = self.moves.pop()

        def undone(_: object) -> None:
            self.notify(f"Undone: {move.describe()}")
            self.reload(move.deal_id, {move.from_stage_id, move.to_stage_id})

        def undo(session: Any) -> None:
            version = deals.undo_move(session, move)
            self._own_versions[(move.deal_id, move.version)] = version

        self.change(undo, undone, "Not undone")

    # ---------------------------------------------------------------- add, edit, filter

    def action_add(self) -> None:
        # In the stage of the focused column (or of the list's highlighted deal).
        column = None if self.listing else self.board.focused_column
        deal = self.current_deal() if self.listing else None
        stage = column.name if column is not None else deal.stage if deal is not None else ""
        initial = {"stage": stage} if stage else {}

        def added(deal: Deal | None) -> None:
            if deal is not None:
                self.notify(f"Deal added: {deal.title}")
                self.reload(deal.id)

        self.app.push_screen(add_dialog("deal", initial), added)

    def action_edit(self) -> None:
        if (deal := self.current_deal()) is not None:
            self._open_deal_edit(deal)

    @work(thread=True, group="pipeline-dialog", exit_on_error=False)
    def _open_deal_edit(self, deal: DealRef) -> None:
        # The form shows the deal as it is now: its save hands back the version read with it.
        values, version = run_in_session(
            self,
            lambda session: (
                deal_dialogs.deal_form_values(session, deal.id),
                deals.get_deal(session, deal.id).version,
            ),
        )
        deal = replace(deal, version=version)

        def saved(result: object) -> None:
            if result is not None:
                self.notify(f"{deal.title}: saved.")
                self.reload(deal.id, {deal.stage_id} if deal.stage_id else None)

        self.app.call_from_thread(self.app.push_screen, deal_dialogs.edit_dialog(deal, values), saved)

    def action_filter(self) -> None:
        def chosen(wanted: BoardFilter | None) -> None:
            if wanted is not None:
                self.set_filter(wanted)

        self.app.push_screen(deal_dialogs.filter_dialog(self.wanted), chosen)

    def action_clear_filter(self) -> None:
        self.set_filter(BoardFilter())

    def set_filter(self, wanted: BoardFilter) -> None:
        self.wanted = wanted
        self.board.wanted = self.shown_filter()
        self.reload()
        self.show_title()
        self.refresh_bindings()
