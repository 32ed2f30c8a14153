"""Activities: calls, meetings, emails and tasks with a due date, done or open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from crm_tui import dates
from crm_tui.dates import to_local, today, utcnow
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


RECURRENCES = ("weekdays", "weekly", "monthly")


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
    if data.recurrence is not None and data.recurrence not in RECURRENCES:
        raise ValidationError("repeat", f"{data.recurrence!r} is not one of {', '.join(RECURRENCES)}")
    if data.recurrence is not None and data.due_on is None:
        raise ValidationError("repeat", "a repeating activity needs a due date to start from")
    if data.remind_minutes is not None and data.remind_minutes < 0:
        raise ValidationError("remind", "minutes before, not after")
    update: dict[str, object] = {
        "title": title,
        "notes": clean(data.notes),
        "due_at": due_moment(data.due_on, data.due_time),
    }
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
    when = f" due {describe_local_due(activity)}" if activity.due_on else ""
    record_event(
        session,
        owner_subject(activity),
        EventKind.TASK,
        f"{activity.kind.capitalize()} planned: {title}{when}",
        {"activity_id": activity.id},
    )
    return activity


def complete_activity(
    session: Session, activity_id: int, outcome: str | None = None, *, answered_by: int | None = None
) -> Activity:
    """Mark done; calls, meetings and emails go to the timeline and count as a touch.

    A repeating activity is not closed: it moves on to its next date (the same local time),
    and stays one item. One already done is refused: completing it again would write a second
    "done" on the timeline.

    `answered_by` is the id of the logged interaction's event that did the work (see
    `interactions.log_interaction`): kept in the payload, so reports count that work once."""
    activity = get_activity(session, activity_id)
    if activity.done_at is not None:
        done_on = to_local(activity.done_at).strftime("%d.%m.%Y")
        raise ValidationError("activity", f"“{activity.title}” was done already ({done_on})")
    now = utcnow()
    kind = _INTERACTION_EVENTS.get(activity.kind, EventKind.ACTIVITY_DONE)
    said = clean(outcome)
    text = f"{activity.kind.capitalize()}: {activity.title}" + (f" — {said}" if said else "")
    payload: dict[str, object] = {"activity_id": activity.id, "outcome": said}
    if answered_by is not None:
        payload["answered_by"] = answered_by
    if activity.recurrence is not None and activity.due_on is not None:
        day, clock = local_due(activity)
        following = next_occurrence(day or activity.due_on, activity.recurrence)
        while following <= today():  # done late: on to the next date still ahead
            following = next_occurrence(following, activity.recurrence)
        activity.due_on, activity.due_at = following, due_moment(following, clock)
        payload["next"] = following.isoformat()
    else:
        activity.done_at = now
        activity.outcome = said
    record_event(session, owner_subject(activity), kind, text, payload)
    if activity.contact_id is not None and activity.kind in _INTERACTION_EVENTS:
        touch(session, activity.contact_id, now)
    return activity


def next_occurrence(day: date, recurrence: str) -> date:
    """The next date of a repeating activity after `day`."""
    # Imported here: `crm-tui today` loads this module and does not repeat anything.
    from dateutil.relativedelta import relativedelta
    from dateutil.rrule import DAILY, FR, MO, TH, TU, WE, rrule

    if recurrence == "weekdays":
        following = rrule(DAILY, byweekday=(MO, TU, WE, TH, FR), dtstart=day + timedelta(days=1), count=1)
        return following[0].date()
    if recurrence == "weekly":
        return day + timedelta(weeks=1)
    if recurrence == "monthly":
        return day + relativedelta(months=1)  # the 31st → the last day of a shorter month
    raise ValueError(f"not a recurrence: {recurrence!r}")


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


def _agenda_filter(last_day: date, owner: str | None = None) -> Any:
    return owned_by(
        col(Activity.done_at).is_(None)
        & col(Activity.due_on).is_not(None)
        & (col(Activity.due_on) <= last_day),
        owner,
    )


def owned_by(condition: Any, owner: str | None) -> Any:
    """The "mine" filter on activities: only those `owner` owns; None is everyone's."""
    return condition if owner is None else condition & (col(Activity.owner) == owner)


def count_agenda(session: Session, *days: date, owner: str | None = None) -> list[int]:
    """For each of `days`, the open activities due on or before it (`owner`'s only, when
    given): one pass over the index (ix_activity_open_due) however many days are asked."""
    counts = [func.coalesce(func.sum(case((col(Activity.due_on) <= day, 1), else_=0)), 0) for day in days]
    row = session.exec(select(*counts).where(_agenda_filter(max(days), owner))).one()  # type: ignore[call-overload]
    return list(row) if len(days) > 1 else [row]


def agenda(
    session: Session, until: date | None = None, offset: int = 0, limit: int = 500, owner: str | None = None
) -> list[AgendaRow]:
    """Open activities due on or before `until` (default today), oldest first; untimed after
    timed; only `owner`'s when given."""
    rows = session.exec(
        _with_links()
        .where(_agenda_filter(until or today(), owner))
        .order_by(*_due_order())
        .offset(offset)
        .limit(limit)
    ).all()
    return [agenda_row(activity, *links) for activity, *links in rows]


def _due_order() -> list[Any]:
    """By day, then the timed ones by their moment, the untimed after them."""
    return [col(Activity.due_on), col(Activity.due_at).is_(None), col(Activity.due_at), col(Activity.id)]


def _with_links() -> Any:
    return (
        select(Activity, Contact.full_name, Company.name, Deal.title, Lead.title)  # type: ignore[call-overload]  # >4 columns
        .outerjoin(Contact, col(Contact.id) == Activity.contact_id)
        .outerjoin(Company, col(Company.id) == Activity.company_id)
        .outerjoin(Deal, col(Deal.id) == Activity.deal_id)
        .outerjoin(Lead, col(Lead.id) == Activity.lead_id)
    )


def agenda_row(
    activity: Activity, contact: str | None, company: str | None, deal: str | None, lead: str | None
) -> AgendaRow:
    day, clock = local_due(activity)
    return AgendaRow(
        activity.id or 0,
        activity.kind,
        activity.title,
        day,
        clock,
        " · ".join(filter(None, [deal, contact, company, lead])),
        activity.contact_id,
        as_utc(activity.due_at),
        activity.recurrence,
        activity.remind_minutes,
    )


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
        .order_by(col(Activity.due_on).is_(None), *_due_order())
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
        recurrence=parse_repeat(fields.get("repeat")),
        remind_minutes=parse_remind(fields.get("remind")),
        **links,
    )


REPEAT_HINT = "empty (once), weekdays, weekly or monthly"
# Words a person types for each way of repeating.
_REPEAT_WORDS = {
    "weekdays": "weekdays",
    "every weekday": "weekdays",
    "workdays": "weekdays",
    "по будням": "weekdays",
    "weekly": "weekly",
    "every week": "weekly",
    "еженедельно": "weekly",
    "monthly": "monthly",
    "every month": "monthly",
    "ежемесячно": "monthly",
}


def parse_repeat(text: str | None) -> str | None:
    """How an activity repeats, from a form field: None (once) or one of RECURRENCES."""
    value = " ".join((text or "").casefold().split())
    if value in {"", "no", "once", "never", "нет"}:
        return None
    if value not in _REPEAT_WORDS:
        raise ValidationError("repeat", f"{value!r}: {REPEAT_HINT}")
    return _REPEAT_WORDS[value]


def parse_remind(text: str | None) -> int | None:
    """Minutes before the activity's time to remind: `15`, `15 min`, `1h`; empty: at the time."""
    value = "".join((text or "").casefold().split())
    if not value:
        return None
    number = value.removesuffix("minutes").removesuffix("min").removesuffix("m").removesuffix("мин")
    hours = value.endswith(("h", "ч"))
    if hours:
        number = value[:-1]
    if not number.isdigit():
        raise ValidationError("remind", f"{text!r} is not a number of minutes (e.g. 15, 1h)")
    return int(number) * (60 if hours else 1)


# ---------------------------------------------------------------- times
# Times are stored in UTC (Activity.due_at, for a timed activity) and spoken in local time by
# this module's API: ActivityCreate.due_on / due_time, AgendaRow.due_on / due_time and the
# arguments below are the user's local calendar day and wall-clock time. An untimed activity
# has a day only (due_on).


def due_moment(day: date | None, clock: time | None) -> datetime | None:
    """The UTC moment of a local day and time (None when either is missing), with the offset
    that zone has on that day (DST-correct)."""
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock).astimezone().astimezone(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment (or None), aware in UTC."""
    return None if moment is None else dates.as_utc(moment)


def local_due(activity: Activity) -> tuple[date | None, time | None]:
    """An activity's local due day and time, from its UTC moment when timed."""
    moment = as_utc(activity.due_at)
    if moment is None:
        return activity.due_on, None
    local = moment.astimezone()
    return local.date(), local.time().replace(tzinfo=None)


def describe_local_due(activity: Activity) -> str:
    """`2026-11-25 10:00` (local), or the day alone."""
    day, clock = local_due(activity)
    if day is None:
        return ""
    return f"{day.isoformat()} {clock.strftime('%H:%M')}" if clock else day.isoformat()


def is_overdue(row: AgendaRow, now: datetime | None = None) -> bool:
    """Timed: its moment has passed; untimed: its day is before today."""
    if row.due_at is not None:
        return row.due_at < (now or utcnow())
    return row.due_on is not None and row.due_on < (to_local(now).date() if now else today())


def reschedule_activity(session: Session, activity_id: int, day: date, clock: time | None) -> Activity:
    """To another local day (and time, or none); a `field_changed` event says from → to. A done
    activity is refused (ValidationError)."""
    activity = get_activity(session, activity_id)
    if activity.done_at is not None:
        raise ValidationError("activity", f"“{activity.title}” is done: there is nothing to move")
    before = describe_local_due(activity) or "no date"
    activity.due_on, activity.due_at = day, due_moment(day, clock)
    after = describe_local_due(activity)
    if before != after:
        record_event(
            session,
            owner_subject(activity),
            EventKind.FIELD_CHANGED,
            f"{activity.kind} “{activity.title}” moved: {before} → {after}",
            {"activity_id": activity.id, "field": "due", "old": before, "new": after},
        )
    return activity


def snooze_activity(session: Session, activity_id: int) -> Activity:
    """To tomorrow, at the same local time."""
    activity = get_activity(session, activity_id)
    _, clock = local_due(activity)
    return reschedule_activity(session, activity_id, today() + timedelta(days=1), clock)


def _overdue_condition(now: datetime) -> Any:
    timed = col(Activity.due_at).is_not(None) & (col(Activity.due_at) < now)
    untimed = col(Activity.due_at).is_(None) & (col(Activity.due_on) < to_local(now).date())
    return col(Activity.done_at).is_(None) & (timed | untimed)


def overdue_count(session: Session, owner: str | None = None) -> int:
    """Open activities past due (for the title bar, from any mode; `owner`'s only, when
    given): one indexed count."""
    condition = owned_by(_overdue_condition(utcnow()), owner)
    return session.exec(select(func.count()).select_from(Activity).where(condition)).one()


# A reminder is announced at most this long before its activity (reminders set further ahead
# are announced this far ahead): it keeps the query to a day's activities.
REMINDER_HORIZON = timedelta(days=1)


def reminders_due(
    session: Session, after: datetime, until: datetime, owner: str | None = None
) -> list[AgendaRow]:
    """Open timed activities whose reminder moment (due_at minus remind_minutes, or due_at)
    falls in (after, until], both UTC: what the app announces as the clock passes them.
    `owner`: only that person's (on a shared database, anna's calls ring on anna's screen)."""
    condition = (
        col(Activity.done_at).is_(None)
        & (col(Activity.due_at) > after)
        & (col(Activity.due_at) <= until + REMINDER_HORIZON)
    )
    rows = session.exec(
        _with_links()
        .where(owned_by(condition, owner))
        .order_by(col(Activity.due_at), col(Activity.id))
    ).all()
    found = []
    for activity, contact, company, deal, lead in rows:
        row = agenda_row(activity, contact, company, deal, lead)
        assert row.due_at is not None
        ahead = min(timedelta(minutes=row.remind_minutes or 0), REMINDER_HORIZON)
        if after < row.due_at - ahead <= until:
            found.append(row)
    return found
