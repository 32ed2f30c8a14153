"""Who is using crm-tui in this process: the name events are signed with and records are owned by.

On a shared (PostgreSQL) database several people write one timeline, so each event says who
did it, and each lead, deal, activity and contact has an owner the "mine" filters look at.
The name is the operating-system login unless `--user NAME` (or `CRM_TUI_USER`) says
otherwise. One process works for one person, so the name is kept here, set once at start-up.
"""

from __future__ import annotations

import getpass
import os

USER_ENV_VAR = "CRM_TUI_USER"
_UNKNOWN = "unknown"
_chosen: str | None = None


def login_name() -> str:
    """The OS login; "unknown" where the system cannot tell (no passwd entry in a container)."""
    try:
        return getpass.getuser() or _UNKNOWN
    except (KeyError, OSError):
        return _UNKNOWN


def current_user() -> str:
    """The name of the person this process works for."""
    if _chosen:
        return _chosen
    return os.environ.get(USER_ENV_VAR, "").strip() or login_name()


def set_current_user(name: str | None) -> None:
    """`--user NAME`: sign and own everything from now on as NAME (None: back to the default)."""
    global _chosen
    _chosen = name.strip() if name and name.strip() else None
