"""Errors that carry a message meant for the user (the app and the CLI show them as they are)."""

from __future__ import annotations


class CrmError(Exception):
    """An error whose text can be shown to the user as it is."""


class ValidationError(CrmError):
    """A value the user gave is not acceptable; `field` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(CrmError):
    def __init__(self, kind: str, record_id: int) -> None:
        super().__init__(f"no {kind} with id {record_id}")
        self.kind = kind
        self.record_id = record_id


class RecordChanged(CrmError):
    """Someone else changed a deal or a lead after the person saw it: their change was not
    made (nothing was written), and the view should be read again.

    `now` says what the record is like now ("now in Proposal", "now converted")."""

    def __init__(self, kind: str, record_id: int, name: str, now: str = "") -> None:
        detail = f" ({now})" if now else ""
        # Unnamed: the ORM's own version check caught it (db/engine.session_scope).
        what = f"“{name}”" if name else f"a {kind}"
        super().__init__(f"{what} was changed by someone else{detail} — reloaded")
        self.kind = kind
        self.record_id = record_id
        self.name = name
        self.now = now


class DatabaseProblem(CrmError):
    """The database cannot be opened or upgraded (not a crm-tui file, too new, unreadable)."""


class UnreadableInput(CrmError):
    """A file or stream that cannot be read as what it should be; nothing was written."""


# What a person is told when another process held the database's write lock for longer than
# the busy timeout (SQLite's "database is locked"): nothing was written, and trying again works.
BUSY_MESSAGE = (
    "the database is busy (another crm-tui or program kept it locked); nothing was changed, try again"
)


def is_database_busy(error: BaseException) -> bool:
    """SQLite's lock error, however the driver and SQLAlchemy wrap it."""
    text = str(error)
    return "database is locked" in text or "database is busy" in text
