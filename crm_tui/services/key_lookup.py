"""Looking up many keys at once: `column IN (…)` for the thousands of keys of an imported file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, String, bindparam, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import col


class _KeyList(TypeDecorator[Any]):
    """A list of keys bound as one parameter: a JSON array for SQLite, an array for PostgreSQL."""

    impl = String
    cache_ok = True

    def __init__(self, item_type: TypeEngine[Any]) -> None:
        super().__init__()
        self.item_type = item_type

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item_type))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return json.dumps(value, ensure_ascii=False) if dialect.name == "sqlite" else list(value)


class _in_key_list(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True


@compiles(_in_key_list, "sqlite")
def _in_key_list_sqlite(element: _in_key_list, compiler: Any, **kw: Any) -> str:
    # A subquery rather than a join: SQLite then scans a column without an index once.
    column, keys = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} IN (SELECT value FROM json_each({keys}))"


@compiles(_in_key_list)
def _in_key_list_elsewhere(element: _in_key_list, compiler: Any, **kw: Any) -> str:
    column, keys = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} = ANY({keys})"


def among(column: Any, values: Iterable[Any]) -> Any:
    """`column IN (values)`, the values bound as one parameter — a JSON array that SQLite
    unpacks (json_each), an array on PostgreSQL: a file's 100,000 keys make one query with one
    parameter, where a list would make hundreds of queries of a few hundred parameters, each
    prepared by SQLAlchemy in Python (and PostgreSQL takes at most 65,535 per statement)."""
    listed: list[Any] = []
    with_nul: list[Any] = []
    for value in values:
        # json_each cuts a string at an escaped NUL: such a (rare) value is bound as it is.
        (with_nul if isinstance(value, str) and "\x00" in value else listed).append(value)
    column_type: TypeEngine[Any] = col(column).type  # type: ignore[attr-defined]
    condition = _in_key_list(col(column), bindparam(None, listed, type_=_KeyList(column_type)))
    return or_(condition, col(column).in_(with_nul)) if with_nul else condition
