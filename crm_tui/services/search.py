"""Search across contacts, companies, leads and deals through one FTS5 index.

Each searchable record has one row in `search_index` whose rowid encodes (kind, id), so a
record is re-indexed with one delete and one insert by rowid. The body holds names, emails,
phone digits (as typed and in E.164) and the related company or person. FTS5's unicode61
tokenizer folds case for every alphabet, so "иванов" finds "Иванов"; every query word is a
prefix match, so results come while the user is still typing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from sqlalchemy import ColumnElement, String, bindparam, literal_column, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import NullType, TypeDecorator
from sqlmodel import Session, col, select

from crm_tui.db.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    EntityKind,
    Lead,
    Tag,
)
from crm_tui.folding import search_fold
from crm_tui.services.search_core import (
    KIND_CODES,
    MATCH_SQL,
    ROWID_SPREAD,
    find,
    index_body,
    match_expression,
    rowid_for,
)
from crm_tui.services.summaries import RecordSummary
from crm_tui.services.validation import digits_of

_CHUNK = 500


def _national_number(digits: str) -> str:
    """The digits after the country code (9123456789 of 79123456789)."""
    for length in (1, 2, 3):  # country codes are prefix-free, so the first hit is the one
        if int(digits[:length] or 0) in COUNTRY_CODE_TO_REGION_CODE:
            return digits[length:]
    return ""


def _phone_terms(value: str | None, e164: str | None) -> list[str]:
    """The phone as typed plus its digit runs, so "+7 912…", "8912…" and "912…" all match."""
    e164_digits = e164[1:] if e164 and e164[1:].isdigit() else digits_of(e164)
    terms = [value or "", digits_of(value), e164_digits, _national_number(e164_digits)]
    if e164 and e164.startswith("+7"):
        terms.append("8" + e164[2:])  # Russian numbers are dialled with a leading 8 too
    return [term for term in terms if term]


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def _contact_bodies(session: Session, ids: Sequence[int]) -> dict[int, str]:
    rows = session.exec(
        select(Contact.id, Contact.full_name, Contact.title, Company.name)
        .outerjoin(Company, col(Company.id) == Contact.company_id)
        .where(col(Contact.id).in_(ids), col(Contact.archived_at).is_(None))
    ).all()
    parts: dict[int, ContactWords] = {
        row[0]: ContactWords([row[1] or "", row[2] or "", row[3] or ""]) for row in rows if row[0] is not None
    }
    for contact_id, value in session.exec(
        select(ContactEmail.contact_id, ContactEmail.value).where(col(ContactEmail.contact_id).in_(ids))
    ):
        if contact_id in parts:
            parts[contact_id].emails.append(value)
    for contact_id, value, e164 in session.exec(
        select(ContactPhone.contact_id, ContactPhone.value, ContactPhone.e164).where(
            col(ContactPhone.contact_id).in_(ids)
        )
    ):
        if contact_id in parts:
            parts[contact_id].phones.append((value, e164))
    for contact_id, name in session.exec(
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, col(Tag.id) == ContactTag.tag_id)
        .where(col(ContactTag.contact_id).in_(ids))
    ):
        if contact_id in parts:
            parts[contact_id].tags.append(name)
    return {record_id: words.body() for record_id, words in parts.items()}


@dataclass
class ContactWords:
    """What a contact is found by: read back from the database, or taken from the rows an
    import is about to insert (which then need no second trip to the database)."""

    names: list[str]  # full name, title, company name
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str | None]] = field(default_factory=list)  # (as typed, E.164)
    tags: list[str] = field(default_factory=list)

    def body(self) -> str:
        phone_terms = (term for value, e164 in self.phones for term in _phone_terms(value, e164))
        return " ".join(filter(None, [*self.names, *self.emails, *phone_terms, *self.tags]))


def _company_bodies(session: Session, ids: Sequence[int]) -> dict[int, str]:
    rows = session.exec(
        select(Company).where(col(Company.id).in_(ids), col(Company.archived_at).is_(None))
    ).all()
    return {
        company.id: " ".join(
            filter(
                None,
                [
                    company.name,
                    company.website,
                    company.email,
                    company.industry,
                    *_phone_terms(company.phone, None),
                ],
            )
        )
        for company in rows
        if company.id is not None
    }


_LEAD_COLUMNS = (
    "id",
    "title",
    "person_name",
    "company_name",
    "email",
    "source",
    "phone",
    "phone_e164",
    "extra",
)


def lead_body(lead: dict[str, Any]) -> str:
    """What a lead is found by (its columns as a dict: a row read back, or one about to be
    inserted by an import, which then needs no second trip to the database)."""
    extra = lead.get("extra") or {}
    return " ".join(
        filter(
            None,
            [
                lead["title"],
                lead["person_name"],
                lead["company_name"],
                lead["email"],
                lead["source"],
                *_phone_terms(lead["phone"], lead["phone_e164"]),
                *(email["value"] for email in extra.get("emails", [])),
                *(
                    term
                    for phone in extra.get("phones", [])
                    for term in _phone_terms(phone["value"], phone.get("e164"))
                ),
            ],
        )
    )


def _lead_bodies(session: Session, ids: Sequence[int]) -> dict[int, str]:
    columns = [getattr(Lead, name) for name in _LEAD_COLUMNS]
    rows = session.exec(select(*columns).where(col(Lead.id).in_(ids), col(Lead.archived_at).is_(None)))
    return {row[0]: lead_body(dict(zip(_LEAD_COLUMNS, row, strict=True))) for row in rows}


def _deal_bodies(session: Session, ids: Sequence[int]) -> dict[int, str]:
    rows = session.exec(
        select(Deal.id, Deal.title, Contact.full_name, Company.name)
        .outerjoin(Contact, col(Contact.id) == Deal.contact_id)
        .outerjoin(Company, col(Company.id) == Deal.company_id)
        .where(col(Deal.id).in_(ids), col(Deal.archived_at).is_(None))
    ).all()
    return {row[0]: " ".join(filter(None, row[1:])) for row in rows if row[0] is not None}


_BODY_BUILDERS = {
    EntityKind.CONTACT: _contact_bodies,
    EntityKind.COMPANY: _company_bodies,
    EntityKind.LEAD: _lead_bodies,
    EntityKind.DEAL: _deal_bodies,
}


def index_new(session: Session, kind: EntityKind, bodies: dict[int, str]) -> None:
    """Index records just created, whose bodies the caller already has (a bulk import)."""
    _insert_bodies(session, kind, bodies)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert_bodies(session: Session, kind: EntityKind, bodies: dict[int, str]) -> None:
    if not bodies:
        return  # an empty list would read as "no parameters" to the driver
    dialect = _dialect(session)
    if dialect != "sqlite":
        session.connection().execute(
            text("INSERT INTO search_index (rowid, body) VALUES (:rowid, :body)"),
            [
                {"rowid": rowid_for(kind, record_id), "body": index_body(body, dialect)}
                for record_id, body in bodies.items()
            ],
        )
        return
    # Straight to the driver as tuples: an import of 100,000 rows spent more time in
    # SQLAlchemy's parameter handling than in FTS5.
    session.connection().exec_driver_sql(
        "INSERT INTO search_index (rowid, body) VALUES (?, ?)",
        [(rowid_for(kind, record_id), search_fold(body)) for record_id, body in bodies.items()],
    )


def reindex(session: Session, kind: EntityKind, ids: Iterable[int]) -> None:
    """Bring the index rows of these records up to date (archived ones drop out)."""
    for chunk in _chunks(ids):
        bodies = _BODY_BUILDERS[kind](session, chunk)
        connection = session.connection()
        connection.execute(
            text("DELETE FROM search_index WHERE rowid = :rowid"),
            [{"rowid": rowid_for(kind, record_id)} for record_id in chunk],
        )
        if bodies:
            _insert_bodies(session, kind, bodies)


def reindex_deals_of(session: Session, kind: EntityKind, record_id: int) -> None:
    """Re-index the deals of a contact or company: their index rows hold its name."""
    column = Deal.contact_id if kind is EntityKind.CONTACT else Deal.company_id
    ids = session.exec(select(Deal.id).where(column == record_id)).all()
    reindex(session, EntityKind.DEAL, [deal_id for deal_id in ids if deal_id is not None])


def rebuild_index(session: Session) -> None:
    """Re-index every record (after bulk loads that bypass the services)."""
    session.connection().execute(text("DELETE FROM search_index"))
    for kind, model in (
        (EntityKind.CONTACT, Contact),
        (EntityKind.COMPANY, Company),
        (EntityKind.LEAD, Lead),
        (EntityKind.DEAL, Deal),
    ):
        ids = session.exec(select(model.id)).all()  # type: ignore[attr-defined]
        # The index is empty: insert only (each reindex would first delete every row it adds).
        for chunk in _chunks(record_id for record_id in ids if record_id is not None):
            _insert_bodies(session, kind, _BODY_BUILDERS[kind](session, chunk))


def search(session: Session, query: str, limit: int = 50) -> list[RecordSummary]:
    """Records whose names, emails, phones or related names start with every word typed."""
    connection = session.connection()

    def execute(sql: str, parameters: dict[str, Any]) -> Sequence[Any]:
        return connection.execute(text(sql), parameters).all()

    return [
        RecordSummary(EntityKind(hit.kind), hit.id, hit.title, hit.detail)
        for hit in find(execute, query, limit, _dialect(session))
    ]


def count_typed(session: Session, kind: EntityKind, typed: str, cap: int) -> int:
    """How many records of a kind the typed words find, counted up to `cap`.

    Kept for the rest of the session: a list counts its matches and then pages them (which
    needs the count to choose its plan) in one session, on every keystroke."""
    dialect = _dialect(session)
    expression = match_expression(typed, dialect)
    if expression is None:
        return 0
    key = ("count_typed", kind, expression, cap)
    if key not in session.info:
        session.info[key] = session.exec(  # type: ignore[call-overload]
            text(
                f"SELECT count(*) FROM (SELECT rowid FROM search_index WHERE {MATCH_SQL[dialect]} "
                f"AND rowid % {ROWID_SPREAD} = :code LIMIT :cap) AS found"
            ).bindparams(expression=expression, code=KIND_CODES[kind.value], cap=cap)
        ).one()[0]
    return int(session.info[key])


class _TypedWords(TypeDecorator[str]):
    """What was typed, bound as the index's query in the spelling of the database it goes to."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str:
        return match_expression(value or "", dialect.name) or ""


class _matches_typed(FunctionElement[bool]):
    """`search_index MATCH …` on SQLite, `words @@ to_tsquery(…)` on PostgreSQL. Untyped on
    purpose: typed Boolean, SQLAlchemy would write `MATCH ? = 1` for SQLite, which FTS5 refuses."""

    type = NullType()  # type: ignore[assignment]
    inherit_cache = True


@compiles(_matches_typed)
def _matches_typed_sql(element: _matches_typed, compiler: Any, **kw: Any) -> str:
    expression = compiler.process(element.clauses, **kw)
    return MATCH_SQL[compiler.dialect.name].replace(":expression", expression)


def typed_into(id_column: Any, kind: EntityKind, typed: str) -> ColumnElement[bool] | None:
    """`id_column IN (records of this kind found by what was typed)`, for a list's own search
    box: the same index, folding and prefix rules as the global search. None: nothing typed."""
    if match_expression(typed) is None:
        return None
    matching: Any = (
        select(literal_column(f"rowid / {ROWID_SPREAD}"))
        .select_from(text("search_index"))
        .where(
            _matches_typed(bindparam(None, typed, type_=_TypedWords())),
            literal_column(f"rowid % {ROWID_SPREAD}") == KIND_CODES[kind.value],
        )
    )
    return col(id_column).in_(matching)
