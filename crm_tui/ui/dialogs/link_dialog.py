"""`a` on Today: which record the new activity belongs to, found by typing its name.

The search dialog's list and search-as-you-type, with its own words: enter picks the record,
esc goes on without one.
"""

from __future__ import annotations

from textual.widgets import Label

from crm_tui.services.summaries import RecordSummary
from crm_tui.ui.dialogs.search_dialog import SearchDialog

LINK_TITLE = "New activity: for which contact, company, lead or deal?"
LINK_STATUS = "↓ to the results · enter picks · esc: no record"


class LinkDialog(SearchDialog):
    """Returns (kind, id) of the record picked, or None for an activity of its own."""

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(".dialog-title", Label).update(LINK_TITLE)
        self.query_one("#search-status", Label).update(f"Type a name · {LINK_STATUS}")

    def _show(self, text: str, hits: list[RecordSummary]) -> None:
        super()._show(text, hits)
        found = f"{len(hits)} found" if hits else ("No matches" if text.strip() else "Type a name")
        self.query_one("#search-status", Label).update(f"{found} · {LINK_STATUS}", layout=False)
