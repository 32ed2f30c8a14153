"""Domain operations: plain functions that take a Session. No Textual, no printing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crm_tui.db import backup

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _snapshot_server(engine: Engine, reason: str) -> Path:
    """A server database's snapshot is a copy of it, which needs the search index's rules (a
    service): the database layer's `snapshot_before`, which every service calls with its
    engine, reaches it through this hook, set as soon as any service is imported. The copy's
    module loads only when a snapshot is taken."""
    from crm_tui.services.database_copy import snapshot_server

    return snapshot_server(engine, reason)


backup.register_server_snapshot(_snapshot_server)
