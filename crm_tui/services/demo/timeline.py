"""The rest of the timeline: notes, logged calls, emails and meetings, and field edits.

Every record already has its own history (created, status changes, stage moves, activities);
these extra events fill the timeline up to the size's target, each within the time its
record existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_tui.db.models import ActivityKind, EntityKind
from crm_tui.services.demo.field_history import FieldHistory, People, Record, pick_field
from crm_tui.services.demo.records import DemoCompany, DemoDeal, DemoLead, DemoPerson
from crm_tui.services.demo.words import ACTIVITY_TITLES, NOTES, OUTCOMES
from crm_tui.services.demo.world import World
from crm_tui.services.events import EventKind

_FILLER_KINDS = {
    EventKind.NOTE: 35,
    EventKind.CALL: 20,
    EventKind.EMAIL: 20,
    EventKind.MEETING: 10,
    EventKind.FIELD_CHANGED: 15,
}
_INTERACTION_KINDS = {
    EventKind.CALL: ActivityKind.CALL,
    EventKind.EMAIL: ActivityKind.EMAIL,
    EventKind.MEETING: ActivityKind.MEETING,
}


@dataclass(slots=True)
class _Subject:
    """A record that can get extra events, with the window in which they may happen."""

    record: Record
    entity: tuple[EntityKind, int]
    people: People
    lang: str
    start: datetime
    end: datetime


def make_filler_events(
    world: World,
    target: int,
    companies: list[DemoCompany],
    contacts: list[DemoPerson],
    leads: list[DemoLead],
    deals: list[DemoDeal],
) -> None:
    kinds, weights = list(_FILLER_KINDS), list(_FILLER_KINDS.values())
    history = FieldHistory()
    for kind in world.rng.choices(kinds, weights, k=max(target - world.events_made, 0)):
        subject = _pick_subject(world, companies, contacts, leads, deals)
        if subject is None:
            break
        at = world.between(subject.start, subject.end)
        field = pick_field(world, subject.record) if kind == EventKind.FIELD_CHANGED else None
        if field is not None:
            # Written at the end, when all edits of the field are known (see field_history).
            history.add(subject.record, subject.entity, subject.people, field, at)
        elif kind in _INTERACTION_KINDS:
            activity_kind = _INTERACTION_KINDS[kind]
            title = world.rng.choice(ACTIVITY_TITLES[activity_kind][subject.lang])
            outcome = world.rng.choice(OUTCOMES[activity_kind][subject.lang])
            world.event(
                at,
                kind,
                subject.entity,
                subject.people,
                f"{kind.capitalize()}: {title} — {outcome}",
                {"outcome": outcome},
            )
        else:
            world.event(
                at, EventKind.NOTE, subject.entity, subject.people, world.rng.choice(NOTES[subject.lang])
            )
    history.write(world)
    world.writer.flush()


def _pick_subject(
    world: World,
    companies: list[DemoCompany],
    contacts: list[DemoPerson],
    leads: list[DemoLead],
    deals: list[DemoDeal],
) -> _Subject | None:
    pools: list[tuple[Sequence[Any], int]] = [(contacts, 45), (companies, 10), (leads, 20), (deals, 25)]
    available = [(pool, weight) for pool, weight in pools if pool]
    if not available:
        return None
    pool = world.rng.choices([p for p, _ in available], [w for _, w in available])[0]
    record = world.rng.choice(pool)
    if isinstance(record, DemoPerson):
        return _Subject(
            record,
            (EntityKind.CONTACT, record.id),
            (record.id, record.company_id),
            record.lang,
            record.created_at,
            world.now,
        )
    if isinstance(record, DemoCompany):
        return _Subject(
            record,
            (EntityKind.COMPANY, record.id),
            (None, record.id),
            record.lang,
            record.created_at,
            world.now,
        )
    if isinstance(record, DemoLead):
        # Before conversion a lead has no contact; its extra events all happen before that.
        return _Subject(
            record,
            (EntityKind.LEAD, record.id),
            (None, None),
            record.lang,
            record.created_at,
            record.converted_at or world.now,
        )
    return _Subject(
        record,
        (EntityKind.DEAL, record.id),
        (record.contact_id, record.company_id),
        record.lang,
        record.created_at,
        world.now,
    )
