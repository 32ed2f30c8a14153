"""Completes a file path as it is typed (→ accepts the suggestion), like a shell's tab."""

from __future__ import annotations

from pathlib import Path

from textual.suggester import Suggester


class PathSuggester(Suggester):
    def __init__(self) -> None:
        # The folder's contents change while the app runs: do not cache suggestions.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        typed = Path(value).expanduser()
        folder, prefix = (typed, "") if value.endswith("/") else (typed.parent, typed.name)
        try:
            names = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in folder.iterdir())
        except OSError:
            return None
        # Hidden entries only when the user starts typing one, as shells do.
        hidden_wanted = prefix.startswith(".")
        for name in names:
            if name.startswith(prefix) and (hidden_wanted or not name.startswith(".")):
                return value + name[len(prefix) :]
        return None
