"""The search itself, in plain SQL over any connection: the app and the services run it through
SQLAlchemy, and `crm-tui search` through the standard library's sqlite3 alone, so a search from
the shell answers without loading the ORM (which takes longer to import than the search takes).

Light on purpose: nothing here imports SQLAlchemy, SQLModel or phonenumbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from crm_tui.folding import search_fold
from crm_tui.money import format_money

# Runs one statement with named parameters (`:name`) and gives back its rows.
Execute = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]

# Each searchable record has one row in `search_index`; its rowid encodes (kind, id).
KIND_CODES = {"contact": 1, "company": 2, "lead": 3, "deal": 4}
KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}
ROWID_SPREAD = 8

# Ranking (bm25) scores every match before LIMIT applies: a millisecond or two for a few
# hundred matches, 7 ms for the 1,500 Корнилов of the benchmark data and hundreds for the
# first letter typed over 100,000 records. Past this many matches the first ones are shown
# unranked; the next keystroke narrows them anyway.
RANKED_MATCHES = 500


@dataclass(frozen=True)
class Hit:
    kind: str  # contact, company, lead, deal
    id: int
    title: str
    detail: str


def rowid_for(kind: str, record_id: int) -> int:
    return record_id * ROWID_SPREAD + KIND_CODES[kind]


# The index per database. SQLite: an FTS5 table (see db/schema.py). PostgreSQL: a table whose
# `words` column is the body's tsvector under the `simple` configuration (no stemming, no stop
# words), with a GIN index. Both hold bodies already folded by `search_fold`, so case and
# accents fold alike in every alphabet on both; both match every query word as a prefix.
MATCH_SQL = {
    "sqlite": "search_index MATCH :expression",
    "postgresql": "words @@ to_tsquery('simple', :expression)",
}
RANK_SQL = {
    "sqlite": "rank",
    "postgresql": "ts_rank(words, to_tsquery('simple', :expression)) DESC, rowid",
}

# A token as FTS5's unicode61 sees one: a run of letters and digits.
_TOKEN = re.compile(r"[^\W_]+")


def index_body(body: str, dialect: str) -> str:
    """What goes into the index for a record's text. PostgreSQL's parser would keep an email or
    a URL whole where unicode61 splits it into words; giving it the words alone, one space
    apart, makes "example" find "ivan@example.com" on both."""
    folded = search_fold(body)
    return folded if dialect == "sqlite" else " ".join(_TOKEN.findall(folded))


def match_expression(query: str, dialect: str = "sqlite") -> str | None:
    """The index's query for what was typed: every word as a prefix, all required.
    FTS5: quoted prefixes (`"иван"* "пет"*`); PostgreSQL: a tsquery (`иван:* & пет:*`)."""
    if dialect == "sqlite":
        words = re.findall(r"\w+", search_fold(query))
        return " ".join(f'"{word}"*' for word in words) if words else None
    tokens = _TOKEN.findall(search_fold(query))  # letters and digits only: nothing to escape
    return " & ".join(f"{token}:*" for token in tokens) if tokens else None


def matching_rowids(execute: Execute, expression: str, limit: int, dialect: str = "sqlite") -> list[int]:
    # FTS5 yields matches lazily, so a capped scan stops early on a broad query.
    match = MATCH_SQL[dialect]
    found = execute(
        f"SELECT rowid FROM search_index WHERE {match} LIMIT :cap",
        {"expression": expression, "cap": RANKED_MATCHES},
    )
    if len(found) >= RANKED_MATCHES:
        return [row[0] for row in found[:limit]]
    ranked = execute(
        f"SELECT rowid FROM search_index WHERE {match} ORDER BY {RANK_SQL[dialect]} LIMIT :limit",
        {"expression": expression, "limit": limit},
    )
    return [row[0] for row in ranked]


def _joined(*parts: Any) -> str:
    return " · ".join(str(part) for part in parts if part)


# Per kind: the columns of one line about a record, and how they read. `{ids}` is replaced by
# the placeholders of the ids asked for.
_SUMMARIES: dict[str, tuple[str, Callable[[Sequence[Any]], tuple[str, str]]]] = {
    "contact": (
        "SELECT contact.id, contact.full_name, company.name, contact.title FROM contact "
        "LEFT JOIN company ON company.id = contact.company_id WHERE contact.id IN ({ids})",
        lambda row: (row[1], _joined(row[2], row[3])),
    ),
    "company": (
        "SELECT id, name, industry, website FROM company WHERE id IN ({ids})",
        lambda row: (row[1], _joined(row[2], row[3])),
    ),
    "lead": (
        "SELECT id, title, status, source, email FROM lead WHERE id IN ({ids})",
        lambda row: (row[1], _joined(row[2], row[3], row[4])),
    ),
    "deal": (
        "SELECT deal.id, deal.title, stage.name, deal.amount, deal.currency, company.name FROM deal "
        "JOIN stage ON stage.id = deal.stage_id LEFT JOIN company ON company.id = deal.company_id "
        "WHERE deal.id IN ({ids})",
        lambda row: (row[1], _joined(row[2], format_money(row[3], row[4]), row[5])),
    ),
}


def summarize(execute: Execute, kind: str, ids: list[int]) -> list[Hit]:
    """One line (title and detail) about each record of a kind, for search results."""
    if not ids:
        return []
    sql, describe = _SUMMARIES[kind]
    placeholders = ", ".join(f":id{position}" for position in range(len(ids)))
    parameters = {f"id{position}": record_id for position, record_id in enumerate(ids)}
    return [Hit(kind, row[0], *describe(row)) for row in execute(sql.format(ids=placeholders), parameters)]


def find(execute: Execute, query: str, limit: int = 50, dialect: str = "sqlite") -> list[Hit]:
    """Records whose names, emails, phones or related names start with every word typed."""
    expression = match_expression(query, dialect)
    if expression is None:
        return []
    wanted: dict[str, list[int]] = defaultdict(list)
    order: list[tuple[str, int]] = []
    for rowid in matching_rowids(execute, expression, limit, dialect):
        kind, record_id = KINDS_BY_CODE[rowid % ROWID_SPREAD], rowid // ROWID_SPREAD
        wanted[kind].append(record_id)
        order.append((kind, record_id))
    described = {
        (hit.kind, hit.id): hit for kind, ids in wanted.items() for hit in summarize(execute, kind, ids)
    }
    return [described[key] for key in order if key in described]
