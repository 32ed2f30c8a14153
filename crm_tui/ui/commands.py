"""The app's own commands in the command palette (ctrl+p): modes, adding records, search."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from crm_tui.ui.widgets.mode_bar import MODES
from crm_tui.vocabulary import EXPORT_KINDS

if TYPE_CHECKING:
    from crm_tui.ui.app import CrmApp


EXPORT_HELP = {
    "contacts": "To a vCard, CSV or JSON file",
    "companies": "To a CSV or JSON file",
    "leads": "To a CSV or JSON file",
    "deals": "To a CSV or JSON file",
    "activities": "Tasks, calls and meetings to an iCalendar (.ics), CSV or JSON file",
    "events": "The whole timeline to a JSON file",
}


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
                "Edit lead sources",
                "The pick list of where leads come from (Website, Referral…)",
                app.action_lead_sources,
            ),
            (
                "Edit deal stages",
                "Add, rename, reorder or delete pipeline stages; probability and stale days",
                app.action_stages,
            ),
            (
                "Edit lost reasons",
                "The reasons offered when a deal is lost (Price, Competitor…)",
                app.action_lost_reasons,
            ),
            (
                "Find duplicate contacts",
                "Same email, phone, or a similar name at the same company; merge them",
                app.action_duplicates,
            ),
            (
                "Import a file",
                "Contacts from vCard or CSV, or leads from a JSON file (key i)",
                app.action_import,
            ),
            *(
                (
                    f"Export {kind}",
                    EXPORT_HELP.get(kind, "To a JSON file") + " (key E)",
                    partial(app.action_export, kind),
                )
                for kind in EXPORT_KINDS
            ),
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
