"""Activities to an iCalendar file (RFC 5545) that calendar programs read.

A meeting with a day becomes a VEVENT (an hour long when timed, the whole day otherwise);
calls, emails and tasks become VTODOs with their DUE. Times are written in UTC (`…Z`), days as
DATE values; a recurring activity carries its RRULE and one with a reminder offset a VALARM.
The UID is stable per activity, so importing the file again updates instead of duplicating.

An item is a mapping with the keys `id`, `kind`, `title`, `due_on` (a local date or None),
`due_at` (an aware UTC datetime for a timed activity, or None), `done_at`, `notes`,
`regarding`, `outcome`, `recurrence` ("weekdays", "weekly", "monthly" or None) and
`remind_minutes`. Lines are folded and escaped the way vCard's are (the same rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from crm_tui import __version__
from crm_tui.dates import as_utc
from crm_tui.io.vcard_write import escape, fold

PRODID = f"-//crm-tui//crm-tui {__version__}//EN"
MEETING_LENGTH = timedelta(hours=1)
RRULES = {
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
}


def uid(activity_id: object) -> str:
    return f"activity-{activity_id}@crm-tui"


def utc_stamp(moment: datetime) -> str:
    """`20261120T090000Z`; a naive moment is taken as UTC (how the database gives them back)."""
    return as_utc(moment).strftime("%Y%m%dT%H%M%SZ")


def day_value(day: date) -> str:
    return day.strftime("%Y%m%d")


def write_calendar(items: Iterable[Mapping[str, Any]], stamp: datetime) -> Iterator[str]:
    """The calendar as text chunks (CRLF line ends, folded), one component per item.

    `stamp` is the DTSTAMP every component carries: when the file was written."""
    yield "".join(
        fold(line)
        for line in (
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:" + PRODID,
            "CALSCALE:GREGORIAN",
            "X-WR-CALNAME:crm-tui",
        )
    )
    for item in items:
        yield "".join(fold(line) for line in component(item, stamp))
    yield fold("END:VCALENDAR")


def component(item: Mapping[str, Any], stamp: datetime) -> list[str]:
    """One activity's VEVENT (a meeting with a day) or VTODO (anything else)."""
    kind = str(item.get("kind") or "task")
    due_at: datetime | None = item.get("due_at")
    due_on: date | None = item.get("due_on")
    is_event = kind == "meeting" and (due_at is not None or due_on is not None)
    name = "VEVENT" if is_event else "VTODO"
    lines = [
        f"BEGIN:{name}",
        "UID:" + uid(item.get("id")),
        "DTSTAMP:" + utc_stamp(stamp),
        "SUMMARY:" + escape(f"{kind.capitalize()}: {item.get('title') or ''}"),
    ]
    description = _description(item)
    if description:
        lines.append("DESCRIPTION:" + escape(description))
    lines.append("CATEGORIES:" + escape(kind.upper()))
    if is_event:
        lines += _event_times(due_at, due_on)
    else:
        lines += _todo_times(due_at, due_on, recurring=item.get("recurrence") in RRULES)
        done_at: datetime | None = item.get("done_at")
        if done_at is not None:
            lines += ["STATUS:COMPLETED", "COMPLETED:" + utc_stamp(done_at), "PERCENT-COMPLETE:100"]
        else:
            lines.append("STATUS:NEEDS-ACTION")
    rule = RRULES.get(str(item.get("recurrence") or ""))
    if rule and (due_at is not None or due_on is not None):
        lines.append("RRULE:" + rule)
    minutes = item.get("remind_minutes")
    if minutes is not None and (due_at is not None or due_on is not None):
        lines += _alarm(int(minutes), item, related_end=not is_event)
    lines.append(f"END:{name}")
    return lines


def _description(item: Mapping[str, Any]) -> str:
    parts = []
    if item.get("regarding"):
        parts.append(f"Regarding: {item['regarding']}")
    if item.get("notes"):
        parts.append(str(item["notes"]))
    if item.get("outcome"):
        parts.append(f"Outcome: {item['outcome']}")
    return "\n".join(parts)


def _event_times(due_at: datetime | None, due_on: date | None) -> list[str]:
    if due_at is not None:
        return ["DTSTART:" + utc_stamp(due_at), "DTEND:" + utc_stamp(due_at + MEETING_LENGTH)]
    assert due_on is not None
    # A meeting on a day but at no time: the whole day (DTEND is exclusive).
    return [
        "DTSTART;VALUE=DATE:" + day_value(due_on),
        "DTEND;VALUE=DATE:" + day_value(due_on + timedelta(days=1)),
    ]


def _todo_times(due_at: datetime | None, due_on: date | None, recurring: bool) -> list[str]:
    if due_at is not None:
        value = utc_stamp(due_at)
        # A repeating to-do needs a DTSTART for its RRULE to count from; DUE may equal it.
        return (["DTSTART:" + value] if recurring else []) + ["DUE:" + value]
    if due_on is not None:
        value = day_value(due_on)
        return (["DTSTART;VALUE=DATE:" + value] if recurring else []) + ["DUE;VALUE=DATE:" + value]
    return []


def _alarm(minutes: int, item: Mapping[str, Any], related_end: bool) -> list[str]:
    """A display alarm `minutes` before the start (an event) or the due time (a to-do)."""
    offset = f"-PT{minutes}M" if minutes > 0 else "PT0M"
    trigger = "TRIGGER;RELATED=END:" if related_end else "TRIGGER:"
    return [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:" + escape(str(item.get("title") or "Reminder")),
        trigger + offset,
        "END:VALARM",
    ]
