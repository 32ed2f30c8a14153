"""Date arithmetic inside SQL, written once per database dialect, so reports aggregate in the
database (GROUP BY a local day, AVG of a duration) instead of looping over rows in Python.

SQLite stores moments as UTC text; PostgreSQL as timestamps. Each construct
below compiles to its dialect's spelling; a dialect without one fails loudly at compile time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from crm_tui.dates import local_zone_name


class local_day(FunctionElement[str]):
    """The user's local calendar day of a stored UTC moment, as ISO text (`2026-11-20`).

    SQLite's `localtime` follows the process's time zone (TZ), daylight saving included, as
    Python's `astimezone()` does.
    """

    type = String()
    inherit_cache = True

    def __init__(self, moment: Any) -> None:
        # The zone travels as a bound value (PostgreSQL's spelling needs it; SQLite's ignores
        # it): a statement compiled once still follows a change of TZ.
        super().__init__(moment, literal(local_zone_name()))


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    moment, _zone = element.clauses
    return f"date({compiler.process(moment, **kw)}, 'localtime')"


class days_between(FunctionElement[float]):
    """`later − earlier` in days, fractional (a deal's days in a stage, a sales cycle)."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


# PostgreSQL: moments are `timestamp with time zone`; the local day is taken in the zone of
# the process asking, as SQLite's localtime does, not in the server's.
@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: Any, **kw: Any) -> str:
    moment, zone = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"to_char({moment} AT TIME ZONE {zone}, 'YYYY-MM-DD')"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    # EXTRACT gives numeric (a Decimal in Python): as double precision, the same float SQLite gives.
    return (
        f"CAST(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
        " / 86400.0 AS DOUBLE PRECISION)"
    )
