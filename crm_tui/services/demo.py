"""Demo data: a realistic, seeded CRM of any size, from a handful of records to the benchmark.

Everything is drawn from one `random.Random(seed)` and a seeded Faker, and every "now" comes
from `crm_tui.dates` (which honours `CRM_TUI_NOW`), so the same seed and clock give the same
database byte for byte — snapshot tests and README screenshots rely on that.

Rows go in through SQLAlchemy Core bulk inserts in chunks, not one ORM object at a time: the
benchmark set (100,000 contacts, 500,000 events…) has to build in minutes on two cores. Ids
are assigned here rather than by the database, so that links (contact → company, deal → lead,
event → record) are known before anything is written and nothing has to be read back.

Half the people are Russian (Cyrillic names, +7 phones written the two ways Russians write
them), half English-speaking (+1 and +44), because search, sorting and phone matching must work
for both alphabets and both numbering habits.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers
from faker import Faker
from sqlalchemy import Table, bindparam, exists, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel

from crm_tui.dates import day_start_utc, to_local, today, utcnow
from crm_tui.db.models import (
    Activity,
    ActivityKind,
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
    LeadStatus,
    Stage,
    StageKind,
    Tag,
)
from crm_tui.services.events import EventKind
from crm_tui.services.search import rebuild_index
from crm_tui.services.validation import fold, format_money

# Rows per executemany: large enough to amortise the statement, small enough to keep memory flat.
CHUNK = 5_000

# The benchmark data set of DESIGN.md, "Budgets".
_BENCHMARK = {
    "contacts": 100_000,
    "companies": 20_000,
    "leads": 100_000,
    "deals": 10_000,
    "activities": 50_000,
    "events": 500_000,
}


@dataclass
class DemoSize:
    """How many records of each kind to generate.

    `events` is a target for the whole timeline: every record always gets its `created` event
    (and its real history: status changes, stage moves, done activities); extra notes, calls,
    emails, meetings and field changes fill the timeline up to this number.
    """

    contacts: int
    companies: int
    leads: int
    deals: int
    activities: int
    events: int

    @classmethod
    def for_size(cls, n: int) -> DemoSize:
        """A data set of `n` contacts with the benchmark's ratios.

        Each kind has a floor so that even a tiny set shows every lead status, every stage,
        overdue and today's activities.
        """
        n = max(n, 0)
        return cls(
            contacts=max(n, 5),
            companies=max(n // 5, 3),
            leads=max(n, 8),
            deals=max(n // 10, 8),
            activities=max(n // 2, 12),
            events=max(n * 5, 60),
        )

    @classmethod
    def benchmark(cls, scale: float = 1.0) -> DemoSize:
        """The benchmark data set (DESIGN.md, "Budgets"), optionally scaled down or up."""
        return cls(**{kind: max(round(count * scale), 1) for kind, count in _BENCHMARK.items()})


def database_is_empty(session: Session) -> bool:
    """True when the user has no records yet (the stages, sources and settings seeded with
    the schema do not count), so the app and `crm-tui demo` can offer demo data safely."""
    connection = session.connection()
    for model in (Contact, Company, Lead, Deal, Activity):
        if connection.execute(select(exists().select_from(_table(model)))).scalar():
            return False
    return True


def generate(session: Session, size: DemoSize, seed: int = 7) -> dict[str, int]:
    """Write a demo data set into the session's database and index it for search.

    Works on an empty database (ids then start at 1, and contact 1 is Russian) and next to
    existing records (ids continue after them). Returns how many rows of each kind were made.
    The caller's session scope commits.
    """
    world = _World.start(session, seed, size)
    companies = _make_companies(world, size.companies)
    contacts = _make_contacts(world, size.contacts, companies)
    leads = _make_leads(world, size.leads, contacts)
    deals = _make_deals(world, size.deals, contacts, companies, leads)
    _make_activities(world, size.activities, contacts, leads, deals)
    _make_filler_events(world, size.events, companies, contacts, leads, deals)
    world.writer.flush()
    rebuild_index(session)
    return world.writer.counts()


# ---------------------------------------------------------------------------------------------
# Word lists. Faker supplies people's names, cities and streets; business words it lacks or
# gets wrong for a CRM (job titles, company names, deal subjects, call outcomes) are here.

_INDUSTRIES = {
    "ru": ["Розничная торговля", "Строительство", "Логистика", "ИТ и разработка", "Производство",
           "Медицина", "Образование", "Финансы", "Общепит", "Недвижимость", "Консалтинг"],
    "en": ["Retail", "Construction", "Logistics", "Software", "Manufacturing", "Healthcare",
           "Education", "Finance", "Hospitality", "Real estate", "Consulting"],
}
_JOB_TITLES = {
    "ru": ["Генеральный директор", "Коммерческий директор", "Финансовый директор",
           "Главный бухгалтер", "Менеджер по закупкам", "Руководитель отдела продаж",
           "ИТ-директор", "Офис-менеджер", "Главный инженер", "Юрист", "Директор по маркетингу"],
    "en": ["CEO", "Sales Director", "CFO", "Head of Procurement", "Office Manager", "CTO",
           "Marketing Manager", "Operations Manager", "Account Manager", "Legal Counsel",
           "Project Manager"],
}
_GOALS = {
    "ru": ["Обсудить коммерческое предложение", "Уточнить бюджет", "Согласовать договор",
           "Напомнить об оплате", "Предложить продление", "Назначить встречу"],
    "en": ["Discuss the proposal", "Confirm the budget", "Agree on the contract",
           "Remind about the invoice", "Offer a renewal", "Set up a meeting"],
}
_DEAL_SUBJECTS = {
    "ru": ["Поставка оборудования", "Внедрение CRM", "Годовое обслуживание", "Лицензии на ПО",
           "Аудит инфраструктуры", "Обучение персонала", "Разработка сайта", "Поставка расходников"],
    "en": ["Hardware supply", "CRM rollout", "Annual support", "Software licences",
           "Infrastructure audit", "Staff training", "Website build", "Consumables supply"],
}
_ACTIVITY_TITLES = {
    ActivityKind.CALL: {
        "ru": ["Позвонить: уточнить бюджет", "Звонок по КП", "Перезвонить по договору", "Первый звонок"],
        "en": ["Call about the budget", "Call about the proposal", "Call back about the contract",
               "Intro call"],
    },
    ActivityKind.MEETING: {
        "ru": ["Встреча: презентация", "Встреча в офисе клиента", "Демонстрация продукта"],
        "en": ["Demo meeting", "On-site meeting", "Product presentation"],
    },
    ActivityKind.EMAIL: {
        "ru": ["Отправить КП", "Отправить счёт", "Отправить договор"],
        "en": ["Send the proposal", "Send the invoice", "Send the contract"],
    },
    ActivityKind.TASK: {
        "ru": ["Подготовить договор", "Проверить оплату", "Обновить карточку клиента", "Подготовить расчёт"],
        "en": ["Prepare the contract", "Check the payment", "Update the client's card", "Prepare a quote"],
    },
}
_OUTCOMES = {
    ActivityKind.CALL: {
        "ru": ["Договорились о встрече", "Не дозвонился", "Ждут КП", "Просили перезвонить через неделю"],
        "en": ["Meeting agreed", "No answer", "Waiting for the proposal", "Call back next week"],
    },
    ActivityKind.MEETING: {
        "ru": ["Согласовали условия", "Показали демо, ждут решения", "Перенесли на следующую неделю"],
        "en": ["Terms agreed", "Demo done, waiting for a decision", "Moved to next week"],
    },
    ActivityKind.EMAIL: {
        "ru": ["Отправлено", "Получили ответ", "Попросили уточнить цены"],
        "en": ["Sent", "Got a reply", "Asked to clarify the prices"],
    },
    ActivityKind.TASK: {
        "ru": ["Готово", "Сделано частично"],
        "en": ["Done", "Partly done"],
    },
}
_NOTES = {
    "ru": ["Клиент просит скидку 10%", "Решение принимает собственник", "Интересуются интеграцией с 1С",
           "Бюджет утверждают в следующем квартале", "Просили перезвонить после отпуска",
           "Сравнивают с конкурентом"],
    "en": ["Asks for a 10% discount", "The owner makes the decision",
           "Interested in the accounting integration",
           "Budget gets approved next quarter", "Asked to call back after the holidays",
           "Comparing us with a competitor"],
}
_TAGS = ["VIP", "Partner", "Supplier", "Reseller", "Постоянный клиент"]
DISQUALIFY_REASONS = ["no budget", "no need", "competitor", "spam", "duplicate"]
LOST_REASONS = ["price too high", "went with a competitor", "no budget", "project cancelled", "no response"]
_FREE_MAIL = {"ru": ["yandex.ru", "mail.ru", "gmail.com", "bk.ru", "inbox.ru"],
              "en": ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com"]}
# Legal forms and filler words dropped when a company name becomes a web domain.
_NOT_IN_DOMAIN = {"ооо", "ао", "зао", "оао", "пао", "рао", "нпо", "ип", "лтд", "и", "партнеры", "партнёры",
                  "inc", "llc", "plc", "ltd", "group", "and", "corp", "sons"}
_TRANSLIT = str.maketrans(dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
)))
_US_AREA_CODES = [212, 312, 415, 617, 646, 702, 305, 206, 512, 718]
# UK mobile ranges that phonenumbers accepts as valid in full (parts of 77xx/79xx are not).
_UK_MOBILE_PREFIXES = [74, 75, 78]
_RU_CITY_CODES = [495, 499, 812, 343, 383]

# Lead statuses and how often each appears once the guaranteed first four are placed.
_LEAD_STATUS_WEIGHTS = {
    LeadStatus.NEW: 35, LeadStatus.WORKING: 25, LeadStatus.CONVERTED: 20, LeadStatus.DISQUALIFIED: 20,
}


_RU_LEGAL_FORMS = ["ООО", "АО", "ЗАО", "ПАО"]
_RU_ROOTS = ["Техно", "Агро", "Инвест", "Мега", "Сибирь", "Нева", "Урал", "Волга", "Альфа", "Вектор",
             "Гранит", "Меридиан", "Прогресс", "Энерго", "Транс", "Мед", "Лес", "Инфо", "Север", "Атлант"]
_RU_SUFFIXES = ["Строй", "Трейд", "Сервис", "Снаб", "Софт", "Групп", "Пром", "Логистик", "Холдинг",
                "Маркет", "Консалт"]
_EN_FORMS = ["Inc", "LLC", "Group", "PLC", "Corp", "Ltd", "& Sons"]
_EN_ROOTS = ["Acme", "Northwind", "Blue Ridge", "Summit", "Pioneer", "Evergreen", "Harbor", "Silverline",
             "Atlas", "Keystone", "Redwood", "Bright Path", "Ironclad", "Lakeside"]
_EN_TRADES = ["Systems", "Logistics", "Solutions", "Foods", "Health", "Partners", "Manufacturing",
              "Software", "Realty", "Consulting"]
# What is drawn from Faker, per language (the Russian provider has gendered surnames and
# patronymics, the English one does not).
_POOLED = {
    "ru": ("first_name_male", "first_name_female", "middle_name_male", "middle_name_female",
           "last_name_male", "last_name_female", "city", "street_address", "postcode"),
    "en": ("first_name_male", "first_name_female", "last_name", "city", "street_address", "postcode"),
}
_LOCALES = {"ru": "ru_RU", "en": "en_US"}


class _Pools:
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


# ---------------------------------------------------------------------------------------------
# Writing rows.


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


class _Writer:
    """Buffers rows per table and writes them with executemany in dependency order.

    Foreign keys are checked at each statement, so whenever one buffer fills up, every buffer
    is written, parents first: a phone row never reaches the database before its contact.
    """

    ORDER: Sequence[type[SQLModel]] = (
        Company, Tag, CompanyTag, Contact, ContactEmail, ContactPhone, ContactAddress, ContactTag,
        Lead, Deal, Activity, Event,
    )

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.buffers: dict[str, list[dict[str, Any]]] = {_table(model).name: [] for model in self.ORDER}
        self.written: dict[str, int] = dict.fromkeys(self.buffers, 0)
        self.next_ids: dict[str, int] = {}

    def new_id(self, model: type[SQLModel]) -> int:
        """The next free id of a table, counted here so links are known before writing."""
        name = _table(model).name
        if name not in self.next_ids:
            highest = self.connection.execute(select(func.max(_table(model).c.id))).scalar()
            self.next_ids[name] = (highest or 0) + 1
        self.next_ids[name] += 1
        return self.next_ids[name] - 1

    def add(self, model: type[SQLModel], row: dict[str, Any]) -> None:
        buffer = self.buffers[_table(model).name]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for model in self.ORDER:
            table = _table(model)
            rows = self.buffers[table.name]
            if rows:
                self.connection.execute(insert(table), rows)
                self.written[table.name] += len(rows)
                self.buffers[table.name] = []

    def counts(self) -> dict[str, int]:
        names = {
            "company": "companies", "contact": "contacts", "contactemail": "emails",
            "contactphone": "phones", "contactaddress": "addresses", "tag": "tags",
            "contacttag": "contact_tags", "companytag": "company_tags", "lead": "leads",
            "deal": "deals", "activity": "activities", "event": "events",
        }
        return {names.get(table, table): count for table, count in self.written.items()}


@dataclass(slots=True)
class _Company:
    id: int
    lang: str
    name: str
    domain: str | None
    created_at: datetime


@dataclass(slots=True)
class _Person:
    id: int
    lang: str
    full_name: str
    company_id: int | None
    created_at: datetime
    email: str
    phone: str
    phone_e164: str


@dataclass(slots=True)
class _Lead:
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


@dataclass(slots=True)
class _Deal:
    id: int
    lang: str
    title: str
    stage: int  # index into _World.stages
    amount: int
    contact_id: int | None
    company_id: int | None
    created_at: datetime
    stage_entered_at: datetime
    lost_reason: str | None


@dataclass
class _World:
    """Everything the generators share: the random sources, the clock, the seeded pick lists."""

    writer: _Writer
    rng: random.Random
    pools: _Pools
    now: datetime
    today: date
    stages: list[tuple[int, str, str]]  # (id, name, kind) in board order
    sources: list[str]
    tag_ids: list[int]
    companies: dict[int, _Company] = field(default_factory=dict)
    used_names: set[str] = field(default_factory=set)
    used_domains: set[str] = field(default_factory=set)
    used_emails: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)
    events_made: int = 0

    @classmethod
    def start(cls, session: Session, seed: int, size: DemoSize) -> _World:
        connection = session.connection()
        rng = random.Random(seed)
        stage_table = _table(Stage)
        stages = [
            (row.id, row.name, row.kind)
            for row in connection.execute(
                select(stage_table.c.id, stage_table.c.name, stage_table.c.kind).order_by(
                    stage_table.c.position, stage_table.c.id
                )
            )
        ]
        source_table = _table(LeadSource)
        sources = list(
            connection.execute(
                select(source_table.c.name).order_by(source_table.c.position, source_table.c.id)
            ).scalars()
        )
        writer = _Writer(connection)
        world = cls(
            writer=writer,
            rng=rng,
            pools=_Pools(seed, rng, size.contacts + size.leads),
            now=utcnow(),
            today=today(),
            stages=stages,
            sources=sources or ["Other"],
            tag_ids=[],
        )
        world.tag_ids = _ensure_tags(world)
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
        self.writer.add(Event, {
            "id": self.writer.new_id(Event),
            "at": min(at, self.now),
            "kind": kind,
            "entity_kind": entity[0].value,
            "entity_id": entity[1],
            "contact_id": people[0],
            "company_id": people[1],
            "text": text,
            "payload": payload or {},
        })


def _ensure_tags(world: _World) -> list[int]:
    """Ids of the demo tags, reusing tags the user already has (names are unique)."""
    table = _table(Tag)
    rows = world.writer.connection.execute(select(table.c.name_fold, table.c.id))
    existing: dict[str, int] = {name: tag_id for name, tag_id in rows}
    ids = []
    for name in _TAGS:
        tag_id = existing.get(fold(name))
        if tag_id is None:
            tag_id = world.writer.new_id(Tag)
            world.writer.add(Tag, {"id": tag_id, "name": name, "name_fold": fold(name)})
        ids.append(tag_id)
    return ids


# ---------------------------------------------------------------------------------------------
# Names, emails, phones.


def _translit(text: str) -> str:
    """Latin letters for an email or domain made from a Cyrillic name."""
    return text.lower().translate(_TRANSLIT)


def _slug(text: str) -> str:
    letters = "".join(character if character.isalnum() else " " for character in _translit(text))
    return "".join(word for word in letters.split() if word.isascii())


def _company_name(world: _World, lang: str, wide: bool = False) -> str:
    """"ООО «Технострой»", "АО «Логинов-Зуев»", "Acme Logistics", "Diaz, Reed and Lowe"…

    Built from the pooled surnames rather than Faker's `company()`; `wide` picks only the
    patterns with room for hundreds of thousands of names (two or three surnames).
    """
    rng = world.rng
    pattern = 0.8 if wide else rng.random()
    if lang == "ru":
        form = rng.choices(_RU_LEGAL_FORMS, [70, 15, 10, 5])[0]
        if pattern < 0.45:
            return f"{form} «{rng.choice(_RU_ROOTS)}{rng.choice(_RU_SUFFIXES).lower()}»"
        if pattern < 0.75:
            return f"{form} «{world.pools('ru', 'last_name_male')}»"
        if pattern < 0.9:
            return f"{form} «{world.pools('ru', 'last_name_male')}-{world.pools('ru', 'last_name_male')}»"
        return f"{world.pools('ru', 'last_name_male')} и партнёры"
    if pattern < 0.35:
        return f"{world.pools('en', 'last_name')} {rng.choice(_EN_FORMS)}"
    if pattern < 0.65:
        return f"{rng.choice(_EN_ROOTS)} {rng.choice(_EN_TRADES)}"
    if pattern < 0.85:
        return f"{world.pools('en', 'last_name')}-{world.pools('en', 'last_name')}"
    names = [world.pools("en", "last_name") for _ in range(3)]
    return f"{names[0]}, {names[1]} and {names[2]}"


def _domain_for(name: str, lang: str) -> str | None:
    spaced = "".join(" " if character in "«»,-&" else character for character in name)
    words = [word for word in spaced.split() if word.lower() not in _NOT_IN_DOMAIN]
    slug = "-".join(_slug(word) for word in words[:2] if _slug(word))
    if not slug:
        return None
    return f"{slug}.{'ru' if lang == 'ru' else 'com'}"


def _person_name(world: _World, lang: str) -> tuple[str, str, str]:
    """(first, middle, last); Russians have a patronymic, and surnames agree with gender."""
    gender = "female" if world.chance(0.5) else "male"
    if lang == "ru":
        return (world.pools("ru", f"first_name_{gender}"), world.pools("ru", f"middle_name_{gender}"),
                world.pools("ru", f"last_name_{gender}"))
    return world.pools("en", f"first_name_{gender}"), "", world.pools("en", "last_name")


def _full_name(first: str, middle: str, last: str) -> str:
    # The same order as services.contacts.full_name_of, so demo and typed contacts sort alike.
    return " ".join(part for part in (first, middle, last) if part)


def _email(world: _World, first: str, last: str, lang: str, domain: str | None) -> str:
    """A plausible address, unique in the demo so the merge screen is not flooded."""
    first_latin, last_latin = _slug(first) or "info", _slug(last) or "mail"
    if domain is None:
        domain = world.rng.choice(_FREE_MAIL[lang])
        local = world.rng.choice([
            f"{first_latin}.{last_latin}{world.rng.randint(1, 99)}",
            f"{last_latin}.{first_latin[0]}{world.rng.randint(60, 99)}",
            f"{first_latin}{last_latin}{world.rng.randint(100, 999)}",
        ])
    else:
        local = world.rng.choice(
            [f"{first_latin}.{last_latin}", f"{first_latin[0]}.{last_latin}", last_latin]
        )
    value = f"{local}@{domain}"
    if value.casefold() in world.used_emails:
        value = f"{local}{len(world.used_emails)}@{domain}"
    world.used_emails.add(value.casefold())
    return value


def _number(country_code: int, national_number: int) -> phonenumbers.PhoneNumber:
    return phonenumbers.PhoneNumber(country_code=country_code, national_number=national_number)


def _phone_number(world: _World, lang: str, mobile: bool = True) -> phonenumbers.PhoneNumber:
    """A valid number: Russian mobile (9xx) or city; American, or British mobile or London."""
    rng = world.rng
    if lang == "ru":
        if mobile:
            return _number(7, rng.randint(900_000_0000, 999_999_9999))
        return _number(7, rng.choice(_RU_CITY_CODES) * 10**7 + rng.randint(100_0000, 999_9999))
    if rng.random() < 0.7:
        exchange = rng.randint(200, 999)
        exchange += 1 if exchange % 100 == 11 else 0  # N11 exchanges are service codes
        area = rng.choice(_US_AREA_CODES)
        return _number(1, area * 10**7 + exchange * 10**4 + rng.randint(0, 9999))
    if not mobile:
        # A London office: 020 7xxx xxxx.
        return _number(44, 207 * 10**7 + rng.randint(0, 10**7 - 1))
    prefix = rng.choice(_UK_MOBILE_PREFIXES)
    return _number(44, prefix * 10**8 + rng.randint(0, 10**8 - 1))


def _phone(world: _World, lang: str, mobile: bool = True) -> tuple[str, str]:
    """(as written, E.164). Russians write "+7 912 345-67-89" or "8 (912) 345-67-89"."""
    while True:
        number = _phone_number(world, lang, mobile)
        # E.164 is "+", country code, national number; spelt out because phonenumbers takes as
        # long to print it as the display form, and the benchmark makes 300,000 of them.
        e164 = f"+{number.country_code}{number.national_number}"
        if e164 not in world.used_phones:
            break
    world.used_phones.add(e164)
    style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    if lang == "ru" and world.chance(0.5):
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    return phonenumbers.format_number(number, style), e164


# ---------------------------------------------------------------------------------------------
# Companies and contacts.


def _make_companies(world: _World, count: int) -> list[_Company]:
    made = []
    for index in range(count):
        lang = "ru" if index == 0 else world.lang()
        made.append(_make_company(world, lang))
    world.writer.flush()
    return made


def _company_identity(world: _World, lang: str) -> tuple[str, str | None]:
    """A name and web domain no other demo company has: duplicates would flood the merge screen.

    The short patterns run out after a few hundred names, so a clash retries with the wide ones.
    """
    name = _company_name(world, lang)
    attempts = 0
    while name.casefold() in world.used_names and attempts < 50:
        name = _company_name(world, lang, wide=True)
        attempts += 1
    if name.casefold() in world.used_names:
        name = f"{name} {len(world.used_names)}"
    world.used_names.add(name.casefold())
    domain = _domain_for(name, lang)
    if domain is not None and domain in world.used_domains:
        stem, _, tld = domain.rpartition(".")
        domain = f"{stem}{len(world.used_domains)}.{tld}"
    if domain is not None:
        world.used_domains.add(domain)
    return name, domain


def _make_company(world: _World, lang: str) -> _Company:
    company_id = world.writer.new_id(Company)
    name, domain = _company_identity(world, lang)
    created_at = world.days_ago(30, 730)
    phone = _phone(world, lang, mobile=False)[0] if world.chance(0.7) else None
    address = None
    if world.chance(0.5):
        address = f"{world.pools(lang, 'city')}, {world.pools(lang, 'street_address')}"
    world.writer.add(Company, {
        "id": company_id,
        "name": name,
        "name_fold": fold(name),
        "website": f"https://{domain}" if domain and world.chance(0.75) else None,
        "industry": world.rng.choice(_INDUSTRIES[lang]) if world.chance(0.85) else None,
        "phone": phone,
        "email": f"info@{domain}" if domain and world.chance(0.6) else None,
        "address": address,
        "notes": world.rng.choice(_NOTES[lang]) if world.chance(0.1) else None,
        "next_contact_on": None,
        "next_contact_goal": None,
        "extra": {},
        "created_at": created_at,
        "updated_at": created_at,
        "archived_at": None,
    })
    if world.chance(0.1):
        world.writer.add(CompanyTag, {"company_id": company_id, "tag_id": world.rng.choice(world.tag_ids)})
    world.event(created_at, EventKind.CREATED, (EntityKind.COMPANY, company_id), (None, company_id),
                f"Company created: {name}")
    company = _Company(company_id, lang, name, domain, created_at)
    world.companies[company_id] = company
    return company


def _make_contacts(world: _World, count: int, companies: list[_Company]) -> list[_Person]:
    by_lang: dict[str, list[_Company]] = {"ru": [], "en": []}
    for employer in companies:
        by_lang[employer.lang].append(employer)
    made = []
    for index in range(count):
        # Contact 1 is Russian so a test (and a person trying the demo) can search a Cyrillic name.
        lang = "ru" if index == 0 else world.lang()
        # People mostly work for companies of their own language; fall back to any company.
        pool = by_lang[lang] or companies
        company = world.rng.choice(pool) if pool and world.chance(0.8) else None
        made.append(_make_contact(world, lang, company))
    world.writer.flush()
    return made


def _next_contact(world: _World, lang: str, probability: float) -> tuple[date | None, str | None]:
    if not world.chance(probability):
        return None, None
    return world.today + timedelta(days=world.rng.randint(-10, 30)), world.rng.choice(_GOALS[lang])


def _make_contact(world: _World, lang: str, company: _Company | None) -> _Person:
    contact_id = world.writer.new_id(Contact)
    first, middle, last = _person_name(world, lang)
    full_name = _full_name(first, middle, last)
    created_at = world.days_ago(1, 700)
    if company is not None:
        created_at = max(created_at, company.created_at)
    next_on, goal = _next_contact(world, lang, 0.2)
    birthday = None
    if world.chance(0.3):
        birthday = date(1960, 1, 1) + timedelta(days=world.rng.randint(0, 40 * 365))
    world.writer.add(Contact, {
        "id": contact_id,
        "company_id": company.id if company else None,
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        "full_name": full_name,
        "full_name_fold": fold(full_name),
        "last_name_fold": fold(last or full_name),
        "title": world.rng.choice(_JOB_TITLES[lang]) if world.chance(0.7) else None,
        "birthday": birthday,
        "notes": world.rng.choice(_NOTES[lang]) if world.chance(0.1) else None,
        "source": world.rng.choice(world.sources) if world.chance(0.4) else None,
        "is_client": world.chance(0.3),
        "next_contact_on": next_on,
        "next_contact_goal": goal,
        "extra": {},
        "last_touch_at": world.between(created_at, world.now) if world.chance(0.6) else None,
        "created_at": created_at,
        "updated_at": created_at,
        "archived_at": None,
    })
    email = _add_emails(world, contact_id, first, last, lang, company)
    phone, e164 = _add_phones(world, contact_id, lang)
    _add_extras(world, contact_id, lang)
    world.event(created_at, EventKind.CREATED, (EntityKind.CONTACT, contact_id),
                (contact_id, company.id if company else None), f"Contact created: {full_name}")
    company_id = company.id if company else None
    return _Person(contact_id, lang, full_name, company_id, created_at, email, phone, e164)


def _add_emails(
    world: _World, contact_id: int, first: str, last: str, lang: str, company: _Company | None
) -> str:
    """One or two addresses: a work one at the company's domain when there is one."""
    domains: list[str | None] = [company.domain if company and company.domain else None]
    if world.chance(0.3):
        domains.append(None)
    values = []
    for position, domain in enumerate(domains):
        value = _email(world, first, last, lang, domain)
        values.append(value)
        world.writer.add(ContactEmail, {
            "id": world.writer.new_id(ContactEmail),
            "contact_id": contact_id,
            "value": value,
            "value_fold": fold(value),
            "kind": "work" if domain else "home",
            "is_primary": position == 0,
        })
    return values[0]


def _add_phones(world: _World, contact_id: int, lang: str) -> tuple[str, str]:
    phones = [_phone(world, lang)]
    if world.chance(0.35):
        phones.append(_phone(world, lang, mobile=world.chance(0.3)))
    for position, (value, e164) in enumerate(phones):
        world.writer.add(ContactPhone, {
            "id": world.writer.new_id(ContactPhone),
            "contact_id": contact_id,
            "value": value,
            "e164": e164,
            "kind": "mobile" if position == 0 else "work",
            "is_primary": position == 0,
        })
    return phones[0]


def _add_extras(world: _World, contact_id: int, lang: str) -> None:
    """Tags for some contacts, a postal address for some."""
    if world.chance(0.15):
        for tag_id in world.rng.sample(world.tag_ids, world.rng.choice([1, 1, 2])):
            world.writer.add(ContactTag, {"contact_id": contact_id, "tag_id": tag_id})
    if world.chance(0.2):
        world.writer.add(ContactAddress, {
            "id": world.writer.new_id(ContactAddress),
            "contact_id": contact_id,
            "kind": "work",
            "street": world.pools(lang, "street_address"),
            "city": world.pools(lang, "city"),
            "region": "",
            "postcode": world.pools(lang, "postcode"),
            "country": "Россия" if lang == "ru" else world.rng.choice(["USA", "United Kingdom"]),
            "is_primary": True,
        })


# ---------------------------------------------------------------------------------------------
# Leads.


def _spread(world: _World, count: int, guaranteed: Sequence[Any], weights: dict[Any, int]) -> list[Any]:
    """`count` values: each guaranteed one first (so small sets show them all), then weighted draws."""
    values = list(guaranteed[:count])
    if count > len(values):
        values.extend(world.rng.choices(list(weights), list(weights.values()), k=count - len(values)))
    return values


def _make_leads(world: _World, count: int, contacts: list[_Person]) -> list[_Lead]:
    statuses = _spread(world, count, list(_LEAD_STATUS_WEIGHTS), _LEAD_STATUS_WEIGHTS)
    made = [_make_lead(world, status, contacts) for status in statuses]
    world.writer.flush()
    return made


_LeadPerson = tuple[str, str, str | None, tuple[str, str] | None]  # person, company, email, phone


def _stranger(world: _World, lang: str, contacts: list[_Person]) -> _LeadPerson:
    """Who a new lead is: mostly someone new, sometimes a person already in the book (same
    email and phone), as when a client fills in the web form again — the dedupe case."""
    if contacts and world.chance(0.03):
        known = world.rng.choice(contacts)
        return known.full_name, "", known.email, (known.phone, known.phone_e164)
    first, _middle, last = _person_name(world, lang)
    company = _company_name(world, lang) if world.chance(0.7) else ""
    email = _email(world, first, last, lang, None) if world.chance(0.8) else None
    phone = _phone(world, lang) if world.chance(0.7) else None
    return f"{first} {last}", company, email, phone


def _convert(world: _World, lead: _Lead, contacts: list[_Person]) -> _LeadPerson:
    """Make `lead` one that became a contact (and its company): it carries their details."""
    known = world.rng.choice(contacts)
    company = world.companies.get(known.company_id) if known.company_id is not None else None
    lead.lang, lead.contact_id, lead.company_id = known.lang, known.id, known.company_id
    lead.converted_at = world.between(lead.created_at, min(lead.created_at + timedelta(days=20), world.now))
    return known.full_name, company.name if company else "", known.email, (known.phone, known.phone_e164)


def _make_lead(world: _World, status: LeadStatus, contacts: list[_Person]) -> _Lead:
    lead_id = world.writer.new_id(Lead)
    # New leads are fresh; worked, converted and thrown-out ones have had time to be handled.
    created_at = world.days_ago(0, 30) if status is LeadStatus.NEW else world.days_ago(1, 120)
    lead = _Lead(lead_id, world.lang(), "", "", status.value, created_at)
    if status is LeadStatus.DISQUALIFIED:
        lead.reason = world.rng.choice(DISQUALIFY_REASONS)
    if status is LeadStatus.CONVERTED and contacts:
        person, company_name, email, phone = _convert(world, lead, contacts)
    else:
        person, company_name, email, phone = _stranger(world, lead.lang, contacts)
    lead.person = person
    lead.source = world.rng.choice(world.sources)
    lead.title = " · ".join(filter(None, [person, company_name])) or email or "?"
    lang = lead.lang
    next_on, goal = _next_contact(world, lang, 0.4 if status.value in ("new", "working") else 0.0)
    currency = "USD" if lang == "en" and world.chance(0.6) else "RUB"
    world.writer.add(Lead, {
        "id": lead_id,
        "title": lead.title,
        "person_name": person,
        "company_name": company_name,
        "email": email,
        "email_fold": fold(email) if email else None,
        "phone": phone[0] if phone else None,
        "phone_e164": phone[1] if phone else None,
        "source": lead.source,
        "notes": world.rng.choice(_NOTES[lang]) if world.chance(0.2) else None,
        "value": _money(world, currency, small=True) if world.chance(0.5) else None,
        "currency": currency,
        "next_contact_on": next_on,
        "next_contact_goal": goal,
        "status": status.value,
        "disqualify_reason": lead.reason,
        "created_at": created_at,
        "updated_at": created_at,
        "converted_at": lead.converted_at,
        "archived_at": None,
        "contact_id": lead.contact_id,
        "company_id": lead.company_id,
        "deal_id": None,  # set once the deals exist (deal → lead and lead → deal point both ways)
    })
    _lead_events(world, lead)
    return lead


def _lead_events(world: _World, lead: _Lead) -> None:
    """`created`, then what the salesperson did: started work, disqualified, or converted.

    Events before conversion carry no contact (there was none yet), as the services write them.
    """
    entity = (EntityKind.LEAD, lead.id)
    world.event(lead.created_at, EventKind.CREATED, entity, (None, None), f"Lead created: {lead.title}",
                {"source": lead.source})
    if lead.status == LeadStatus.NEW:
        return
    worked_at = world.between(lead.created_at, lead.converted_at or world.now)
    world.event(worked_at, EventKind.STATUS_CHANGED, entity, (None, None), "status: new → working",
                {"old": "new", "new": "working", "reason": None})
    if lead.status == LeadStatus.DISQUALIFIED:
        world.event(world.between(worked_at, world.now), EventKind.STATUS_CHANGED, entity, (None, None),
                    f"status: working → disqualified ({lead.reason})",
                    {"old": "working", "new": "disqualified", "reason": lead.reason})
    elif lead.status == LeadStatus.CONVERTED and lead.converted_at is not None:
        world.event(lead.converted_at, EventKind.CONVERTED, entity, (lead.contact_id, lead.company_id),
                    "Converted to a contact", {"contact_id": lead.contact_id, "company_id": lead.company_id})


def _money(world: _World, currency: str, small: bool = False) -> int:
    """Minor units: 10,000–5,000,000 RUB (rounded to 500) or 1,000–100,000 USD (to 50)."""
    if currency == "USD":
        return world.rng.randint(20, 1_000 if small else 2_000) * 50 * 100
    top = 1_000_000 if small else 5_000_000
    return world.rng.randint(20, top // 500) * 500 * 100


# ---------------------------------------------------------------------------------------------
# Deals.


def _deal_stages(world: _World, count: int) -> list[int]:
    """Stage indexes: half the deals open, the rest won (60%) or lost (40%), every stage used."""
    open_ = world.open_stages
    won = [i for i, stage in enumerate(world.stages) if stage[2] == StageKind.WON]
    lost = [i for i, stage in enumerate(world.stages) if stage[2] == StageKind.LOST]
    closed_weights = {i: max(60 // len(won), 1) for i in won} | {i: max(40 // len(lost), 1) for i in lost}
    # Stages are editable: a board without won/lost (or without open) stages still gets deals.
    open_count = count if not closed_weights else 0 if not open_ else count - count // 2
    closed = _spread(world, count - open_count, won[:1] + lost[:1], closed_weights) if closed_weights else []
    # Earlier stages hold more deals, as in any real funnel.
    open_weights = {index: len(open_) - rank for rank, index in enumerate(open_)}
    stages = _spread(world, open_count, open_, open_weights) + closed
    world.rng.shuffle(stages)
    return stages


def _make_deals(
    world: _World, count: int, contacts: list[_Person], companies: list[_Company], leads: list[_Lead]
) -> list[_Deal]:
    if not world.stages:
        return []
    converted = [lead for lead in leads if lead.converted_at is not None]
    # Up to a third of the deals came from converted leads; the rest were started directly.
    from_leads = converted[: count // 3]
    made: list[_Deal] = []
    lead_links = []
    for index, stage in enumerate(_deal_stages(world, count)):
        lead = from_leads[index] if index < len(from_leads) else None
        deal = _make_deal(world, stage, contacts, companies, lead)
        made.append(deal)
        if lead is not None:
            lead_links.append({"lead": lead.id, "deal": deal.id})
    world.writer.flush()
    if lead_links:
        lead_table = _table(Lead)
        world.writer.connection.execute(
            update(lead_table).where(lead_table.c.id == bindparam("lead")).values(deal_id=bindparam("deal")),
            lead_links,
        )
    return made


def _make_deal(
    world: _World, stage: int, contacts: list[_Person], companies: list[_Company], lead: _Lead | None
) -> _Deal:
    deal_id = world.writer.new_id(Deal)
    stage_id, _stage_name, kind = world.stages[stage]
    person = world.rng.choice(contacts) if contacts else None
    contact_id, company_id = (person.id, person.company_id) if person else (None, None)
    person_name = person.full_name if person else ""
    lang = person.lang if person else world.lang()
    if lead is not None:
        contact_id, company_id, person_name, lang = lead.contact_id, lead.company_id, lead.person, lead.lang
    elif company_id is None and companies and world.chance(0.5):
        company_id = world.rng.choice(companies).id
    company = world.companies.get(company_id) if company_id is not None else None
    # A deal is written in the language of the company it is with, else of the person.
    lang = company.lang if company else lang
    first_stage = world.open_stages[0] if world.open_stages else stage
    created_at, stage_entered_at = _deal_times(world, stage == first_stage, lead)
    currency = "USD" if lang == "en" and world.chance(0.5) else "RUB"
    subject = world.rng.choice(_DEAL_SUBJECTS[lang])
    about = company.name if company else person_name
    title = f"{subject} — {about}" if about else subject
    closed = kind != StageKind.OPEN
    expected: date | None = world.today + timedelta(days=world.rng.randint(-10, 90))
    if closed:
        expected = (stage_entered_at + timedelta(days=world.rng.randint(-5, 5))).date()
    elif world.chance(0.15):
        expected = None
    deal = _Deal(deal_id, lang, title, stage, _money(world, currency), contact_id, company_id,
                 created_at, stage_entered_at,
                 world.rng.choice(LOST_REASONS) if kind == StageKind.LOST else None)
    world.writer.add(Deal, {
        "id": deal_id,
        "title": title,
        "amount": deal.amount,
        "currency": currency,
        "expected_close_on": expected,
        "notes": world.rng.choice(_NOTES[lang]) if world.chance(0.15) else None,
        "contact_id": contact_id,
        "company_id": company_id,
        "stage_id": stage_id,
        "lead_id": lead.id if lead else None,
        "stage_entered_at": stage_entered_at,
        "closed_at": stage_entered_at if closed else None,
        "lost_reason": deal.lost_reason,
        "created_at": created_at,
        "updated_at": stage_entered_at,
        "archived_at": None,
    })
    _deal_events(world, deal)
    return deal


def _deal_times(world: _World, in_first_stage: bool, lead: _Lead | None) -> tuple[datetime, datetime]:
    """(created_at, stage_entered_at).

    Time in the current stage is spread over the past 60 days (that is what rotting measures);
    a deal that has moved on from the first stage was created some time before that. A deal
    made from a lead was created when the lead was converted.
    """
    stage_entered_at = world.days_ago(0, 60)
    created_at = stage_entered_at
    if not in_first_stage:
        created_at -= timedelta(days=world.rng.uniform(1, 90))
    if lead is not None and lead.converted_at is not None:
        created_at = lead.converted_at
        stage_entered_at = created_at if in_first_stage else max(stage_entered_at, created_at)
    return created_at, stage_entered_at


def _deal_path(world: _World, deal: _Deal) -> list[int]:
    """The stages a deal went through: open deals walked the board one stage at a time;
    won and lost deals left from some open stage."""
    open_ = world.open_stages
    if deal.stage in open_:
        return open_[: open_.index(deal.stage) + 1]
    if not open_:
        return [deal.stage]
    return [*open_[: world.rng.randint(1, len(open_))], deal.stage]


def _deal_events(world: _World, deal: _Deal) -> None:
    """`created` in the first stage, then each move that brought the deal where it is.

    The moves are spread between creation and `stage_entered_at`, and the last one happens at
    `stage_entered_at`, so days-in-stage and the timeline agree.
    """
    entity, people = (EntityKind.DEAL, deal.id), (deal.contact_id, deal.company_id)
    path = _deal_path(world, deal)
    first_name = world.stages[path[0]][1]
    world.event(deal.created_at, EventKind.CREATED, entity, people,
                f"Deal created: {deal.title} ({first_name})", {"stage": first_name})
    steps = len(path) - 1
    span = deal.stage_entered_at - deal.created_at
    for number in range(1, steps + 1):
        old, new = world.stages[path[number - 1]], world.stages[path[number]]
        at = deal.stage_entered_at
        if number < steps:
            at = deal.created_at + span * ((number - 1 + world.rng.random()) / steps)
        reason = deal.lost_reason if new[2] == StageKind.LOST else None
        world.event(at, EventKind.STAGE_CHANGED, entity, people,
                    f"stage: {old[1]} → {new[1]}" + (f" ({reason})" if reason else ""),
                    {"from": old[1], "to": new[1], "from_id": old[0], "to_id": new[0], "reason": reason})


# ---------------------------------------------------------------------------------------------
# Activities.

_ACTIVITY_KIND_WEIGHTS = {
    ActivityKind.CALL: 35, ActivityKind.MEETING: 20, ActivityKind.EMAIL: 20, ActivityKind.TASK: 25,
}
# When an activity is due relative to today. About 40% are done; of the open ones some are
# overdue, a few due today, most upcoming. The first five are fixed so that even a tiny demo
# has a Today list with overdue, timed and untimed items.
_WHEN_GUARANTEED = ["today_timed", "today", "overdue", "done", "upcoming"]
_WHEN_WEIGHTS = {"done": 40, "overdue": 18, "today": 4, "upcoming": 38}
# Done calls, meetings and emails are interactions and go to the timeline under their own kind
# (as services.activities.complete_activity writes them); a done task is `activity_done`.
_DONE_EVENTS = {
    ActivityKind.CALL: EventKind.CALL,
    ActivityKind.MEETING: EventKind.MEETING,
    ActivityKind.EMAIL: EventKind.EMAIL,
    ActivityKind.TASK: EventKind.ACTIVITY_DONE,
}


@dataclass(slots=True)
class _Owner:
    """What an activity is about: the ids it links to and the record whose timeline shows it."""

    entity: tuple[EntityKind, int]
    lang: str
    created_at: datetime
    lead_id: int | None = None
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None


@dataclass(slots=True)
class _Due:
    due_on: date
    due_time: time | None
    created_at: datetime
    done_at: datetime | None


def _make_activities(
    world: _World, count: int, contacts: list[_Person], leads: list[_Lead], deals: list[_Deal]
) -> None:
    open_leads = [lead for lead in leads if lead.status in (LeadStatus.NEW, LeadStatus.WORKING)]
    open_deals = [deal for deal in deals if world.stages[deal.stage][2] == StageKind.OPEN]
    for index, when in enumerate(_spread(world, count, _WHEN_GUARANTEED, _WHEN_WEIGHTS)):
        # The guaranteed ones hang on contacts, which are at least a day old, so "overdue" fits.
        pick = "contact" if index < len(_WHEN_GUARANTEED) else world.rng.choices(
            ["contact", "deal", "lead"], [40, 35, 25])[0]
        done = when == "done"
        # Open activities hang on open leads and deals; done ones may be on anything.
        owner = _activity_owner(
            world, pick, contacts, leads if done else open_leads, deals if done else open_deals
        )
        if owner is not None:
            _make_activity(world, when, owner)
    world.writer.flush()


def _activity_owner(
    world: _World, pick: str, contacts: list[_Person], leads: list[_Lead], deals: list[_Deal]
) -> _Owner | None:
    """Deal, lead or contact; falls back to a contact when there is none of the kind picked.

    Like services.activities, an activity on a deal also carries the deal's person and company
    so that it shows on their cards, and the timeline owner is the deal, else the lead, else
    the contact.
    """
    if pick == "deal" and deals:
        deal = world.rng.choice(deals)
        return _Owner((EntityKind.DEAL, deal.id), deal.lang, deal.created_at, contact_id=deal.contact_id,
                      company_id=deal.company_id, deal_id=deal.id)
    if pick == "lead" and leads:
        lead = world.rng.choice(leads)
        return _Owner((EntityKind.LEAD, lead.id), lead.lang, lead.created_at, lead_id=lead.id)
    if not contacts:
        return None
    person = world.rng.choice(contacts)
    return _Owner((EntityKind.CONTACT, person.id), person.lang, person.created_at, contact_id=person.id,
                  company_id=person.company_id)


def _clock_time(world: _World, first_hour: int = 9, last_hour: int = 18) -> time:
    return time(world.rng.randint(first_hour, last_hour), world.rng.choice([0, 15, 30, 45]))


def _activity_due(world: _World, when: str, owner_created: datetime, kind: ActivityKind) -> _Due:
    """Due date, time, creation and completion, never before the owner existed or after now."""
    age = (world.today - to_local(owner_created).date()).days
    rng = world.rng
    if when == "overdue" and age < 1:
        when = "today"
    timed = kind in (ActivityKind.CALL, ActivityKind.MEETING) and world.chance(0.4)
    if when == "done":
        due_on = world.today - timedelta(days=rng.randint(0, min(90, max(age - 1, 0))))
        day = day_start_utc(due_on)
        # Done during working hours on the day it was due.
        done_at = world.between(
            max(owner_created, day + timedelta(hours=8)), min(world.now, day + timedelta(hours=20))
        )
        created_at = world.between(max(owner_created, done_at - timedelta(days=14)), done_at)
        return _Due(due_on, _clock_time(world) if timed else None, created_at, done_at)
    if when == "overdue":
        due_on = world.today - timedelta(days=rng.randint(1, min(30, age)))
        day = day_start_utc(due_on)
        created_at = world.between(max(owner_created, day - timedelta(days=14)), day)
        return _Due(due_on, _clock_time(world) if timed else None, created_at, None)
    created_at = world.between(max(owner_created, world.now - timedelta(days=14)), world.now)
    if when in ("today", "today_timed"):
        timed = timed or when == "today_timed"
        return _Due(world.today, _clock_time(world) if timed else None, created_at, None)
    due_on = world.today + timedelta(days=rng.randint(1, 45))
    return _Due(due_on, _clock_time(world) if timed else None, created_at, None)


def _make_activity(world: _World, when: str, owner: _Owner) -> None:
    activity_id = world.writer.new_id(Activity)
    kind = world.rng.choices(list(_ACTIVITY_KIND_WEIGHTS), list(_ACTIVITY_KIND_WEIGHTS.values()))[0]
    title = world.rng.choice(_ACTIVITY_TITLES[kind][owner.lang])
    due = _activity_due(world, when, owner.created_at, kind)
    outcome = world.rng.choice(_OUTCOMES[kind][owner.lang]) if due.done_at and world.chance(0.8) else None
    world.writer.add(Activity, {
        "id": activity_id,
        "kind": kind.value,
        "title": title,
        "due_on": due.due_on,
        "due_time": due.due_time,
        "notes": world.rng.choice(_NOTES[owner.lang]) if world.chance(0.1) else None,
        "done_at": due.done_at,
        "outcome": outcome,
        "lead_id": owner.lead_id,
        "contact_id": owner.contact_id,
        "company_id": owner.company_id,
        "deal_id": owner.deal_id,
        "created_at": due.created_at,
    })
    people = (owner.contact_id, owner.company_id)
    label = kind.value.capitalize()
    world.event(due.created_at, EventKind.TASK, owner.entity, people,
                f"{label} planned: {title} due {due.due_on.isoformat()}", {"activity_id": activity_id})
    if due.done_at is not None:
        world.event(due.done_at, _DONE_EVENTS[kind], owner.entity, people,
                    f"{label}: {title}" + (f" — {outcome}" if outcome else ""),
                    {"activity_id": activity_id, "outcome": outcome})


# ---------------------------------------------------------------------------------------------
# Extra timeline: notes, logged calls, emails and meetings, field edits.

_FILLER_KINDS = {EventKind.NOTE: 35, EventKind.CALL: 20, EventKind.EMAIL: 20, EventKind.MEETING: 10,
                 EventKind.FIELD_CHANGED: 15}
_INTERACTION_KINDS = {EventKind.CALL: ActivityKind.CALL, EventKind.EMAIL: ActivityKind.EMAIL,
                      EventKind.MEETING: ActivityKind.MEETING}


@dataclass(slots=True)
class _Subject:
    """A record that can get extra events, with the window in which they may happen."""

    entity: tuple[EntityKind, int]
    people: tuple[int | None, int | None]
    lang: str
    start: datetime
    end: datetime


def _pick_subject(
    world: _World, companies: list[_Company], contacts: list[_Person], leads: list[_Lead], deals: list[_Deal]
) -> _Subject | None:
    pools: list[tuple[Sequence[Any], int]] = [(contacts, 45), (companies, 10), (leads, 20), (deals, 25)]
    available = [(pool, weight) for pool, weight in pools if pool]
    if not available:
        return None
    pool = world.rng.choices([p for p, _ in available], [w for _, w in available])[0]
    record = world.rng.choice(pool)
    if isinstance(record, _Person):
        return _Subject((EntityKind.CONTACT, record.id), (record.id, record.company_id), record.lang,
                        record.created_at, world.now)
    if isinstance(record, _Company):
        return _Subject((EntityKind.COMPANY, record.id), (None, record.id), record.lang,
                        record.created_at, world.now)
    if isinstance(record, _Lead):
        # Before conversion a lead has no contact; its extra events all happen before that.
        return _Subject((EntityKind.LEAD, record.id), (None, None), record.lang,
                        record.created_at, record.converted_at or world.now)
    return _Subject((EntityKind.DEAL, record.id), (record.contact_id, record.company_id), record.lang,
                    record.created_at, world.now)


def _field_change(world: _World, subject: _Subject) -> tuple[str, Any, Any]:
    """(field, old, new) of a plausible past edit to this kind of record."""
    rng, lang = world.rng, subject.lang
    some_day = world.today + timedelta(days=rng.randint(-60, 30))
    other_day = some_day + timedelta(days=rng.randint(1, 14))
    choices: dict[EntityKind, list[tuple[str, Any, Any]]] = {
        EntityKind.CONTACT: [
            ("title", None, rng.choice(_JOB_TITLES[lang])),
            ("next_contact_on", some_day.isoformat(), other_day.isoformat()),
            ("is_client", False, True),
        ],
        EntityKind.COMPANY: [
            ("industry", None, rng.choice(_INDUSTRIES[lang])),
            ("next_contact_on", None, some_day.isoformat()),
        ],
        EntityKind.LEAD: [
            ("value", None, _money(world, "RUB", small=True)),
            ("next_contact_on", some_day.isoformat(), other_day.isoformat()),
        ],
        EntityKind.DEAL: [
            ("amount", _money(world, "RUB"), _money(world, "RUB")),
            ("expected_close_on", some_day.isoformat(), other_day.isoformat()),
        ],
    }
    return rng.choice(choices[subject.entity[0]])


def _shown(value: Any, field_name: str) -> str:
    """A value as services.events writes it into an event's text (money in units, not cents)."""
    if value in (None, ""):
        return "—"
    return format_money(value) if field_name in ("amount", "value") else str(value)


def _make_filler_events(
    world: _World,
    target: int,
    companies: list[_Company],
    contacts: list[_Person],
    leads: list[_Lead],
    deals: list[_Deal],
) -> None:
    kinds, weights = list(_FILLER_KINDS), list(_FILLER_KINDS.values())
    for kind in world.rng.choices(kinds, weights, k=max(target - world.events_made, 0)):
        subject = _pick_subject(world, companies, contacts, leads, deals)
        if subject is None:
            return
        at = world.between(subject.start, subject.end)
        if kind == EventKind.NOTE:
            world.event(at, kind, subject.entity, subject.people, world.rng.choice(_NOTES[subject.lang]))
        elif kind == EventKind.FIELD_CHANGED:
            name, old, new = _field_change(world, subject)
            world.event(at, kind, subject.entity, subject.people,
                        f"{name.replace('_', ' ')}: {_shown(old, name)} → {_shown(new, name)}",
                        {"field": name, "old": old, "new": new})
        else:
            activity_kind = _INTERACTION_KINDS[kind]
            title = world.rng.choice(_ACTIVITY_TITLES[activity_kind][subject.lang])
            outcome = world.rng.choice(_OUTCOMES[activity_kind][subject.lang])
            world.event(at, kind, subject.entity, subject.people,
                        f"{kind.capitalize()}: {title} — {outcome}", {"outcome": outcome})
    world.writer.flush()
