"""Hints to SQLite's query planner, spelled so that they mean nothing elsewhere.

SQLite has no statistics unless ANALYZE runs, and then sometimes walks an index that merely
starts with a column a query filters on. The documented way to keep it off such an index is a
unary plus on the column (`+activity.done_at`): the value is the same, but the planner no
longer sees a column it could look up. PostgreSQL has no unary plus for timestamps and plans
from real statistics, so there the column is written as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class not_via_index(FunctionElement[Any]):
    """The column's value, which SQLite must not find through an index on that column."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(not_via_index, "sqlite")
def _not_via_index_sqlite(element: not_via_index, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(not_via_index)
def _not_via_index_elsewhere(element: not_via_index, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))
