"""Export records to a file from the app (`E`, or command palette → Export …): leads,
contacts, companies, deals and activities as CSV, contacts also as vCard, activities also as
an iCalendar file for calendar programs, anything as JSON.

The fields are typed, so a wrong value (a format we do not write, a folder that does not
exist, an encoding that cannot hold a name) keeps the dialog open, saying which field is wrong.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from crm_tui.errors import ValidationError
from crm_tui.io.csv_write import CSV_KINDS
from crm_tui.services.exports import ExportOptions, export_to_file
from crm_tui.ui.dialogs.form_dialog import FormDialog, FormField
from crm_tui.vocabulary import DEFAULT_CSV_ENCODING, EXPORT_FORMATS, EXPORT_KINDS

SUFFIXES = {"csv": ".csv", "json": ".json", "vcard": ".vcf", "ics": ".ics"}
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t"}
VCARD_VERSIONS = ("3.0", "4.0")


def default_format(kind: str) -> str:
    # Contacts go to phones and mail programs as vCard, activities to calendars as iCalendar;
    # the rest to spreadsheets as CSV.
    if kind == "contacts":
        return "vcard"
    if kind == "activities":
        return "ics"
    return "csv" if kind in CSV_KINDS else "json"


def default_file(kind: str, fmt: str) -> str:
    return str(Path("~") / f"{kind}{SUFFIXES[fmt]}")


def _choose(value: str, choices: tuple[str, ...], field: str, hint: str = "") -> str:
    value = value.strip().lower()
    if value not in choices:
        raise ValidationError(field, f"{value!r}: choose {' or '.join(choices)}{hint}")
    return value


def _format_for(kind: str, value: str) -> str:
    fmt = _choose(value, EXPORT_FORMATS, "format")
    if fmt == "vcard" and kind != "contacts":
        raise ValidationError("format", f"vCard holds contacts only; choose csv or json for {kind}")
    if fmt == "ics" and kind != "activities":
        raise ValidationError("format", f"iCalendar holds activities only; choose csv or json for {kind}")
    if fmt == "csv" and kind not in CSV_KINDS:
        raise ValidationError("format", f"{kind} export as json only")
    return fmt


def _options(fmt: str, values: dict[str, str]) -> ExportOptions:
    delimiter = values.get("delimiter", "").strip() or ","
    if delimiter not in DELIMITERS:
        raise ValidationError("delimiter", f"{delimiter!r}: choose , or ; or tab")
    encoding = values.get("encoding", "").strip() or DEFAULT_CSV_ENCODING
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValidationError(
            "encoding", f"{encoding!r}: unknown; {DEFAULT_CSV_ENCODING} opens in Excel"
        ) from None
    version = values.get("version", "").strip() or VCARD_VERSIONS[0]
    if fmt == "vcard":
        _choose(version, VCARD_VERSIONS, "version", " (3.0 suits most programs)")
    return ExportOptions(fmt=fmt, vcard_version=version, delimiter=DELIMITERS[delimiter], encoding=encoding)


def export(session: Any, values: dict[str, str], first_file: str) -> Path:
    """Write the export the form describes; returns where it went."""
    kind = _choose(values.get("kind", ""), EXPORT_KINDS, "kind")
    fmt = _format_for(kind, values.get("format", ""))
    name = values.get("file", "").strip()
    if not name:
        raise ValidationError("file", "is required")
    # The offered file name follows the format while the user has not typed their own.
    path = Path(name).expanduser()
    if name == first_file:
        path = Path(default_file(kind, fmt)).expanduser()
    if not path.parent.is_dir():
        raise ValidationError("file", f"{path.parent}: no such folder")
    return export_to_file(session, path, kind, _options(fmt, values))


def export_dialog(kind: str) -> FormDialog:
    fmt = default_format(kind)
    first_file = default_file(kind, fmt)
    return FormDialog(
        "Export to a file",
        [
            FormField("kind", "What", kind, placeholder=", ".join(EXPORT_KINDS)),
            FormField("format", "Format", fmt, placeholder="csv, json, vcard (contacts), ics (activities)"),
            FormField("file", "File", first_file, placeholder=first_file),
            FormField("delimiter", "CSV delimiter", ",", placeholder=", or ; or tab"),
            FormField("encoding", "CSV encoding", DEFAULT_CSV_ENCODING, placeholder="utf-8-sig, cp1251…"),
            FormField("version", "vCard version", VCARD_VERSIONS[0], placeholder="3.0 or 4.0"),
        ],
        lambda session, values: export(session, values, first_file),
    )
