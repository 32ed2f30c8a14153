"""A task from one line typed the way a salesperson says it: `call Olga tomorrow 10:00`.

The first word may name the kind (call, meeting, email, task, or the Russian позвонить,
звонок, встреча, письмо, задача; a task otherwise); a date, and maybe a time right after it,
stands anywhere in the line (`natural_dates.parse_when` reads it); what is left is the title,
kept as typed. `crm-tui add-task` is the front end; nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlmodel import Session, col, select

from crm_tui.db.models import Activity, ActivityKind, Contact
from crm_tui.errors import ValidationError
from crm_tui.natural_dates import ACCEPTED_FORMS, When, parse_when
from crm_tui.services.activities import ActivityCreate, create_activity
from crm_tui.services.validation import fold

# The word a line starts with, folded, and the kind it names.
KIND_WORDS: dict[str, str] = {
    "call": ActivityKind.CALL,
    "phone": ActivityKind.CALL,
    "meeting": ActivityKind.MEETING,
    "meet": ActivityKind.MEETING,
    "email": ActivityKind.EMAIL,
    "e-mail": ActivityKind.EMAIL,
    "mail": ActivityKind.EMAIL,
    "task": ActivityKind.TASK,
    "позвонить": ActivityKind.CALL,
    "перезвонить": ActivityKind.CALL,
    "звонок": ActivityKind.CALL,
    "встреча": ActivityKind.MEETING,
    "встретиться": ActivityKind.MEETING,
    "письмо": ActivityKind.EMAIL,
    "написать": ActivityKind.EMAIL,
    "задача": ActivityKind.TASK,
}

# How many people an ambiguous or unknown name lists.
CANDIDATES_SHOWN = 5

# The accepted forms on one line (errors are one line): the dates, then the times.
_DATES = [form for form, note in ACCEPTED_FORMS if "time after" not in note and "goal" not in note]
_TIMES = [form for form, note in ACCEPTED_FORMS if "time after" in note]
ACCEPTED = (
    "; ".join(form for form in _DATES if "typed in" not in form) + ", then maybe a time: " + "; ".join(_TIMES)
)

_WORD_START = re.compile(r"(?<!\S)\S")
_SEPARATORS = " \t,;:—–-"


@dataclass(frozen=True)
class PlannedTask:
    """What a typed line asks for: kind, title, local day and maybe a local time."""

    kind: str
    title: str
    day: date
    at: time | None

    def describe_when(self) -> str:
        """`Tue 24.11 10:00`."""
        return When(self.day, self.at, "").describe()

    def describe(self) -> str:
        """`Call planned: call Olga — Tue 24.11 10:00`."""
        return f"{self.kind.capitalize()} planned: {self.title} — {self.describe_when()}"


def kind_of(title: str) -> str:
    """The kind the title's first word names, or task."""
    first = title.split(maxsplit=1)[0] if title.split() else ""
    return str(KIND_WORDS.get(fold(first).rstrip(".,:;!"), ActivityKind.TASK))


def read_task(text: str, now: datetime | None = None) -> PlannedTask:
    """The kind, title, day and time of one typed line. `now` is the local time, naive (by
    default the app's clock). Raises ValidationError("date" or "title") saying what is wrong and
    which forms a date may take."""
    line = " ".join(text.split())
    if not line:
        raise ValidationError("title", "say what to do and when, e.g. “call Olga tomorrow 10:00”")
    first_problem: str | None = None
    for start in (match.start() for match in _WORD_START.finditer(line)):
        try:
            when = parse_when(line[start:], now)
        except ValueError as error:
            message = str(error)
            if first_problem is None and "does not start with a date" not in message:
                # A word that looked like a date but is not one (31.02, 25:00): remembered in
                # case no other word reads as a date.
                first_problem = message.split(": try", 1)[0]
            continue
        before = line[:start].rstrip(_SEPARATORS)
        title = " ".join(part for part in (before, when.goal) if part)
        if not title:
            raise ValidationError("title", f"what to do is missing: only a date was given ({line!r})")
        return PlannedTask(kind_of(title), title, when.day, when.at)
    problem = first_problem or f"no date in {line!r}"
    raise ValidationError("date", f"{problem}; a date may be {ACCEPTED}")


def find_contact(session: Session, wanted: str) -> Contact:
    """The one live contact a name (any letter case, any alphabet) or an id names. None or
    several: ValidationError("contact") listing up to five candidates with their ids."""
    text = wanted.strip()
    if not text:
        raise ValidationError("contact", "give a name or an id")
    if text.isdigit():
        contact = session.get(Contact, int(text))
        if contact is None or contact.archived_at is not None:
            raise ValidationError("contact", f"no contact with id {text}")
        return contact
    folded = fold(text)
    live = select(Contact).where(col(Contact.archived_at).is_(None))
    exact = session.exec(live.where(Contact.full_name_fold == folded).limit(CANDIDATES_SHOWN + 1)).all()
    if len(exact) == 1:
        return exact[0]
    words = folded.split()
    matches = exact or _containing(session, words, every=True)
    if len(matches) == 1:
        return matches[0]
    if matches:
        more = " and more" if len(matches) > CANDIDATES_SHOWN else ""
        raise ValidationError(
            "contact",
            f"{text!r} matches several contacts: {_listed(matches)}{more}; give the id, e.g. --contact "
            f"{matches[0].id}",
        )
    near = _containing(session, words, every=False)
    hint = f"; did you mean {_listed(near)}?" if near else ""
    raise ValidationError("contact", f"no contact named {text!r}{hint}")


def _containing(session: Session, words: list[str], every: bool) -> list[Contact]:
    """Live contacts whose folded full name contains every (or any) of the words, by name."""
    conditions = [col(Contact.full_name_fold).contains(word, autoescape=True) for word in words]
    if not conditions:
        return []
    from sqlalchemy import and_, or_

    statement = (
        select(Contact)
        .where(col(Contact.archived_at).is_(None), and_(*conditions) if every else or_(*conditions))
        .order_by(col(Contact.full_name_fold), col(Contact.id))
        .limit(CANDIDATES_SHOWN + 1)
    )
    return list(session.exec(statement).all())


def _listed(contacts: Sequence[Contact]) -> str:
    return ", ".join(f"#{contact.id} {contact.full_name}" for contact in contacts[:CANDIDATES_SHOWN])


def add_task(
    session: Session, planned: PlannedTask, contact: str | None = None, deal_id: int | None = None
) -> Activity:
    """Plan what `read_task` read, linked to the contact a name or id names (see
    `find_contact`) and to a deal. A problem raises ValidationError and writes nothing."""
    contact_id = find_contact(session, contact).id if contact is not None else None
    return create_activity(
        session,
        ActivityCreate(
            kind=planned.kind,
            title=planned.title,
            due_on=planned.day,
            due_time=planned.at,
            contact_id=contact_id,
            deal_id=deal_id,
        ),
    )
