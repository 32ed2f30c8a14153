"""The two forms of mode 5: a custom period (`c`) and saving the report to a CSV file (`x`).

A date that cannot be read, or a folder that does not exist, keeps the form open saying
which field is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_tui.errors import ValidationError
from crm_tui.io.report_write import default_report_file, save_report_csv
from crm_tui.services.reports.model import Report
from crm_tui.services.reports.period import Period, custom_period
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField

DATE_HINT = "2026-10-01, 1.10.2026, today, -30d"


def period_dialog(current: Period) -> FormDialog:
    """Returns the Period typed, or None when cancelled."""

    def submit(_session: Any, values: dict[str, str]) -> Period:
        return custom_period(values["from"], values["to"])

    return FormDialog(
        "Custom period",
        [
            FormField("from", "From", current.first.isoformat(), placeholder=DATE_HINT),
            FormField("to", "To", current.last.isoformat(), placeholder=f"{DATE_HINT} (empty: today)"),
        ],
        submit,
    )


def save_report(report: Report, name: str) -> Path:
    """Write the report to the file named; returns where it went."""
    name = name.strip()
    if not name:
        raise ValidationError("file", "is required")
    path = Path(name).expanduser()
    if not path.parent.is_dir():
        raise ValidationError("file", f"{path.parent}: no such folder")
    if path.is_dir():
        raise ValidationError("file", f"{path} is a folder; give a file name")
    try:
        return save_report_csv(report, path)
    except OSError as error:
        raise ValidationError("file", f"{path}: {error.strerror or error}") from None


def export_report_dialog(report: Report) -> FormDialog:
    """Returns the Path written, or None when cancelled."""
    first = default_report_file(report)
    return FormDialog(
        f"Save the {report.title} report as CSV",
        [FormField("file", "File", first, placeholder=first)],
        lambda _session, values: save_report(report, values["file"]),
    )
