"""Names shared by the command line and the services, kept free of heavy imports so that
`crm-tui --help` starts at once."""

from __future__ import annotations

# What `crm-tui export KIND` can write, in the order the help lists them.
EXPORT_KINDS = ("contacts", "companies", "leads", "deals", "activities", "events")
EXPORT_FORMATS = ("json", "vcard", "csv", "ics")
# Each activity kind's symbol, wherever activities are listed (lists, reminders, the shell).
ACTIVITY_SYMBOLS = {"call": "☎", "meeting": "◷", "email": "✉", "task": "☐"}
# CSV files open in Excel as UTF-8 only with a byte order mark.
DEFAULT_CSV_ENCODING = "utf-8-sig"
