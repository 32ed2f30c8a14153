"""A table cell of plain text, drawn as one segment.

Rich's Text wraps, justifies and resolves spans every time it is drawn; a list cell needs none
of that: one line, cut to the column with "…". Drawing a screenful of lead rows through Text
took most of the inbox's first paint on a large database (90 ms for 37 rows of 9 columns).
The text is data, never markup.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style

_BLANKS = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


class PlainCell:
    __slots__ = ("right", "style", "text")

    def __init__(self, text: str, style: str | Style = "", *, right: bool = False) -> None:
        # One line, and nothing that moves the terminal's cursor.
        self.text = text.translate(_BLANKS) if not text.isprintable() else text
        self.style = Style.parse(style) if isinstance(style, str) else style
        self.right = right  # amounts line up on the right

    def __str__(self) -> str:
        return self.text

    def fitted(self, width: int) -> str:
        """The text in exactly `width` cells: padded with spaces, or cut with "…"."""
        if width <= 0:
            return ""
        length = cell_len(self.text)
        if length > width:
            return set_cell_size(self.text, width - 1) + "…" if width > 1 else "…"
        if self.right:
            return " " * (width - length) + self.text
        return set_cell_size(self.text, width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        fitted = self.fitted(options.max_width)
        yield Segment(fitted if self.right else fitted.rstrip(), self.style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = cell_len(self.text)
        return Measurement(width, width)
