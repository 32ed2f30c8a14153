"""The clock and the date helpers shared by every layer.

Timestamps are aware datetimes in UTC (SQLModel stores them as UTC and gives them back
aware) and are shown in local time. `CRM_TUI_NOW` (an ISO timestamp in UTC) freezes the
clock, so that demo data, snapshot tests and screenshots in the README come out the same on
every day they are made.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from dateutil.parser import UnknownTimezoneWarning

NOW_ENV_VAR = "CRM_TUI_NOW"


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    frozen = os.environ.get(NOW_ENV_VAR)
    if frozen:
        return _frozen_moment(frozen)
    return datetime.now(UTC)


@lru_cache(maxsize=4)
def _frozen_moment(text: str) -> datetime:
    # Cached: an import stamps every one of 100,000 rows, and tests freeze the clock.
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored moment, aware in UTC: columns come back from SQLite naive (it keeps no offset)
    while objects still in the session are aware, and comparing the two would raise."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """A stored timestamp in the user's local time zone, naive (for display)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().replace(tzinfo=None)


def local_zone_name() -> str:
    """The IANA name of the local time zone (`Europe/Moscow`), for a database server that
    works out local days itself: TZ if it names a zone, else what /etc/localtime links to;
    UTC when neither says."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    link = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in link:
        candidates.append(link.split("zoneinfo/", 1)[1])
    for name in filter(None, candidates):
        try:
            ZoneInfo(name)
        except (ValueError, OSError):  # a POSIX rule such as "EST5EDT,M3.2.0,M11.1.0", or unknown
            continue
        return name
    return "UTC"


def local_now() -> datetime:
    return to_local(utcnow())


def today() -> date:
    """Today's date where the user is (not in UTC): due dates are local dates."""
    return local_now().date()


_RELATIVE_WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1, "сегодня": 0, "завтра": 1, "вчера": -1}
_RELATIVE_OFFSET = re.compile(r"^([+-])(\d{1,4})\s*([dw])$")


def parse_date(text: str) -> date:
    """A calendar date from what a person types: `2026-12-15`, `15.12.2026`, `Dec 15 2026`,
    `today`, `tomorrow`, `+3d`, `+2w`, `-30d` (thirty days ago).

    Raises ValueError with a readable message when the text is not a date.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("a date is required")
    lowered = cleaned.casefold()
    if lowered in _RELATIVE_WORDS:
        return today() + timedelta(days=_RELATIVE_WORDS[lowered])
    if match := _RELATIVE_OFFSET.match(lowered):
        amount = int(match.group(2)) * (7 if match.group(3) == "w" else 1)
        return today() + timedelta(days=amount if match.group(1) == "+" else -amount)
    try:
        # Day first for dotted and slashed dates (15.12.2026), the way most of the world writes.
        dayfirst = "." in cleaned or ("/" in cleaned and not cleaned[:4].isdigit())
        with quiet_dateutil():
            return date_parser.parse(cleaned, dayfirst=dayfirst, default=datetime(today().year, 1, 1)).date()
    except (ValueError, ArithmeticError) as error:
        # ArithmeticError: dateutil overflows, and raises decimal.InvalidOperation on a huge
        # number before a letter ("10000000000000000000000000000M").
        raise ValueError(f"{cleaned!r} is not a date (try 2026-12-15 or 15.12.2026)") from error


@contextmanager
def quiet_dateutil() -> Iterator[None]:
    """dateutil warns (on stderr, two lines) about a word it takes for an unknown time zone
    ("5 jan 2026 10:00 XYZ"); a date has no use for the zone, and the CLI promises one line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownTimezoneWarning)
        yield


def humanize_age(moment: datetime, now: datetime | None = None) -> str:
    """`now`, `5m`, `3h`, `2d`, `7w`: how long ago a stored timestamp was."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elapsed = (now or utcnow()) - moment
    seconds = int(elapsed.total_seconds())
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    days = elapsed.days
    return f"{days}d" if days < 60 else f"{days // 7}w"


def describe_due(due_on: date, reference: date | None = None) -> str:
    """`today`, `tomorrow`, `yesterday`, `in 3d`, `5d overdue` for a due date."""
    delta = (due_on - (reference or today())).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {delta}d" if delta > 0 else f"{-delta}d overdue"


def day_start_utc(day: date) -> datetime:
    """The UTC instant at which a local calendar day begins."""
    local_midnight = datetime(day.year, day.month, day.day).astimezone()
    return local_midnight.astimezone(UTC)


def days_since(moment: datetime) -> int:
    """Whole days from a stored timestamp to now (a deal's days in its stage)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((utcnow() - moment).days, 0)
