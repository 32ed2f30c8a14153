"""Small key/value settings stored in the database (phone region, currency, thresholds)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from crm_tui.db.backup import KEEP_LAST, KEEP_SETTING, keep_from_text
from crm_tui.db.models import Setting
from crm_tui.db.schema import default_region
from crm_tui.errors import ValidationError


def get_setting(session: Session, key: str, default: str) -> str:
    row = session.get(Setting, key)
    return row.value if row else default


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def phone_region(session: Session) -> str:
    """Region assumed for phone numbers typed without a country code."""
    return get_setting(session, "phone_region", default_region())


def default_currency(session: Session) -> str:
    return get_setting(session, "currency", "RUB")


# ---------------------------------------------------------------- health light

HEALTH_YELLOW_DAYS_KEY = "health.yellow_days"
HEALTH_RED_DAYS_KEY = "health.red_days"


@dataclass(frozen=True)
class HealthThresholds:
    """Days without a touch after which a client's health light turns yellow, then red.

    Kept here rather than in services/health so the settings screen can read and write them
    without importing the health rules (and health imports settings, not the other way).
    """

    yellow_days: int = 30
    red_days: int = 90


def _stored_days(session: Session, key: str) -> int | None:
    text = get_setting(session, key, "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def health_thresholds(session: Session) -> HealthThresholds:
    """The stored thresholds; a value that is missing or unreadable takes its default, and a
    pair that contradicts itself (yellow not below red) falls back to both defaults, so a
    hand-edited setting can never stop a contacts list from painting."""
    defaults = HealthThresholds()
    yellow = _stored_days(session, HEALTH_YELLOW_DAYS_KEY) or defaults.yellow_days
    red = _stored_days(session, HEALTH_RED_DAYS_KEY) or defaults.red_days
    if yellow >= red:
        return defaults
    return HealthThresholds(yellow, red)


def _days_value(field: str, value: int | str) -> int:
    # bool is an int subclass: True would quietly mean one day.
    if isinstance(value, bool):
        raise ValidationError(field, f"{value!r} is not a number of days")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(field, f"{text!r} is not a whole number of days")
        value = int(text)
    if value <= 0:
        raise ValidationError(field, f"must be at least 1 day, not {value}")
    return value


def set_health_thresholds(session: Session, yellow_days: int | str, red_days: int | str) -> HealthThresholds:
    """Store the thresholds; both are whole positive numbers of days and yellow comes first.

    Strings are accepted as typed into a form (`" 45 "`); a bad value raises ValidationError
    naming `yellow_days` or `red_days` and stores nothing.
    """
    yellow = _days_value("yellow_days", yellow_days)
    red = _days_value("red_days", red_days)
    if yellow >= red:
        raise ValidationError(
            "yellow_days", f"must be fewer than the red threshold ({red} days), not {yellow}"
        )
    set_setting(session, HEALTH_YELLOW_DAYS_KEY, str(yellow))
    set_setting(session, HEALTH_RED_DAYS_KEY, str(red))
    return HealthThresholds(yellow, red)


# ---------------------------------------------------------------- lost reasons

LOST_REASONS_KEY = "deals.lost_reasons"
DEFAULT_LOST_REASONS = ("price", "competitor", "no budget", "no decision", "timing", "other")


def lost_reasons(session: Session) -> list[str]:
    """The pick list offered when a deal is lost (the person may still type their own words).

    Stored as one JSON list; a missing or hand-broken value gives the defaults, so losing a
    deal never fails on a setting."""
    raw = get_setting(session, LOST_REASONS_KEY, "")
    try:
        stored = json.loads(raw) if raw else None
    except ValueError:
        stored = None
    if isinstance(stored, list):
        reasons = _unique_reasons(str(item) for item in stored if isinstance(item, str))
        if reasons:
            return reasons
    return list(DEFAULT_LOST_REASONS)


def set_lost_reasons(session: Session, reasons: list[str]) -> list[str]:
    """Make the pick list exactly `reasons`, in that order: each trimmed (inner runs of spaces
    made one), blanks dropped, a repeat in another letter case dropped (the first spelling
    stays). An empty list raises ValidationError("lost_reasons") and stores nothing. Deals
    already lost keep their reason: it is their own text."""
    cleaned = _unique_reasons(reasons)
    if not cleaned:
        raise ValidationError("lost_reasons", "keep at least one reason")
    set_setting(session, LOST_REASONS_KEY, json.dumps(cleaned, ensure_ascii=False))
    return cleaned


def _unique_reasons(reasons: Iterable[str]) -> list[str]:
    kept: list[str] = []
    seen: set[str] = set()
    for reason in reasons:
        text = " ".join(reason.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            kept.append(text)
    return kept


# ---------------------------------------------------------------- Today: forgotten clients

FORGOTTEN_DAYS_KEY = "today.forgotten_days"
DEFAULT_FORGOTTEN_DAYS = 30


def forgotten_days(session: Session) -> int:
    """Days without a touch after which a client shows under Today's "forgotten clients"; a
    missing or unreadable value gives the default, so Today always paints."""
    return _stored_days(session, FORGOTTEN_DAYS_KEY) or DEFAULT_FORGOTTEN_DAYS


def set_forgotten_days(session: Session, days: int | str) -> int:
    """Store the forgotten-clients threshold: a whole positive number of days (a string as
    typed into a form is accepted); a bad value raises ValidationError("forgotten_days")."""
    value = _days_value("forgotten_days", days)
    set_setting(session, FORGOTTEN_DAYS_KEY, str(value))
    return value


# ---------------------------------------------------------------- reminders

REMINDER_BELL_KEY = "reminders.bell"


def reminder_bell(session: Session) -> bool:
    """Whether a reminder also rings the terminal bell (off unless turned on)."""
    return get_setting(session, REMINDER_BELL_KEY, "0").strip().lower() in ("1", "true", "yes", "on")


def set_reminder_bell(session: Session, on: bool) -> bool:
    set_setting(session, REMINDER_BELL_KEY, "1" if on else "0")
    return on


# ---------------------------------------------------------------- backups

BACKUPS_KEEP_KEY = KEEP_SETTING  # "backups.keep"
DEFAULT_BACKUPS_KEEP = KEEP_LAST


def backups_keep(session: Session) -> int:
    """How many snapshots `backups/` keeps (every snapshot prunes to this many, oldest first);
    a missing or unreadable value gives the default, read the same way db/backup reads it."""
    return keep_from_text(get_setting(session, BACKUPS_KEEP_KEY, ""))


def set_backups_keep(session: Session, keep: int | str) -> int:
    """Store how many snapshots to keep: a whole number of at least 1 (a string as typed into
    a form is accepted); a bad value raises ValidationError("backups_keep") and stores
    nothing. Older snapshots go at the next snapshot, not now."""
    if isinstance(keep, bool):
        raise ValidationError("backups_keep", f"{keep!r} is not a number")
    text = keep.strip() if isinstance(keep, str) else str(keep)
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValidationError("backups_keep", f"must be a whole number of at least 1, not {text!r}")
    set_setting(session, BACKUPS_KEEP_KEY, str(int(text)))
    return int(text)
