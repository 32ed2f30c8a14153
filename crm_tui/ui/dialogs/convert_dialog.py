"""The conversion of a lead: a form pre-filled from the lead, saved in one transaction.

A contact that matches the lead by email or phone is offered as the one to link (`#12 Olga
Morozova`); typing `new` makes a new contact instead. An empty deal title makes no deal.
Anything wrong (an email, an amount, a date, a stage) keeps the form open with the field
named, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from crm_tui.errors import ValidationError
from crm_tui.services.lead_triage import ConversionForm
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField

NEW_CONTACT = "new"


class ConvertDialog(FormDialog):
    """Returns the lead_triage.Conversion, or None when cancelled."""

    def __init__(self, form: ConversionForm) -> None:  # read by lead_triage.conversion_form
        request = form.request
        contact = f"#{request.contact_id} {form.contact_name}" if request.contact_id else NEW_CONTACT
        fields = [
            FormField("contact", "Contact", contact, placeholder="new, or #id of a contact to link"),
            FormField("first_name", "First name", request.first_name),
            FormField("last_name", "Last name", request.last_name),
            FormField("email", "Email", request.email),
            FormField("phone", "Phone", request.phone),
            FormField("job_title", "Job title", request.job_title),
            FormField("company", "Company", form.company_name, placeholder="found by name, or created"),
            FormField(
                "deal_title",
                "Deal",
                request.deal_title if request.create_deal else "",
                placeholder="empty: no deal",
            ),
            FormField("deal_amount", "Amount", request.deal_amount, placeholder="150 000"),
            FormField("deal_stage", "Stage", form.stage_name),
            FormField(
                "deal_close_on", "Expected close", request.deal_close_on, placeholder="optional, 31.12"
            ),
        ]
        super().__init__(f"Convert lead: {form.lead_title}", fields, self._convert, dense=True)
        self.request = request

    def _convert(self, session: Session, values: dict[str, str]) -> Any:
        from crm_tui.services.lead_triage import ConversionRequest, convert_lead

        deal_title = values["deal_title"].strip()
        request = ConversionRequest(
            lead_id=self.request.lead_id,
            contact_id=_contact_id(values["contact"]),
            first_name=values["first_name"],
            last_name=values["last_name"],
            email=values["email"],
            phone=values["phone"],
            job_title=values["job_title"],
            company_id=None,
            company_name=values["company"].strip(),
            create_deal=bool(deal_title),
            deal_title=deal_title,
            deal_amount=values["deal_amount"],
            deal_stage_id=_stage_id(session, values["deal_stage"]) if deal_title else None,
            deal_close_on=values["deal_close_on"],
            # The lead as the form was filled from it: changed by someone else since, the
            # conversion is refused (RecordChanged) and the inbox shows it as it is now.
            seen_version=self.request.seen_version,
        )
        return convert_lead(session, request)


def _contact_id(text: str) -> int | None:
    cleaned = text.strip()
    if cleaned.casefold() in ("", NEW_CONTACT):
        return None
    number = cleaned.removeprefix("#").split(" ", 1)[0]
    if not number.isdigit():
        raise ValidationError("contact", f"{cleaned!r}: type new, or # and the id of a contact to link")
    return int(number)


def _stage_id(session: Session, name: str) -> int | None:
    """The stage the deal starts in, by name (empty: the first open stage)."""
    from crm_tui.services import stages

    if not name.strip():
        return None
    try:
        return stages.stage_by_name(session, name.strip()).id
    except ValidationError as error:
        raise ValidationError("deal_stage", error.message) from error
