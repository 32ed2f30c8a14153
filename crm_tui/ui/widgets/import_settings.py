"""Above the mapping table: how the CSV file was read, where its mapping came from, what the
rows become (t switches) and what a cell that cannot be read does (b switches)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from crm_tui.io.csv_fields import TARGETS
from crm_tui.services.csv_preview import CsvPreview, describe_format
from crm_tui.services.import_plan import BadCells

BAD_CELL_WORDS = {BadCells.REJECT: "reject the row", BadCells.BLANK: "import it blank"}


class ImportSettings(Static):
    DEFAULT_CSS = """
    ImportSettings {
        height: auto;
        padding: 0 1;
    }
    """

    def show(self, preview: CsvPreview, target: str, bad_cells: BadCells, source: str) -> None:
        self.update(render_settings(preview, target, bad_cells, source))


def render_settings(preview: CsvPreview, target: str, bad_cells: BadCells, source: str) -> Text:
    text = Text()
    text.append(describe_format(preview.format))
    text.append(" · ", style="dim")
    text.append(source, style="italic")
    for note in preview.format.notes:
        text.append(f"\n⚠ {note}", style="yellow")
    # Key first, then what it switches, as the footer writes its keys.
    text.append("\nt", style="bold")
    text.append(" into ", style="dim")
    for name in TARGETS:
        # The chosen target stands out; the others stay readable, so the choice is visible.
        text.append(f" {name} ", style="bold reverse" if name == target else "")
    text.append("    b", style="bold")
    text.append(" bad cell ", style="dim")
    text.append(f" {BAD_CELL_WORDS[bad_cells]} ", style="bold reverse")
    return text
