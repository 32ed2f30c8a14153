"""A small form in a dialog: fields, a Save that runs a service, errors shown beside the form.

The service call runs in a thread worker inside one transaction; a ValidationError keeps the
dialog open with the message and the cursor on the field at fault, so nothing is lost and
nothing half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.markup import escape
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea
from textual.worker import Worker, WorkerState

from crm_tui.errors import RecordChanged, ValidationError
from crm_tui.ui.database import describe_failure, run_in_session


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    multiline: bool = False


class SavingDialog(ModalScreen[Any]):
    """A dialog whose Save runs one service call in a worker: success closes it with what the
    call returned; a failure is said beside the form (in its `#form-error` label) and the
    dialog stays open, with the focus where the fix is typed (`focus_for`)."""

    def save_in_worker(self, operation: Callable[[Session], Any]) -> None:
        self.query_one("#form-error", Label).update("Saving…")
        self._save(operation)

    @work(thread=True, exclusive=True, group="dialog-save", exit_on_error=False)
    def _save(self, operation: Callable[[Session], Any]) -> Any:
        return run_in_session(self, operation)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "dialog-save":
            return
        event.stop()  # this dialog reports its own failures beside the form
        if event.state == WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif isinstance(event.worker.error, RecordChanged):
            # Someone else changed the record since this dialog was opened: saving again would
            # fail the same way. Say so and close; the screen below reads it again as it comes
            # back (on_screen_resume), showing what it is now.
            self.app.notify(str(event.worker.error), title="Not saved", severity="warning")
            self.dismiss(None)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)

    def show_error(self, error: BaseException) -> None:
        self.query_one("#form-error", Label).update(f"[b]⚠[/b] {escape(describe_failure(error))}")
        self.focus_for(error)

    def focus_for(self, error: BaseException) -> None:
        """Where the person fixes what `error` is about."""


class FormDialog(SavingDialog):
    """Returns what `submit` returned, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        # ↑/↓ go from field to field, as in a spreadsheet (a notes box keeps them for its lines).
        Binding("down", "app.focus_next", "Next field", show=False),
        Binding("up", "app.focus_previous", "Previous field", show=False),
    ]

    def __init__(
        self,
        title: str,
        fields: list[FormField],
        submit: Callable[[Any, dict[str, str]], Any],
        dense: bool = False,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.submit = submit
        self.dense = dense  # one line per field, no gaps: long forms fit a 24-line terminal

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="dialog dense" if self.dense else "dialog"):
            yield Label(self.form_title, classes="dialog-title")
            with VerticalScroll(id="form-fields"):
                for field in self.fields:
                    with Horizontal(classes="field-row multiline" if field.multiline else "field-row"):
                        yield Label(field.label, classes="field-label")
                        if field.multiline:
                            yield TextArea(field.value, id=f"field-{field.name}", classes="field-input")
                        else:
                            yield Input(
                                field.value,
                                placeholder=field.placeholder,
                                id=f"field-{field.name}",
                                classes="field-input",
                                compact=True,
                            )
            yield Label("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save ctrl+s", variant="primary", id="save", compact=True)
                yield Button("Cancel esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}").focus()

    def values(self) -> dict[str, str]:
        collected = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            collected[field.name] = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        return collected

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = self.values()
        self.save_in_worker(lambda session: self.submit(session, values))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def focus_for(self, error: BaseException) -> None:
        if isinstance(error, ValidationError):
            field_name = error.field.split(" ")[0].replace(" ", "_")
            for field in self.fields:
                if field.name == field_name or field.name.startswith(field_name):
                    self.query_one(f"#field-{field.name}").focus()
                    break
