"""The keys that act on one contact or company, shared by its card and by the lists.

A screen mixes `RecordActions` in and says which record the keys act on (`acting_on`): the
card its own record, a list the highlighted row (or, for tags, the rows marked with space).
Every action opens a dialog whose Save runs one service call in one transaction; the screen
is told through `after_action` so it shows the change at once (a logged call turns the
health light green while the dialog closes).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlmodel import Session
from textual import work
from textual.binding import Binding, BindingType
from textual.screen import Screen

from crm_tui.db.models import EntityKind
from crm_tui.services.activities import REPEAT_HINT
from crm_tui.ui.database import crm_app, run_in_session
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
from crm_tui.ui.dialogs.pick_dialog import PickDialog


@dataclass(frozen=True)
class Target:
    """The record a key acts on, and the name to call it by in a dialog's title."""

    kind: EntityKind
    id: int
    name: str


def task_fields() -> list[FormField]:
    return [
        FormField("kind", "Kind", "call", placeholder="call, meeting, email or task"),
        FormField("title", "What", placeholder="e.g. Call back about the proposal"),
        FormField("due", "Due date", "today", placeholder="2026-12-15 or 15.12.2026"),
        FormField("time", "Time", placeholder="optional, 14:30"),
        FormField("repeat", "Repeat", placeholder=REPEAT_HINT),
        FormField("remind", "Remind", placeholder="minutes before: 15, 1h (at the time if empty)"),
        FormField("notes", "Notes", placeholder="optional"),
    ]


def open_mail_client(address: str) -> bool:
    """Hand a `mailto:` link to the desktop's opener, detached from the terminal (a text-mode
    browser started in it would take over the screen). False when there is no opener."""
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(opener) is None:
        return False
    subprocess.Popen(  # a fixed program and a mailto: URL, no shell
        [opener, f"mailto:{address}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return True


class RecordActions(Screen[Any]):
    """Keys for contacts and companies: e n l t s d y o g # x."""

    RECORD_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", tooltip="Edit every field (emails, phones, birthday, tags…)"),
        Binding("n", "note", "Note", tooltip="Add a note to the timeline"),
        Binding("l", "log", "Log call", tooltip="Log a call, email or meeting with its outcome (a touch)"),
        Binding("t", "task", "Task", show=False, tooltip="Plan a call, meeting, email or task"),
        Binding("s", "next_step", "Next step", tooltip="Set the next contact date and its goal"),
        Binding("d", "new_deal", "Deal", show=False, tooltip="New deal with this contact"),
        Binding("y", "copy", "Copy", show=False, tooltip="Copy an email or phone to the clipboard"),
        Binding("o", "mail", "Mail", show=False, tooltip="Write an email in the mail client"),
        Binding("g", "go_company", "Company", show=False, tooltip="Go to the contact's company"),
        Binding("number_sign", "tags", "Tags", show=False, tooltip="Add or remove tags"),
        Binding("x", "archive", "Archive", show=False, tooltip="Archive the contact (asks about its deals)"),
    ]
    # Keys that mean something only for a contact.
    CONTACT_ONLY: ClassVar[set[str]] = {"new_deal", "go_company", "tags", "archive"}

    def acting_on(self) -> Target | None:
        raise NotImplementedError

    def marked_contacts(self) -> list[int]:
        """The contacts marked for a bulk change (lists override); else the one acted on."""
        target = self.acting_on()
        return [target.id] if target is not None and target.kind is EntityKind.CONTACT else []

    def after_action(self, message: str) -> None:
        self.notify(message)

    def _then(self, message: str | Callable[[Any], str]) -> Callable[[object], None]:
        """What to do when a dialog closes: on a save, report it (the message may depend on
        what the save returned) and show the change."""

        def done(result: object) -> None:
            if result is not None:
                self.after_action(message(result) if callable(message) else message)

        return done

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.CONTACT_ONLY:
            target = self.acting_on()
            return target is None or target.kind is EntityKind.CONTACT
        return True

    # ---------------------------------------------------------------- dialogs

    def action_note(self) -> None:
        if (target := self.acting_on()) is None:
            return
        from crm_tui.services.cards import subject_of
        from crm_tui.services.events import add_note

        def save(session: Session, values: dict[str, str]) -> object:
            return add_note(session, subject_of(session, target.kind, target.id), values["note"])

        fields = [FormField("note", "Note", multiline=True)]
        self.app.push_screen(FormDialog(f"Note on {target.name}", fields, save), self._then("Note added."))

    def action_log(self) -> None:
        if (target := self.acting_on()) is None:
            return
        from crm_tui.services.cards import subject_of
        from crm_tui.services.interactions import INTERACTION_KINDS, log_interaction

        def save(session: Session, values: dict[str, str]) -> object:
            subject = subject_of(session, target.kind, target.id)
            return log_interaction(
                session, subject, values["kind"].strip(), values["outcome"], values["when"]
            )

        def logged(result: Any) -> str:
            completed = len(result.completed)
            return "Logged." + (
                f" It completed {completed} planned {'task' if completed == 1 else 'tasks'}."
                if completed
                else ""
            )

        fields = [
            FormField("kind", "Kind", "call", placeholder=", ".join(INTERACTION_KINDS)),
            FormField("outcome", "Outcome", placeholder="e.g. agreed to send the price list"),
            FormField("when", "When", placeholder="now; or e.g. today 10:00, yesterday"),
        ]
        self.app.push_screen(
            FormDialog(f"Log a call, email or meeting: {target.name}", fields, save), self._then(logged)
        )

    def action_task(self) -> None:
        if (target := self.acting_on()) is None:
            return
        from crm_tui.services import activities

        link = {f"{target.kind.value}_id": str(target.id)}

        def save(session: Session, values: dict[str, str]) -> object:
            return activities.create_activity(session, activities.activity_from_fields(values | link))

        self.app.push_screen(
            FormDialog(f"Task for {target.name}", task_fields(), save), self._then("Task planned.")
        )

    def action_next_step(self) -> None:
        if (target := self.acting_on()) is None:
            return
        from crm_tui.services.interactions import set_next_step

        def save(session: Session, values: dict[str, str]) -> object:
            return set_next_step(session, target.kind, target.id, values["when"], values["goal"]) or "cleared"

        fields = [
            FormField("when", "When", "tomorrow", placeholder="tomorrow, fri, +3d, 15.12; empty clears it"),
            FormField("goal", "Goal", placeholder="e.g. send the contract"),
        ]
        title = f"Next contact with {target.name}"
        self.app.push_screen(FormDialog(title, fields, save), self._then("Next step set."))

    def action_tags(self) -> None:
        contact_ids = self.marked_contacts()
        if not contact_ids:
            return
        from crm_tui.services.contacts import tag_contacts

        def save(session: Session, values: dict[str, str]) -> object:
            split = [
                [tag.strip() for tag in values[key].split(",") if tag.strip()] for key in ("add", "remove")
            ]
            return tag_contacts(session, contact_ids, add=split[0], remove=split[1])

        many = len(contact_ids) > 1
        title = f"Tags of {len(contact_ids)} contacts" if many else "Tags"
        fields = [
            FormField("add", "Add", placeholder="comma separated, e.g. VIP, partner"),
            FormField("remove", "Remove", placeholder="comma separated"),
        ]
        self.app.push_screen(
            FormDialog(title, fields, save),
            self._then(lambda changed: f"Tags changed on {changed} contacts."),
        )

    # ---------------------------------------------------------------- reading first

    def action_edit(self) -> None:
        if (target := self.acting_on()) is not None:
            self._open_edit(target)

    @work(thread=True, group="record-action", exit_on_error=False)
    def _open_edit(self, target: Target) -> None:
        from crm_tui.services import contact_edit

        contact = target.kind is EntityKind.CONTACT
        read = contact_edit.contact_form if contact else contact_edit.company_form
        write = contact_edit.save_contact_form if contact else contact_edit.save_company_form
        form = run_in_session(self, lambda session: read(session, target.id))
        fields = [FormField(f.name, f.label, f.value, f.placeholder, f.multiline) for f in form]

        def save(session: Session, values: dict[str, str]) -> object:
            return write(session, target.id, values)

        dialog = FormDialog(f"Edit {target.name}", fields, save, dense=True)
        self.app.call_from_thread(self.app.push_screen, dialog, self._then("Saved."))

    def action_new_deal(self) -> None:
        if (target := self.acting_on()) is not None and target.kind is EntityKind.CONTACT:
            self._open_deal_form(target)

    @work(thread=True, group="record-action", exit_on_error=False)
    def _open_deal_form(self, target: Target) -> None:
        from crm_tui.services.interactions import create_deal_for_contact, deal_form_defaults

        defaults = run_in_session(self, lambda session: deal_form_defaults(session, target.id))
        fields = [
            FormField("title", "Title", defaults.get("title", "")),
            FormField("amount", "Amount", defaults.get("amount", ""), placeholder="e.g. 150 000"),
            FormField("stage", "Stage", defaults.get("stage", "")),
            FormField(
                "expected_close",
                "Expected close",
                defaults.get("expected_close", ""),
                placeholder="optional, 2026-12-31",
            ),
            FormField("notes", "Notes", placeholder="optional"),
        ]

        def save(session: Session, values: dict[str, str]) -> object:
            return create_deal_for_contact(session, target.id, values)

        dialog = FormDialog(f"New deal with {target.name}", fields, save)
        self.app.call_from_thread(self.app.push_screen, dialog, self._then("Deal added to the pipeline."))

    def action_archive(self) -> None:
        if (target := self.acting_on()) is not None and target.kind is EntityKind.CONTACT:
            self._ask_archive(target)

    @work(thread=True, group="record-action", exit_on_error=False)
    def _ask_archive(self, target: Target) -> None:
        from crm_tui.services.contacts import open_deal_count

        deals = run_in_session(self, lambda session: open_deal_count(session, target.id))
        keep = f"Archive {target.name}, keep the {deals} open deals" if deals else f"Archive {target.name}"
        choices = (
            [keep] + ([f"Archive {target.name} and the {deals} open deals"] if deals else []) + ["Cancel"]
        )

        def picked(choice: str | None) -> None:
            if choice is None or choice == "Cancel":
                return
            with_deals = "and the" in choice
            self._archive(target, "archive" if with_deals else "keep")

        self.app.call_from_thread(
            self.app.push_screen,
            PickDialog(f"Archive {target.name}? (u on the list restores)", choices),
            picked,
        )

    @work(thread=True, group="record-action", exit_on_error=False)
    def _archive(self, target: Target, deals: str) -> None:
        from crm_tui.services.contacts import archive_contact

        run_in_session(self, lambda session: archive_contact(session, target.id, deals=deals))  # type: ignore[arg-type]
        self.app.call_from_thread(self.archived, target)

    def archived(self, target: Target) -> None:
        # Kept by the app, so `u` on the contacts list brings back one archived from a card too.
        crm_app(self).archived_contacts.append(target.id)
        self.show_archived(f"{target.name} archived. u on the contacts list brings it back.")

    def show_archived(self, message: str) -> None:
        self.after_action(message)

    # ---------------------------------------------------------------- contact details

    def action_copy(self) -> None:
        if (target := self.acting_on()) is not None:
            self._pick_detail(target, "copy")

    def action_mail(self) -> None:
        if (target := self.acting_on()) is not None:
            self._pick_detail(target, "mail")

    @work(thread=True, group="record-action", exit_on_error=False)
    def _pick_detail(self, target: Target, purpose: str) -> None:
        from crm_tui.services.cards import contact_details

        details = run_in_session(self, lambda session: contact_details(session, target.kind, target.id))
        if purpose == "mail":
            details = [(label, value) for label, value in details if "@" in value]
        self.app.call_from_thread(self._use_detail, target, purpose, details)

    def _use_detail(self, target: Target, purpose: str, details: list[tuple[str, str]]) -> None:
        if not details:
            self.notify(f"{target.name} has no {'email' if purpose == 'mail' else 'email or phone'}.")
            return

        def use(value: str) -> None:
            if purpose == "copy":
                self.app.copy_to_clipboard(value)
                self.notify(f"Copied {value} to the clipboard.")
            elif open_mail_client(value):
                self.notify(f"Opening a message to {value} in the mail client.")
            else:
                self.notify("No mail client could be started here: y copies the address.", severity="warning")

        if len(details) == 1:
            use(details[0][1])
            return
        shown = {f"{label}: {value}": value for label, value in details}

        def picked(choice: str | None) -> None:
            if choice is not None:
                use(shown[choice])

        title = "Copy which one?" if purpose == "copy" else "Write to which address?"
        self.app.push_screen(PickDialog(title, list(shown)), picked)

    def action_go_company(self) -> None:
        if (target := self.acting_on()) is not None and target.kind is EntityKind.CONTACT:
            self._go_company(target)

    @work(thread=True, group="record-action", exit_on_error=False)
    def _go_company(self, target: Target) -> None:
        from crm_tui.services.contacts import get_contact

        company_id = run_in_session(self, lambda session: get_contact(session, target.id).company_id)
        if company_id is None:
            self.app.call_from_thread(self.notify, f"{target.name} has no company. e sets one.")
        else:
            self.app.call_from_thread(crm_app(self).open_record, EntityKind.COMPANY, company_id)
