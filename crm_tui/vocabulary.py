"""Names shared by the command line and the services, kept free of heavy imports so that
`crm-tui --help` starts at once."""

from __future__ import annotations

# What `crm-tui export KIND` can write, in the order the help lists them.
EXPORT_KINDS = ("contacts", "companies", "leads", "deals", "activities", "events")
EXPORT_FORMATS = ("json", "vcard")
