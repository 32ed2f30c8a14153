"""When to get in touch next, from one line typed the way a salesperson says it.

`parse_when("tomorrow 10:00 call back about price")` reads a date at the start, an optional
time right after it and takes the rest as the goal. English and Russian words are understood,
as are short offsets (`+3d`) and calendar dates written day first (`15.12`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil import parser as date_parser
from dateutil.relativedelta import MO, relativedelta

from crm_tui.dates import local_now, parse_date, today

_HINT = "try tomorrow 10:00, fri, +3d, 15.12 14:00"

# Fixed English names rather than strftime("%a"), which follows the machine's locale.
_WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Russian weekdays in the forms people type: the abbreviation, the name, and the accusative
# ("в пятницу") for the feminine ones.
_RUSSIAN_WEEKDAYS = {
    "пн": 0,
    "понедельник": 0,
    "вт": 1,
    "вторник": 1,
    "ср": 2,
    "среда": 2,
    "среду": 2,
    "чт": 3,
    "четверг": 3,
    "пт": 4,
    "пятница": 4,
    "пятницу": 4,
    "сб": 5,
    "суббота": 5,
    "субботу": 5,
    "вс": 6,
    "воскресенье": 6,
}

_DAY_WORDS = {
    "today": 0,
    "tomorrow": 1,
    "day after tomorrow": 2,
    "сегодня": 0,
    "завтра": 1,
    "послезавтра": 2,
}

# dateutil knows the English month and weekday names (with `sept`, `tues` and the like).
_NAMES = date_parser.parserinfo()

# Kept short: the help screen shows them in two columns of a 70-column dialog.
ACCEPTED_FORMS: list[tuple[str, str]] = [
    ("today, tomorrow", "also: day after tomorrow"),
    ("сегодня, завтра", "also: послезавтра"),
    ("fri, friday, пт, пятница", "the next Friday (not today)"),
    ("next week", "next Monday"),
    ("next month", "the same day next month"),
    ("+3d, +2w, +1m", "3 days, 2 weeks, 1 month on"),
    ("+4h", "4 hours from now, with time"),
    ("in 3 days, через 3 дня", "also weeks, months, hours"),
    ("15.12, 15/12, 15.12.2026", "day first, then month"),
    ("15.01 typed in November", "15 January next year"),
    ("2026-12-15, dec 15, 15 dec", "a calendar date"),
    ("10:00, 9:30, 14.30", "a time after the date"),
    ("10am, 3pm, at 10, в 10:00", "a time after the date"),
    ("fri 10:00 send the offer", "the rest is the goal"),
]


@dataclass(frozen=True)
class When:
    """The next contact: its day, maybe a time, and what it is for (may be empty)."""

    day: date
    at: time | None
    goal: str

    def describe(self) -> str:
        """`Tue 24.11 10:00 — call back about price`; the year only when it is not this one."""
        shown = f"{_WEEKDAY_ABBREVIATIONS[self.day.weekday()]} {self.day:%d.%m}"
        if self.day.year != today().year:
            shown += f".{self.day.year}"
        if self.at is not None:
            shown += f" {self.at:%H:%M}"
        return f"{shown} — {self.goal}" if self.goal else shown


@dataclass(frozen=True)
class _DateMatch:
    day: date
    end: int
    # Set by `+4h` and `in 4 hours`, which name a moment, not only a day.
    at: time | None = None


# A token ends where a word does; a separator followed by more of a word (the `.2026` of
# `15.12.2026`) means the token was only the start of something longer.
_END = r"(?![.:/]?\w)"
# Optional Russian "в"/"во" before a weekday: "в пятницу", "во вторник".
_RUSSIAN_ON = r"(?P<on>во?\s+)?"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(r"\s*" + pattern + _END, re.IGNORECASE)


_DAY_WORD = _compile("(" + "|".join(r"\s+".join(map(re.escape, word.split())) for word in _DAY_WORDS) + ")")
_NEXT = _compile(r"next\s+(week|month)")
_WORD = _compile(_RUSSIAN_ON + r"(?P<word>[^\W\d_]+)")
_OFFSET = _compile(r"\+\s*(\d{1,4})\s*([dwmh])")
_IN_ENGLISH = _compile(r"in\s+(\d{1,4}|an?)\s+(day|week|month|hour)s?")
_IN_RUSSIAN = _compile(r"через\s+(?:(\d{1,4})\s+)?(д(?:ень|ня|ней)|недел[юиь]|месяц(?:а|ев)?|час(?:а|ов)?)")
_ISO = _compile(r"(\d{4}-\d{1,2}-\d{1,2})")
_DAY_MONTH = _compile(r"(\d{1,2})([./])(\d{1,2})(?:\2(\d{4}))?")
_MONTH_DAY = _compile(r"([^\W\d_]{3,9})\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?")
_DAY_MONTH_NAME = _compile(r"(\d{1,2})\s+([^\W\d_]{3,9})\.?(?:,?\s+(\d{4}))?")

_UNITS = {"d": "days", "w": "weeks", "m": "months", "h": "hours"}
_RUSSIAN_UNITS = {"д": "days", "н": "weeks", "м": "months", "ч": "hours"}


def _shifted(now: datetime, amount: int, unit: str) -> tuple[date, time | None]:
    """`now` moved by days, weeks or months (a day), or by hours (a day and a time).

    Amounts have at most four digits, so the result stays well inside the calendar."""
    if unit == "hours":
        moment = now + timedelta(hours=amount)
        return moment.date(), time(moment.hour, moment.minute)
    # relativedelta keeps the day of the month and stops at a short month's last day.
    return now.date() + relativedelta(**{unit: amount}), None


def _next_weekday(now: datetime, weekday: int) -> date:
    # Strictly after today: on a Friday, "fri" means the Friday a week on.
    return now.date() + timedelta(days=1) + relativedelta(weekday=weekday)


def _calendar_day(now: datetime, day: int, month: int, year: int | None, token: str) -> date:
    """A day and month, with the year if given; without one, the next such date from today on
    (`15.01` typed in November is January next year)."""
    for candidate in [year] if year is not None else [now.year, now.year + 1]:
        try:
            found = date(candidate, month, day)
        except ValueError:
            continue  # 29.02 may exist next year only
        if year is not None or found >= now.date():
            return found
    raise ValueError(f"{token.strip()!r} is not a date")


def _match_day_word(text: str, now: datetime) -> _DateMatch | None:
    if match := _DAY_WORD.match(text):
        word = " ".join(match.group(1).casefold().split())
        return _DateMatch(now.date() + timedelta(days=_DAY_WORDS[word]), match.end())
    return None


def _match_next(text: str, now: datetime) -> _DateMatch | None:
    if match := _NEXT.match(text):
        if match.group(1).casefold() == "week":
            return _DateMatch(_next_weekday(now, MO.weekday), match.end())
        return _DateMatch(now.date() + relativedelta(months=1), match.end())
    return None


def _match_weekday(text: str, now: datetime) -> _DateMatch | None:
    if match := _WORD.match(text):
        word = match.group("word").casefold()
        weekday: int | None = _RUSSIAN_WEEKDAYS.get(word)
        # "в" belongs to Russian; "в friday" is not a date.
        if weekday is None and match.group("on") is None:
            weekday = _NAMES.weekday(word)
        if weekday is not None:
            return _DateMatch(_next_weekday(now, weekday), match.end())
    return None


def _match_offset(text: str, now: datetime) -> _DateMatch | None:
    if match := _OFFSET.match(text):
        day, at = _shifted(now, int(match.group(1)), _UNITS[match.group(2).casefold()])
    elif match := _IN_ENGLISH.match(text):
        amount = match.group(1).casefold()
        unit = match.group(2).casefold() + "s"
        day, at = _shifted(now, 1 if amount in ("a", "an") else int(amount), unit)
    elif match := _IN_RUSSIAN.match(text):
        # "через неделю": no number means one.
        amount = int(match.group(1)) if match.group(1) else 1
        unit = _RUSSIAN_UNITS[match.group(2).casefold()[0]]
        day, at = _shifted(now, amount, unit)
    else:
        return None
    return _DateMatch(day, match.end(), at)


def _match_numeric(text: str, now: datetime) -> _DateMatch | None:
    if match := _ISO.match(text):
        # A full date depends on no clock, so the shared parser reads it.
        return _DateMatch(parse_date(match.group(1)), match.end())
    if match := _DAY_MONTH.match(text):
        year = int(match.group(4)) if match.group(4) else None
        day = _calendar_day(now, int(match.group(1)), int(match.group(3)), year, match.group(0))
        return _DateMatch(day, match.end())
    return None


def _match_month_name(text: str, now: datetime) -> _DateMatch | None:
    if (match := _MONTH_DAY.match(text)) and (month := _NAMES.month(match.group(1))):
        day_text, year_text = match.group(2), match.group(3)
    elif (match := _DAY_MONTH_NAME.match(text)) and (month := _NAMES.month(match.group(2))):
        day_text, year_text = match.group(1), match.group(3)
    else:
        return None
    year = int(year_text) if year_text else None
    return _DateMatch(_calendar_day(now, int(day_text), month, year, match.group(0)), match.end())


# Each rule reads one family of forms and gives None when the text does not start with one of
# them; the families do not overlap, so the first that matches wins.
_DATE_RULES: list[Callable[[str, datetime], _DateMatch | None]] = [
    _match_day_word,
    _match_next,
    _match_offset,
    _match_numeric,
    _match_weekday,
    _match_month_name,
]

_CLOCK = r"(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)"
_TWELVE_HOUR = _compile(_CLOCK)
_TWENTY_FOUR_HOUR = _compile(r"(\d{1,2})[:.](\d{2})")
# "at 10", "в 10": a bare hour only counts with the word before it.
_AT_HOUR = _compile(r"(?:at|в)\s+(\d{1,2})(?:[:.](\d{2}))?")
_AT_CLOCK = _compile(r"(?:at|в)\s+" + _CLOCK)


def _clock(hour: int, minute: int, token: str) -> time:
    try:
        return time(hour, minute)
    except ValueError as error:
        raise ValueError(f"{token.strip()!r} is not a time") from error


def _twelve_hour(match: re.Match[str]) -> time:
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if not 1 <= hour <= 12:
        raise ValueError(f"{match.group(0).strip()!r} is not a time")
    # 12am is midnight, 12pm is noon.
    hour %= 12
    if match.group(3).casefold().startswith("p"):
        hour += 12
    return _clock(hour, minute, match.group(0))


def _read_time(text: str, start: int) -> tuple[time | None, int]:
    """The time right after the date, if there is one, and where it ends."""
    for pattern in (_AT_CLOCK, _TWELVE_HOUR):
        if match := pattern.match(text, start):
            return _twelve_hour(match), match.end()
    for pattern in (_AT_HOUR, _TWENTY_FOUR_HOUR):
        if match := pattern.match(text, start):
            return _clock(int(match.group(1)), int(match.group(2) or 0), match.group(0)), match.end()
    return None, start


def _goal(rest: str) -> str:
    # People separate the goal in many ways: "fri 10:00 - call", "завтра, позвонить".
    return rest.strip().lstrip(".,;:—–-").strip()


def parse_when(text: str, now: datetime | None = None) -> When:
    """A date, an optional time and a goal from one typed line (see ACCEPTED_FORMS).

    `now` is the local time, naive; by default the app's clock. Raises ValueError naming what
    could not be read.
    """
    moment = now if now is not None else local_now()
    cleaned = text.strip()
    if not cleaned:
        raise ValueError(f"a date is required: {_HINT}")
    shown = cleaned if len(cleaned) <= 40 else cleaned[:39] + "…"
    for rule in _DATE_RULES:
        try:
            found = rule(cleaned, moment)
        except OverflowError as error:  # an offset or a next day past 31.12.9999
            raise ValueError(f"{shown!r} is past the end of the calendar") from error
        if found is not None:
            break
    else:
        raise ValueError(f"{shown!r} does not start with a date: {_HINT}")
    at, end = found.at, found.end
    # An offset in hours already names the time; anything after it is the goal.
    if at is None:
        at, end = _read_time(cleaned, end)
    return When(found.day, at, _goal(cleaned[end:]))
