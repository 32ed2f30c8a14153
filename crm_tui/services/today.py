"""The Today list: what to do now, in sections, and two lists a salesperson usually has to
build by hand — open deals with no next step, and clients nobody has touched for a while.

The app's Today screen and `crm-tui today` both print `today_list`. Days are the user's local
calendar days (`dates.today()`); a timed activity whose moment has passed is overdue even when
it is today's (the title bar's count, `activities.overdue_count`, says the same).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, union
from sqlmodel import Session, col, select

from crm_tui.dates import day_start_utc, days_since, to_local, today, utcnow
from crm_tui.db.models import (
    Activity,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    Deal,
    Lead,
    Stage,
    StageKind,
)
from crm_tui.services import activities
from crm_tui.services.activities import AgendaRow
from crm_tui.services.contact_list import primary_value
from crm_tui.services.settings import forgotten_days
from crm_tui.services.tagged import contacts_tagged

# The tag that marks a contact as a client, besides the contact's own "client" flag.
CLIENT_TAG = "client"


class Section(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    TOMORROW = "tomorrow"
    THIS_WEEK = "this week"


@dataclass(frozen=True)
class TodayItem:
    """One open activity in a section."""

    row: AgendaRow  # local due_on / due_time, kind, title, regarding, contact_id, due_at …
    section: Section
    overdue: bool
    contact_detail: str  # the linked person's primary phone, else email, else ""


@dataclass(frozen=True)
class StalledDeal:
    """An open deal with no open activity: nobody has planned what happens next."""

    deal_id: int
    title: str
    stage: str
    client: str  # the company, else the person
    amount: int
    currency: str
    days_in_stage: int


@dataclass(frozen=True)
class ForgottenClient:
    contact_id: int
    name: str
    company: str
    days_untouched: int | None  # None: never touched
    reason: str  # "open deal" / "client"


@dataclass(frozen=True)
class TodayList:
    items: list[TodayItem]  # overdue oldest first; today by time, untimed after; tomorrow; the week
    stalled_deals: list[StalledDeal]  # longest in their stage first
    forgotten: list[ForgottenClient]  # never touched first, then longest untouched
    counts: dict[str, int]  # per Section value, and "stalled", "forgotten"

    def section(self, section: Section) -> list[TodayItem]:
        return [item for item in self.items if item.section is section]


def week_end(day: date) -> date:
    """The Sunday of `day`'s week (Monday to Sunday)."""
    return day + timedelta(days=6 - day.weekday())


def today_list(session: Session, limit: int = 200, owner: str | None = None) -> TodayList:
    """Today's sections, the deals with no next step and the forgotten clients.

    `limit` caps each list read (the overdue days, today's past ones, what is still ahead this
    week, the stalled deals, the forgotten clients); the counts are the whole numbers. With
    `owner` ("mine"), only that person's: activities by their owner, deals by the deal's
    owner, clients by the contact's owner.
    """
    day = today()
    now = utcnow()
    tomorrow = day + timedelta(days=1)
    # On a Sunday the week is over: tomorrow is a Monday and "this week" is empty.
    last = max(tomorrow, week_end(day))
    before_today, through_today, through_tomorrow, through_week = activities.count_agenda(
        session, day - timedelta(days=1), day, tomorrow, last, owner=owner
    )
    overdue = activities.overdue_count(session, owner)
    # Today's timed activities already past are overdue too; in the agenda's order they come
    # first in the day (timed ones by their moment).
    passed_today = max(0, overdue - before_today)
    # Three reads, each capped: past days' activities (oldest first), today's already past,
    # then the rest of today and of the week. A long overdue tail never pushes what is still
    # ahead today off the list.
    rows = activities.agenda(session, day - timedelta(days=1), limit=limit, owner=owner)
    if passed_today:
        rows += activities.agenda(
            session, day, offset=before_today, limit=min(limit, passed_today), owner=owner
        )
    rows += activities.agenda(session, last, offset=before_today + passed_today, limit=limit, owner=owner)
    details = _contact_details(session, rows)
    items = [_item(row, day, tomorrow, now, details.get(row.id, "")) for row in rows]
    # Safe against the clock moving on between the reads: overdue ones first, in their order.
    items.sort(key=lambda item: item.section is not Section.OVERDUE)
    counts = {
        Section.OVERDUE.value: overdue,
        Section.TODAY.value: max(0, through_today - overdue),
        Section.TOMORROW.value: through_tomorrow - through_today,
        Section.THIS_WEEK.value: through_week - through_tomorrow,
    }
    stalled, stalled_count = stalled_deals(session, limit, owner)
    forgotten, forgotten_count = forgotten_clients(session, limit, owner)
    counts |= {"stalled": stalled_count, "forgotten": forgotten_count}
    return TodayList(items, stalled, forgotten, counts)


def _item(row: AgendaRow, day: date, tomorrow: date, now: datetime, detail: str) -> TodayItem:
    overdue = activities.is_overdue(row, now)
    if overdue:
        section = Section.OVERDUE
    elif row.due_on is None or row.due_on <= day:
        section = Section.TODAY
    elif row.due_on == tomorrow:
        section = Section.TOMORROW
    else:
        section = Section.THIS_WEEK
    return TodayItem(row, section, overdue, detail)


def _contact_details(session: Session, rows: Iterable[AgendaRow]) -> dict[int, str]:
    """Activity id -> the phone or email to reach its person with: the contact's primary
    phone, else any phone, else an email; for an activity with a lead and no contact, the
    lead's phone or email."""
    rows = list(rows)
    contact_ids = sorted({row.contact_id for row in rows if row.contact_id is not None})
    reach: dict[int, str] = {}
    if contact_ids:
        shown = select(Contact.id, primary_value(ContactPhone), primary_value(ContactEmail))
        for contact_id, phone, email in session.exec(shown.where(col(Contact.id).in_(contact_ids))):
            if contact_id is not None and (phone or email):
                reach[contact_id] = phone or email  # a phone beats an email: "at hand" for a call
    details = {row.id: reach[row.contact_id] for row in rows if row.contact_id in reach}
    without = [row.id for row in rows if row.contact_id is None]
    if without:
        for activity_id, phone, email in session.exec(
            select(Activity.id, Lead.phone, Lead.email)
            .join(Lead, col(Lead.id) == Activity.lead_id)
            .where(col(Activity.id).in_(without))
        ):
            if activity_id is not None and (phone or email):
                details[activity_id] = phone or email or ""
    return details


# ---------------------------------------------------------------- deals with no next step


def _stalled_condition(owner: str | None = None) -> list[Any]:
    open_activity = exists().where(col(Activity.deal_id) == Deal.id, col(Activity.done_at).is_(None))
    mine = [] if owner is None else [col(Deal.owner) == owner]
    return [Stage.kind == StageKind.OPEN.value, col(Deal.archived_at).is_(None), ~open_activity, *mine]


def stalled_deals(
    session: Session, limit: int = 200, owner: str | None = None
) -> tuple[list[StalledDeal], int]:
    """Open deals with no open activity (`owner`'s deals only, when given), longest in their
    stage first; and how many there are."""
    total = session.exec(
        select(func.count())
        .select_from(Deal)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(*_stalled_condition(owner))
    ).one()
    rows = session.exec(
        select(
            Deal.id,
            Deal.title,
            Stage.name,
            Company.name,
            Contact.full_name,
            Deal.amount,
            Deal.currency,
            Deal.stage_entered_at,
        )  # type: ignore[call-overload]  # >4 columns
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .outerjoin(Company, col(Company.id) == Deal.company_id)
        .outerjoin(Contact, col(Contact.id) == Deal.contact_id)
        .where(*_stalled_condition(owner))
        .order_by(col(Deal.stage_entered_at), col(Deal.id))
        .limit(limit)
    ).all()
    found = [
        StalledDeal(
            deal_id or 0,
            title,
            stage,
            company or contact or "",
            amount,
            currency,
            days_since(entered),
        )
        for deal_id, title, stage, company, contact, amount, currency, entered in rows
    ]
    return found, total


# ---------------------------------------------------------------- forgotten clients


def _open_deal_of_contact() -> ColumnElement[bool]:
    return (
        exists()
        .where(
            col(Deal.contact_id) == Contact.id,
            col(Deal.archived_at).is_(None),
            col(Stage.id) == Deal.stage_id,
            col(Stage.kind) == StageKind.OPEN.value,
        )
        .correlate(Contact)
    )


def _forgotten_condition(since: datetime, owner: str | None = None) -> list[Any]:
    """Clients (an open deal, the client flag or a "client" tag) not touched since `since`;
    never touched ones count once they are older than that (a contact added this morning is
    not forgotten yet)."""
    untouched = or_(
        col(Contact.last_touch_at) < since,
        col(Contact.last_touch_at).is_(None) & (col(Contact.created_at) < since),
    )
    mine = [] if owner is None else [col(Contact.owner) == owner]
    return [col(Contact.archived_at).is_(None), untouched, *mine]


def _client_ids() -> Any:
    """The ids of clients: a person with an open deal, flagged a client or tagged "client".

    One set read from the deals, the tags and the flag, rather than three correlated tests on
    each of 100,000 contacts; the contacts are then read from this set, by id (the benchmark
    data set's 28,000 forgotten clients: 0.5 s, then 0.1 s, counted and the first page read)."""
    with_deal = (
        select(Deal.contact_id)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(
            col(Deal.contact_id).is_not(None),
            col(Deal.archived_at).is_(None),
            col(Stage.kind) == StageKind.OPEN.value,
        )
    )
    tagged = contacts_tagged(CLIENT_TAG)
    flagged = select(Contact.id).where(col(Contact.is_client).is_(True))
    return union(with_deal, tagged, flagged)


def forgotten_clients(
    session: Session, limit: int = 200, owner: str | None = None
) -> tuple[list[ForgottenClient], int]:
    """Clients nobody has touched for more than `settings.forgotten_days` calendar days (a
    touch's local day counts, as for the health light): never touched first, then the longest
    untouched; and how many there are. With `owner`, only the contacts that person owns."""
    day = today()
    since = day_start_utc(day - timedelta(days=forgotten_days(session)))
    conditions = _forgotten_condition(since, owner)
    clients = _client_ids().subquery("clients")
    client_id = clients.c[0]
    total = session.exec(
        select(func.count())
        .select_from(clients)
        .join(Contact, col(Contact.id) == client_id)
        .where(*conditions)
    ).one()
    has_deal = _open_deal_of_contact().label("has_deal")
    rows = session.exec(
        select(Contact.id, Contact.full_name, Company.name, Contact.last_touch_at, has_deal)  # type: ignore[call-overload]  # >4 columns
        .select_from(clients)
        .join(Contact, col(Contact.id) == client_id)
        .outerjoin(Company, col(Company.id) == Contact.company_id)
        .where(*conditions)
        .order_by(col(Contact.last_touch_at).is_not(None), col(Contact.last_touch_at), col(Contact.id))
        .limit(limit)
    ).all()
    found = [
        ForgottenClient(
            contact_id or 0,
            name,
            company or "",
            (day - to_local(touched).date()).days if touched is not None else None,
            "open deal" if deal else "client",
        )
        for contact_id, name, company, touched, deal in rows
    ]
    return found, total


# ---------------------------------------------------------------- the week agenda


def week_agenda(
    session: Session, monday: date, limit: int = 500, owner: str | None = None
) -> dict[date, list[AgendaRow]]:
    """Each day of the week starting `monday` (seven keys, in order) with its open activities
    (`owner`'s only, when given): by time, untimed after."""
    days = [monday + timedelta(days=offset) for offset in range(7)]
    rows = session.exec(
        select(Activity, Contact.full_name, Company.name, Deal.title, Lead.title)  # type: ignore[call-overload]  # >4 columns
        .outerjoin(Contact, col(Contact.id) == Activity.contact_id)
        .outerjoin(Company, col(Company.id) == Activity.company_id)
        .outerjoin(Deal, col(Deal.id) == Activity.deal_id)
        .outerjoin(Lead, col(Lead.id) == Activity.lead_id)
        .where(
            activities.owned_by(col(Activity.done_at).is_(None), owner),
            col(Activity.due_on) >= days[0],
            col(Activity.due_on) <= days[-1],
        )
        .order_by(
            col(Activity.due_on), col(Activity.due_at).is_(None), col(Activity.due_at), col(Activity.id)
        )
        .limit(limit)
    ).all()
    week: dict[date, list[AgendaRow]] = {day: [] for day in days}
    for activity, contact, company, deal, lead in rows:
        row = activities.agenda_row(activity, contact, company, deal, lead)
        # Filed under its local day (a moment read in another zone may fall on a neighbour).
        week.setdefault(row.due_on or activity.due_on, []).append(row)
    return {day: week[day] for day in days}
