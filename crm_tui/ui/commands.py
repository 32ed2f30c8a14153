"""The app's own commands in the command palette (ctrl+p): modes, adding records, search."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from crm_tui.ui.widgets.mode_bar import MODES

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp


class CrmCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("CrmApp", self.app)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            (f"Go to {label}", f"Switch to the {label} mode (key {key})", partial(app.switch_mode, mode))
            for key, mode, label in MODES
        ]
        commands += [
            ("Add lead", "Type in a new lead for the inbox", partial(app.action_add, "lead")),
            (
                "Add contact",
                "A new person, with company, email and phone",
                partial(app.action_add, "contact"),
            ),
            ("Add deal", "A new deal in the first pipeline stage", partial(app.action_add, "deal")),
            (
                "Add task",
                "A call, meeting, email or task with a due date",
                partial(app.action_add, "activity"),
            ),
            ("Search", "Find contacts, companies, leads and deals (key /)", app.action_search),
            (
                "Import a file",
                "Contacts from vCard or CSV, or leads from a JSON file (key i)",
                app.action_import,
            ),
            ("Export contacts", "All contacts to a vCard file (3.0 or 4.0)", app.action_export_contacts),
            ("Help", "Every key, and where the database lives (key ?)", app.action_help),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, help_text, command in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, text=name, help=help_text)
