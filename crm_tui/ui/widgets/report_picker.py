"""The line of report names across the top of mode 5, the current one marked; a click on a
name picks it (the keys are ← and →, or [ and ])."""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import Static

from crm_tui.services.reports import REPORTS


class ReportPicker(Static):
    class Picked(Message):
        """A report's name was clicked."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, current: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current = current

    def on_mount(self) -> None:
        self.show(self.current)

    def show(self, current: str) -> None:
        self.current = current
        markup = " "
        for spec in REPORTS:
            style = "bold reverse " if spec.key == current else ""
            markup += f"[{style}@click=pick('{spec.key}')] {escape(spec.title)} [/] "
        self.update(Content.from_markup(markup + "[dim] ← → reports[/]"))

    def action_pick(self, key: str) -> None:
        self.post_message(self.Picked(key))
