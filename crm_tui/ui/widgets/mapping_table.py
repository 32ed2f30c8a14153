"""The CSV mapping step's table: one row per column of the file — its name, a few of its
values, and the field it goes to. enter (or f) picks another field, x (or delete) ignores it.

The table keeps the `Mapping` it shows and edits it; each edit is posted as `Edited`, so the
mapping step can say so, and previews with `table.mapping`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from crm_tui.errors import CrmError
from crm_tui.io.csv_fields import IGNORE, Mapping, field_choices
from crm_tui.services.csv_preview import CsvPreview, column_samples, shorten, with_field
from crm_tui.ui.dialogs.pick_dialog import PickDialog

LABELS = ("Column", "Samples", "Field")
FIELD_WIDTH = 17  # the longest field name: "next_contact_goal"
# A column's name gets what its longest name needs, within these bounds; the samples the rest.
NAME_WIDTHS = (8, 28)
SAMPLE_SEPARATOR = " · "
MIN_SAMPLE = 6  # cells of a value kept however narrow the table: "+7 (4…" still says "phone"


def fit_samples(values: list[str], width: int) -> str:
    """The values side by side in `width` cells, the longest shortened first, so that short
    values stay whole and a long one still shows how it starts."""
    lengths = [len(value) for value in values]
    room = width - len(SAMPLE_SEPARATOR) * max(len(values) - 1, 0)
    while sum(lengths) > room and max(lengths, default=0) > MIN_SAMPLE:
        longest = lengths.index(max(lengths))
        lengths[longest] -= 1
    return SAMPLE_SEPARATOR.join(
        shorten(value, length) for value, length in zip(values, lengths, strict=True)
    )


class MappingTable(DataTable[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,f", "pick_field", "Field", tooltip="Choose the field this column goes to"),
        Binding("x,delete", "ignore", "Ignore", tooltip="Leave this column out"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class Edited(Message):
        """The user sent a column to another field (or `error` says why that failed)."""

        def __init__(self, table: MappingTable, column: str, error: str | None = None) -> None:
            super().__init__()
            self.table = table
            self.column = column
            self.error = error

        @property
        def control(self) -> MappingTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.header: list[str] = []
        self.samples: dict[str, list[str]] = {}
        self.mapping: Mapping | None = None
        self.edited: set[str] = set()  # columns the user changed, drawn bold
        self._widths: list[int] = []

    def on_mount(self) -> None:
        self._layout()

    def _layout(self) -> bool:
        """Fit the three columns to the widget's width and the file's column names; says
        whether they changed (and were rebuilt, empty)."""
        # Two cells of the width go to the vertical scrollbar, two to each column's margins.
        room = self.size.width - 2 - 2 * len(LABELS)
        longest = max((len(name) for name in self.header), default=NAME_WIDTHS[0])
        name = max(NAME_WIDTHS[0], min(longest, NAME_WIDTHS[1], room // 3))
        widths = [name, max(room - name - FIELD_WIDTH, 10), FIELD_WIDTH]
        if widths == self._widths:
            return False
        self._widths = widths
        self.clear(columns=True)
        for label, width in zip(LABELS, widths, strict=True):
            self.add_column(label, width=width, key=label)
        return True

    def show(self, preview: CsvPreview, mapping: Mapping) -> None:
        """A new file, or the same file under a new target or a loaded mapping."""
        self.header = preview.header
        self.samples = column_samples(preview.format)
        self.mapping = mapping
        self.edited = set()
        self._layout()
        self._fill()

    def _fill(self) -> None:
        selected = self.cursor_row
        self.clear()
        for column in self.header:
            self.add_row(*self._cells(column), key=column)
        if self.row_count:
            self.move_cursor(row=min(selected, self.row_count - 1))

    def _cells(self, column: str) -> tuple[Text, str, Text]:
        samples = fit_samples(self.samples.get(column, []), self._widths[1])
        return Text(column, style="bold"), samples, self._field_text(column)

    def _field_text(self, column: str) -> Text:
        field = self.mapping.field_of(column) if self.mapping else IGNORE
        if field == IGNORE:
            return Text(IGNORE, style="dim")
        return Text(field, style="bold" if column in self.edited else "")

    def on_resize(self) -> None:
        if self._layout():
            self._fill()

    @property
    def selected_column(self) -> str | None:
        if not self.row_count:
            return None
        return self.header[min(self.cursor_row, len(self.header) - 1)]

    def set_field(self, column: str, field: str) -> None:
        if self.mapping is None:
            return
        try:
            self.mapping = with_field(self.mapping, column, field)
        except CrmError as error:  # a field the target lacks: say so, keep the old mapping
            self.post_message(self.Edited(self, column, error=str(error)))
            return
        self.edited.add(column)
        self.update_cell(column, "Field", self._field_text(column))
        self.post_message(self.Edited(self, column))

    def action_pick_field(self) -> None:
        column = self.selected_column
        if column is None or self.mapping is None:
            return
        current = self.mapping.field_of(column)

        def picked(field: str | None) -> None:
            if field is not None and field != current:
                self.set_field(column, field)

        picker = PickDialog(
            f"{column} → field of {self.mapping.target}",
            field_choices(self.mapping.target),
            current=current,
        )
        self.app.push_screen(picker, picked)

    def action_ignore(self) -> None:
        column = self.selected_column
        if column is not None:
            self.set_field(column, IGNORE)
