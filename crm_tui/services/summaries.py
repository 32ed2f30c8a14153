"""One line about a record (title + detail), for search results and pickers. The lines are
written by `search_core.summarize`, in plain SQL, so the command line can write them too."""

from __future__ import annotations

from dataclasses import dataclass

from crm_tui.db.models import EntityKind


@dataclass(frozen=True)
class RecordSummary:
    kind: EntityKind
    id: int
    title: str
    detail: str
