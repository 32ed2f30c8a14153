"""crm-tui: a CRM for one salesperson, run from the terminal on a local SQLite file."""

__version__ = "0.1.0"
