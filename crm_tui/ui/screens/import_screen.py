"""`i`: import a file. Type its path (→ completes), enter shows what the import would do,
enter again applies it, esc leaves. vCard files go through the plan; a JSON file of leads
goes straight to the inbox, as `crm-tui add-lead --json` would."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, ProgressBar
from textual.worker import Worker, WorkerState

from crm_tui.services.file_import import plan_file
from crm_tui.services.import_apply import apply_plan
from crm_tui.services.import_plan import Action, ImportPlan, describe_counts
from crm_tui.services.lead_intake import add_leads, looks_like_leads_json, read_leads_file
from crm_tui.ui.database import describe_failure, run_in_session
from crm_tui.ui.widgets.path_suggester import PathSuggester

ACTION_STYLES = {
    Action.CREATE: "green",
    Action.UPDATE: "cyan",
    Action.SKIP: "dim",
    Action.MERGE: "dim",
    Action.REJECT: "bold red",
}
# Redraw the progress bar every this many records: often enough to move, rarely enough to be cheap.
PROGRESS_STEP = 50


class ImportScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plan: ImportPlan | None = None
        self.applied = False

    def compose(self) -> ComposeResult:
        yield Label("Import contacts (vCard or CSV) or a JSON file of leads", id="list-title")
        yield Input(
            placeholder="path to the file, e.g. ~/Downloads/contacts.vcf",
            id="import-path",
            suggester=PathSuggester(),
        )
        yield ProgressBar(id="import-progress", show_eta=False)
        yield Label("Type the path and press enter to see what the import would do.", id="import-summary")
        table: DataTable[Any] = DataTable(id="import-plan", cursor_type="row", zebra_stripes=True)
        table.add_column("Action", width=9)
        table.add_column("Card", width=5)
        table.add_column("Name", width=24)
        table.add_column("Why")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#import-progress").display = False
        self.query_one("#import-path", Input).focus()

    def _say(self, text: str) -> None:
        self.query_one("#import-summary", Label).update(text)

    @on(Input.Submitted, "#import-path")
    def _chosen(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if not event.value.strip():
            self._say("[b]⚠[/b] Type the path of a file.")
            return
        self.plan, self.applied = None, False
        self.query_one("#import-plan", DataTable).clear()
        self._say(f"Reading {path}…")
        self.query_one("#import-progress").display = True
        self._read(path)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _read(self, path: Path) -> None:
        if looks_like_leads_json(path):
            result = run_in_session(self, lambda session: add_leads(session, read_leads_file(path)))
            message = f"{len(result.created)} lead(s) added to the inbox."
            if result.rejected:
                message += " Rejected: " + "; ".join(result.rejected[:5])
            self.app.call_from_thread(self._finished_leads, message)
            return

        def progress(done: int, total: int) -> None:
            if done % PROGRESS_STEP == 0 or done == total:
                self.app.call_from_thread(self._progress, done, total)

        def dry_run(session: Any) -> ImportPlan:
            plan = plan_file(session, path, progress)
            session.rollback()  # planning writes nothing; make sure of it
            return plan

        plan = run_in_session(self, dry_run)
        self.app.call_from_thread(self._show_plan, plan)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=done, total=total)

    def _finished_leads(self, message: str) -> None:
        self.query_one("#import-progress").display = False
        self._say(message + "  Press esc to go back.")
        self.applied = True

    def _show_plan(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.query_one("#import-progress").display = False
        table = self.query_one("#import-plan", DataTable)
        table.clear()
        for planned in plan.records:
            reason = planned.reason + "".join(f"  ⚠ {warning}" for warning in planned.warnings)
            table.add_row(
                Text(planned.action.value, style=ACTION_STYLES[planned.action]),
                str(planned.number),
                planned.name,
                reason,
            )
        counts = describe_counts(plan.counts, done=False)
        self._say(f"{counts}. Nothing written yet: [b]enter[/b] imports, [b]esc[/b] cancels.")
        table.focus()

    @on(DataTable.RowSelected, "#import-plan")
    def _apply(self) -> None:
        if self.plan is None or self.applied:
            return
        self._say("Importing…")
        self._write(self.plan)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _write(self, plan: ImportPlan) -> None:
        batch_id = run_in_session(self, lambda session: apply_plan(session, plan).id)
        self.app.call_from_thread(self._show_result, plan, batch_id)

    def _show_result(self, plan: ImportPlan, batch_id: int | None) -> None:
        self.applied = True
        self._show_plan(plan)
        counts = describe_counts(plan.counts, done=True)
        self._say(f"Imported ({counts}). Undo with: crm-tui imports undo {batch_id}.  esc goes back.")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A file that cannot be read is said here, beside the path, not in a passing toast."""
        if event.worker.group != "import" or event.state != WorkerState.ERROR:
            return
        event.stop()
        self.query_one("#import-progress").display = False
        error = event.worker.error
        self._say(
            f"[b]⚠[/b] {describe_failure(error) if error else 'the import failed'}. Nothing was written."
        )
        self.query_one("#import-path", Input).focus()

    def action_leave(self) -> None:
        self.app.pop_screen()
