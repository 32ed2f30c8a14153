"""The span of local calendar days a report covers: this month, last month, this quarter,
this year, or a custom range of days.

Days are the user's local days (a deal created at 23:30 in Moscow on the 31st belongs to the
31st), so every query compares stored UTC moments with `start_utc` / `end_utc`, the UTC
instants at which the first day begins and the day after the last begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from crm_tui.dates import day_start_utc, today
from crm_tui.errors import ValidationError
from crm_tui.services.validation import parse_optional_date

# English month abbreviations rather than strftime("%b"), which follows the machine's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PeriodPreset(StrEnum):
    THIS_MONTH = "this-month"
    LAST_MONTH = "last-month"
    THIS_QUARTER = "this-quarter"
    THIS_YEAR = "this-year"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


# The order `p` steps through them in the app; a custom range is entered, not stepped to.
PRESET_CYCLE = (
    PeriodPreset.THIS_MONTH,
    PeriodPreset.LAST_MONTH,
    PeriodPreset.THIS_QUARTER,
    PeriodPreset.THIS_YEAR,
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_label(first: date) -> str:
    """`Nov 2026`."""
    return f"{MONTHS[first.month - 1]} {first.year}"


@dataclass(frozen=True)
class Period:
    first: date  # the first local day, included
    last: date  # the last local day, included
    preset: PeriodPreset = PeriodPreset.CUSTOM

    @property
    def start_utc(self) -> datetime:
        """The moment the first day begins, in UTC (compare with `>=`)."""
        return day_start_utc(self.first)

    @property
    def end_utc(self) -> datetime:
        """The moment the day after the last begins, in UTC (compare with `<`)."""
        return day_start_utc(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def months(self) -> list[date]:
        """The first day of every month the period touches, oldest first."""
        months, month = [], month_start(self.first)
        while month <= self.last:
            months.append(month)
            month = next_month(month)
        return months

    def span(self) -> str:
        """`1 Nov – 30 Nov 2026`, `15 Dec 2025 – 10 Jan 2026`, `3 Nov 2026`."""

        def day(value: date, with_year: bool) -> str:
            return f"{value.day} {MONTHS[value.month - 1]}" + (f" {value.year}" if with_year else "")

        if self.first == self.last:
            return day(self.first, True)
        return f"{day(self.first, self.first.year != self.last.year)} – {day(self.last, True)}"

    @property
    def label(self) -> str:
        """`This month · 1 Nov – 30 Nov 2026`."""
        return f"{self.preset.label} · {self.span()}"

    def as_json(self) -> dict[str, str]:
        return {"preset": self.preset.value, "from": self.first.isoformat(), "to": self.last.isoformat()}


def preset_period(preset: PeriodPreset, day: date | None = None) -> Period:
    """The period a preset means on `day` (today by default)."""
    day = day or today()
    if preset is PeriodPreset.THIS_MONTH:
        first = month_start(day)
        return Period(first, next_month(first) - timedelta(days=1), preset)
    if preset is PeriodPreset.LAST_MONTH:
        last = month_start(day) - timedelta(days=1)
        return Period(month_start(last), last, preset)
    if preset is PeriodPreset.THIS_QUARTER:
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(first, next_month(next_month(next_month(first))) - timedelta(days=1), preset)
    if preset is PeriodPreset.THIS_YEAR:
        return Period(date(day.year, 1, 1), date(day.year, 12, 31), preset)
    raise ValueError("a custom period is made by custom_period(), from two dates")


def custom_period(first: str | date | None, last: str | date | None) -> Period:
    """A range of days a person typed (`2026-10-01`, `1.10.2026`, `today`, `+3d`…).

    Either end may be left out: from alone runs to today, to alone starts on the first day of
    its month. Raises ValidationError naming the field ("from" or "to") that is wrong.
    """
    first_day = parse_optional_date(first, "from")
    last_day = parse_optional_date(last, "to")
    if first_day is None and last_day is None:
        raise ValidationError("from", "give the first day, the last day, or both")
    if first_day is None:
        assert last_day is not None  # both missing was refused above
        first_day = month_start(last_day)
    if last_day is None:
        last_day = max(today(), first_day)
    if first_day > last_day:
        raise ValidationError("to", f"{last_day.isoformat()} is before the first day {first_day.isoformat()}")
    return Period(first_day, last_day, PeriodPreset.CUSTOM)


def parse_preset(text: str) -> PeriodPreset:
    """A preset by its name (`this-month`, `this month`, `last_month`)."""
    wanted = text.strip().casefold().replace(" ", "-").replace("_", "-")
    for preset in PRESET_CYCLE:
        if preset.value == wanted:
            return preset
    choices = ", ".join(preset.value for preset in PRESET_CYCLE)
    raise ValidationError("period", f"{text!r}: choose {choices}, or give --from/--to")


def stepped(period: Period, step: int) -> Period:
    """The preset `step` places along PRESET_CYCLE (a custom range steps to this month)."""
    if period.preset not in PRESET_CYCLE:
        return preset_period(PRESET_CYCLE[0])
    index = PRESET_CYCLE.index(period.preset)
    return preset_period(PRESET_CYCLE[(index + step) % len(PRESET_CYCLE)])
