"""What the generators remember about each record they wrote.

Rows go to the database as plain dicts; these keep the little that later generators need:
links (a deal's contact and company), times (nothing happens before a record existed) and
the current value of the fields whose past edits the timeline shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(slots=True)
class DemoCompany:
    id: int
    lang: str
    name: str
    domain: str | None
    created_at: datetime
    industry: str | None = None
    next_contact_on: date | None = None  # demo companies have none; their timeline may clear one


@dataclass(slots=True)
class DemoPerson:
    id: int
    lang: str
    full_name: str
    company_id: int | None
    created_at: datetime
    email: str
    phone: str
    phone_e164: str
    title: str | None = None
    is_client: bool = False
    next_contact_on: date | None = None


@dataclass(slots=True)
class DemoLead:
    id: int
    lang: str
    person: str
    title: str
    status: str
    created_at: datetime
    contact_id: int | None = None
    company_id: int | None = None
    converted_at: datetime | None = None
    reason: str | None = None  # why it was disqualified
    source: str | None = None
    value: int | None = None
    currency: str = "RUB"
    next_contact_on: date | None = None


@dataclass(slots=True)
class DemoDeal:
    id: int
    lang: str
    title: str
    stage: int  # index into World.stages
    amount: int
    contact_id: int | None
    company_id: int | None
    created_at: datetime
    stage_entered_at: datetime
    lost_reason: str | None
    currency: str = "RUB"
    expected_close_on: date | None = None
