"""Deal stages (any number, ordered; the open ones first, then the won and lost outcomes),
the stages editor's operations, and the lead-source pick list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from crm_tui.dates import utcnow
from crm_tui.db.models import Deal, EntityKind, Event, LeadSource, Stage, StageKind
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services.events import EventKind
from crm_tui.services.validation import fold

# update_stage's rot_days when the caller leaves the limit alone (None clears it).
KEEP: Literal["keep"] = "keep"


def list_stages(session: Session) -> Sequence[Stage]:
    return session.exec(select(Stage).order_by(col(Stage.position), col(Stage.id))).all()


def open_stages(session: Session) -> list[Stage]:
    return [stage for stage in list_stages(session) if stage.kind == StageKind.OPEN]


def first_open_stage(session: Session) -> Stage:
    stages = open_stages(session)
    if not stages:
        raise ValidationError("stage", "there is no open stage to put a deal in")
    return stages[0]


def get_stage(session: Session, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise NotFound("stage", stage_id)
    return stage


def stage_by_name(session: Session, name: str) -> Stage:
    for stage in list_stages(session):
        if fold(stage.name) == fold(name):
            return stage
    names = ", ".join(stage.name for stage in list_stages(session))
    raise ValidationError("stage", f"no stage named {name!r} (stages: {names})")


def lead_sources(session: Session) -> list[str]:
    return list(session.exec(select(LeadSource.name).order_by(col(LeadSource.position))))


def set_lead_sources(session: Session, names: list[str]) -> list[str]:
    """Make the source pick list exactly `names`, in that order. A source left out leaves the
    list only: the leads that came from it keep saying so (a lead's source is its own text)."""
    wanted: list[str] = []
    seen: set[str] = set()
    for name in names:
        cleaned = " ".join(name.split())
        if not cleaned:
            continue
        if fold(cleaned) in seen:
            raise ValidationError("sources", f"{cleaned!r} is in the list twice")
        seen.add(fold(cleaned))
        wanted.append(cleaned)
    if not wanted:
        raise ValidationError("sources", "keep at least one source")
    existing = {fold(source.name): source for source in session.exec(select(LeadSource))}
    for source in existing.values():
        if fold(source.name) not in seen:
            session.delete(source)
    session.flush()  # a renamed source's new name may be a deleted one's old name
    for position, name in enumerate(wanted):
        kept = existing.get(fold(name))
        if kept is None:
            session.add(LeadSource(name=name, position=position))
        else:
            kept.name, kept.position = name, position
    session.flush()
    return wanted


# ---------------------------------------------------------------- the stages editor


def _stage_name(session: Session, name: str, renaming: Stage | None = None) -> str:
    """A stage's name: trimmed, not empty, not another stage's in any letter case (the
    command line finds stages by name, case-insensitively)."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError("name", "is required")
    for stage in list_stages(session):
        if fold(stage.name) == fold(cleaned) and stage is not renaming:
            raise ValidationError("name", f"there is a stage named {stage.name!r} already")
    return cleaned


def _whole_number(field: str, value: object, what: str) -> int | None:
    """An int as given, or as typed into a form (`" 14 "`, `50%`); None for blank text.
    bool is refused: True would quietly mean 1."""
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        if not text:
            return None
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(field, f"{value.strip()!r} is not {what}")
        return int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"{value!r} is not {what}")
    return value


def _probability(value: object) -> int:
    """0–100; blank text is 0 (a stage's default)."""
    percent = _whole_number("probability", value, "a whole percent from 0 to 100")
    if percent is None:
        return 0
    if not 0 <= percent <= 100:
        raise ValidationError("probability", f"must be from 0 to 100, not {percent}")
    return percent


def _rot_days(value: object) -> int | None:
    """At least 1 day, or None (blank text too): deals never rot in the stage."""
    days = None if value is None else _whole_number("rot_days", value, "a whole number of days")
    if days is not None and days < 1:
        raise ValidationError("rot_days", f"must be at least 1 day (or empty: never), not {days}")
    return days


def _renumber(session: Session, stages: Sequence[Stage]) -> None:
    """Positions 0, 1, 2… in the given order, with the won and lost outcomes kept after every
    open stage whatever order they came in."""
    ordered = [s for s in stages if s.kind == StageKind.OPEN] + [
        s for s in stages if s.kind != StageKind.OPEN
    ]
    for position, stage in enumerate(ordered):
        stage.position = position
    session.flush()


def add_stage(
    session: Session, name: str, probability: int | str = 0, rot_days: int | str | None = None
) -> Stage:
    """A new open stage, after the last open one (so before the won and lost outcomes).
    Numbers may come as typed into a form: `"50"`, `"50%"`, `"14"`; blank rot_days: never."""
    stage = Stage(
        name=_stage_name(session, name),
        probability=_probability(probability),
        rot_days=_rot_days(rot_days),
        kind=StageKind.OPEN.value,
    )
    # The order is read before the new stage is added: autoflush would put it among them.
    before = list(list_stages(session))
    session.add(stage)
    _renumber(session, [*before, stage])  # open ones first: it lands before won and lost
    return stage


def update_stage(
    session: Session,
    stage_id: int,
    *,
    name: str | None = None,
    probability: int | str | None = None,
    rot_days: int | str | None = KEEP,
) -> Stage:
    """Rename a stage, set its probability or its rotting limit; an argument left out leaves
    that field alone. rot_days: a number of days (at least 1, int or typed text), None or
    blank text to clear the limit (deals then never rot there), or KEEP ("keep", the
    default) to leave it as it is — None cannot mean "leave it" because it already means
    "no limit". Blank probability text is 0. Everything is checked before anything changes.
    Deals already moved keep the old name in their timeline: it is history."""
    stage = get_stage(session, stage_id)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _stage_name(session, name, renaming=stage)
    if probability is not None:
        changes["probability"] = _probability(probability)
    if rot_days != KEEP:
        limit = _rot_days(rot_days)
        if limit is not None and stage.kind != StageKind.OPEN:
            raise ValidationError("rot_days", f"{stage.name} closes deals: a closed deal never rots")
        changes["rot_days"] = limit
    for field, value in changes.items():
        setattr(stage, field, value)
    session.flush()
    return stage


def move_stage(session: Session, stage_id: int, step: int) -> None:
    """Move an open stage `step` places among the open stages (-1: one to the left). At either
    end it is a no-op, as a cursor stops at the end of a list (the editor's key just does
    nothing). The won and lost outcomes always stay after the open stages: moving one is a
    ValidationError."""
    stage = get_stage(session, stage_id)
    if stage.kind != StageKind.OPEN:
        raise ValidationError("stage", f"{stage.name} is an outcome: it stays after the open stages")
    ordered = open_stages(session)
    index = next(i for i, candidate in enumerate(ordered) if candidate.id == stage.id)
    target = max(0, min(len(ordered) - 1, index + step))
    if target == index:
        return
    ordered.insert(target, ordered.pop(index))
    _renumber(session, [*ordered, *[s for s in list_stages(session) if s.kind != StageKind.OPEN]])


def stage_deal_count(session: Session, stage_id: int) -> int:
    """Live (not archived) deals in the stage."""
    return session.exec(
        select(func.count())
        .select_from(Deal)
        .where(col(Deal.stage_id) == stage_id, col(Deal.archived_at).is_(None))
    ).one()


def stage_summaries(session: Session) -> list[tuple[Stage, int]]:
    """Every stage in order with its count of live deals (one GROUP BY), for the editor."""
    counts = dict(
        session.exec(
            select(Deal.stage_id, func.count())
            .where(col(Deal.archived_at).is_(None))
            .group_by(col(Deal.stage_id))
        ).all()
    )
    return [(stage, counts.get(stage.id or 0, 0)) for stage in list_stages(session)]


def delete_stage(session: Session, stage_id: int, move_deals_to: int | None = None) -> int:
    """Delete an open stage, first moving its deals to another open stage; returns how many
    live deals moved. Refused (ValidationError, nothing changed) for the won and lost
    outcomes, for the last open stage, for a stage with live deals and no target, and for a
    target that is the stage itself or not open. Archived deals in the stage follow the live
    ones (to the target, else to the nearest other open stage) since a deal always has a
    stage; each moved deal gets a stage_changed event."""
    stage = get_stage(session, stage_id)
    if stage.kind != StageKind.OPEN:
        raise ValidationError("stage", f"{stage.name} is the {stage.kind} outcome: it cannot be deleted")
    others = [s for s in open_stages(session) if s.id != stage.id]
    if not others:
        raise ValidationError("stage", f"{stage.name} is the only open stage: deals need one to be in")
    live = stage_deal_count(session, stage_id)
    if move_deals_to is None:
        if live:
            deals_word = "deal" if live == 1 else "deals"
            raise ValidationError(
                "stage", f"{stage.name} has {live} {deals_word}: move them to another stage first"
            )
        target = _nearest(others, stage)
    else:
        target = _deletion_target(session, stage, move_deals_to)
    _move_all_deals(session, stage, target)
    session.delete(stage)
    session.flush()
    _renumber(session, list_stages(session))
    return live


def _deletion_target(session: Session, stage: Stage, target_id: int) -> Stage:
    target = session.get(Stage, target_id)
    if target is None:
        raise ValidationError("move_deals_to", f"no stage with id {target_id}")
    if target.id == stage.id:
        raise ValidationError("move_deals_to", f"the deals cannot stay in {stage.name}: it is being deleted")
    if target.kind != StageKind.OPEN:
        raise ValidationError("move_deals_to", f"{target.name} closes deals: pick an open stage")
    return target


def _nearest(others: list[Stage], stage: Stage) -> Stage:
    """The open stage just before the deleted one, else the first after it."""
    before = [s for s in others if s.position <= stage.position]
    return before[-1] if before else others[0]


def _move_all_deals(session: Session, stage: Stage, target: Stage) -> None:
    """Every deal of `stage` (archived ones too) into `target`: one UPDATE and one
    executemany of their stage_changed events."""
    moved = session.exec(
        select(Deal.id, Deal.contact_id, Deal.company_id).where(col(Deal.stage_id) == stage.id)
    ).all()
    if not moved:
        return
    now = utcnow()
    session.execute(
        update(Deal)
        .where(col(Deal.stage_id) == stage.id)
        # A bulk UPDATE bypasses the ORM's version counter: a board that shows one of these
        # deals must see it changed (services/versions.py).
        .values(stage_id=target.id, stage_entered_at=now, updated_at=now, version=col(Deal.version) + 1)
    )
    text = f"stage: {stage.name} → {target.name} ({stage.name} deleted)"
    payload = {
        "from": stage.name,
        "to": target.name,
        "from_id": stage.id,
        "to_id": target.id,
        "reason": None,
        "stage_deleted": True,
    }
    session.execute(
        insert(Event),
        [
            {
                "at": now,
                "kind": EventKind.STAGE_CHANGED,
                "entity_kind": EntityKind.DEAL.value,
                "entity_id": deal_id,
                "contact_id": contact_id,
                "company_id": company_id,
                "text": text,
                "payload": payload,
            }
            for deal_id, contact_id, company_id in moved
        ],
    )
