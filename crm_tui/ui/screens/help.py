"""`?`: every key of the app and of the screen below, where the data lives, and the dates
one can type."""

from __future__ import annotations

import unicodedata
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from crm_tui.db.backup import place_of
from crm_tui.natural_dates import ACCEPTED_FORMS
from crm_tui.paths import shown_target, sqlite_file

_PRINTED_KEYS = {"question_mark": "?", "slash": "/", "escape": "esc"}


def _key_name(key: str) -> str:
    """A key as it is printed on the keyboard: Textual names `]` right_square_bracket."""
    if key in _PRINTED_KEYS:
        return _PRINTED_KEYS[key]
    if "_" in key:
        try:
            return unicodedata.lookup(key.replace("_", " "))
        except KeyError:
            pass
    return key


def _binding_rows(bindings: list[BindingType]) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            keys = ", ".join(_key_name(key.strip()) for key in binding.key.split(","))
            # A footer word ("Save") may carry a longer tooltip; the help has room for it.
            rows.append((keys, binding.tooltip or binding.description))
    return rows


def _own_bindings(screen: Screen[object]) -> list[BindingType]:
    """The bindings a screen class and its bases up to Textual's Screen declare, base first,
    then those of our widgets around the focus (the import's mapping step and its table have
    keys of their own), leaving out moving the cursor, which the Lists section covers."""
    bindings: list[BindingType] = []
    for cls in reversed(type(screen).__mro__):
        if issubclass(cls, Screen) and cls is not Screen:
            bindings.extend(cls.__dict__.get("BINDINGS", []))
    node: DOMNode | None = screen.focused
    while node is not None and node is not screen:
        if type(node).__module__.startswith("crm_tui."):
            bindings.extend(
                binding
                for binding in type(node).__dict__.get("BINDINGS", [])
                if isinstance(binding, Binding) and not binding.action.startswith(("cursor_", "scroll_"))
            )
        node = node.parent
    return bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, under: Screen[object], database: str) -> None:
        super().__init__()
        self.under = under
        self.database = database

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll():
                yield Static(self._keys_table())
                yield Static(self._where_table())
                yield Static(self._dates_table())
            yield Label("esc closes", classes="dim")

    def _keys_table(self) -> Table:
        table = Table(box=None, padding=(0, 2), show_header=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        global_rows = [row for row in _binding_rows(list(self.app.BINDINGS)) if not row[0].isdigit()]
        sections = [
            ("Everywhere", [("1 2 3 4 5", "Inbox, Contacts, Pipeline, Today, Reports"), *global_rows]),
            ("Lists", [("j, k, ↑, ↓", "Move"), ("g, G", "First, last"), ("enter", "Open")]),
            ("This screen", _binding_rows(_own_bindings(self.under))),
            ("Dialogs", [("enter, ctrl+s", "Save"), ("esc", "Cancel"), ("tab", "Next field")]),
        ]
        for title, rows in sections:
            if not rows:
                continue
            table.add_row(Text(title, style="underline"), "")
            for keys, description in rows:
                table.add_row(keys, description)
        return table

    def _where_table(self) -> Table:
        table = Table(box=None, padding=(0, 2), show_header=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        table.add_row(Text("Data", style="underline"), "")
        table.add_row("Database", shown_target(self.database))  # a URL's password as ***
        place = place_of(self.database)
        if place is not None:
            table.add_row("Backups", str(place.folder))
            # A server database's snapshots are SQLite copies of it, taken by the same changes
            # but a schema upgrade (a copy goes only between databases of the current version).
            when = (
                "taken before every import, merge, bulk change and upgrade"
                if sqlite_file(self.database)
                else "SQLite copies of the server database, taken before every import, merge and bulk change"
            )
            table.add_row("", f"{when}; `crm-tui backups` lists them, `crm-tui restore FILE` brings one back")
        return table

    def _dates_table(self) -> Table:
        table = Table(box=None, padding=(0, 2), show_header=False)
        table.add_column(style="bold", no_wrap=True)
        # The meanings wrap in the narrow dialog; the examples are kept whole to be copied.
        table.add_column(overflow="fold")
        table.add_row(Text("Dates you can type", style="underline"), "")
        for example, meaning in ACCEPTED_FORMS:
            table.add_row(example, meaning)
        return table

    def action_close(self) -> None:
        self.dismiss(None)
