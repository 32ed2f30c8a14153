"""Date arithmetic inside SQL, written once per database dialect, so reports aggregate in the
database (GROUP BY a local day, AVG of a duration) instead of looping over rows in Python.

SQLite stores moments as UTC text; PostgreSQL (a later issue) as timestamps. Each construct
below compiles to its dialect's spelling; a dialect without one fails loudly at compile time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class local_day(FunctionElement[str]):
    """The user's local calendar day of a stored UTC moment, as ISO text (`2026-11-20`).

    SQLite's `localtime` follows the process's time zone (TZ), daylight saving included, as
    Python's `astimezone()` does.
    """

    type = String()
    inherit_cache = True


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'localtime')"


class days_between(FunctionElement[float]):
    """`later − earlier` in days, fractional (a deal's days in a stage, a sales cycle)."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


# PostgreSQL (issue 12): timestamps are `timestamp without time zone` holding UTC, and the
# session's TimeZone setting is the user's zone, as SQLite's localtime is the process's.
@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"to_char(({moment} AT TIME ZONE 'UTC') AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD')"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
        " / 86400.0)"
    )
