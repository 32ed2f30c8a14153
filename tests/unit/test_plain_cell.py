"""PlainCell: one line of data text, fitted to a column."""

from __future__ import annotations

from rich.console import Console

from crm_tui.ui.widgets.plain_cell import PlainCell


def test_fitted_pads_cuts_with_an_ellipsis_and_aligns_right() -> None:
    assert PlainCell("Anna").fitted(6) == "Anna  "
    assert PlainCell("Anna Petrova").fitted(6) == "Anna …"
    assert PlainCell("250 000 RUB", right=True).fitted(13) == "  250 000 RUB"
    assert PlainCell("Пётр Иванов").fitted(5) == "Пётр…"
    assert PlainCell("東京都").fitted(5) == "東京…"  # wide characters count two cells
    assert PlainCell("anything").fitted(0) == ""


def test_brackets_stay_and_line_breaks_become_spaces() -> None:
    console = Console(width=40, record=True)
    console.print(PlainCell("Smith [old]\nsecond line"))
    assert console.export_text().rstrip() == "Smith [old] second line"
