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
