"""The "add" forms for each kind of record, and the service call each one makes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from crm_tui.db.models import CompanyBase
from crm_tui.errors import ValidationError
from crm_tui.services import activities, companies, contacts, deals, leads
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField


def _task_fields() -> list[FormField]:
    from crm_tui.ui.record_actions import task_fields

    return task_fields()


def _add_lead(session: Any, values: dict[str, str]) -> object:
    return leads.create_lead(session, leads.lead_from_fields(values))


def _add_contact(session: Any, values: dict[str, str]) -> object:
    return contacts.create_contact(session, contacts.contact_from_fields(values))


def _add_company(session: Any, values: dict[str, str]) -> object:
    name = values.get("name", "").strip()
    if name and companies.find_company_by_name(session, name) is not None:
        raise ValidationError("name", f"a company named {name!r} is already here")
    fields: dict[str, Any] = {key: value.strip() or None for key, value in values.items()}
    return companies.create_company(session, CompanyBase(**fields | {"name": name}))


def _add_deal(session: Any, values: dict[str, str]) -> object:
    return deals.create_deal(session, deals.deal_from_fields(session, values))


def _add_activity(session: Any, values: dict[str, str]) -> object:
    return activities.create_activity(session, activities.activity_from_fields(values))


def add_dialog(kind: str, initial: dict[str, str] | None = None) -> FormDialog:
    """The form to add a record of `kind` (lead, contact, company, deal, activity), with the
    fields named in `initial` filled in (the board's `a` gives the deal its column's stage)."""
    dialog = _blank_dialog(kind)
    if initial:
        dialog.fields = [
            replace(field, value=initial.get(field.name, field.value)) for field in dialog.fields
        ]
    return dialog


def _blank_dialog(kind: str) -> FormDialog:
    if kind == "lead":
        return FormDialog(
            "New lead",
            [
                FormField("name", "Person", placeholder="Анна Петрова"),
                FormField("company", "Company", placeholder="ООО «Ромашка»"),
                FormField("email", "Email"),
                FormField("phone", "Phone", placeholder="+7 912 345-67-89"),
                FormField("source", "Source", placeholder="Website, Referral, Cold call…"),
                FormField("value", "Expected value", placeholder="150 000"),
                FormField("notes", "Notes"),
            ],
            _add_lead,
        )
    if kind == "contact":
        return FormDialog(
            "New contact",
            [
                FormField("first_name", "First name"),
                FormField("last_name", "Last name"),
                FormField("company", "Company", placeholder="found by name, or created"),
                FormField("title", "Job title"),
                FormField("email", "Email"),
                FormField("phone", "Phone", placeholder="+7 912 345-67-89"),
                FormField("tags", "Tags", placeholder="comma separated"),
            ],
            _add_contact,
        )
    if kind == "company":
        return FormDialog(
            "New company",
            [
                FormField("name", "Name", placeholder="ООО «Ромашка»"),
                FormField("industry", "Industry"),
                FormField("website", "Website"),
                FormField("phone", "Phone"),
                FormField("email", "Email"),
            ],
            _add_company,
        )
    if kind == "deal":
        return FormDialog(
            "New deal",
            [
                FormField("title", "Title", placeholder="50 licences for Acme"),
                FormField("amount", "Amount", placeholder="150 000"),
                FormField("company", "Company", placeholder="found by name, or created"),
                FormField("stage", "Stage", placeholder="empty: the first stage"),
                FormField("expected_close", "Expected close", placeholder="2026-12-31 or +30d"),
            ],
            _add_deal,
        )
    if kind == "activity":
        return FormDialog("New task", _task_fields(), _add_activity)
    raise ValueError(f"cannot add a {kind}")
