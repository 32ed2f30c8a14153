"""`i`: import a file. Type its path (→ completes) and press enter.

- A vCard file: the plan (what the import would do) shows at once; enter applies it.
- A CSV file: first the mapping step — how the file was read and where each column goes,
  editable from the keyboard — then `p` shows the plan, enter applies it.
- A JSON file of leads goes straight to the inbox, as `crm-tui add-lead --json` would.

esc goes back one step (plan → mapping → path) and leaves from the first one.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from crm_tui.gc_pause import collector_paused
from crm_tui.services.csv_preview import CsvPreview, preview_csv
from crm_tui.services.file_import import ImportOptions, detect_kind, plan_file
from crm_tui.services.import_apply import apply_plan
from crm_tui.services.import_plan import ImportPlan, describe_counts
from crm_tui.services.lead_intake import add_leads, looks_like_leads_json, read_leads_file
from crm_tui.services.mappings import saved_mappings
from crm_tui.ui.database import describe_failure, run_in_session
from crm_tui.ui.widgets.mapping_step import MappingStep
from crm_tui.ui.widgets.path_suggester import PathSuggester
from crm_tui.ui.widgets.plan_table import PlanTable

# Redraw the progress bar every this many records: often enough to move, rarely enough to be cheap.
PROGRESS_STEP = 50
PATH_HINT = "Type the path and press enter to see what the import would do."


class Step(StrEnum):
    PATH = "path"
    MAPPING = "mapping"  # CSV files only
    PLAN = "plan"


class ImportScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.step = Step.PATH
        self.path: Path | None = None
        self.csv = False  # the file is a CSV, so its plan goes back to the mapping step
        self.plan: ImportPlan | None = None
        self.applying = False
        self.applied = False

    def compose(self) -> ComposeResult:
        yield Label("Import contacts (vCard or CSV) or a JSON file of leads", id="list-title")
        yield Input(
            placeholder="path to the file, e.g. ~/Downloads/contacts.vcf",
            id="import-path",
            suggester=PathSuggester(),
        )
        yield ProgressBar(id="import-progress", show_eta=False)
        yield Label(PATH_HINT, id="import-summary")
        yield MappingStep(id="csv-step")
        yield PlanTable(id="import-plan")
        yield Static(id="import-detail")
        # The palette key (ctrl+p) still works; its footer place goes to this screen's keys.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show_step(Step.PATH)
        self.query_one("#import-path", Input).focus()

    # ---------------------------------------------------------------- steps

    def _show_step(self, step: Step) -> None:
        self.step = step
        self.query_one("#csv-step").display = step is Step.MAPPING
        self.query_one("#import-plan").display = step is not Step.MAPPING
        self.query_one("#import-detail").display = step is Step.PLAN
        self._busy(False)
        focus = {Step.PATH: "#import-path", Step.MAPPING: "#mapping", Step.PLAN: "#import-plan"}[step]
        self.query_one(focus).focus()
        self.refresh_bindings()

    def _busy(self, busy: bool) -> None:
        self.query_one("#import-progress").display = busy

    def _say(self, text: str) -> None:
        self.query_one("#import-summary", Label).update(text)

    # ---------------------------------------------------------------- path → plan or mapping

    @on(Input.Submitted, "#import-path")
    def _chosen(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self._say("[b]⚠[/b] Type the path of a file.")
            return
        self.path = Path(event.value.strip()).expanduser()
        self.csv, self.plan, self.applied = False, None, False
        self.query_one("#import-plan", PlanTable).show(None)
        self._show_step(Step.PATH)
        self._say(f"Reading {escape(str(self.path))}…")
        self._busy(True)
        self._read(self.path)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _read(self, path: Path) -> None:
        if looks_like_leads_json(path):
            result = run_in_session(self, lambda session: add_leads(session, read_leads_file(path)))
            message = f"{len(result.created)} lead(s) added to the inbox."
            if result.rejected:
                message += " Rejected: " + "; ".join(result.rejected[:5])
            self._reply(self._finished_leads, message)
            return
        if detect_kind(path) == "csv":
            preview = preview_csv(path)
            saved = run_in_session(self, saved_mappings)
            self._reply(self._show_mapping, preview, saved)
            return
        self._reply(self._show_plan, self._dry_run(path, None))

    def _reply(self, callback: Callable[..., None], *args: Any) -> None:
        """Hand a worker's result to the screen, unless esc or a new path dropped the work."""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(callback, *args)

    def _dry_run(self, path: Path, options: ImportOptions | None) -> ImportPlan:
        def progress(done: int, total: int) -> None:
            if done % PROGRESS_STEP == 0 or done == total:
                self._reply(self._progress, done, total)

        def plan(session: Any) -> ImportPlan:
            planned = plan_file(session, path, progress, options)
            session.rollback()  # planning writes nothing; make sure of it
            return planned

        with collector_paused():
            return run_in_session(self, plan)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=done, total=total)

    def _finished_leads(self, message: str) -> None:
        self._busy(False)
        self._say(escape(message) + "  Press esc to go back.")
        self.applied = True

    # ---------------------------------------------------------------- the mapping step

    def _show_mapping(self, preview: CsvPreview, saved: list[str]) -> None:
        self.csv = True
        self._show_step(Step.MAPPING)
        self.query_one("#csv-step", MappingStep).start(preview, saved)

    @on(MappingStep.Said)
    def _mapping_said(self, event: MappingStep.Said) -> None:
        self._say(event.text)

    @on(MappingStep.PreviewRequested)
    def _preview(self, event: MappingStep.PreviewRequested) -> None:
        if self.path is None:
            return
        self._say("Planning the import…")
        self._busy(True)
        self._plan(self.path, event.options)

    # ---------------------------------------------------------------- plan → apply

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _plan(self, path: Path, options: ImportOptions) -> None:
        self._reply(self._show_plan, self._dry_run(path, options))

    def _show_plan(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.query_one("#import-plan", PlanTable).show(plan, applied=self.applied)
        self._show_step(Step.PLAN)
        self._explain("")
        counts = describe_counts(plan.counts, done=False)
        back = "goes back" if self.csv else "cancels"
        self._say(f"{counts}. Nothing written yet: [b]enter[/b] imports, [b]esc[/b] {back}.")

    @on(PlanTable.Explained)
    def _explained(self, event: PlanTable.Explained) -> None:
        self._explain(event.text)

    def _explain(self, text: str) -> None:
        self.query_one("#import-detail", Static).update(text)

    @on(PlanTable.ApplyRequested)
    def _apply(self) -> None:
        if self.plan is None or self.applied or self.applying:
            return
        self.applying = True
        self._say("Importing…")
        self._busy(True)
        self._write(self.plan)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _write(self, plan: ImportPlan) -> None:
        def progress(done: int, total: int) -> None:
            if done % PROGRESS_STEP == 0 or done == total:
                self.app.call_from_thread(self._progress, done, total)

        # Not `_reply`: once the batch is written, its number must reach the user.
        with collector_paused():
            batch_id = run_in_session(self, lambda session: apply_plan(session, plan, progress).id)
        self.app.call_from_thread(self._show_result, plan, batch_id)

    def _show_result(self, plan: ImportPlan, batch_id: int | None) -> None:
        self.applying, self.applied = False, True
        self._show_plan(plan)
        counts = describe_counts(plan.counts, done=True)
        self._say(f"Imported ({counts}). Undo with: crm-tui imports undo {batch_id}.  esc goes back.")

    # ---------------------------------------------------------------- failures and esc

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A file that cannot be read is said here, beside the path, not in a passing toast."""
        if event.worker.group != "import" or event.state != WorkerState.ERROR:
            return
        event.stop()
        self._busy(False)
        self.applying = False
        error = event.worker.error
        reason = describe_failure(error) if error else "the import failed"
        self._say(f"[b]⚠[/b] {escape(reason)}. Nothing was written.")
        if self.step is Step.PATH:
            self.query_one("#import-path", Input).focus()

    def action_back(self) -> None:
        if self.applying:
            self._say("Wait: the import is being written.")
            return
        self.workers.cancel_group(self, "import")
        if self.step is Step.PLAN and self.csv and not self.applied:
            self._show_step(Step.MAPPING)
            self.query_one("#csv-step", MappingStep).say_state()
        elif self.step is Step.MAPPING:
            self._show_step(Step.PATH)
            self._say("Press enter to read the file again, or type another path.")
        else:
            self.app.pop_screen()
