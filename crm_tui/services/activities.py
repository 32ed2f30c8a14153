"""Activities: calls, meetings, emails and tasks with a due date, done or open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_tui.dates import today, utcnow
from crm_tui.db.models import (
    Activity,
    ActivityBase,
    ActivityKind,
    Company,
    Contact,
    Deal,
    EntityKind,
    Lead,
)
from crm_tui.errors import NotFound, ValidationError
from crm_tui.services.contacts import touch
from crm_tui.services.events import EventKind, Subject, record_event
from crm_tui.services.validation import clean, parse_optional_date, parse_optional_time, require

# Done calls, meetings and emails are interactions: they go to the timeline under their kind.
_INTERACTION_EVENTS = {
    ActivityKind.CALL.value: EventKind.CALL,
    ActivityKind.MEETING.value: EventKind.MEETING,
    ActivityKind.EMAIL.value: EventKind.EMAIL,
}


class ActivityCreate(ActivityBase):
    due_time: time | None = None  # local wall-clock time; stored as the UTC moment due_at
    remind_minutes: int | None = None  # a reminder this long before; None: at the time
    recurrence: str | None = None  # one of RECURRENCES
    lead_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None


def get_activity(session: Session, activity_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotFound("activity", activity_id)
    return activity


def owner_subject(activity: Activity) -> Subject:
    """The record whose timeline shows this activity: deal, else lead, else contact, else company."""
    for kind, record_id in (
        (EntityKind.DEAL, activity.deal_id),
        (EntityKind.LEAD, activity.lead_id),
        (EntityKind.CONTACT, activity.contact_id),
        (EntityKind.COMPANY, activity.company_id),
    ):
        if record_id is not None:
            return Subject(kind, record_id, contact_id=activity.contact_id, company_id=activity.company_id)
    assert activity.id is not None
    return Subject(EntityKind.ACTIVITY, activity.id)


def create_activity(session: Session, data: ActivityCreate) -> Activity:
    title = require("title", data.title)
    if data.kind not in {kind.value for kind in ActivityKind}:
        raise ValidationError("kind", f"{data.kind!r} is not one of call, meeting, email, task")
    for field, model in (
        ("lead_id", Lead),
        ("contact_id", Contact),
        ("company_id", Company),
        ("deal_id", Deal),
    ):
        record_id = getattr(data, field)
        if record_id is not None and session.get(model, record_id) is None:
            raise ValidationError(
                field.removesuffix("_id"), f"no {field.removesuffix('_id')} with id {record_id}"
            )
    update: dict[str, object] = {"title": title, "notes": clean(data.notes)}
    # An activity on a deal also belongs to its person and company, and one with a person to
    # the person's company, so it shows on each of their cards and timelines.
    contact_id, company_id = data.contact_id, data.company_id
    if data.deal_id is not None and contact_id is None:
        deal = session.get(Deal, data.deal_id)
        if deal is not None:
            contact_id, company_id = deal.contact_id, company_id or deal.company_id
    if contact_id is not None and company_id is None:
        contact = session.get(Contact, contact_id)
        company_id = contact.company_id if contact is not None else None
    update |= {"contact_id": contact_id, "company_id": company_id}
    activity = Activity.model_validate(data, update=update)
    session.add(activity)
    session.flush()
    when = f" due {activity.due_on.isoformat()}" if activity.due_on else ""
    record_event(
        session,
        owner_subject(activity),
        EventKind.TASK,
        f"{activity.kind.capitalize()} planned: {title}{when}",
        {"activity_id": activity.id},
    )
    return activity


def complete_activity(session: Session, activity_id: int, outcome: str | None = None) -> Activity:
    """Mark done; calls, meetings and emails go to the timeline and count as a touch."""
    activity = get_activity(session, activity_id)
    if activity.done_at is not None:
        return activity
    now = utcnow()
    activity.done_at = now
    activity.outcome = clean(outcome)
    kind = _INTERACTION_EVENTS.get(activity.kind, EventKind.ACTIVITY_DONE)
    text = f"{activity.kind.capitalize()}: {activity.title}" + (
        f" — {activity.outcome}" if activity.outcome else ""
    )
    record_event(
        session,
        owner_subject(activity),
        kind,
        text,
        {"activity_id": activity.id, "outcome": activity.outcome},
    )
    if activity.contact_id is not None and activity.kind in _INTERACTION_EVENTS:
        touch(session, activity.contact_id, now)
    return activity


@dataclass(frozen=True)
class AgendaRow:
    id: int
    kind: str
    title: str
    due_on: date | None
    due_time: time | None
    regarding: str
    contact_id: int | None
    due_at: datetime | None = None  # UTC, for a timed activity
    recurrence: str | None = None
    remind_minutes: int | None = None


def _agenda_filter(last_day: date) -> Any:
    return (
        col(Activity.done_at).is_(None)
        & col(Activity.due_on).is_not(None)
        & (col(Activity.due_on) <= last_day)
    )


def count_agenda(session: Session, until: date | None = None) -> int:
    return session.exec(
        select(func.count()).select_from(Activity).where(_agenda_filter(until or today()))
    ).one()


def agenda(session: Session, until: date | None = None, offset: int = 0, limit: int = 500) -> list[AgendaRow]:
    """Open activities due on or before `until` (default today), oldest first; untimed after timed."""
    rows = session.exec(
        select(Activity, Contact.full_name, Company.name, Deal.title, Lead.title)  # type: ignore[call-overload]  # >4 columns
        .outerjoin(Contact, col(Contact.id) == Activity.contact_id)
        .outerjoin(Company, col(Company.id) == Activity.company_id)
        .outerjoin(Deal, col(Deal.id) == Activity.deal_id)
        .outerjoin(Lead, col(Lead.id) == Activity.lead_id)
        .where(_agenda_filter(until or today()))
        .order_by(
            col(Activity.due_on), col(Activity.due_time).is_(None), col(Activity.due_time), col(Activity.id)
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        AgendaRow(
            activity.id or 0,
            activity.kind,
            activity.title,
            activity.due_on,
            activity.due_time,
            " · ".join(filter(None, [deal, contact, company, lead])),
            activity.contact_id,
        )
        for activity, contact, company, deal, lead in rows
    ]


def open_activities_for(session: Session, subject: Subject) -> Sequence[Activity]:
    column = {
        EntityKind.CONTACT: Activity.contact_id,
        EntityKind.COMPANY: Activity.company_id,
        EntityKind.DEAL: Activity.deal_id,
        EntityKind.LEAD: Activity.lead_id,
    }[subject.kind]
    return session.exec(
        select(Activity)
        .where(column == subject.id, col(Activity.done_at).is_(None))
        .order_by(col(Activity.due_on).is_(None), col(Activity.due_on), col(Activity.id))
    ).all()


def activity_from_fields(fields: dict[str, str]) -> ActivityCreate:
    """An activity from a form: kind, title, due date, due time, notes, and the ids of the
    records it belongs to (`contact_id`, `deal_id`, `lead_id`, `company_id`)."""
    kind = (clean(fields.get("kind")) or ActivityKind.TASK.value).lower()
    links = {
        name: int(fields[name])
        for name in ("lead_id", "contact_id", "company_id", "deal_id")
        if clean(fields.get(name))
    }
    return ActivityCreate(
        kind=kind,
        title=require("title", fields.get("title")),
        due_on=parse_optional_date(fields.get("due"), "due date"),
        due_time=parse_optional_time(fields.get("time"), "time"),
        notes=clean(fields.get("notes")),
        **links,
    )


# ---------------------------------------------------------------- Today's verbs and times
# (contract for the Today issue: bodies to come in this session)
#
# Times are stored in UTC (Activity.due_at, for a timed activity) and spoken in local time by
# this module's API: ActivityCreate.due_on / due_time, AgendaRow.due_on / due_time and the
# arguments below are the user's local calendar day and wall-clock time. An untimed activity
# has a day only (due_on). Recurrence: "weekdays", "weekly" or "monthly" (RECURRENCES).

RECURRENCES = ("weekdays", "weekly", "monthly")


def due_moment(day: date | None, clock: time | None) -> datetime | None:
    """The UTC moment of a local day and time (None when either is missing), with the offset
    that zone has on that day (DST-correct)."""
    raise NotImplementedError


def local_due(activity: Activity) -> tuple[date | None, time | None]:
    """An activity's local due day and time, from its UTC moment when timed."""
    raise NotImplementedError


def is_overdue(row: AgendaRow, now: datetime | None = None) -> bool:
    """Timed: its moment has passed; untimed: its day is before today."""
    raise NotImplementedError


def reschedule_activity(session: Session, activity_id: int, day: date, clock: time | None) -> Activity:
    """To another local day (and time, or none); a `field_changed` event says from → to. A done
    activity is refused (ValidationError)."""
    raise NotImplementedError


def snooze_activity(session: Session, activity_id: int) -> Activity:
    """To tomorrow, at the same local time."""
    raise NotImplementedError


def overdue_count(session: Session) -> int:
    """Open activities past due (for the title bar, from any mode): one indexed count."""
    raise NotImplementedError


def reminders_due(session: Session, after: datetime, until: datetime) -> list[AgendaRow]:
    """Open timed activities whose reminder moment (due_at minus remind_minutes, or due_at)
    falls in (after, until], both UTC: what the app announces as the clock passes them."""
    raise NotImplementedError
