"""The strip at the top that names the five modes and marks the current one."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

MODES: list[tuple[str, str, str]] = [
    ("1", "inbox", "Inbox"),
    ("2", "contacts", "Contacts"),
    ("3", "pipeline", "Pipeline"),
    ("4", "today", "Today"),
    ("5", "reports", "Reports"),
]


class ModeBar(Static):
    def __init__(self, active: str) -> None:
        super().__init__(id="mode-bar")
        self.active = active

    def on_mount(self) -> None:
        self.update(self.render_modes())

    def render_modes(self) -> Text:
        text = Text(" crm-tui ", style="bold")
        # The companies list is the other tab of the contacts mode.
        active = "contacts" if self.active == "companies" else self.active
        for key, mode, label in MODES:
            text.append(" ")
            text.append(f" {key} {label} ", style="bold reverse" if mode == active else "")
        text.append("   / search  ? help", style="dim")
        return text
