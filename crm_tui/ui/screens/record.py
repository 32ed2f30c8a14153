"""A record's card: its fields, related records, open activities and timeline.

One screen serves contacts, companies, leads and deals; what a card holds is decided by
`services.cards`, so the rules are tested without the app.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui.db.models import EntityKind
from crm_tui.errors import CrmError
from crm_tui.services.cards import Card, CardLink, load_card
from crm_tui.services.deals import reopen_deal
from crm_tui.services.health import Health
from crm_tui.ui.database import crm_app, run_in_session, said
from crm_tui.ui.record_actions import RecordActions, Target

EVENT_STYLES = {
    "note": "bold",
    "stage_changed": "cyan",
    "status_changed": "cyan",
    "created": "green",
    "call": "magenta",
    "meeting": "magenta",
    "email": "magenta",
    "field_changed": "dim",
}


# A timeline's "who" column: login names are short; a long one is cut rather than the text.
ACTOR_WIDTH = 10
LIGHT_STYLES = {"green": "bold green", "yellow": "bold yellow", "red": "bold red"}
# Leads and deals have keys of their own (the inbox's, the pipeline's); on their cards only
# these of the contact and company keys apply.
ANY_CARD_ACTIONS = {"note", "task"}
RECORD_ACTIONS = {binding.action for binding in RecordActions.RECORD_BINDINGS if isinstance(binding, Binding)}


def light_text(health: Health) -> Text:
    """`● red: call overdue 3 days; no next step` in the light's colour."""
    return Text.assemble(("● ", LIGHT_STYLES[health.light.value]), (health.describe(), ""))


class RecordScreen(RecordActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        *RecordActions.RECORD_BINDINGS,
        # Deal cards only: a won or lost deal back on the board.
        Binding("r", "reopen", "Reopen", tooltip="Reopen a won or lost deal (back to its last open stage)"),
        # Cards reload on their own after every change made here; this is for changes made
        # elsewhere meanwhile (the command line, another terminal).
        Binding("ctrl+r", "reload", "Refresh", show=False),
    ]

    def __init__(self, kind: EntityKind, record_id: int) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id
        self.card: Card | None = None
        self.link_targets: dict[str, CardLink] = {}

    def compose(self) -> ComposeResult:
        yield Label("", id="card-title")
        yield Label("", id="card-health")
        with Horizontal(id="card-top"):
            with VerticalScroll(id="card-fields-box"):
                yield Static("Loading…", id="card-fields")
            with Vertical(id="card-links-box"):
                yield OptionList(id="card-links")
        yield Label("Timeline (newest first)", id="timeline-title")
        # A rendered table in a scrolling box: the timeline is read, not selected, and a
        # rendered table has its final layout at once (no column widths settling after paint).
        with VerticalScroll(id="timeline", can_focus=True):
            yield Static("", id="timeline-entries")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        if self.card is not None:
            self.load()

    @work(thread=True, exclusive=True, group="card", exit_on_error=False)
    def load(self) -> None:
        card = run_in_session(self, lambda session: load_card(session, self.kind, self.record_id))
        self.app.call_from_thread(self._show, card)

    def _show(self, card: Card) -> None:
        self.card = card
        title = Text.assemble((f" {card.kind.value.upper()} ", "reverse bold"), " ", (card.title, "bold"))
        if card.subtitle:
            title.append(f"  {card.subtitle}", style="dim")
        self.query_one("#card-title", Label).update(title)
        health = self.query_one("#card-health", Label)
        health.display = card.health is not None
        if card.health is not None:
            health.update(light_text(card.health))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in card.fields:
            grid.add_row(label, Text(value))  # Text: a value is data, never markup
        self.query_one("#card-fields", Static).update(grid)
        self._show_links(card)
        self._show_timeline(card)

    def _show_links(self, card: Card) -> None:
        links = self.query_one("#card-links", OptionList)
        highlighted = links.highlighted
        links.clear_options()
        self.link_targets = {}
        for section, items in card.links:
            links.add_option(Option(Text(section, style="bold underline"), disabled=True))
            if not items:
                links.add_option(Option(Text("  —", style="dim"), disabled=True))
            for item in items:
                option_id = f"{item.kind.value}-{item.id}"
                self.link_targets[option_id] = item
                links.add_option(Option(Text(f"  {item.text}"), id=option_id))
        if highlighted is not None and highlighted < links.option_count:
            links.highlighted = highlighted

    def _show_timeline(self, card: Card) -> None:
        entries = Table.grid(padding=(0, 1))
        entries.add_column(no_wrap=True, style="dim")
        # Who did it, when the timeline says (events written before crm-tui recorded it do not).
        who = any(entry.actor for entry in card.timeline)
        if who:
            entries.add_column(no_wrap=True, max_width=ACTOR_WIDTH, overflow="ellipsis", style="cyan")
        entries.add_column(no_wrap=True, width=13)
        entries.add_column(overflow="fold")
        for entry in card.timeline:
            style = EVENT_STYLES.get(entry.kind, "")
            actor = [Text(entry.actor)] if who else []
            entries.add_row(
                entry.when, *actor, Text(entry.kind.replace("_", " "), style=style), Text(entry.text)
            )
        if not card.timeline:
            entries.add_row("", "", Text("Nothing yet. Press n to add a note.", style="dim"))
        self.query_one("#timeline-entries", Static).update(entries)

    @on(OptionList.OptionSelected, "#card-links")
    def _open_link(self, event: OptionList.OptionSelected) -> None:
        target = self.link_targets.get(event.option.id or "")
        if target is None:
            return
        if target.kind is EntityKind.ACTIVITY:
            self.notify("Activities are worked from Today (4): d marks one done.")
            return
        crm_app(self).open_record(target.kind, target.id)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    def action_reopen(self) -> None:
        if self.card is None:
            return
        if not self.card.reopenable:
            self.notify("Only a won or lost deal can be reopened.", severity="warning")
            return
        self._reopen()

    @work(thread=True, exclusive=True, group="card-reopen", exit_on_error=False)
    def _reopen(self) -> None:
        seen = self.card.version if self.card is not None else None
        try:
            move = run_in_session(self, lambda session: reopen_deal(session, self.record_id, seen))
        except CrmError as error:  # changed by someone else, or no longer closed: said, then shown as it is
            self.app.call_from_thread(self.notify, said(error), title="Not reopened", severity="warning")
            self.app.call_from_thread(self.load)
            return
        self.app.call_from_thread(self.after_action, f"{move.title} reopened: back in {move.to_stage}.")

    def acting_on(self) -> Target | None:
        if self.card is None:
            return None
        return Target(self.kind, self.record_id, self.card.title)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reopen":
            return self.kind is EntityKind.DEAL
        if self.kind in (EntityKind.CONTACT, EntityKind.COMPANY):
            return super().check_action(action, parameters)
        return action in ANY_CARD_ACTIONS or action not in RECORD_ACTIONS

    def after_action(self, message: str) -> None:
        self.notify(message)
        self.load()

    def show_archived(self, message: str) -> None:
        self.notify(message)
        self.app.pop_screen()  # the card of an archived contact has nothing left to do
