"""Deals: create, move through stages, win or lose, list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_tui.dates import utcnow
from crm_tui.db.models import Company, Contact, Deal, DealBase, EntityKind, Event, Stage, StageKind
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services import search
from crm_tui.services.events import EventKind, Subject, apply_changes, record_event
from crm_tui.services.pipeline import BoardFilter, on_board
from crm_tui.services.settings import default_currency
from crm_tui.services.stages import first_open_stage, get_stage, open_stages
from crm_tui.services.validation import clean, parse_money, parse_optional_date, require
from crm_tui.services.versions import locked_deal


class DealCreate(DealBase):
    stage_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    lead_id: int | None = None


def subject(deal: Deal) -> Subject:
    assert deal.id is not None
    return Subject(EntityKind.DEAL, deal.id, contact_id=deal.contact_id, company_id=deal.company_id)


def get_deal(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound("deal", deal_id)
    return deal


def create_deal(session: Session, data: DealCreate) -> Deal:
    title = require("title", data.title)
    if data.amount < 0:
        raise ValidationError("amount", "cannot be negative")
    stage = get_stage(session, data.stage_id) if data.stage_id else first_open_stage(session)
    company_id = data.company_id
    if data.contact_id is not None:
        contact = session.get(Contact, data.contact_id)
        if contact is None:
            raise ValidationError("contact", f"no contact with id {data.contact_id}")
        company_id = company_id or contact.company_id
    if company_id is not None and session.get(Company, company_id) is None:
        raise ValidationError("company", f"no company with id {company_id}")
    now = utcnow()
    deal = Deal.model_validate(
        data,
        update={
            "title": title,
            "stage_id": stage.id,
            "company_id": company_id,
            "currency": (data.currency or default_currency(session)).upper(),
            "notes": clean(data.notes),
            "stage_entered_at": now,
            "closed_at": now if stage.kind != StageKind.OPEN else None,
        },
    )
    session.add(deal)
    session.flush()
    record_event(
        session,
        subject(deal),
        EventKind.CREATED,
        f"Deal created: {title} ({stage.name})",
        {"stage": stage.name},
    )
    search.reindex(session, EntityKind.DEAL, [deal.id])  # type: ignore[list-item]
    return deal


def move_deal(
    session: Session, deal_id: int, stage_id: int, reason: str | None = None, seen_version: int | None = None
) -> Deal:
    """Put a deal in another stage; won and lost stages close it, open ones reopen it.

    Every change of a deal here takes `seen_version`, the version the person saw: the deal is
    locked and, when someone else changed it since, RecordChanged is raised and nothing is
    written (services/versions.py)."""
    deal = locked_deal(session, deal_id, seen_version)
    old, new = get_stage(session, deal.stage_id), get_stage(session, stage_id)
    if old.id == new.id:
        return deal
    return _put_in_stage(session, deal, old, new, reason)


def _put_in_stage(session: Session, deal: Deal, old: Stage, new: Stage, reason: str | None) -> Deal:
    """The move itself, on a deal locked by the caller, with its stage_changed event."""
    stage_id = new.id or 0
    if new.kind == StageKind.LOST and not clean(reason):
        raise ValidationError("reason", "say why the deal was lost")
    now = utcnow()
    deal.stage_id = stage_id
    deal.stage_entered_at = now
    deal.closed_at = now if new.kind != StageKind.OPEN else None
    deal.lost_reason = clean(reason) if new.kind == StageKind.LOST else None
    deal.updated_at = now
    text = f"stage: {old.name} → {new.name}" + (f" ({deal.lost_reason})" if deal.lost_reason else "")
    record_event(
        session,
        subject(deal),
        EventKind.STAGE_CHANGED,
        text,
        {"from": old.name, "to": new.name, "from_id": old.id, "to_id": new.id, "reason": deal.lost_reason},
    )
    return deal


def update_deal(
    session: Session, deal_id: int, changes: dict[str, Any], seen_version: int | None = None
) -> Deal:
    deal = locked_deal(session, deal_id, seen_version)
    allowed = set(DealBase.model_fields) | {"contact_id", "company_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not deal fields: {sorted(unknown)}")
    if "title" in changes:
        changes["title"] = require("title", changes["title"])
    if changes.get("amount") is not None and changes["amount"] < 0:
        raise ValidationError("amount", "cannot be negative")
    if apply_changes(session, deal, subject(deal), changes):
        deal.updated_at = utcnow()
        session.flush()
        search.reindex(session, EntityKind.DEAL, [deal_id])
    return deal


def archive_deal(session: Session, deal_id: int, seen_version: int | None = None) -> Deal:
    deal = locked_deal(session, deal_id, seen_version)
    if deal.archived_at is None:
        deal.archived_at = utcnow()
        record_event(session, subject(deal), EventKind.ARCHIVED, "Deal archived")
        session.flush()
        search.reindex(session, EntityKind.DEAL, [deal_id])
    return deal


@dataclass(frozen=True)
class DealRow:
    id: int
    title: str
    stage: str
    stage_kind: str
    amount: int
    currency: str
    contact: str
    company: str
    stage_entered_at: datetime
    expected_close_on: date | None
    version: int = 1  # what an action on the row hands back as seen_version


class DealSort(StrEnum):
    """The deals list's orders (the board's list view)."""

    STAGE = "stage"  # pipeline order: stage, then longest in it first
    AMOUNT = "amount"  # largest first
    EXPECTED_CLOSE = "expected close"  # soonest first, deals without a date last
    DAYS_IN_STAGE = "days in stage"  # longest in its stage first


# `status` of list_deals / count_deals: a stage kind.
DEAL_STATUSES = tuple(kind.value for kind in StageKind)


def _deal_filter(
    open_only: bool, wanted: BoardFilter | None, status: str | None, stage_id: int | None
) -> list[Any]:
    """WHERE clauses over Deal joined with its Stage: live deals, of a status (`open`, `won`,
    `lost`; it overrides open_only), in a stage, shown by the board's filter."""
    conditions: list[Any] = on_board(wanted)
    if status is not None:
        if status not in DEAL_STATUSES:
            raise ValidationError("status", f"{status!r} is not one of {', '.join(DEAL_STATUSES)}")
        conditions.append(col(Stage.kind) == status)
    elif open_only:
        conditions.append(col(Stage.kind) == StageKind.OPEN.value)
    if stage_id is not None:
        conditions.append(col(Deal.stage_id) == stage_id)
    return conditions


def count_deals(
    session: Session,
    open_only: bool = True,
    *,
    wanted: BoardFilter | None = None,
    status: str | None = None,
    stage_id: int | None = None,
) -> int:
    return session.exec(
        select(func.count())
        .select_from(Deal)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(*_deal_filter(open_only, wanted, status, stage_id))
    ).one()


def _ordering(sort: DealSort) -> list[Any]:
    pipeline_order = [col(Stage.position), col(Deal.stage_entered_at), col(Deal.id)]
    if sort is DealSort.AMOUNT:
        return [col(Deal.amount).desc(), *pipeline_order]
    if sort is DealSort.EXPECTED_CLOSE:
        return [col(Deal.expected_close_on).is_(None), col(Deal.expected_close_on), *pipeline_order]
    if sort is DealSort.DAYS_IN_STAGE:
        return [col(Deal.stage_entered_at), col(Deal.id)]
    return pipeline_order


def list_deals(
    session: Session,
    open_only: bool = True,
    offset: int = 0,
    limit: int = 100,
    *,
    sort: DealSort = DealSort.STAGE,
    wanted: BoardFilter | None = None,
    status: str | None = None,
    stage_id: int | None = None,
) -> Sequence[DealRow]:
    """A page of deals in the chosen order (pipeline order by default: stage, then longest
    in stage first), narrowed like count_deals."""
    statement = (
        deal_rows_select()
        .where(*_deal_filter(open_only, wanted, status, stage_id))
        .order_by(*_ordering(sort))
        .offset(offset)
        .limit(limit)
    )
    return deal_rows(session, statement)


def deal_rows_select() -> Any:
    """The columns of a DealRow: Deal joined with its Stage, its Contact and Company (for the
    callers' WHERE and ORDER BY; the reports' drill-down lists deals this way too)."""
    return (
        select(  # type: ignore[call-overload]  # >4 columns
            Deal.id,
            Deal.title,
            Stage.name,
            Stage.kind,
            Deal.amount,
            Deal.currency,
            Contact.full_name,
            Company.name,
            Deal.stage_entered_at,
            Deal.expected_close_on,
            Deal.version,
        )
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .outerjoin(Contact, col(Contact.id) == Deal.contact_id)
        .outerjoin(Company, col(Company.id) == Deal.company_id)
    )


def deal_rows(session: Session, statement: Any) -> list[DealRow]:
    """DealRows from a deal_rows_select() narrowed and ordered by the caller."""
    return [
        DealRow(
            row[0] or 0,
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6] or "",
            row[7] or "",
            row[8],
            row[9],
            row[10],
        )
        for row in session.exec(statement).all()
    ]


@dataclass(frozen=True)
class StageTotal:
    stage_id: int
    name: str
    kind: str
    probability: int
    count: int
    # Summed per currency: adding roubles to dollars would give a number that means nothing.
    amounts: dict[str, int]


def stage_totals(session: Session) -> list[StageTotal]:
    """Deals and their summed amounts per stage (every stage, empty ones included)."""
    counts: dict[int, int] = defaultdict(int)
    amounts: dict[int, dict[str, int]] = defaultdict(dict)
    for stage_id, currency, count, amount in session.exec(
        select(Deal.stage_id, Deal.currency, func.count(), func.sum(Deal.amount))
        .where(col(Deal.archived_at).is_(None))
        .group_by(col(Deal.stage_id), col(Deal.currency))
    ):
        counts[stage_id] += count
        amounts[stage_id][currency] = amount or 0
    stages = session.exec(select(Stage).order_by(col(Stage.position))).all()
    return [
        StageTotal(
            stage.id or 0,
            stage.name,
            stage.kind,
            stage.probability,
            counts.get(stage.id or 0, 0),
            dict(sorted(amounts.get(stage.id or 0, {}).items())),
        )
        for stage in stages
    ]


def deal_from_fields(session: Session, fields: dict[str, str]) -> DealCreate:
    """A deal from a form: title, amount, currency, stage (name), company (name, created when
    new), contact_id, expected close date, notes."""
    from crm_tui.services.companies import find_or_create_company
    from crm_tui.services.stages import stage_by_name

    stage_name = clean(fields.get("stage"))
    company_name = clean(fields.get("company"))
    contact_id = fields.get("contact_id")
    data = DealCreate(
        title=require("title", fields.get("title")),
        amount=parse_money(fields.get("amount")) or 0,
        currency=(clean(fields.get("currency")) or default_currency(session)).upper(),
        expected_close_on=parse_optional_date(fields.get("expected_close"), "expected close"),
        notes=clean(fields.get("notes")),
        stage_id=stage_by_name(session, stage_name).id if stage_name else None,
        contact_id=int(contact_id) if contact_id else None,
    )
    if company_name:
        data.company_id = find_or_create_company(session, company_name).id
    return data


# ---------------------------------------------------------------- the board's moves


@dataclass(frozen=True)
class StageMove:
    """A deal's move, with what undoing it needs: the deal as it was before."""

    deal_id: int
    title: str
    from_stage: str
    to_stage: str
    from_stage_id: int
    to_stage_id: int
    previous_entered_at: datetime
    previous_closed_at: datetime | None
    previous_lost_reason: str | None
    previous_amount: int
    # The deal's row version before and after the move: a screen that queued more keys on
    # what it showed before knows this version is its own doing, not someone else's.
    previous_version: int = 0
    version: int = 0

    def describe(self) -> str:
        """`Acme renewal: Proposal → Negotiation`."""
        return f"{self.title}: {self.from_stage} → {self.to_stage}"


def _movable_deal(session: Session, deal_id: int, seen_version: int | None = None) -> Deal:
    """The deal, locked, if it is on the pipeline: an archived deal is off the board and stays
    put; one changed by someone else since `seen_version` raises RecordChanged."""
    deal = locked_deal(session, deal_id, seen_version)
    if deal.archived_at is not None:
        raise ValidationError("deal", f"“{deal.title}” is archived: an archived deal cannot move")
    return deal


def _outcome_stage(session: Session, kind: StageKind) -> Stage:
    stage = session.exec(
        select(Stage).where(Stage.kind == kind.value).order_by(col(Stage.position), col(Stage.id))
    ).first()
    if stage is None:  # the stages editor keeps one of each; a hand-edited database may not
        raise ValidationError("stage", f"there is no {kind.value} stage")
    return stage


def _move(session: Session, deal: Deal, stage: Stage, reason: str | None = None) -> StageMove:
    """Move through move_deal (which writes the stage_changed event), remembering the deal as
    it was so the move can be undone."""
    old = get_stage(session, deal.stage_id)
    if old.id == stage.id:
        raise ValidationError("stage", f"“{deal.title}” is already in {stage.name}")
    before = _before(deal, old, stage)
    _put_in_stage(session, deal, old, stage, reason)
    return _after(session, deal, before)


def _after(session: Session, deal: Deal, before: StageMove) -> StageMove:
    session.flush()  # the version counter moves on as the UPDATE is made
    return replace(before, version=deal.version)


def _before(deal: Deal, old: Stage, new: Stage) -> StageMove:
    return StageMove(
        deal_id=deal.id or 0,
        title=deal.title,
        from_stage=old.name,
        to_stage=new.name,
        from_stage_id=old.id or 0,
        to_stage_id=new.id or 0,
        previous_entered_at=deal.stage_entered_at,
        previous_closed_at=deal.closed_at,
        previous_lost_reason=deal.lost_reason,
        previous_amount=deal.amount,
        previous_version=deal.version,
    )


def _refuse_closed(deal: Deal, stage: Stage) -> None:
    """The board moves open deals only: a won or lost one comes back through reopen_deal."""
    if stage.kind != StageKind.OPEN.value:
        raise ValidationError("deal", f"“{deal.title}” is {stage.kind}; r on its card reopens it")


def move_to_adjacent(session: Session, deal_id: int, step: int, seen_version: int | None = None) -> StageMove:
    """The previous (-1) or next (+1) open stage. A closed deal, or no open stage that way,
    raises ValidationError with a message that says what to do (`w` marks it won …)."""
    if step not in (-1, 1):
        raise ValueError(f"step is -1 or +1, not {step}")
    deal = _movable_deal(session, deal_id, seen_version)
    current = get_stage(session, deal.stage_id)
    _refuse_closed(deal, current)
    stages = open_stages(session)
    index = next(i for i, stage in enumerate(stages) if stage.id == current.id) + step
    if index >= len(stages):
        raise ValidationError("stage", f"{current.name} is the last open stage: w marks the deal won")
    if index < 0:
        raise ValidationError("stage", f"{current.name} is the first open stage: x marks the deal lost")
    return _move(session, deal, stages[index])


def move_deal_to(
    session: Session, deal_id: int, stage_id: int, reason: str | None = None, seen_version: int | None = None
) -> StageMove:
    """Any stage (the command line's `deal move`); to a lost stage needs a reason. A closed
    deal moved to an open stage is refused: reopen_deal is how it comes back."""
    deal = _movable_deal(session, deal_id, seen_version)
    current, target = get_stage(session, deal.stage_id), get_stage(session, stage_id)
    if current.kind != StageKind.OPEN.value and target.kind == StageKind.OPEN.value:
        raise ValidationError(
            "deal",
            f"“{deal.title}” is {current.kind}: reopen it in the app (r on its card) "
            f"before moving it to {target.name}",
        )
    return _move(session, deal, target, reason)


def win_deal(
    session: Session, deal_id: int, final_amount: int | None = None, seen_version: int | None = None
) -> StageMove:
    """To the won stage, with its final amount (None keeps the current one)."""
    deal = _movable_deal(session, deal_id, seen_version)
    won = _outcome_stage(session, StageKind.WON)
    if final_amount is not None and final_amount < 0:
        raise ValidationError("amount", "cannot be negative")
    current = get_stage(session, deal.stage_id)
    if current.id == won.id:
        raise ValidationError("deal", f"“{deal.title}” is won already")
    before = _before(deal, current, won)
    if final_amount is not None and apply_changes(session, deal, subject(deal), {"amount": final_amount}):
        deal.updated_at = utcnow()
    _put_in_stage(session, deal, current, won, None)
    return _after(session, deal, before)


# The reason that means nothing until the person says what it was.
OTHER_REASON = "other"


def lost_reason(picked: str, details: str) -> str:
    """What is stored: the reason picked from the list, with the person's words after it
    when given ("price: they found it 20% cheaper"); "other" needs the words."""
    words = " ".join(details.split())
    if picked.casefold() == OTHER_REASON and not words:
        raise ValidationError("details", "say what it was (the reason is “other”)")
    return f"{picked}: {words}" if words else picked


def lose_deal(session: Session, deal_id: int, reason: str, seen_version: int | None = None) -> StageMove:
    """To the lost stage; the reason (one of settings.lost_reasons, or the person's own
    words) is required and kept on the deal and in the move's event."""
    deal = _movable_deal(session, deal_id, seen_version)
    lost = _outcome_stage(session, StageKind.LOST)
    if deal.stage_id == lost.id:
        raise ValidationError("deal", f"“{deal.title}” is lost already")
    return _move(session, deal, lost, reason)


def reopen_deal(session: Session, deal_id: int, seen_version: int | None = None) -> StageMove:
    """A won or lost deal back to the open stage it was last in (else the first open one)."""
    deal = _movable_deal(session, deal_id, seen_version)
    current = get_stage(session, deal.stage_id)
    if current.kind == StageKind.OPEN.value:
        raise ValidationError("deal", f"“{deal.title}” is open already (in {current.name})")
    return _move(session, deal, _last_open_stage(session, deal_id) or first_open_stage(session))


def _last_open_stage(session: Session, deal_id: int) -> Stage | None:
    """The latest open stage the deal's moves went through, newest first (the move that
    closed it came from there), if that stage still exists and is still open."""
    moves = session.exec(
        select(Event.payload)
        .where(
            Event.entity_kind == EntityKind.DEAL.value,
            Event.entity_id == deal_id,
            Event.kind == EventKind.STAGE_CHANGED,
        )
        .order_by(col(Event.at).desc(), col(Event.id).desc())
    )
    open_ids = {stage.id: stage for stage in open_stages(session)}
    for payload in moves:
        for key in ("to_id", "from_id"):
            stage = open_ids.get((payload or {}).get(key))
            if stage is not None:
                return stage
    return None


def undo_move(session: Session, move: StageMove) -> int:
    """Put the deal back as it was before `move` (stage, stage_entered_at, closed_at, lost
    reason, amount) and say so on its timeline; refused when the deal moved again since.
    Returns the deal's new row version."""
    deal = _movable_deal(session, move.deal_id)
    if deal.stage_id != move.to_stage_id:
        now_in = get_stage(session, deal.stage_id).name
        raise ValidationError(
            "deal", f"“{deal.title}” has moved since (it is in {now_in} now): that move cannot be undone"
        )
    back = session.get(Stage, move.from_stage_id)
    if back is None:
        raise ValidationError("stage", f"{move.from_stage} no longer exists: that move cannot be undone")
    if deal.amount != move.previous_amount:
        apply_changes(session, deal, subject(deal), {"amount": move.previous_amount})
    deal.stage_id = move.from_stage_id
    deal.stage_entered_at = move.previous_entered_at
    deal.closed_at = move.previous_closed_at
    deal.lost_reason = move.previous_lost_reason
    deal.updated_at = utcnow()
    record_event(
        session,
        subject(deal),
        EventKind.STAGE_CHANGED,
        f"stage: {move.to_stage} → {back.name} (move undone)",
        {
            "from": move.to_stage,
            "to": back.name,
            "from_id": move.to_stage_id,
            "to_id": back.id,
            "reason": deal.lost_reason,
            "undo": True,
        },
    )
    session.flush()
    return deal.version
