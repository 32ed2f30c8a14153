"""Row versions: a change to a deal or a lead is made on the row as it is now, locked for the
rest of the transaction, and refused when someone else changed it after the person saw it.

Every deal and lead carries `version`, bumped by every UPDATE the ORM makes of it (the mapper's
version counter, db/models.py). A screen keeps the version of what it shows and hands it back
as `seen_version` when the person acts; the service then

- takes the write lock before it reads: on PostgreSQL `SELECT … FOR UPDATE` locks the row; on
  SQLite, where one writer at a time holds the whole database, the transaction begins as
  `BEGIN IMMEDIATE`, so no other writer can commit between this read and this commit;
- reads the row again (not the copy the session may hold from before the lock);
- compares: another version means someone else changed it since, and RecordChanged says so,
  naming the record and what it is now. Nothing is written.

Without a seen version (the command line, scripts) the change is still made on the locked,
current row: never a lost update, and no conflict to report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session, col, select

from crm_tui.db.engine import hold_write_lock
from crm_tui.db.models import Deal, Lead, Stage
from crm_tui.errors import NotFound, RecordChanged

Record = TypeVar("Record", Deal, Lead)


def _locked(session: Session, model: type[Record], record_id: int) -> Record | None:
    # The read below must see the row as the write will: the lock first (pysqlite would begin
    # the transaction only at the first write, after this read).
    hold_write_lock(session.connection())
    statement = (
        select(model)
        .where(col(model.id) == record_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def _deal_now(session: Session, deal: Deal) -> str:
    if deal.archived_at is not None:
        return "now archived"
    stage = session.get(Stage, deal.stage_id)
    return f"now in {stage.name}" if stage is not None else ""


def _lead_now(_session: Session, lead: Lead) -> str:
    return "now archived" if lead.archived_at is not None else f"now {lead.status}"


def _checked(
    session: Session,
    record: Record,
    seen_version: int | None,
    kind: str,
    name: str,
    now: Callable[[Session, Record], str],
) -> Record:
    if seen_version is not None and record.version != seen_version:
        raise RecordChanged(kind, record.id or 0, name, now(session, record))
    return record


def locked_deal(session: Session, deal_id: int, seen_version: int | None = None) -> Deal:
    """The deal as it is now, locked until the commit; RecordChanged when its version is no
    longer `seen_version` (None: whatever it is)."""
    deal = _locked(session, Deal, deal_id)
    if deal is None:
        raise NotFound("deal", deal_id)
    return _checked(session, deal, seen_version, "deal", deal.title, _deal_now)


def locked_lead(session: Session, lead_id: int, seen_version: int | None = None) -> Lead:
    """The lead as it is now, locked until the commit; RecordChanged when its version is no
    longer `seen_version` (None: whatever it is)."""
    lead = _locked(session, Lead, lead_id)
    if lead is None:
        raise NotFound("lead", lead_id)
    name = lead.title or lead.person_name or f"lead {lead_id}"
    return _checked(session, lead, seen_version, "lead", name, _lead_now)
