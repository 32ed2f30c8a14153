"""The schema version this crm-tui writes and reads (kept apart from `schema`, which loads the
ORM, so a quick reader such as `crm-tui search` can check a file's version cheaply)."""

SCHEMA_VERSION = 9
