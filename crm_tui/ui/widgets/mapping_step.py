"""The CSV import's mapping step: how the file was read, what its rows become, and where each
column goes — all changed from the keyboard before anything is planned.

Its keys (p, s, l, t, b) work while its table has the focus, so the footer lists them only in
this step. It tells the screen what to say (`Said`) and when to plan (`PreviewRequested`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from crm_tui.io.csv_fields import Mapping
from crm_tui.io.mapping import mapping_for
from crm_tui.services.csv_preview import (
    CsvPreview,
    describe_source,
    mapped_count,
    missing_columns,
    next_target,
    suggested_target,
)
from crm_tui.services.file_import import ImportOptions
from crm_tui.services.import_plan import BadCells
from crm_tui.services.mappings import load_mapping, save_mapping
from crm_tui.ui.database import describe_failure, run_in_session
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
from crm_tui.ui.dialogs.pick_dialog import PickDialog
from crm_tui.ui.widgets.import_settings import ImportSettings
from crm_tui.ui.widgets.mapping_table import MappingTable


class MappingStep(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Short words, so that the footer holds them all at 80 columns; the help says more.
        Binding("p", "preview", "Preview", tooltip="Preview what each row would become"),
        Binding("s", "save_mapping", "Save", tooltip="Save this column mapping under a name"),
        Binding("l", "load_mapping", "Load", tooltip="Load a saved column mapping"),
        # Shown, with their keys, on the line above the table rather than in the footer.
        Binding("t", "target(1)", "Import into the next kind of record", show=False),
        Binding("T", "target(-1)", "Import into the previous kind of record", show=False),
        Binding("b", "bad_cells", "Bad cell: reject the row / import it blank", show=False),
    ]

    class Said(Message):
        """A line for the screen's summary."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class PreviewRequested(Message):
        def __init__(self, options: ImportOptions) -> None:
            super().__init__()
            self.options = options

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.preview: CsvPreview | None = None
        self.bad_cells = BadCells.REJECT
        self.loaded_as: str | None = None  # the saved mapping in use, by name
        self.edited = False  # changed since it was guessed, loaded or saved
        self.saved: list[str] = []

    def compose(self) -> ComposeResult:
        yield ImportSettings(id="csv-settings")
        yield MappingTable(id="mapping")

    @property
    def table(self) -> MappingTable:
        return self.query_one("#mapping", MappingTable)

    @property
    def mapping(self) -> Mapping | None:
        return self.table.mapping

    def start(self, preview: CsvPreview, saved: list[str]) -> None:
        """A newly read file, with the preset or guess for what the file is (its default target)."""
        self.preview, self.saved = preview, saved
        self.bad_cells = BadCells.REJECT
        self._use(preview.mapping, None)
        self.refresh_bindings()
        self.say_state()

    def _use(self, mapping: Mapping, loaded_as: str | None) -> None:
        if self.preview is None:
            return
        self.loaded_as, self.edited = loaded_as, False
        self.table.show(self.preview, mapping)
        self._draw_settings()

    def _draw_settings(self) -> None:
        if self.preview is None or self.mapping is None:
            return
        source = describe_source(self.mapping, self.loaded_as, self.edited)
        settings = self.query_one("#csv-settings", ImportSettings)
        settings.show(self.preview, self.mapping.target, self.bad_cells, source)

    def say_state(self, before: str = "") -> None:
        mapping = self.mapping
        if self.preview is None or mapping is None:
            return
        header = self.preview.header
        text = f"{before}{mapped_count(mapping, header)} of {len(header)} columns go into {mapping.target}"
        hint = suggested_target(mapping, header)
        if hint:
            text += f" · this looks like a {hint} export: [b]t[/b] switches"
        else:
            text += " · [b]enter[/b] changes a field · [b]p[/b] previews"
        self.post_message(self.Said(text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Loading is offered once there is something saved to load.
        return bool(self.saved) if action == "load_mapping" else True

    def action_preview(self) -> None:
        if self.mapping is not None:
            options = ImportOptions(into=self.mapping.target, mapping=self.mapping, bad_cells=self.bad_cells)
            self.post_message(self.PreviewRequested(options))

    def action_target(self, step: int) -> None:
        if self.preview is None or self.mapping is None:
            return
        target = next_target(self.mapping.target, step)
        # Each kind of record has its own fields: the columns are matched again, not carried over.
        self._use(mapping_for(self.preview.header, target), None)
        self.say_state()

    def action_bad_cells(self) -> None:
        self.bad_cells = BadCells.BLANK if self.bad_cells is BadCells.REJECT else BadCells.REJECT
        self._draw_settings()

    @on(MappingTable.Edited)
    def _edited(self, event: MappingTable.Edited) -> None:
        event.stop()
        if event.error:
            self.post_message(self.Said(f"[b]⚠[/b] {escape(event.error)}"))
            return
        self.edited = True
        self._draw_settings()
        self.say_state()

    def action_save_mapping(self) -> None:
        mapping = self.mapping
        if mapping is None or self.preview is None:
            return

        def save(session: Any, values: dict[str, str]) -> str:
            save_mapping(session, values["name"], mapping)
            return values["name"].strip()

        def saved(name: str | None) -> None:
            if name is None:
                return
            self.saved = sorted({*self.saved, name})
            self.loaded_as, self.edited = name, False
            self._draw_settings()
            self.refresh_bindings()
            quoted = escape(repr(name))
            self.post_message(
                self.Said(f"Saved as {quoted}: [b]l[/b] loads it here, crm-tui import --mapping {quoted} too")
            )

        default = self.loaded_as or self.preview.path.stem
        dialog = FormDialog("Save this column mapping", [FormField("name", "Name", default)], save)
        self.app.push_screen(dialog, saved)

    def action_load_mapping(self) -> None:
        def picked(name: str | None) -> None:
            if name is not None:
                self._load(name)

        self.app.push_screen(PickDialog("Load a saved mapping", self.saved, self.loaded_as), picked)

    @work(thread=True, exclusive=True, group="mapping", exit_on_error=False)
    def _load(self, name: str) -> None:
        mapping = run_in_session(self, lambda session: load_mapping(session, name))
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, name, mapping)

    def _loaded(self, name: str, mapping: Mapping) -> None:
        if self.preview is None:
            return
        # A mapping saved for leads switches the import to leads: its fields only exist there.
        self._use(mapping, name)
        missing = missing_columns(mapping, self.preview.header)
        warning = ""
        if missing:
            listed = ", ".join(missing[:3]) + ("…" if len(missing) > 3 else "")
            warning = f" [b]⚠[/b] {len(missing)} of its columns are not in this file ({listed})."
        self.say_state(f"Loaded {name!r}.{warning} ")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A saved mapping that no longer reads is said beside the table, not in a toast."""
        if event.worker.group != "mapping" or event.state != WorkerState.ERROR:
            return
        event.stop()
        error = event.worker.error
        reason = describe_failure(error) if error else "it cannot be read"
        self.post_message(self.Said(f"[b]⚠[/b] Could not load the mapping: {escape(reason)}."))
