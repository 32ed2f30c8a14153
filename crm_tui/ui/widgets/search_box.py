"""A list's own search box, which tells its list of every change at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input


class SearchBox(Input):
    """An Input that calls `changed` with its new text as soon as the text changes.

    Input.Changed reaches the screen only after the box has been redrawn with the new letter,
    and the list's query waited for that redraw (4 ms of every keystroke's 50). Called from
    the change itself, the query runs in its thread while the letter is drawn."""

    def __init__(self, changed: Callable[[str], None], **options: Any) -> None:
        super().__init__(**options)
        self._changed = changed

    def watch_value(self, value: str) -> None:
        self._changed(value)
