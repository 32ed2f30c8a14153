"""What a list shows instead of an empty table: what to do next."""

from __future__ import annotations

from textual.widgets import Static


class EmptyState(Static):
    DEFAULT_CSS = """
    EmptyState {
        display: none;
        padding: 1 2;
        color: $text-muted;
    }
    EmptyState.visible {
        display: block;
    }
    """

    FIRST_RUN_HINT = (
        "Fill the database with sample data to look around:  [b]crm-tui demo[/b]\n"
        "Import leads from a JSON file: press [b]i[/b]; from a script or web form:  [b]crm-tui add-lead[/b]\n"
        "Press [b]?[/b] for every key, [b]ctrl+p[/b] for every command."
    )

    def __init__(self, message: str, *, id: str | None = None) -> None:
        super().__init__(f"{message}\n\n{self.FIRST_RUN_HINT}", id=id)
