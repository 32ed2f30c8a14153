"""The shared state of one demo run: random sources, clock, pick lists and the row writer.

Everything is drawn from one `random.Random(seed)` and a seeded Faker, and every "now" comes
from `crm_tui.dates` (which honours `CRM_TUI_NOW`), so the same seed and clock give the same
database byte for byte.

Rows go in through SQLAlchemy Core bulk inserts in chunks, not one ORM object at a time. Ids
are assigned here rather than by the database, so that links (contact → company, deal → lead,
event → record) are known before anything is written and nothing has to be read back.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel

from crm_tui.dates import today, utcnow
from crm_tui.db.models import (
    Activity,
    Company,
    CompanyTag,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    EntityKind,
    Event,
    Lead,
    LeadSource,
    Stage,
    StageKind,
    Tag,
)
from crm_tui.services.demo.records import DemoCompany
from crm_tui.services.demo.words import GOALS, TAGS
from crm_tui.services.validation import fold
from crm_tui.users import current_user

# Rows per executemany: large enough to amortise the statement, small enough to keep memory flat.
CHUNK = 5_000

# The demo's sales team: contacts, leads, deals and activities are spread over the user (half
# of them) and two made-up colleagues, so that "mine / everyone" has something to show; each
# record's events are signed by its owner.
DEMO_COLLEAGUES = ("anna", "boris")
_OWNED: tuple[type[SQLModel], ...] = (Contact, Lead, Deal, Activity)
_SIGNED_BY_OWNER = {EntityKind.CONTACT.value, EntityKind.LEAD.value, EntityKind.DEAL.value}

# What is drawn from Faker, per language (the Russian provider has gendered surnames and
# patronymics, the English one does not).
_POOLED = {
    "ru": (
        "first_name_male",
        "first_name_female",
        "middle_name_male",
        "middle_name_female",
        "last_name_male",
        "last_name_female",
        "city",
        "street_address",
        "postcode",
    ),
    "en": ("first_name_male", "first_name_female", "last_name", "city", "street_address", "postcode"),
}
_LOCALES = {"ru": "ru_RU", "en": "en_US"}


class Pools:
    """Names and places drawn from a seeded Faker once, then picked with the shared Random.

    Faker's weighted lists cost up to ~100 µs a draw and the benchmark needs about a million
    draws; sampling each list a bounded number of times keeps Faker's frequencies (common
    surnames stay common) and makes the cost independent of the data set's size.
    """

    def __init__(self, seed: int, rng: random.Random, people: int) -> None:
        fake = Faker(list(_LOCALES.values()))
        fake.seed_instance(seed)
        size = min(1_000, max(50, people // 10))
        self.rng = rng
        self.values = {
            (lang, method): [str(getattr(fake[_LOCALES[lang]], method)()) for _ in range(size)]
            for lang, methods in _POOLED.items()
            for method in methods
        }

    def __call__(self, lang: str, what: str) -> str:
        return self.rng.choice(self.values[(lang, what)])


def table_of(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


class Writer:
    """Buffers rows per table and writes them with executemany in dependency order.

    Foreign keys are checked at each statement, so whenever one buffer fills up, every buffer
    is written, parents first: a phone row never reaches the database before its contact.
    """

    ORDER: Sequence[type[SQLModel]] = (
        Company,
        Tag,
        CompanyTag,
        Contact,
        ContactEmail,
        ContactPhone,
        ContactAddress,
        ContactTag,
        Lead,
        Deal,
        Activity,
        Event,
    )

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        me = current_user()
        self.team = (me, me, *DEMO_COLLEAGUES)
        self.buffers: dict[str, list[dict[str, Any]]] = {table_of(model).name: [] for model in self.ORDER}
        self.written: dict[str, int] = dict.fromkeys(self.buffers, 0)
        self.next_ids: dict[str, int] = {}

    def new_id(self, model: type[SQLModel]) -> int:
        """The next free id of a table, counted here so links are known before writing."""
        name = table_of(model).name
        if name not in self.next_ids:
            highest = self.connection.execute(select(func.max(table_of(model).c.id))).scalar()
            self.next_ids[name] = (highest or 0) + 1
        self.next_ids[name] += 1
        return self.next_ids[name] - 1

    def owner_of(self, record_id: int) -> str:
        """Who owns the demo record with this id (of any kind): the same answer every run."""
        return self.team[record_id % len(self.team)]

    def add(self, model: type[SQLModel], row: dict[str, Any]) -> None:
        if model in _OWNED:
            row.setdefault("owner", self.owner_of(row["id"]))
        elif model is Event:
            signed = row["entity_kind"] in _SIGNED_BY_OWNER
            row.setdefault("actor", self.owner_of(row["entity_id"]) if signed else self.team[0])
        buffer = self.buffers[table_of(model).name]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for model in self.ORDER:
            table = table_of(model)
            rows = self.buffers[table.name]
            if rows:
                self.connection.execute(insert(table), rows)
                self.written[table.name] += len(rows)
                self.buffers[table.name] = []

    def counts(self) -> dict[str, int]:
        names = {
            "company": "companies",
            "contact": "contacts",
            "contactemail": "emails",
            "contactphone": "phones",
            "contactaddress": "addresses",
            "tag": "tags",
            "contacttag": "contact_tags",
            "companytag": "company_tags",
            "lead": "leads",
            "deal": "deals",
            "activity": "activities",
            "event": "events",
        }
        return {names.get(table, table): count for table, count in self.written.items()}


@dataclass
class World:
    """Everything the generators share: the random sources, the clock, the seeded pick lists."""

    writer: Writer
    rng: random.Random
    pools: Pools
    now: datetime
    today: date
    stages: list[tuple[int, str, str]]  # (id, name, kind) in board order
    sources: list[str]
    tag_ids: list[int]
    companies: dict[int, DemoCompany] = field(default_factory=dict)
    used_names: set[str] = field(default_factory=set)
    used_domains: set[str] = field(default_factory=set)
    used_emails: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)
    events_made: int = 0

    @classmethod
    def start(cls, session: Session, seed: int, people: int) -> World:
        connection = session.connection()
        rng = random.Random(seed)
        stage_table = table_of(Stage)
        stages = [
            (row.id, row.name, row.kind)
            for row in connection.execute(
                select(stage_table.c.id, stage_table.c.name, stage_table.c.kind).order_by(
                    stage_table.c.position, stage_table.c.id
                )
            )
        ]
        source_table = table_of(LeadSource)
        sources = list(
            connection.execute(
                select(source_table.c.name).order_by(source_table.c.position, source_table.c.id)
            ).scalars()
        )
        writer = Writer(connection)
        world = cls(
            writer=writer,
            rng=rng,
            pools=Pools(seed, rng, people),
            now=utcnow(),
            today=today(),
            stages=stages,
            sources=sources or ["Other"],
            tag_ids=[],
        )
        world.tag_ids = ensure_tags(world)
        return world

    # Small random helpers, named for what they mean rather than how they draw.

    @property
    def open_stages(self) -> list[int]:
        return [index for index, stage in enumerate(self.stages) if stage[2] == StageKind.OPEN]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def lang(self) -> str:
        return "ru" if self.rng.random() < 0.5 else "en"

    def days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low, high))

    def between(self, start: datetime, end: datetime) -> datetime:
        """A moment in [start, end] (end when the range is empty)."""
        if end <= start:
            return end
        return start + (end - start) * self.rng.random()

    def event(
        self,
        at: datetime,
        kind: str,
        entity: tuple[EntityKind, int],
        people: tuple[int | None, int | None],
        text: str,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """One timeline row, shaped like `services.events.record_event` writes it."""
        self.events_made += 1
        self.writer.add(
            Event,
            {
                "id": self.writer.new_id(Event),
                "at": min(at, self.now),
                "kind": kind,
                "entity_kind": entity[0].value,
                "entity_id": entity[1],
                "contact_id": people[0],
                "company_id": people[1],
                "text": text,
                "payload": payload or {},
            },
        )


def ensure_tags(world: World) -> list[int]:
    """Ids of the demo tags, reusing tags the user already has (names are unique)."""
    table = table_of(Tag)
    rows = world.writer.connection.execute(select(table.c.name_fold, table.c.id))
    existing: dict[str, int] = {name: tag_id for name, tag_id in rows}
    ids = []
    for name in TAGS:
        tag_id = existing.get(fold(name))
        if tag_id is None:
            tag_id = world.writer.new_id(Tag)
            world.writer.add(Tag, {"id": tag_id, "name": name, "name_fold": fold(name)})
        ids.append(tag_id)
    return ids


def spread(world: World, count: int, guaranteed: Sequence[Any], weights: dict[Any, int]) -> list[Any]:
    """`count` values: each guaranteed one first (so small sets show them all), then weighted draws."""
    values = list(guaranteed[:count])
    if count > len(values):
        values.extend(world.rng.choices(list(weights), list(weights.values()), k=count - len(values)))
    return values


def next_contact(world: World, lang: str, probability: float) -> tuple[date | None, str | None]:
    """When to get in touch next and why, for some of the records (`probability` of them)."""
    if not world.chance(probability):
        return None, None
    return world.today + timedelta(days=world.rng.randint(-10, 30)), world.rng.choice(GOALS[lang])


def money(world: World, currency: str, small: bool = False) -> int:
    """Minor units: 10,000–5,000,000 RUB (rounded to 500) or 1,000–100,000 USD (to 50)."""
    if currency == "USD":
        return world.rng.randint(20, 1_000 if small else 2_000) * 50 * 100
    top = 1_000_000 if small else 5_000_000
    return world.rng.randint(20, top // 500) * 500 * 100
