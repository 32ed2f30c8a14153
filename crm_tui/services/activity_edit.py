"""What Today's keys do to one activity beyond the verbs of `activities`: the edit form, a
reschedule typed in words, done with the next step after it, delete — and the undo of each.

Undo works from a snapshot of the activity's row taken before the change (`ActivitySnapshot`):
deleting gives it back with the same id and links, a done one is reopened (its timeline event
stays: the timeline is append-only, so the reopening is written after it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session

from crm_tui.dates import as_utc, today
from crm_tui.db.models import Activity, ActivityKind, Company, Contact, Deal, EntityKind, Lead
from crm_tui.errors import ValidationError
from crm_tui.natural_dates import When, parse_when
from crm_tui.services import activities
from crm_tui.services.activities import ActivityCreate, get_activity, local_due, owner_subject
from crm_tui.services.events import EventKind, apply_changes, record_event
from crm_tui.services.interactions import set_next_step
from crm_tui.services.validation import clean, parse_optional_time, require

# What a date field takes, said when it cannot read what was typed.
DATE_FORMS = "tomorrow 9:30, mon, +2d, next week, 15.12 14:00, 2026-12-15"

FORM_FIELDS = ("kind", "title", "due", "time", "repeat", "remind", "notes")


@dataclass(frozen=True)
class ActivitySnapshot:
    """An activity's row as it was, to put it back; for a completion, also its person's last
    touch before it (`touched_before`) and the touch it wrote (`touched_at`)."""

    values: dict[str, Any]
    touched_before: datetime | None = None
    touched_at: datetime | None = None

    @property
    def id(self) -> int:
        return int(self.values["id"])

    @property
    def title(self) -> str:
        return str(self.values["title"])

    @property
    def kind(self) -> str:
        return str(self.values["kind"])

    def link(self, name: str) -> int | None:
        value = self.values.get(f"{name}_id")
        return int(value) if value is not None else None


def snapshot(session: Session, activity_id: int) -> ActivitySnapshot:
    return ActivitySnapshot(get_activity(session, activity_id).model_dump())


def read_when(text: str, field: str = "when") -> When:
    """A local day, maybe a time, and maybe words after them, from one typed line; a line
    that does not start with a date raises ValidationError(field) listing the forms it takes."""
    if not text.strip():
        raise ValidationError(field, f"a date is required: {DATE_FORMS}")
    try:
        return parse_when(text)
    except ValueError as error:
        shown = " ".join(text.split())
        shown = shown if len(shown) <= 30 else shown[:29] + "…"
        raise ValidationError(field, f"{shown!r} is not a date. Try: {DATE_FORMS}") from error


def parse_due(text: str, field: str = "when") -> tuple[date, time | None]:
    """A local day and maybe a time from one typed line (`tomorrow 10:00`, `mon`, `+2d`…),
    nothing after them."""
    when = read_when(text, field)
    if when.goal:
        raise ValidationError(field, f"{when.goal!r} is not a time. Try: {DATE_FORMS}")
    return when.day, when.at


def reschedule(session: Session, activity_id: int, text: str) -> tuple[Activity, ActivitySnapshot]:
    """Move to the day (and time) typed; the snapshot is what `undo_change` puts back."""
    before = snapshot(session, activity_id)
    day, clock = parse_due(text)
    return activities.reschedule_activity(session, activity_id, day, clock), before


def snooze(session: Session, activity_id: int) -> tuple[Activity, ActivitySnapshot]:
    before = snapshot(session, activity_id)
    return activities.snooze_activity(session, activity_id), before


def mark_done(session: Session, activity_id: int, outcome: str | None = None) -> ActivitySnapshot:
    """Complete the activity (its outcome on the timeline, the person touched); returns the
    snapshot from before, for the undo and for the next step's links. Done already: refused."""
    before = snapshot(session, activity_id)
    contact_id = before.link("contact")
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    touched_before = contact.last_touch_at if contact is not None else None
    activities.complete_activity(session, activity_id, outcome)
    touched_at = contact.last_touch_at if contact is not None else None
    if touched_at == touched_before:
        return before
    return replace(before, touched_before=touched_before, touched_at=touched_at)


def undo_change(session: Session, before: ActivitySnapshot) -> Activity:
    """Put a rescheduled, snoozed or completed activity back as `before` says: its day and
    time, open again, and its person's last touch as it was when the completion was the last
    touch. The events already written stay; a reopening writes its own."""
    activity = get_activity(session, before.id)
    reopened = activity.done_at is not None and before.values.get("done_at") is None
    moved_back = activity.due_on != before.values.get("due_on") or not _same_moment(
        activity.due_at, before.values.get("due_at")
    )
    day, clock = local_due(Activity.model_validate(before.values))
    if moved_back and day is not None:
        if reopened:
            activity.done_at = None  # a done one cannot be moved
        activities.reschedule_activity(session, before.id, day, clock)
    activity.done_at = before.values.get("done_at")
    activity.outcome = before.values.get("outcome")
    if before.touched_at is not None and activity.contact_id is not None:
        # The completion's touch is taken back too, unless the person was touched since.
        contact = session.get(Contact, activity.contact_id)
        if contact is not None and _same_moment(contact.last_touch_at, before.touched_at):
            contact.last_touch_at = before.touched_before
    if reopened:
        record_event(
            session,
            owner_subject(activity),
            EventKind.FIELD_CHANGED,
            f"{activity.kind.capitalize()} reopened: {activity.title}",
            {"activity_id": activity.id, "field": "done_at", "old": "done", "new": None},
        )
    session.flush()
    return activity


def _same_moment(one: datetime | None, other: datetime | None) -> bool:
    """Equal moments, whether SQLite gave them back naive (UTC) or not."""
    if one is None or other is None:
        return one is other
    return as_utc(one) == as_utc(other)


# ---------------------------------------------------------------- delete and restore


def delete_activity(session: Session, activity_id: int) -> ActivitySnapshot:
    """Delete; the timeline says so, and the snapshot brings it back (`restore_activity`)."""
    before = snapshot(session, activity_id)
    activity = get_activity(session, activity_id)
    record_event(
        session,
        owner_subject(activity),
        EventKind.FIELD_CHANGED,
        f"{activity.kind.capitalize()} deleted: {activity.title}",
        {"activity_id": activity_id, "field": "deleted", "old": None, "new": True},
    )
    session.delete(activity)
    session.flush()
    return before


_LINKS = (("lead", Lead), ("contact", Contact), ("company", Company), ("deal", Deal))


def restore_activity(session: Session, before: ActivitySnapshot) -> Activity:
    """A deleted activity back with its id, links, day and time. Refused when a record it
    belonged to is gone since (it would belong to nothing) or the id is taken."""
    if session.get(Activity, before.id) is not None:
        raise ValidationError("activity", f"“{before.title}” is here already")
    for name, model in _LINKS:
        record_id = before.link(name)
        if record_id is not None and session.get(model, record_id) is None:
            raise ValidationError("activity", f"the {name} “{before.title}” belonged to was deleted since")
    activity = Activity.model_validate(before.values)
    session.add(activity)
    session.flush()
    record_event(
        session,
        owner_subject(activity),
        EventKind.FIELD_CHANGED,
        f"{activity.kind.capitalize()} restored: {activity.title}",
        {"activity_id": activity.id, "field": "deleted", "old": True, "new": False},
    )
    return activity


# ---------------------------------------------------------------- the edit form


def _day_text(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def activity_form(session: Session, activity_id: int) -> dict[str, str]:
    """The edit form's values (FORM_FIELDS): the day and time local, as the person reads them."""
    activity = get_activity(session, activity_id)
    day, clock = local_due(activity)
    return {
        "kind": activity.kind,
        "title": activity.title,
        "due": _day_text(day),
        "time": clock.strftime("%H:%M") if clock else "",
        "repeat": activity.recurrence or "",
        "remind": str(activity.remind_minutes) if activity.remind_minutes is not None else "",
        "notes": activity.notes or "",
    }


def save_activity_form(session: Session, activity_id: int, values: dict[str, str]) -> Activity:
    """Save the edit form; every value is checked before anything is written. A bad one raises
    ValidationError naming `kind`, `title`, `due` or `time`. The day takes the same words as
    a reschedule (`mon`, `+2d`, `15.12`); one changed writes a `field_changed` event."""
    unknown = sorted(set(values) - set(FORM_FIELDS))
    if unknown:
        raise ValueError(f"not activity form fields: {unknown}")
    activity = get_activity(session, activity_id)
    if activity.done_at is not None:
        raise ValidationError("activity", f"“{activity.title}” is done: reopen it (u) to change it")
    kind = (clean(values.get("kind")) or activity.kind).casefold()
    if kind not in {member.value for member in ActivityKind}:
        raise ValidationError("kind", f"{kind!r} is not one of call, meeting, email, task")
    title = require("title", values.get("title", activity.title))
    old_day, old_clock = local_due(activity)
    due_text = values.get("due", _day_text(old_day))
    day, clock = (None, None) if not due_text.strip() else parse_due(due_text, "due")
    typed_time = parse_optional_time(values.get("time", ""), "time")
    clock = typed_time or clock
    if day is None and old_day is not None:
        raise ValidationError("due", f"a date is required: {DATE_FORMS}")
    if day is None and clock is not None:
        raise ValidationError("due", "a time needs a date")
    repeat = activities.parse_repeat(values.get("repeat", activity.recurrence or ""))
    if repeat is not None and day is None:
        raise ValidationError("repeat", "a repeating activity needs a date to start from")
    remind = activities.parse_remind(values["remind"]) if "remind" in values else activity.remind_minutes
    apply_changes(
        session,
        activity,
        owner_subject(activity),
        {
            "kind": kind,
            "title": title,
            "notes": clean(values.get("notes")),
            "recurrence": repeat,
            "remind_minutes": remind,
        },
    )
    if day is not None and (day, clock) != (old_day, old_clock):
        activities.reschedule_activity(session, activity_id, day, clock)
    session.flush()
    return activity


# ---------------------------------------------------------------- the next step after done


def schedule_next_step(session: Session, done: ActivitySnapshot, when: str, goal: str) -> str:
    """After a call or meeting: when to get in touch next and what for (`fri 10:00`, goal).

    A follow-up of the same kind (an email's is a task) is planned with the same links, so it
    is on Today's list when its day comes and a deal does not fall into "no next step"; with
    a person, it is also the person's next contact (`interactions.set_next_step`), which the
    card and the health light read. Returns what was done, to tell the user."""
    # The goal may follow the date on the same line: `fri 10:00 send the offer`.
    parsed = read_when(when)
    day, clock = parsed.day, parsed.at
    what = clean(goal) or clean(parsed.goal) or f"Follow up: {done.title}"
    contact_id = done.link("contact")
    activities.create_activity(
        session,
        ActivityCreate(
            kind=done.kind if done.kind != ActivityKind.EMAIL.value else ActivityKind.TASK.value,
            title=what,
            due_on=day,
            due_time=clock,
            contact_id=contact_id,
            deal_id=done.link("deal"),
            lead_id=done.link("lead"),
            company_id=done.link("company"),
        ),
    )
    if contact_id is not None and day >= today():
        typed = f"{day.isoformat()} {clock:%H:%M}" if clock else day.isoformat()
        set_next_step(session, EntityKind.CONTACT, contact_id, typed, what)
    shown = day.strftime("%a %d.%m") + (f" {clock:%H:%M}" if clock else "")
    return f"Next step planned for {shown}: {what}"


# ---------------------------------------------------------------- adding from Today

ADD_FIELDS = ("kind", "title", "when", "repeat", "remind", "notes")


def add_activity(session: Session, values: dict[str, str], link: tuple[EntityKind, int] | None) -> Activity:
    """A new activity from Today's add form (ADD_FIELDS; `when` in words, `fri 10:00`),
    belonging to the record picked by name (`link`), or to none."""
    kind = (clean(values.get("kind")) or ActivityKind.CALL.value).casefold()
    if kind not in {member.value for member in ActivityKind}:
        raise ValidationError("kind", f"{kind!r} is not one of call, meeting, email, task")
    title = require("title", values.get("title"))
    day, clock = parse_due(values.get("when", ""))
    links: dict[str, Any] = {f"{link[0].value}_id": link[1]} if link is not None else {}
    return activities.create_activity(
        session,
        ActivityCreate(
            kind=kind,
            title=title,
            due_on=day,
            due_time=clock,
            notes=clean(values.get("notes")),
            recurrence=activities.parse_repeat(values.get("repeat")),
            remind_minutes=activities.parse_remind(values.get("remind")),
            **links,
        ),
    )
