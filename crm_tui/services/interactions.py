"""What the keys of a contact's or company's card do besides editing it: `l` logs a call, an
email or a meeting, `s` sets the next step, `d` starts a deal with the contact.

Logging is where other CRMs let the salesperson down: the call is logged, and tomorrow's
agenda still says "call Anna" because the reminder knew nothing of it. Here a logged call
completes the planned calls it answers (see `log_interaction`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import Session, col, select

from crm_tui.dates import as_utc, local_now, parse_date, today, utcnow
from crm_tui.db.models import Activity, Company, Contact, Deal, EntityKind
from crm_tui.errors import ValidationError
from crm_tui.natural_dates import When, parse_when
from crm_tui.services import activities, companies, contacts, leads
from crm_tui.services.deals import create_deal, deal_from_fields
from crm_tui.services.events import EventKind, Subject, record_event
from crm_tui.services.settings import default_currency
from crm_tui.services.stages import first_open_stage
from crm_tui.services.validation import clean, parse_optional_time

INTERACTION_KINDS = ("call", "email", "meeting")

_EVENT_KINDS = {"call": EventKind.CALL, "email": EventKind.EMAIL, "meeting": EventKind.MEETING}

_LOG_WHEN_HINT = "try today 10:00, yesterday 15:30 or 19.11.2026 14:00"


@dataclass(frozen=True)
class Logged:
    event_id: int
    completed: list[int]  # ids of open activities this log completed


def _logged_moment(text: str) -> datetime:
    """When a logged interaction happened, in UTC: now, or a past local day and time.

    `parse_when` looks ahead (`15.11` typed in November is next year's, there is no
    `yesterday`), which suits a next step, not something that has happened; so the day is
    read with `dates.parse_date` (today, yesterday, вчера, 19.11, 2026-11-19…) and an optional
    time after it (`yesterday 15:30`), or a time alone for today (`10:00`).
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        return utcnow()
    day_text, at_text = cleaned, ""
    match = re.fullmatch(r"(?:(.*?)\s+)?(?:at\s+|в\s+)?(\d{1,2}[:.]\d{2})", cleaned, re.IGNORECASE)
    # Alone, `19.11` is a day (19 November), `10:00` a time today.
    if match and (match.group(1) is not None or ":" in cleaned):
        day_text, at_text = match.group(1) or "today", match.group(2)
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", day_text):
        # parse_date reads a dotted day and month without a year as a number (19.11 as
        # 19 January); slashed, it reads them day first.
        day_text = day_text.replace(".", "/")
    try:
        day = parse_date(day_text)
    except ValueError as error:
        raise ValidationError("when", f"{cleaned!r} is not a date: {_LOG_WHEN_HINT}") from error
    try:
        at = parse_optional_time(at_text, "when")
    except ValidationError as error:
        raise ValidationError("when", f"{cleaned!r} is not a date and time: {_LOG_WHEN_HINT}") from error
    if at is None:
        # A day without a time: now when it is today, else the middle of that day.
        at = local_now().time() if day == today() else time(12, 0)
    moment = datetime.combine(day, at).astimezone().astimezone(UTC)
    if moment > utcnow():
        raise ValidationError("when", f"{cleaned!r} is in the future: log what has happened")
    return moment


def log_interaction(session: Session, subject: Subject, kind: str, outcome: str, when: str = "") -> Logged:
    """Log a call, email or meeting with a contact or a company, saying how it went.

    Writes one event of that kind (`Call: agreed on a demo`) on the subject, dated when it
    happened (`when`: empty for now, or e.g. `today 10:00`, `yesterday`, `19.11 15:30`).

    With a contact, the contact's last touch moves to that moment (never back), and the
    contact's open activities of the same kind due on that day or before are completed with
    the outcome (each writes its own done event, as completing it from Today does).

    With a company, no person is touched (a call to the switchboard is not a call with
    Anna); the company's open activities of that kind that name no person are completed.
    """
    kind = kind.strip().casefold()
    if kind not in INTERACTION_KINDS:
        raise ValidationError("kind", f"{kind!r} is not one of {', '.join(INTERACTION_KINDS)}")
    text = clean(outcome)
    if text is None:
        raise ValidationError("outcome", f"say how the {kind} went")
    if subject.kind not in (EntityKind.CONTACT, EntityKind.COMPANY):
        raise ValueError(f"interactions are logged with a contact or a company, not a {subject.kind.value}")
    if subject.kind is EntityKind.CONTACT:
        contacts.get_contact(session, subject.id)
    else:
        companies.get_company(session, subject.id)
    moment = _logged_moment(when)
    day = moment.astimezone().date()

    due = col(Activity.done_at).is_(None) & (Activity.kind == kind) & (col(Activity.due_on) <= day)
    if subject.kind is EntityKind.CONTACT:
        due = due & (Activity.contact_id == subject.id)
    else:
        due = due & (Activity.company_id == subject.id) & col(Activity.contact_id).is_(None)
    answered = [
        activity_id
        for activity_id in session.exec(select(Activity.id).where(due).order_by(col(Activity.id)))
        if activity_id is not None
    ]

    event = record_event(
        session,
        subject,
        _EVENT_KINDS[kind],
        f"{kind.capitalize()}: {text}",
        {"outcome": text, "logged_at": utcnow(), "completed_activity_ids": answered},
    )
    event.at = moment
    session.flush()  # its id marks the done events of the activities it answers
    assert event.id is not None

    contact = session.get(Contact, subject.id) if subject.kind is EntityKind.CONTACT else None
    last_touch = contact.last_touch_at if contact is not None else None
    for activity_id in answered:
        activities.complete_activity(session, activity_id, text, answered_by=event.id)
    if contact is not None:
        # complete_activity touches the contact now; the interaction happened at `moment`.
        if last_touch is not None:
            last_touch = as_utc(last_touch)
        contacts.touch(session, subject.id, max(moment, last_touch) if last_touch else moment)
    session.flush()
    return Logged(event.id, answered)


# ---------------------------------------------------------------- next step


def parse_next_step(text: str) -> When:
    """A next step's day, time and goal from one typed line (`fri 10:00 send the offer`).

    Raises ValidationError("when", …) naming the accepted forms, as the inbox's schedule does.
    """
    try:
        return parse_when(text)
    except ValueError as error:
        raise ValidationError("when", str(error)) from error


_NEXT_STEP_KINDS = (EntityKind.CONTACT, EntityKind.COMPANY, EntityKind.LEAD)


def set_next_step(session: Session, kind: EntityKind, record_id: int, when: str, goal: str) -> date | None:
    """Set when to get in touch next with a contact, company or lead, and what for.

    `when` is read by `natural_dates.parse_when` (`tomorrow`, `fri 10:00`, `+3d`, `15.12`);
    words after the date are the goal when `goal` is empty, and a time is kept in front of
    the goal (`10:00 send the offer`), the record having a date only. An empty `when` clears
    the next step (returns None). One field_changed event per changed field.
    """
    if kind not in _NEXT_STEP_KINDS:
        raise ValueError(f"a {kind.value} has no next step")
    if not when.strip():
        changes: dict[str, object] = {"next_contact_on": None, "next_contact_goal": None}
        day: date | None = None
    else:
        parsed = parse_next_step(when)
        if parsed.day < today():
            raise ValidationError("when", f"{when.strip()!r} is in the past")
        what = clean(goal) or clean(parsed.goal)
        if parsed.at is not None:
            what = " ".join(filter(None, [parsed.at.strftime("%H:%M"), what]))
        day = parsed.day
        changes = {"next_contact_on": day, "next_contact_goal": what}
    if kind is EntityKind.CONTACT:
        contacts.update_contact(session, record_id, changes)
    elif kind is EntityKind.COMPANY:
        companies.update_company(session, record_id, changes)
    else:
        leads.update_lead(session, record_id, changes)
    session.flush()
    return day


# ---------------------------------------------------------------- a deal from a contact

DEAL_FORM_FIELDS = ("title", "amount", "currency", "stage", "expected_close", "notes")


def deal_form_defaults(session: Session, contact_id: int) -> dict[str, str]:
    """The new-deal form for a contact: `<company or contact> — new deal`, the first open
    stage, the default currency; the other fields empty."""
    contact = contacts.get_contact(session, contact_id)
    company = session.get(Company, contact.company_id) if contact.company_id is not None else None
    return {
        "title": f"{company.name if company else contact.full_name} — new deal",
        "amount": "",
        "currency": default_currency(session),
        "stage": first_open_stage(session).name,
        "expected_close": "",
        "notes": "",
    }


def create_deal_for_contact(session: Session, contact_id: int, values: dict[str, str]) -> Deal:
    """A deal with the contact and its company from the new-deal form (`DEAL_FORM_FIELDS`;
    an empty stage means the first open one). Everything is checked before the deal is
    written: a bad value raises ValidationError naming `title`, `amount`, `currency`,
    `stage` or `expected close`."""
    unknown = sorted(set(values) - set(DEAL_FORM_FIELDS))
    if unknown:
        raise ValueError(f"not deal form fields: {unknown}")
    contact = contacts.get_contact(session, contact_id)
    if contact.archived_at is not None:
        raise ValidationError("contact", f"{contact.full_name} is archived")
    currency = clean(values.get("currency"))
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise ValidationError("currency", f"{currency!r} is not a currency code (like RUB, USD, EUR)")
    data = deal_from_fields(session, dict(values) | {"contact_id": str(contact_id)})
    return create_deal(session, data)
