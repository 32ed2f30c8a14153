"""Looking up many keys at once: `column IN (…)` for the thousands of keys of an imported file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select


def among(column: Any, values: Iterable[Any]) -> Any:
    """`column IN (values)`, the values bound as one JSON array that SQLite unpacks
    (json_each): a file's 100,000 keys make one query with one parameter, where a list would
    make hundreds of queries of a few hundred parameters, each prepared by SQLAlchemy in Python.
    (A subquery rather than a join: SQLite then scans a column without an index once.)"""
    in_json: list[Any] = []
    with_nul: list[Any] = []
    for value in values:
        # json_each cuts a string at an escaped NUL: such a (rare) value is bound as it is.
        (with_nul if isinstance(value, str) and "\x00" in value else in_json).append(value)
    array = func.json_each(json.dumps(in_json, ensure_ascii=False)).table_valued("value")
    condition = col(column).in_(select(array.c.value))
    return or_(condition, col(column).in_(with_nul)) if with_nul else condition
