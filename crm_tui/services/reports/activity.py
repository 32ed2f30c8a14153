"""Activity: the work done in the period, day by day (week by week for a long period), and
the clients it touched.

Done work is read from the timeline: calls, meetings and emails (logged, or planned and
completed) and done tasks (`activity_done`). A planned activity (`task` event) is not work
done. When a logged call completes the planned calls it answered, each completion writes a
second call event, marked `answered_by` the logged one (`activities.complete_activity`):
those copies are left out, so one call counts once.

Everything is aggregated in SQL: one GROUP BY (local day, kind) for the timeline and the
totals, one GROUP BY contact for the clients; Python only folds at most 366 day buckets into
weeks and formats the first page of clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from crm_tui.db.models import Company, Contact, EntityKind, Event
from crm_tui.db.planner import not_via_index
from crm_tui.services.events import EventKind
from crm_tui.services.reports.model import Column, Fact, RecordLink, Report, Row, Table, ValueKind
from crm_tui.services.reports.period import MONTHS, Period
from crm_tui.services.reports.sql import local_day

# English names rather than strftime("%a"), which follows the machine's locale.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Up to a month, a row per day; longer, a row per week.
DAILY_UP_TO = 31
CLIENT_ROWS = 50

# Event kind → the timeline's column.
_COLUMN_OF = {
    EventKind.CALL: "calls",
    EventKind.MEETING: "meetings",
    EventKind.EMAIL: "emails",
    EventKind.ACTIVITY_DONE: "tasks",
}
_KINDS = ("calls", "meetings", "emails", "tasks")
# A touch of a client is an interaction; a done task is not one.
_TOUCHES = (EventKind.CALL, EventKind.MEETING, EventKind.EMAIL)

CLIENT_COLUMNS = (
    Column("contact", "Contact"),
    Column("company", "Company"),
    Column("touches", "Touches", ValueKind.COUNT, chart=True),
    Column("last", "Last touch", ValueKind.DATE),
)


@dataclass
class _Bucket:
    """A day's or a week's done work."""

    first: date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_KINDS, 0))

    def values(self, label: str) -> dict[str, Any]:
        return {"day": label, **self.counts, "total": sum(self.counts.values())}


def _done(period: Period, kinds: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """Events of these kinds in the period, the copies of answered activities left out."""
    return [
        col(Event.kind).in_(kinds),
        col(Event.at) >= period.start_utc,
        col(Event.at) < period.end_utc,
        # as_integer(): the bare JSON element compiles to JSON_QUOTE(JSON_EXTRACT(…)) on
        # SQLite, which is the text 'null' for a missing key and so never IS NULL.
        col(Event.payload)["answered_by"].as_integer().is_(None),
    ]


def _per_day(session: Session, period: Period) -> dict[date, dict[str, int]]:
    """Local day → column → done count; days with nothing done are absent."""
    day = local_day(col(Event.at))
    rows: Any = session.exec(
        select(day, Event.kind, func.count())
        .where(*_done(period, tuple(_COLUMN_OF)))
        .group_by(day, Event.kind)
    ).all()
    days: dict[date, dict[str, int]] = {}
    for text, kind, count in rows:
        column = _COLUMN_OF[kind]
        counts = days.setdefault(date.fromisoformat(text), {})
        counts[column] = counts.get(column, 0) + count
    return days


def _days(period: Period) -> Iterator[date]:
    for offset in range(period.days):
        yield period.first + timedelta(days=offset)


def _buckets(period: Period, days: dict[date, dict[str, int]]) -> list[_Bucket]:
    """One bucket per day, or per week from Monday; the first and last weeks hold only the
    period's days, and a bucket's `first` is its first day in the period."""
    weekly = period.days > DAILY_UP_TO
    buckets: list[_Bucket] = []
    for day in _days(period):
        if not buckets or not weekly or day.weekday() == 0:
            buckets.append(_Bucket(day))
        counts = buckets[-1].counts
        for column, count in days.get(day, {}).items():
            counts[column] += count
    return buckets


def _day_label(day: date) -> str:
    """`Fri 20 Nov`."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def _week_label(first: date, with_year: bool) -> str:
    """`Week of 16 Nov` (`Week of 29 Dec 2025` when the period spans years)."""
    return f"Week of {first.day} {MONTHS[first.month - 1]}" + (f" {first.year}" if with_year else "")


def _timeline(period: Period, buckets: list[_Bucket]) -> Table:
    weekly = period.days > DAILY_UP_TO
    with_year = period.first.year != period.last.year

    def label(bucket: _Bucket) -> str:
        return _week_label(bucket.first, with_year) if weekly else _day_label(bucket.first)

    columns = (
        Column("day", "Week" if weekly else "Day"),
        Column("calls", "Calls", ValueKind.COUNT),
        Column("meetings", "Meetings", ValueKind.COUNT),
        Column("emails", "Emails", ValueKind.COUNT),
        Column("tasks", "Tasks", ValueKind.COUNT),
        Column("total", "Total", ValueKind.COUNT, chart=True),
    )
    return Table(
        "timeline",
        "Done per week" if weekly else "Done per day",
        columns,
        [Row(bucket.values(label(bucket))) for bucket in buckets],
        note="Calls, meetings and emails logged or completed, and tasks done; a logged call that "
        "completes a planned one counts once."
        + (" Weeks start on Monday; the first and last hold only the period's days." if weekly else ""),
    )


def _unindexed_contact_id() -> ColumnElement[int]:
    """`+event.contact_id`: the same value, which SQLite cannot look up in ix_event_contact.
    Left to itself, the planner walks that index to group by contact without sorting, and
    fetches every event of every contact in contact order: 0.3 s for a year of the benchmark
    data set's 500,000 events, against 0.12 s for one pass over the table and a sort."""
    contact_id = Event.__table__.c.contact_id  # type: ignore[attr-defined]  # the Core column
    return not_via_index(contact_id)


def _clients(session: Session, period: Period) -> tuple[Table, int, int]:
    """The contacts touched, most touches first; with how many there are and their touches."""
    contact_id = _unindexed_contact_id()
    touched = (
        select(
            contact_id.label("contact_id"),
            func.count().label("touches"),
            func.max(col(Event.at)).label("last_at"),
        )
        .where(*_done(period, _TOUCHES), contact_id.is_not(None))
        .group_by(contact_id)
        .subquery("touched")
    )
    # The count and the sum of every contact's touches ride along as window totals, so the
    # events are read once for the first page and the totals both.
    rows: Any = session.exec(
        select(  # type: ignore[call-overload]  # >4 columns
            Contact.id,
            Contact.full_name,
            Company.name,
            touched.c.touches,
            local_day(touched.c.last_at),
            func.count().over(),
            func.sum(touched.c.touches).over(),
        )
        .select_from(touched)
        .join(Contact, col(Contact.id) == touched.c.contact_id)
        .outerjoin(Company, col(Company.id) == Contact.company_id)
        .order_by(touched.c.touches.desc(), col(Contact.full_name_fold), col(Contact.id))
        .limit(CLIENT_ROWS)
    ).all()
    clients, touches = (rows[0][5], int(rows[0][6])) if rows else (0, 0)
    table = Table(
        "clients",
        "Touches per client",
        CLIENT_COLUMNS,
        [
            Row(
                {
                    "contact": name,
                    "company": company or "",
                    "touches": count,
                    "last": date.fromisoformat(last),
                },
                RecordLink(EntityKind.CONTACT, contact),
            )
            for contact, name, company, count, last, _, _ in rows
        ],
        note=f"The {CLIENT_ROWS} most touched first." if clients > CLIENT_ROWS else "",
        total=clients,
        empty="No client touched in this period.",
    )
    return table, clients, touches


def build(session: Session, period: Period) -> Report:
    days = _per_day(session, period)
    buckets = _buckets(period, days)
    totals = dict.fromkeys(_KINDS, 0)
    for bucket in buckets:
        for column, count in bucket.counts.items():
            totals[column] += count
    clients, touched, touches = _clients(session, period)
    return Report(
        key="activity",
        title="Activity",
        period=period,
        scope=f"done {period.span()}",
        facts=[
            Fact("calls", "Calls", totals["calls"]),
            Fact("meetings", "Meetings", totals["meetings"]),
            Fact("emails", "Emails", totals["emails"]),
            Fact("tasks", "Tasks done", totals["tasks"]),
            Fact("clients_touched", "Clients touched", touched),
            Fact(
                "touches_per_client",
                "Touches per client",
                round(touches / touched, 1) if touched else None,
                ValueKind.NUMBER,
            ),
        ],
        tables=[_timeline(period, buckets), clients],
    )
