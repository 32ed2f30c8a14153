"""Small key/value settings stored in the database (phone region, currency, thresholds)."""

from __future__ import annotations

from sqlmodel import Session

from crm_tui.db.models import Setting
from crm_tui.db.schema import default_region


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
