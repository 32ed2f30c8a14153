"""The health light of a contact or a company: green, yellow or red, with the reasons why.

The rules (DESIGN.md: an open deal or lead, nothing overdue, a next step, a recent touch, a
filled profile, a way to reach the person) are decided in one place, `_judge`, over a handful
of facts. Lists need two things from them: the light of each row on a page
(`contacts_health`, a fixed number of queries for the whole page) and a filter by light over
every contact (`contact_light_condition`, one WHERE clause, so 100,000 contacts are filtered
in SQL and never loaded). The WHERE clause restates `_judge` in SQL; tests/unit/test_health.py
checks on a varied data set that both pick the same contacts for every light.

Everything is measured against `today()`, the user's local calendar date: due dates and
next-contact dates are local dates, and a touch's age is counted in calendar days too (a call
last night at 23:00 was "1 day" ago this morning), so "not touched for 31 days" means the
same thing as "overdue 31 days".

Severities:
    red     an overdue activity; a next-contact date that passed with nothing planned since;
            not touched (or, never touched, created) more than `red_days` ago; no email or phone
    yellow  no next step at all; not touched (or never touched and created) more than
            `yellow_days` ago; no open deal or lead; an incomplete profile
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, not_, or_
from sqlmodel import Session, col, select

from crm_tui.dates import day_start_utc, to_local, today
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
from crm_tui.db.planner import not_via_index
from crm_tui.errors import NotFound
from crm_tui.services.leads import OPEN_STATUSES
from crm_tui.services.settings import HealthThresholds, health_thresholds

# Ids per batch of the Python evaluation: a list page is ~50, so one batch; a caller passing
# thousands still gets a bounded number of queries per batch and bounded IN lists.
_BATCH = 500


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Health:
    light: Light
    reasons: tuple[str, ...]  # worst first

    def describe(self) -> str:
        """`red: call overdue 3 days; no next step`, or `green`."""
        if not self.reasons:
            return self.light.value
        return f"{self.light.value}: {'; '.join(self.reasons)}"


# ---------------------------------------------------------------- the rules


@dataclass(frozen=True)
class _OpenActivity:
    id: int
    kind: str
    due_on: date | None


@dataclass
class _Facts:
    """What the rules look at, for one contact or one company with its live contacts."""

    created_at: datetime
    last_touch_at: datetime | None = None
    # Next-contact dates set on the record (a company's own and each of its contacts').
    next_dates: list[date] = field(default_factory=list)
    open_work: bool = False
    open_activities: dict[int, _OpenActivity] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # profile fields, in display order
    reachable: bool = False


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _overdue_reason(overdue: list[_OpenActivity], day: date) -> str:
    # The most overdue one is named: it is the one to deal with first. Ties go to the older record.
    oldest = min(overdue, key=lambda activity: (activity.due_on or day, activity.id))
    age = _days((day - (oldest.due_on or day)).days)
    if len(overdue) == 1:
        return f"{oldest.kind} overdue {age}"
    if len({activity.kind for activity in overdue}) == 1:
        return f"{len(overdue)} {oldest.kind}s overdue, oldest {age}"
    return f"{len(overdue)} activities overdue, oldest: {oldest.kind} {age}"


def _age_in_days(moment: datetime, day: date) -> int:
    """Calendar days from a stored UTC timestamp's local date to `day`."""
    return (day - to_local(moment).date()).days


def _judge(facts: _Facts, thresholds: HealthThresholds, day: date) -> Health:
    """The one statement of the rules; `_ContactSql` says the same in SQL."""
    reds: list[str] = []
    yellows: list[str] = []
    activities = list(facts.open_activities.values())
    overdue = [activity for activity in activities if activity.due_on is not None and activity.due_on < day]
    if overdue:
        reds.append(_overdue_reason(overdue, day))
    has_next_step = any(next_on >= day for next_on in facts.next_dates) or any(
        activity.due_on is None or activity.due_on >= day for activity in activities
    )
    if not has_next_step:
        if facts.next_dates:
            # Every date is past here; the latest one is how long the client has been waiting.
            reds.append(f"next contact date passed {_days((day - max(facts.next_dates)).days)}")
        else:
            yellows.append("no next step")
    if facts.last_touch_at is not None:
        age = _age_in_days(facts.last_touch_at, day)
        if age > thresholds.yellow_days:
            (reds if age > thresholds.red_days else yellows).append(f"not touched for {age} days")
    else:
        # Never touched: a contact added yesterday is fine, one added months ago was forgotten.
        age = _age_in_days(facts.created_at, day)
        if age > thresholds.yellow_days:
            (reds if age > thresholds.red_days else yellows).append("never touched")
    if not facts.open_work:
        yellows.append("no open deal or lead")
    if facts.missing:
        yellows.append("profile incomplete: " + ", ".join(f"no {name}" for name in facts.missing))
    if not facts.reachable:
        reds.append("no email or phone")
    light = Light.RED if reds else Light.YELLOW if yellows else Light.GREEN
    return Health(light, (*reds, *yellows))


def _is_open_deal(stage_kind: str, archived_at: datetime | None) -> bool:
    return stage_kind == StageKind.OPEN.value and archived_at is None


def _is_open_lead(status: str, archived_at: datetime | None) -> bool:
    return status in OPEN_STATUSES and archived_at is None


def _batches(ids: Sequence[int]) -> Iterator[list[int]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _BATCH):
        yield unique[start : start + _BATCH]


def _select(*columns: Any) -> Any:
    """`select` of plain columns, rows read by position or name. sqlmodel types `select` for
    up to four arguments, and mypy gives up on the unions of optional columns beyond that."""
    return select(*columns)


def _credit(facts: dict[int, _Facts], owners: Iterable[int | None]) -> Iterator[_Facts]:
    """The facts of each owner in the batch; a link to a record outside it, or none, drops out."""
    for owner in set(owners):
        if owner is not None and owner in facts:
            yield facts[owner]


def _add_activities(
    facts: dict[int, _Facts], rows: Iterable[Any], owners_of: Callable[[Any], Iterable[int | None]]
) -> None:
    """Give each open activity row to every record it belongs to; keyed by id, so an activity
    reached through two links (its contact and its deal) counts once."""
    for row in rows:
        activity = _OpenActivity(row.id, row.kind, row.due_on)
        for owner in _credit(facts, owners_of(row)):
            owner.open_activities[activity.id] = activity


# ---------------------------------------------------------------- contacts


def _contact_facts(session: Session, ids: list[int]) -> dict[int, _Facts]:
    """Facts for a batch of contacts in four queries, whatever the batch size."""
    facts: dict[int, _Facts] = {}
    contacts = session.exec(
        _select(
            Contact.id,
            Contact.company_id,
            Contact.title,
            Contact.next_contact_on,
            Contact.last_touch_at,
            Contact.created_at,
            _reachable(),
        ).where(col(Contact.id).in_(ids))
    ).all()
    for contact_id, company_id, title, next_on, last_touch_at, created_at, reachable in contacts:
        facts[contact_id] = _Facts(
            created_at=created_at,
            last_touch_at=last_touch_at,
            next_dates=[next_on] if next_on is not None else [],
            missing=[name for name, value in (("company", company_id), ("title", title)) if not value],
            reachable=bool(reachable),
        )
    if not facts:
        return facts
    # Every deal and lead of the batch, open or not: open ones are open work, and any of them
    # can carry an activity that belongs to the contact.
    deals: Sequence[Any] = session.exec(
        _select(Deal.id, Deal.contact_id, Stage.kind, Deal.archived_at)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(col(Deal.contact_id).in_(ids))
    ).all()
    leads: Sequence[Any] = session.exec(
        _select(Lead.id, Lead.contact_id, Lead.status, Lead.archived_at).where(col(Lead.contact_id).in_(ids))
    ).all()
    deal_owner = {deal_id: contact_id for deal_id, contact_id, _, _ in deals}
    lead_owner = {lead_id: contact_id for lead_id, contact_id, _, _ in leads}
    for _, contact_id, stage_kind, archived_at in deals:
        facts[contact_id].open_work |= _is_open_deal(stage_kind, archived_at)
    for _, contact_id, status, archived_at in leads:
        facts[contact_id].open_work |= _is_open_lead(status, archived_at)
    activities = session.exec(
        _select(
            Activity.id,
            Activity.kind,
            Activity.due_on,
            Activity.contact_id,
            Activity.deal_id,
            Activity.lead_id,
        ).where(
            _is_open(),
            or_(
                col(Activity.contact_id).in_(ids),
                col(Activity.deal_id).in_(select(Deal.id).where(col(Deal.contact_id).in_(ids))),
                col(Activity.lead_id).in_(select(Lead.id).where(col(Lead.contact_id).in_(ids))),
            ),
        )
    ).all()
    _add_activities(
        facts,
        activities,
        lambda row: (row.contact_id, deal_owner.get(row.deal_id), lead_owner.get(row.lead_id)),
    )
    return facts


def contacts_health(session: Session, contact_ids: Sequence[int]) -> dict[int, Health]:
    """The health of each contact of a page; ids with no contact are left out."""
    thresholds, day = health_thresholds(session), today()
    result: dict[int, Health] = {}
    for batch in _batches(contact_ids):
        for contact_id, facts in _contact_facts(session, batch).items():
            result[contact_id] = _judge(facts, thresholds, day)
    return result


def contact_health(session: Session, contact_id: int) -> Health:
    found = contacts_health(session, [contact_id])
    if contact_id not in found:
        raise NotFound("contact", contact_id)
    return found[contact_id]


# ---------------------------------------------------------------- companies


def company_health(session: Session, company_id: int) -> Health:
    found = companies_health(session, [company_id])
    if company_id not in found:
        raise NotFound("company", company_id)
    return found[company_id]


def companies_health(session: Session, company_ids: Sequence[int]) -> dict[int, Health]:
    """The health of each company, judged over the company and its live contacts together;
    ids with no company are left out."""
    thresholds, day = health_thresholds(session), today()
    result: dict[int, Health] = {}
    for batch in _batches(company_ids):
        for company_id, facts in _company_facts(session, batch).items():
            result[company_id] = _judge(facts, thresholds, day)
    return result


def _company_facts(session: Session, ids: list[int]) -> dict[int, _Facts]:
    """Facts for a batch of companies in five queries, whatever the batch size.

    A company is judged with its live (not archived) contacts: its deals and leads are those
    with its company_id or one of its contacts; its open activities those on the company,
    on one of the contacts, or on one of those deals and leads; its next step and its last
    touch the company's own or any contact's. Its profile wants both industry and website,
    each missing one named, the way a contact's wants both company and title.
    """
    facts: dict[int, _Facts] = {}
    companies = session.exec(
        _select(
            Company.id,
            Company.industry,
            Company.website,
            Company.phone,
            Company.email,
            Company.next_contact_on,
            Company.created_at,
        ).where(col(Company.id).in_(ids))
    ).all()
    for company_id, industry, website, phone, email, next_on, created_at in companies:
        facts[company_id] = _Facts(
            created_at=created_at,
            next_dates=[next_on] if next_on is not None else [],
            missing=[name for name, value in (("industry", industry), ("website", website)) if not value],
            reachable=bool(phone or email),
        )
    if not facts:
        return facts
    live_people = (col(Contact.company_id).in_(ids), col(Contact.archived_at).is_(None))
    people: Sequence[Any] = session.exec(
        _select(
            Contact.id, Contact.company_id, Contact.next_contact_on, Contact.last_touch_at, _reachable()
        ).where(*live_people)
    ).all()
    employer: dict[int, int] = {}
    for contact_id, company_id, next_on, last_touch_at, reachable in people:
        employer[contact_id] = company_id
        company = facts[company_id]
        if next_on is not None:
            company.next_dates.append(next_on)
        if last_touch_at is not None and (
            company.last_touch_at is None or last_touch_at > company.last_touch_at
        ):
            company.last_touch_at = last_touch_at
        company.reachable |= bool(reachable)

    def owners(company_id: int | None, contact_id: int | None) -> tuple[int | None, ...]:
        return (company_id, employer.get(contact_id) if contact_id is not None else None)

    people_ids = select(Contact.id).where(*live_people)
    deal_filter = or_(col(Deal.company_id).in_(ids), col(Deal.contact_id).in_(people_ids))
    lead_filter = or_(col(Lead.company_id).in_(ids), col(Lead.contact_id).in_(people_ids))
    deals: Sequence[Any] = session.exec(
        _select(Deal.id, Deal.company_id, Deal.contact_id, Stage.kind, Deal.archived_at)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(deal_filter)
    ).all()
    leads: Sequence[Any] = session.exec(
        _select(Lead.id, Lead.company_id, Lead.contact_id, Lead.status, Lead.archived_at).where(lead_filter)
    ).all()
    deal_owners = {row.id: owners(row.company_id, row.contact_id) for row in deals}
    lead_owners = {row.id: owners(row.company_id, row.contact_id) for row in leads}
    for row in deals:
        for company in _credit(facts, deal_owners[row.id]):
            company.open_work |= _is_open_deal(row.kind, row.archived_at)
    for row in leads:
        for company in _credit(facts, lead_owners[row.id]):
            company.open_work |= _is_open_lead(row.status, row.archived_at)
    activities = session.exec(
        _select(
            Activity.id,
            Activity.kind,
            Activity.due_on,
            Activity.company_id,
            Activity.contact_id,
            Activity.deal_id,
            Activity.lead_id,
        ).where(
            _is_open(),
            or_(
                col(Activity.company_id).in_(ids),
                col(Activity.contact_id).in_(people_ids),
                col(Activity.deal_id).in_(select(Deal.id).where(deal_filter)),
                col(Activity.lead_id).in_(select(Lead.id).where(lead_filter)),
            ),
        )
    ).all()
    _add_activities(
        facts,
        activities,
        lambda row: (
            *owners(row.company_id, row.contact_id),
            *deal_owners.get(row.deal_id, ()),
            *lead_owners.get(row.lead_id, ()),
        ),
    )
    return facts


# ---------------------------------------------------------------- the rules in SQL


def _is_open() -> ColumnElement[bool]:
    """`+activity.done_at IS NULL`: open activities, found from the index on their contact,
    deal or lead id. The unary plus (a no-op on the value) keeps SQLite off
    ix_activity_open_due (done_at, due_on): without statistics the planner prefers it, which
    means walking every open activity once per contact (20 s instead of 20 ms for the red
    count over 20,000 contacts) or once per page."""
    done_at = Activity.__table__.c.done_at  # type: ignore[attr-defined]  # the Core column
    return not_via_index(done_at).is_(None)


def _reachable() -> ColumnElement[bool]:
    """The contact has an email or a phone (both child tables are indexed by contact)."""
    return or_(
        select(ContactEmail.id).where(ContactEmail.contact_id == Contact.id).correlate(Contact).exists(),
        select(ContactPhone.id).where(ContactPhone.contact_id == Contact.id).correlate(Contact).exists(),
    )


def _linked_open_activity(when: ColumnElement[bool]) -> ColumnElement[bool]:
    """An open activity of the contact matching `when`: on the contact itself, on one of its
    deals or on one of its leads. Three EXISTS rather than one with OR, so that each walks
    one index from the contact (activity.contact_id, deal.contact_id → activity.deal_id,
    lead.contact_id → activity.lead_id) instead of the activity table."""
    is_open = _is_open()
    direct = select(col(Activity.id)).where(Activity.contact_id == Contact.id, is_open, when)
    via_deal = (
        select(col(Activity.id))
        .join(Deal, col(Deal.id) == Activity.deal_id)
        .where(Deal.contact_id == Contact.id, is_open, when)
    )
    via_lead = (
        select(col(Activity.id))
        .join(Lead, col(Lead.id) == Activity.lead_id)
        .where(Lead.contact_id == Contact.id, is_open, when)
    )
    return or_(*(query.correlate(Contact).exists() for query in (direct, via_deal, via_lead)))


@dataclass(frozen=True)
class _ContactSql:
    """`_judge` over the Contact table, as null-safe boolean expressions (each is TRUE or
    FALSE, never NULL, so NOT of one is exactly its complement)."""

    day: date
    thresholds: HealthThresholds

    def has_next_step(self) -> ColumnElement[bool]:
        next_on = col(Contact.next_contact_on)
        due_on = col(Activity.due_on)
        return or_(
            and_(next_on.is_not(None), next_on >= self.day),
            _linked_open_activity(or_(due_on.is_(None), due_on >= self.day)),
        )

    def untouched_for_more_than(self, days: int) -> ColumnElement[bool]:
        # Calendar days in local time, as `_age_in_days`: more than `days` days means the
        # local date is before `day - days`, i.e. the moment is before that day's local start.
        cutoff = day_start_utc(self.day - timedelta(days=days))
        touched = col(Contact.last_touch_at)
        return or_(
            and_(touched.is_not(None), touched < cutoff),
            and_(touched.is_(None), col(Contact.created_at) < cutoff),
        )

    def red(self) -> ColumnElement[bool]:
        # Cheap column tests first: SQLite stops at the first true term of an OR.
        due_on = col(Activity.due_on)
        return or_(
            self.untouched_for_more_than(self.thresholds.red_days),
            not_(_reachable()),
            _linked_open_activity(and_(due_on.is_not(None), due_on < self.day)),
            and_(col(Contact.next_contact_on).is_not(None), not_(self.has_next_step())),
        )

    def yellow_reasons(self) -> ColumnElement[bool]:
        title = col(Contact.title)
        open_deal = (
            select(col(Deal.id))
            .join(Stage, col(Stage.id) == Deal.stage_id)
            .where(
                Deal.contact_id == Contact.id,
                Stage.kind == StageKind.OPEN.value,
                col(Deal.archived_at).is_(None),
            )
            .correlate(Contact)
            .exists()
        )
        open_lead = (
            select(col(Lead.id))
            .where(
                Lead.contact_id == Contact.id,
                col(Lead.status).in_(OPEN_STATUSES),
                col(Lead.archived_at).is_(None),
            )
            .correlate(Contact)
            .exists()
        )
        return or_(
            col(Contact.company_id).is_(None),
            title.is_(None),
            title == "",
            self.untouched_for_more_than(self.thresholds.yellow_days),
            not_(or_(open_deal, open_lead)),
            and_(col(Contact.next_contact_on).is_(None), not_(self.has_next_step())),
        )


def contact_light_condition(session: Session, light: Light) -> ColumnElement[bool]:
    """A WHERE clause on Contact picking the contacts whose light is `light` today:
    `select(Contact.id).where(contact_light_condition(session, Light.RED))`.

    Every subquery is a correlated EXISTS that starts from an index on the contact's id, so
    the cost is a few index probes per contact, never a scan of a child table.
    """
    light = Light(light)  # "red" from a saved filter works too, and a typo raises
    rules = _ContactSql(today(), health_thresholds(session))
    if light is Light.RED:
        return rules.red()
    if light is Light.YELLOW:
        return and_(not_(rules.red()), rules.yellow_reasons())
    return and_(not_(rules.red()), not_(rules.yellow_reasons()))


def contact_light_expression(session: Session) -> ColumnElement[str]:
    """Each contact's light today as a SQL value ("red" / "yellow" / "green"), to GROUP BY:
    red is tested once, then the yellow reasons only on what is not red."""
    rules = _ContactSql(today(), health_thresholds(session))
    return case(
        (rules.red(), Light.RED.value),
        (rules.yellow_reasons(), Light.YELLOW.value),
        else_=Light.GREEN.value,
    )


def no_next_step_condition(session: Session) -> ColumnElement[bool]:
    """A WHERE clause on Contact: no next-contact date today or later and no open activity
    due today, later or undated (a passed next-contact date alone is no next step)."""
    return not_(_ContactSql(today(), health_thresholds(session)).has_next_step())
