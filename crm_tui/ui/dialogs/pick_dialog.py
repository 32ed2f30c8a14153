"""Choose one item from a list: type to narrow it, ↑/↓ to move, enter to pick, esc to cancel.

Used for the field a CSV column goes to and for a saved mapping to load. The typing stays in
the filter box the whole time, so the list never needs the focus (the mouse works on it too).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

CURRENT_MARK = "  ← now"


class PickDialog(ModalScreen[str | None]):
    """Returns the picked item, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    def __init__(self, title: str, choices: list[str], current: str | None = None) -> None:
        super().__init__()
        self.pick_title = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="pick", classes="dialog"):
            yield Label(self.pick_title, classes="dialog-title")
            yield Input(placeholder="type to filter", id="pick-filter", compact=True)
            yield OptionList(id="pick-options")
            yield Label("↑↓ move · enter picks · esc cancels", id="pick-status", classes="dim")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, text: str) -> None:
        wanted = text.strip().casefold()
        options = self.query_one("#pick-options", OptionList)
        options.clear_options()
        shown = [choice for choice in self.choices if wanted in choice.casefold()]
        for choice in shown:
            label = Text(choice)
            if choice == self.current:
                label.append(CURRENT_MARK, style="dim")
            options.add_option(Option(label, id=choice))
        if shown:
            # Start on the current item while it is shown, so enter alone changes nothing.
            options.highlighted = shown.index(self.current) if self.current in shown else 0
        status = "↑↓ move · enter picks · esc cancels" if shown else "Nothing matches · esc cancels"
        self.query_one("#pick-status", Label).update(status)

    @on(Input.Changed, "#pick-filter")
    def _filtered(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one("#pick-options", OptionList)
        if options.option_count:
            now = options.highlighted if options.highlighted is not None else 0
            options.highlighted = max(0, min(now + step, options.option_count - 1))

    @on(Input.Submitted, "#pick-filter")
    def _pick_highlighted(self) -> None:
        options = self.query_one("#pick-options", OptionList)
        if options.highlighted is not None:
            self._pick(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#pick-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, choice: str | None) -> None:
        if choice is not None:
            self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
