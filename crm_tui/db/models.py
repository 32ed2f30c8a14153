"""The tables of the data model (see DESIGN.md, "Data model").

Each table shares a `…Base` with the shape services accept on create, so a form, the command
line and the demo generator all speak the same field names. Conventions: timestamps are aware
UTC; `…_on` columns are local calendar dates; money is an integer of minor units; `…_fold`
columns hold a `str.casefold()` copy for matching every alphabet (SQLite's `lower()` folds
ASCII only).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from crm_tui.dates import utcnow
from crm_tui.users import current_user


class EntityKind(StrEnum):
    """Things that own a timeline and show up in search."""

    CONTACT = "contact"
    COMPANY = "company"
    LEAD = "lead"
    DEAL = "deal"
    ACTIVITY = "activity"


class LeadStatus(StrEnum):
    NEW = "new"
    WORKING = "working"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ActivityKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    TASK = "task"


def _fk(target: str, *, cascade: bool = False, index: bool = True) -> Any:
    """A nullable foreign key column; `cascade` removes children with their parent."""
    return Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey(target, ondelete="CASCADE" if cascade else "SET NULL"),
            index=index,
        ),
    )


class CompanyBase(SQLModel):
    name: str
    website: str | None = None
    industry: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    notes: str | None = None
    next_contact_on: date | None = None
    next_contact_goal: str | None = None


class Company(CompanyBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name_fold: str = Field(default="", index=True)
    # vCard properties we do not model, kept verbatim so an export gives back what came in.
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


class ContactBase(SQLModel):
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    title: str | None = None
    birthday: date | None = None
    notes: str | None = None
    source: str | None = None
    is_client: bool = False
    next_contact_on: date | None = None
    next_contact_goal: str | None = None


class Contact(ContactBase, table=True):
    # The contacts list: live contacts in name order, and their count, from the index alone.
    __table_args__ = (Index("ix_contact_live", "archived_at", "last_name_fold", "full_name_fold"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int | None = _fk("company.id")
    # The vCard UID the contact was imported with, so a re-import finds it again.
    uid: str | None = Field(default=None, index=True)
    full_name: str = ""
    full_name_fold: str = Field(default="", index=True)
    last_name_fold: str = ""
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    last_touch_at: datetime | None = Field(default=None, index=True)
    # Whose client this is (a login name): the "mine" filters of a shared database.
    owner: str | None = Field(default_factory=current_user)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


class ContactEmail(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    value: str
    value_fold: str = Field(index=True)
    kind: str = "other"
    is_primary: bool = False


class ContactPhone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    value: str
    e164: str | None = Field(default=None, index=True)
    kind: str = "other"
    is_primary: bool = False


class ContactAddress(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = "other"
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    is_primary: bool = False


class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    # One tag per spelling in any letter case: "VIP" and "vip" are the same tag.
    name_fold: str = Field(unique=True)


class ContactTag(SQLModel, table=True):
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class CompanyTag(SQLModel, table=True):
    company_id: int = Field(
        sa_column=Column(Integer, ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class LeadSource(SQLModel, table=True):
    """The pick list of where leads come from (web form, referral, cold call, …)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    position: int = 0


class _Versioned:
    """A table whose `version` column is also SQLAlchemy's version counter: every UPDATE the
    ORM makes of a row bumps it and matches the version it read (`WHERE version = :seen`), so
    a change made on a row someone else changed since fails (StaleDataError) instead of
    silently overwriting theirs. services/versions.py locks the row and compares the version
    the person saw first, which is what gives them a clear message."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class LeadBase(SQLModel):
    title: str = ""
    person_name: str = ""
    company_name: str = ""
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    notes: str | None = None
    value: int | None = None  # expected value, minor units
    currency: str = "RUB"
    next_contact_on: date | None = None
    next_contact_goal: str | None = None


class Lead(_Versioned, LeadBase, table=True):
    # Covers the inbox: its tabs' counts (status, not archived, due or scheduled) and their
    # newest-first pages.
    __table_args__ = (Index("ix_lead_inbox", "status", "archived_at", "created_at", "next_contact_on"),)

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=LeadStatus.NEW.value)
    disqualify_reason: str | None = None
    email_fold: str | None = Field(default=None, index=True)
    phone_e164: str | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    converted_at: datetime | None = None
    archived_at: datetime | None = None
    # The emails and phones beyond the first (a Bitrix24 lead has a work and a private one):
    # {"emails": [{"value", "kind"}], "phones": [{"value", "kind", "e164"}]}.
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # What the lead became after conversion; before it, the contact it is known to be (a
    # returning customer, matched by email or phone when the lead came in).
    contact_id: int | None = _fk("contact.id")
    company_id: int | None = _fk("company.id")
    deal_id: int | None = _fk("deal.id", index=False)
    owner: str | None = Field(default_factory=current_user)
    # Row version: bumped by every change, so a change made on what a person saw earlier is
    # refused when someone else changed the lead since (services/versions.py).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Stage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    position: int = 0
    probability: int = 0  # percent
    kind: str = StageKind.OPEN.value
    # Days a deal may sit in this stage before it is flagged as stale ("rotting").
    rot_days: int | None = None


class DealBase(SQLModel):
    title: str
    amount: int = 0  # minor units
    currency: str = "RUB"
    expected_close_on: date | None = None
    notes: str | None = None


class Deal(_Versioned, DealBase, table=True):
    __table_args__ = (Index("ix_deal_stage_entered", "stage_id", "stage_entered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = _fk("contact.id")
    company_id: int | None = _fk("company.id")
    stage_id: int = Field(sa_column=Column(Integer, ForeignKey("stage.id"), nullable=False))
    lead_id: int | None = _fk("lead.id", index=False)
    stage_entered_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    lost_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None
    owner: str | None = Field(default_factory=current_user)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class ActivityBase(SQLModel):
    kind: str = ActivityKind.TASK.value
    title: str
    # The user's local calendar day it is due: all of an untimed activity's due date, and the
    # day a timed one was scheduled for (lists pick their days by it; `due_at` is the moment).
    due_on: date | None = None
    notes: str | None = None


class Activity(ActivityBase, table=True):
    __table_args__ = (
        Index("ix_activity_open_due", "done_at", "due_on"),
        # The overdue count in the title bar and the reminders look activities up by moment.
        Index("ix_activity_open_moment", "done_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # A timed activity's moment, in UTC like every stored time (shown in local time).
    due_at: datetime | None = None
    remind_minutes: int | None = None  # a reminder this long before due_at; None: at due_at
    recurrence: str | None = None  # weekdays / weekly / monthly: done moves it to its next date
    done_at: datetime | None = None
    outcome: str | None = None
    lead_id: int | None = _fk("lead.id", cascade=True)
    contact_id: int | None = _fk("contact.id", cascade=True)
    company_id: int | None = _fk("company.id", cascade=True)
    deal_id: int | None = _fk("deal.id", cascade=True)
    owner: str | None = Field(default_factory=current_user)
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """The append-only timeline. Services add rows; nothing edits or deletes them.

    `contact_id` and `company_id` repeat the record's people so that a contact's timeline can
    include what happened to its deals and activities with one indexed query.
    """

    __table_args__ = (
        Index("ix_event_entity", "entity_kind", "entity_id", "at"),
        Index("ix_event_contact", "contact_id", "at"),
        Index("ix_event_company", "company_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    kind: str
    entity_kind: str
    entity_id: int
    contact_id: int | None = None
    company_id: int | None = None
    text: str = ""
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Who did it (a login name; None for events written before crm-tui recorded it).
    actor: str | None = Field(default_factory=current_user)


class ImportBatch(SQLModel, table=True):
    """One import run, kept so it can be reviewed and undone."""

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    file: str = ""
    kind: str = ""
    status: str = "planned"
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_ids: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    changed: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    undone_at: datetime | None = None


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str


class SchemaVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("id"),)

    id: int = Field(default=1, primary_key=True)
    version: int
    upgraded_at: datetime = Field(default_factory=utcnow)
