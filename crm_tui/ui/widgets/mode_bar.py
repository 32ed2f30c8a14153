"""The strip at the top that names the five modes, marks the current one and, in red, says
how many activities are overdue (from any mode: the app counts them, every bar watches)."""

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
        self.overdue = 0

    def on_mount(self) -> None:
        # The app's `overdue` is counted in a worker after the first paint; until then, and
        # in an app without it, the bar names the modes only.
        if hasattr(type(self.app), "overdue"):
            self.watch(self.app, "overdue", self.show_overdue, init=True)

    def show_overdue(self, overdue: int) -> None:
        self.overdue = overdue
        self.refresh()

    def render(self) -> Text:
        # One line: what does not fit is cut from the end, the hints first, then the count
        # (wrapped, the line would drop whole words it could have shown in part).
        text = self.render_modes()
        text.truncate(max(self.size.width, 1), overflow="crop")
        text.rstrip()
        return text

    def render_modes(self) -> Text:
        text = Text(" crm-tui ", style="bold")
        # The companies list is the other tab of the contacts mode.
        active = "contacts" if self.active == "companies" else self.active
        for key, mode, label in MODES:
            text.append(" ")
            text.append(f" {key} {label} ", style="bold reverse" if mode == active else "")
        if self.overdue:
            text.append("  ")
            text.append(f"{self.overdue:,} overdue", style="bold red")
        text.append("   / search  ? help", style="dim")
        return text
