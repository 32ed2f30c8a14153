"""Export contacts to a vCard file from the app (command palette → Export contacts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_tui.errors import ValidationError
from crm_tui.services.exports import ExportOptions, export_to_file
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField


def _export(session: Any, values: dict[str, str]) -> Path:
    name = values.get("file", "").strip()
    if not name:
        raise ValidationError("file", "is required")
    version = values.get("version", "").strip() or "3.0"
    if version not in ("3.0", "4.0"):
        raise ValidationError("version", f"{version!r}: choose 3.0 (most programs) or 4.0")
    return export_to_file(session, Path(name), "contacts", ExportOptions(fmt="vcard", vcard_version=version))


def export_contacts_dialog() -> FormDialog:
    return FormDialog(
        "Export contacts as vCard",
        [
            FormField("file", "File", str(Path("~/contacts.vcf")), placeholder="~/contacts.vcf"),
            FormField("version", "vCard version", "3.0", placeholder="3.0 or 4.0"),
        ],
        _export,
    )
