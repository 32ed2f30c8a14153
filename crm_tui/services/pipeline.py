"""The pipeline board: its columns (open stages with their totals), the cards of a column a
window at a time, the board's filter, and the stale ("rotting") rule.

Totals are SQL aggregates (GROUP BY stage and currency), and a column's cards are read a
window at a time, so a board of 5,000 open deals costs what its visible cards cost.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from crm_tui.dates import as_utc, days_since, today, utcnow
from crm_tui.db.models import (
    Activity,
    Company,
    Contact,
    Deal,
    EntityKind,
    Event,
    Stage,
    StageKind,
)
from crm_tui.db.planner import not_via_index
from crm_tui.errors import ValidationError
from crm_tui.money import format_money, plain_amount
from crm_tui.services.events import EventKind
from crm_tui.services.search import typed_into
from crm_tui.services.stages import open_stages
from crm_tui.services.tagged import contacts_tagged
from crm_tui.services.validation import fold, parse_money

# What counts as "something happened on this deal" for the rot clock: interactions logged on
# it and its activities done. Field edits and moves do not: a deal re-typed is not worked.
LOGGED_KINDS = (
    EventKind.NOTE,
    EventKind.CALL,
    EventKind.EMAIL,
    EventKind.MEETING,
    EventKind.ACTIVITY_DONE,
)


@dataclass(frozen=True)
class BoardFilter:
    """What the board (and the deals list view) shows; the empty filter shows every open deal.

    text: the global search's words over the deal (title, client…), via search.typed_into;
    contact / company: part of the name (case-folded, every alphabet); tag: a tag of the
    deal's contact; min_amount / max_amount: minor units, inclusive; owner: only the deals
    this person owns (the "mine" filter, shown apart: it is not part of `narrowed`)."""

    text: str = ""
    contact: str = ""
    company: str = ""
    tag: str = ""
    min_amount: int | None = None
    max_amount: int | None = None
    owner: str | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.text or self.contact or self.company or self.tag) or (
            self.min_amount is not None or self.max_amount is not None
        )

    def describe(self) -> str:
        """In words for the line above the board: `“acme” · tag VIP · 10,000–50,000`."""
        parts = [
            f"“{self.text}”" if self.text else "",
            f"contact {self.contact}" if self.contact else "",
            f"company {self.company}" if self.company else "",
            f"tag {self.tag}" if self.tag else "",
            self._amount_range(),
        ]
        return " · ".join(part for part in parts if part)

    def _amount_range(self) -> str:
        low, high = self.min_amount, self.max_amount
        if low is not None and high is not None:
            return f"{format_money(low)}–{format_money(high)}"
        if low is not None:
            return f"≥ {format_money(low)}"
        if high is not None:
            return f"≤ {format_money(high)}"
        return ""


def filter_from_form(values: dict[str, str]) -> BoardFilter:
    """From the filter form's fields text, contact, company, tag, min_amount, max_amount
    (amounts as typed: `10 000`, `1.5k` is not required); a bad value raises
    ValidationError naming its field."""
    low = parse_money(values.get("min_amount"), "min_amount")
    high = parse_money(values.get("max_amount"), "max_amount")
    if low is not None and high is not None and low > high:
        raise ValidationError(
            "max_amount", f"{format_money(high)} is below the minimum ({format_money(low)})"
        )
    return BoardFilter(
        text=values.get("text", "").strip(),
        contact=values.get("contact", "").strip(),
        company=values.get("company", "").strip(),
        tag=values.get("tag", "").strip(),
        min_amount=low,
        max_amount=high,
    )


def filter_form_values(current: BoardFilter) -> dict[str, str]:
    """The form's fields for a filter, amounts as a person types them (filter_from_form's inverse)."""
    return {
        "text": current.text,
        "contact": current.contact,
        "company": current.company,
        "tag": current.tag,
        "min_amount": plain_amount(current.min_amount),
        "max_amount": plain_amount(current.max_amount),
    }


def filter_conditions(wanted: BoardFilter | None) -> list[ColumnElement[bool]]:
    """The filter as WHERE clauses over Deal (the board's and the deals list's alike); every
    user value goes in as a bound parameter. Live deals and open stages are the caller's."""
    if wanted is None:
        return []
    conditions: list[ColumnElement[bool]] = []
    if (matching := typed_into(Deal.id, EntityKind.DEAL, wanted.text)) is not None:
        conditions.append(matching)
    if wanted.contact:
        named = select(Contact.id).where(
            col(Contact.full_name_fold).contains(fold(wanted.contact), autoescape=True)
        )
        conditions.append(col(Deal.contact_id).in_(named))
    if wanted.company:
        named = select(Company.id).where(
            col(Company.name_fold).contains(fold(wanted.company), autoescape=True)
        )
        conditions.append(col(Deal.company_id).in_(named))
    if wanted.tag:
        conditions.append(col(Deal.contact_id).in_(contacts_tagged(wanted.tag)))
    if wanted.min_amount is not None:
        conditions.append(col(Deal.amount) >= wanted.min_amount)
    if wanted.max_amount is not None:
        conditions.append(col(Deal.amount) <= wanted.max_amount)
    if wanted.owner is not None:
        conditions.append(col(Deal.owner) == wanted.owner)
    return conditions


def on_board(wanted: BoardFilter | None) -> list[ColumnElement[bool]]:
    """A deal is on the board when it is live (not archived) and the filter shows it; its
    stage being open is the caller's join or stage id."""
    return [col(Deal.archived_at).is_(None), *filter_conditions(wanted)]


def weighted_amount(amount: int, probability: int) -> int:
    """amount × probability / 100 in whole minor units, half rounded up. Integer arithmetic:
    a float would lose kopecks on sums past 2^53."""
    return (amount * probability + 50) // 100


@dataclass(frozen=True)
class ColumnTotal:
    """One open stage as a board column: its deals counted and summed (per currency: roubles
    and dollars are not added), and summed weighted by the stage's probability."""

    stage_id: int
    name: str
    probability: int  # percent
    rot_days: int | None  # the stage's limit; None: deals never rot here
    count: int
    amounts: dict[str, int]  # currency -> minor units
    weighted: dict[str, int]  # currency -> minor units × probability / 100, rounded


def board_columns(session: Session, wanted: BoardFilter | None = None) -> list[ColumnTotal]:
    """Every open stage in order, empty ones included, with the totals of the deals the filter
    shows (one GROUP BY query, never a loop over deals)."""
    stages = open_stages(session)
    counts: dict[int, int] = defaultdict(int)
    amounts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = session.exec(
        select(Deal.stage_id, Deal.currency, func.count(), func.sum(Deal.amount))
        .where(col(Deal.stage_id).in_([stage.id for stage in stages]), *on_board(wanted))
        .group_by(col(Deal.stage_id), col(Deal.currency))
    )
    for stage_id, currency, count, amount in rows:
        counts[stage_id] += count
        amounts[stage_id][currency] = amount or 0
    columns = []
    for stage in stages:
        assert stage.id is not None
        summed = dict(sorted(amounts.get(stage.id, {}).items()))
        columns.append(
            ColumnTotal(
                stage_id=stage.id,
                name=stage.name,
                probability=stage.probability,
                rot_days=stage.rot_days,
                count=counts.get(stage.id, 0),
                amounts=summed,
                weighted={
                    currency: weighted_amount(amount, stage.probability)
                    for currency, amount in summed.items()
                },
            )
        )
    return columns


@dataclass(frozen=True)
class BoardCard:
    id: int
    title: str
    client: str  # the company's name, else the contact's, else ""
    amount: int  # minor units
    currency: str
    days_in_stage: int
    # The soonest open activity of the deal, or None: the card then warns "no next step".
    next_kind: str | None  # call, meeting, email, task
    next_title: str | None
    next_due: date | None
    overdue: bool  # next_due is before today
    # Days since the rot clock started, when past the stage's limit; None when not stale.
    # The clock starts at the later of stage_entered_at and the deal's last logged activity
    # (a note, call, email or meeting on the deal, or one of its activities done).
    stale_days: int | None
    # The deal's row version: a move, won or lost hands it back as seen_version, so a deal
    # someone else changed since the card was read is not changed over them.
    version: int = 1


def stage_cards(
    session: Session, stage_id: int, wanted: BoardFilter | None = None, offset: int = 0, limit: int = 20
) -> list[BoardCard]:
    """A window of one column's cards, longest in the stage first (stage_entered_at, id)."""
    stage = session.get(Stage, stage_id)
    if stage is None or stage.kind != StageKind.OPEN.value:
        return []  # a stage deleted or closed since the board was drawn has no column
    rows = session.exec(
        select(  # type: ignore[call-overload]  # >4 columns
            Deal.id,
            Deal.title,
            Company.name,
            Contact.full_name,
            Deal.amount,
            Deal.currency,
            Deal.stage_entered_at,
            Deal.version,
        )
        .outerjoin(Company, col(Company.id) == Deal.company_id)
        .outerjoin(Contact, col(Contact.id) == Deal.contact_id)
        .where(col(Deal.stage_id) == stage_id, *on_board(wanted))
        .order_by(col(Deal.stage_entered_at), col(Deal.id))
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [row[0] for row in rows]
    upcoming = _next_activities(session, ids)
    logged = _last_logged(session, ids) if stage.rot_days is not None else {}
    cards = []
    for deal_id, title, company, contact, amount, currency, entered_at, version in rows:
        next_one = upcoming.get(deal_id)
        clock = max(as_utc(entered_at), logged.get(deal_id, as_utc(entered_at)))
        cards.append(
            BoardCard(
                id=deal_id,
                title=title,
                client=company or contact or "",
                amount=amount,
                currency=currency,
                days_in_stage=days_since(entered_at),
                next_kind=next_one.kind if next_one else None,
                next_title=next_one.title if next_one else None,
                next_due=next_one.due_on if next_one else None,
                overdue=next_one is not None and next_one.overdue,
                stale_days=_stale_days(clock, stage.rot_days),
                version=version,
            )
        )
    return cards


def _stale_days(clock: datetime, rot_days: int | None) -> int | None:
    if rot_days is None:
        return None
    idle = days_since(clock)
    return idle if idle > rot_days else None


@dataclass(frozen=True)
class _NextActivity:
    kind: str
    title: str
    due_on: date | None
    overdue: bool  # as Today and the title bar count it: a timed one once its moment passed


def _next_activities(session: Session, deal_ids: list[int]) -> dict[int, _NextActivity]:
    """The soonest open activity of each deal (undated ones last, then the oldest): one query
    over the window's deals' open activities, through the activity's deal index."""
    if not deal_ids:
        return {}
    rows: Any = session.exec(
        select(  # type: ignore[call-overload]  # >4 columns
            col(Activity.deal_id), Activity.kind, Activity.title, col(Activity.due_on), col(Activity.due_at)
        )
        .where(col(Activity.deal_id).in_(deal_ids), _done_at().is_(None))
        .order_by(
            col(Activity.due_on).is_(None),
            col(Activity.due_on),
            col(Activity.due_at).is_(None),
            col(Activity.due_at),
            col(Activity.id),
        )
    )
    soonest: dict[int, _NextActivity] = {}
    now, day = utcnow(), today()
    for deal_id, kind, title, due_on, due_at in rows:
        if deal_id is not None and deal_id not in soonest:
            late = as_utc(due_at) < now if due_at is not None else due_on is not None and due_on < day
            soonest[deal_id] = _NextActivity(kind, title, due_on, late)
    return soonest


def _done_at() -> Any:
    """`+activity.done_at`: the unary plus (a no-op on the value) keeps SQLite on the
    activity's deal index instead of ix_activity_open_due (done_at, due_on), which would
    walk every open, or every done, activity (as in services/health)."""
    done_at = Activity.__table__.c.done_at  # type: ignore[attr-defined]  # the Core column
    return not_via_index(done_at)


def _last_logged(session: Session, deal_ids: list[int]) -> dict[int, datetime]:
    """When each deal was last worked on: its latest logged interaction event, or the latest
    of its activities marked done (an activity imported as done has no event). Two grouped
    queries on the window's ids, each through an index on the deal."""
    if not deal_ids:
        return {}
    latest: dict[int, datetime] = {}
    events: Any = session.exec(
        select(Event.entity_id, func.max(Event.at))
        .where(
            Event.entity_kind == EntityKind.DEAL.value,
            col(Event.entity_id).in_(deal_ids),
            col(Event.kind).in_(LOGGED_KINDS),
        )
        .group_by(col(Event.entity_id))
    )
    done: Any = session.exec(
        select(Activity.deal_id, func.max(Activity.done_at))
        .where(col(Activity.deal_id).in_(deal_ids), _done_at().is_not(None))
        .group_by(col(Activity.deal_id))
    )
    for deal_id, moment in [*events, *done]:
        if deal_id is None or moment is None:
            continue
        moment = as_utc(moment)
        if deal_id not in latest or moment > latest[deal_id]:
            latest[deal_id] = moment
    return latest


def card_index(session: Session, deal_id: int, wanted: BoardFilter | None = None) -> tuple[int, int] | None:
    """(stage_id, position in that column) of an open deal the filter shows, else None: where
    the focus goes after a move or a reload."""
    found = session.exec(
        select(Deal.stage_id, Deal.stage_entered_at)
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(col(Deal.id) == deal_id, Stage.kind == StageKind.OPEN.value, *on_board(wanted))
    ).first()
    if found is None:
        return None
    stage_id, entered_at = found
    # The column's order is (stage_entered_at, id): the deals before it in that order.
    before = or_(
        col(Deal.stage_entered_at) < entered_at,
        and_(col(Deal.stage_entered_at) == entered_at, col(Deal.id) < deal_id),
    )
    position = session.exec(
        select(func.count())
        .select_from(Deal)
        .where(col(Deal.stage_id) == stage_id, before, *on_board(wanted))
    ).one()
    return stage_id, position
