"""Inserting many rows at once, as fast as the driver allows.

SQLAlchemy Core's executemany is correct but spends more time per row building and
processing parameter dicts than SQLite spends storing the row: a 100,000-row import paid
seconds for it. Here the statement is compiled once and each row becomes a plain tuple,
converted by the very bind processors SQLAlchemy would use (dates, JSON, booleans), so what
is stored is byte for byte what Core stores; the tuples go to the driver's executemany.
Other databases than SQLite keep Core's path: their drivers' parameter styles differ and
the fast path is only measured on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, insert

_MISSING = object()
Converter = Callable[[Any], Any] | None


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts by column name) into `table`, inside the caller's transaction.

    Columns a row leaves out get their column default (scalar or callable), as with Core."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), same_keys(table, rows))
        return
    columns = [column for column in table.columns if column.name in rows[0] or column.default is not None]
    fillers = [_filler(column, connection) for column in columns]
    names = ", ".join(f'"{column.name}"' for column in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    # Column by column, then zipped into rows: a tight loop per column is several times
    # faster than building each row's tuple cell by cell (this is the hot loop of an import).
    values_by_column = []
    for column, filler in zip(columns, fillers, strict=True):
        name = column.name
        if filler is None:
            values_by_column.append([row.get(name) for row in rows])
        else:
            values_by_column.append(list(map(filler, [row.get(name, _MISSING) for row in rows])))
    connection.exec_driver_sql(statement, list(zip(*values_by_column, strict=True)))


def same_keys(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Core's executemany needs every row to name the same columns: a column some rows leave
    out gets its default in those rows, as a single-row insert would give it."""
    names = {name for row in rows for name in row}
    missing_values: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        if column.name not in names:
            continue
        default = column.default
        if default is None:
            missing_values[column.name] = lambda: None
        elif default.is_callable:
            missing_values[column.name] = lambda arg=default.arg: arg(None)  # type: ignore[attr-defined, misc]
        else:
            missing_values[column.name] = lambda constant=default.arg: constant  # type: ignore[attr-defined, misc]
    return [
        row
        if len(row) == len(names)
        else {**{name: make() for name, make in missing_values.items() if name not in row}, **row}
        for row in rows
    ]


def _filler(column: Column[Any], connection: Connection) -> Callable[[Any], Any] | None:
    """How to turn a row's cell (`_MISSING` when the row leaves the column out) into the
    value to store: the default if missing, then the column type's bind processor. None when
    the cell is stored as it is (no default, no conversion: the common case, kept cheap)."""
    dialect = connection.dialect
    convert: Converter = column.type.dialect_impl(dialect).bind_processor(dialect)
    default = column.default
    if default is None:
        if convert is None:
            return None
        missing: Callable[[], Any] = lambda: None  # noqa: E731 - a nullable column left out
    elif default.is_callable:
        arg = default.arg  # type: ignore[attr-defined]
        missing = lambda: arg(None)  # noqa: E731 - SQLAlchemy wraps it to take a context
    else:
        constant = default.arg  # type: ignore[attr-defined]
        missing = lambda: constant  # noqa: E731

    if convert is None:
        return lambda value: missing() if value is _MISSING else value
    # Most date columns are empty in most rows (converted_at, archived_at…): when the type
    # stores None as NULL, skip its processor for them. (JSON does not: None is "null".)
    none_stays_none = convert(None) is None
    # Rows of one batch often share a value object (one `now` for every event): convert it once.
    last: list[Any] = [object(), None]  # (value, stored); no value is this new object

    def converted(value: Any) -> Any:
        if value is None and none_stays_none:
            return None
        if value is last[0]:
            return last[1]
        stored = convert(missing() if value is _MISSING else value)
        if value is not _MISSING:
            last[0], last[1] = value, stored
        return stored

    return converted
