"""`/`: search everything as you type; enter opens the record."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from crm_tui import folding
from crm_tui.db.models import EntityKind
from crm_tui.services.search import search
from crm_tui.services.summaries import RecordSummary
from crm_tui.ui.database import run_in_session

KIND_LABELS = {
    EntityKind.CONTACT: "contact",
    EntityKind.COMPANY: "company",
    EntityKind.LEAD: "lead",
    EntityKind.DEAL: "deal",
}


class SearchDialog(ModalScreen[tuple[EntityKind, int] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close"),
        Binding("down", "to_results", "Results", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[RecordSummary] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search", classes="dialog"):
            yield Label("Search contacts, companies, leads and deals", classes="dialog-title")
            yield Input(placeholder="name, company, email or phone…", id="search-input")
            yield OptionList(id="search-results")
            yield Label("Type to search · ↓ to the results · enter opens · esc closes", id="search-status")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        self._prepare()

    @work(thread=True, exit_on_error=False)
    def _prepare(self) -> None:
        folding.prepare()  # while the person reaches for the first key

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, text: str) -> None:
        hits = run_in_session(self, lambda session: search(session, text, limit=50))
        self.app.call_from_thread(self._show, text, hits)

    def _show(self, text: str, hits: list[RecordSummary]) -> None:
        if text != self.query_one("#search-input", Input).value:
            return  # an older keystroke's answer arrived late
        status = f"{len(hits)} found" if hits else ("No matches" if text.strip() else "Type to search")
        # Its size is fixed (one line, full width): no layout pass needed for new text.
        self.query_one("#search-status", Label).update(
            f"{status} · ↓ to the results · enter opens · esc closes", layout=False
        )
        if hits == self.hits:
            return  # the next letter often finds the same records: nothing to redraw
        self.hits = hits
        results = self.query_one("#search-results", OptionList)
        options = []
        for index, hit in enumerate(hits):
            line = Text.assemble(
                (f"{KIND_LABELS.get(hit.kind, hit.kind.value):<8}", "dim"), (hit.title, "bold")
            )
            if hit.detail:
                line.append(f"  {hit.detail}", style="dim")
            options.append(Option(line, id=str(index)))
        # One replacement, one layout: adding options one by one redrew the list fifty times
        # a keystroke.
        results.set_options(options)
        if hits:
            results.highlighted = 0

    @on(Input.Submitted, "#search-input")
    def _open_first(self) -> None:
        results = self.query_one("#search-results", OptionList)
        index = results.highlighted if results.highlighted is not None else 0
        if index < len(self.hits):
            self._pick(index)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option_index)

    def _pick(self, index: int) -> None:
        hit = self.hits[index]
        self.dismiss((hit.kind, hit.id))

    def action_to_results(self) -> None:
        if self.hits:
            self.query_one("#search-results", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
