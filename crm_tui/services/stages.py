"""Deal stages (any number, ordered) and the lead-source pick list."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from crm_tui.db.models import LeadSource, Stage, StageKind
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services.validation import fold


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
