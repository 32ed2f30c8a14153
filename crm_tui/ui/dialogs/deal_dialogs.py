"""The pipeline's dialogs: won (the final amount), lost (a reason), edit a deal, filter the
board. Each one's Save runs one service call in one transaction, in a worker; a bad value
keeps the dialog open with the message and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from crm_tui.errors import ValidationError
from crm_tui.money import format_money, plain_amount
from crm_tui.services import deals, pipeline
from crm_tui.services.deals import StageMove
from crm_tui.services.pipeline import BoardFilter
from crm_tui.services.validation import clean, parse_money, parse_optional_date, require
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField, SavingDialog


@dataclass(frozen=True)
class DealRef:
    """The deal a key acts on, as the board's card or the list's row has it."""

    id: int
    title: str
    amount: int
    currency: str
    stage_id: int | None = None  # the board's column (None in the list view)
    stage: str = ""
    # The deal's row version as read with the card: handed back as seen_version, so a deal
    # someone else changed since is refused (RecordChanged), not changed over them.
    version: int | None = None


def won_dialog(deal: DealRef) -> FormDialog:
    """The final amount, prefilled with the current one; returns the StageMove."""

    def save(session: Session, values: dict[str, str]) -> StageMove:
        final = parse_money(values["amount"], "amount")
        if final is None:
            current = format_money(deal.amount, deal.currency)
            raise ValidationError("amount", f"say the final amount (it was {current})")
        return deals.win_deal(session, deal.id, final, seen_version=deal.version)

    fields = [
        FormField(
            "amount",
            f"Final amount, {deal.currency}",
            plain_amount(deal.amount),
            placeholder="e.g. 150 000",
        )
    ]
    return FormDialog(f"Won: {deal.title}", fields, save)


def deal_form_values(session: Session, deal_id: int) -> dict[str, str]:
    """The edit form's fields, as a person types them."""
    deal = deals.get_deal(session, deal_id)
    return {
        "title": deal.title,
        "amount": plain_amount(deal.amount),
        "currency": deal.currency,
        "expected_close": deal.expected_close_on.isoformat() if deal.expected_close_on else "",
        "notes": deal.notes or "",
    }


def save_deal_form(
    session: Session, deal_id: int, values: dict[str, str], seen_version: int | None = None
) -> object:
    """Every field read (and refused, naming it) before anything is written."""
    currency = require("currency", values["currency"]).upper()
    if not (len(currency) == 3 and currency.isalpha()):
        raise ValidationError("currency", f"{currency!r} is not a currency code (RUB, USD, EUR…)")
    changes: dict[str, Any] = {
        "title": require("title", values["title"]),
        "amount": parse_money(values["amount"], "amount") or 0,
        "currency": currency,
        "expected_close_on": parse_optional_date(values["expected_close"], "expected close"),
        "notes": clean(values["notes"]),
    }
    return deals.update_deal(session, deal_id, changes, seen_version)


def edit_dialog(deal: DealRef, values: dict[str, str]) -> FormDialog:
    fields = [
        FormField("title", "Title", values["title"]),
        FormField("amount", "Amount", values["amount"], placeholder="e.g. 150 000"),
        FormField("currency", "Currency", values["currency"], placeholder="RUB, USD, EUR…"),
        FormField("expected_close", "Expected close", values["expected_close"], placeholder="2026-12-31"),
        FormField("notes", "Notes", values["notes"], multiline=True),
    ]

    def save(session: Session, typed: dict[str, str]) -> object:
        return save_deal_form(session, deal.id, typed, deal.version)

    return FormDialog(f"Edit {deal.title}", fields, save, dense=True)


def filter_dialog(current: BoardFilter) -> FormDialog:
    """Returns the BoardFilter the form says."""
    values = pipeline.filter_form_values(current)
    fields = [
        FormField("text", "Text", values["text"], placeholder="words of the title, client…"),
        FormField("contact", "Contact", values["contact"], placeholder="part of the name"),
        FormField("company", "Company", values["company"], placeholder="part of the name"),
        FormField("tag", "Tag", values["tag"], placeholder="a tag of the contact, e.g. VIP"),
        FormField("min_amount", "Min amount", values["min_amount"], placeholder="e.g. 10 000"),
        FormField("max_amount", "Max amount", values["max_amount"], placeholder="e.g. 500 000"),
    ]

    def build(session: Session, typed: dict[str, str]) -> BoardFilter:
        return pipeline.filter_from_form(typed)

    return FormDialog("Show deals that match…", fields, build, dense=True)


class LostDialog(SavingDialog):
    """A reason from the pick list and, optionally, words of one's own; returns the move."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("down", "pick(1)", "Next reason", show=False),
        Binding("up", "pick(-1)", "Previous reason", show=False),
    ]

    def __init__(self, deal: DealRef, reasons: list[str]) -> None:
        super().__init__()
        self.deal = deal
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical(id="lost", classes="dialog"):
            yield Label(f"Lost: {self.deal.title}", classes="dialog-title")
            yield Label("Why? ↑↓ picks the reason", classes="dim")
            options = OptionList(*[Option(reason, id=reason) for reason in self.reasons], id="lost-reasons")
            options.can_focus = False  # the typing stays in the details box
            yield options
            with Horizontal(classes="field-row"):
                yield Label("Details", classes="field-label")
                yield Input(
                    placeholder="optional; needed for “other”",
                    id="lost-details",
                    classes="field-input",
                    compact=True,
                )
            yield Label("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save ctrl+s", variant="primary", id="save", compact=True)
                yield Button("Cancel esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        # Keys and clicks, not focus, for the buttons: a Tab would otherwise take the focus
        # from the details box and the words typed after it would go nowhere.
        for button in self.query(Button):
            button.can_focus = False
        self.query_one("#lost-reasons", OptionList).highlighted = 0
        self.query_one("#lost-details", Input).focus()

    @property
    def picked(self) -> str | None:
        options = self.query_one("#lost-reasons", OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def action_pick(self, step: int) -> None:
        options = self.query_one("#lost-reasons", OptionList)
        if options.option_count:
            now = options.highlighted if options.highlighted is not None else 0
            options.highlighted = max(0, min(now + step, options.option_count - 1))

    @on(OptionList.OptionSelected, "#lost-reasons")
    def _clicked(self) -> None:
        self.query_one("#lost-details", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        picked = self.picked
        if picked is None:
            self.show_error(ValidationError("reason", "pick one"))
            return
        try:
            reason = deals.lost_reason(picked, self.query_one("#lost-details", Input).value)
        except ValidationError as error:
            self.show_error(error)
            return
        self.save_in_worker(
            lambda session: deals.lose_deal(session, self.deal.id, reason, seen_version=self.deal.version)
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def focus_for(self, error: BaseException) -> None:
        self.query_one("#lost-details", Input).focus()
