"""Build one report in a process of its own and print how long it took, as JSON.

    python report_probe.py DB KIND FROM TO     e.g. report_probe.py crm.sqlite3 funnel 2025-11-22 2026-11-22

The database is opened and the report's module imported before the clock starts: the figure
is the database work and the report's arithmetic, what a person waits for after pressing a key
in mode 5 (the app has long finished starting by then).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date


def main(db: str, kind: str, first: str, last: str) -> None:
    from crm_tui.db.engine import session_scope
    from crm_tui.db.schema import open_database
    from crm_tui.services.reports import build_report, report_spec
    from crm_tui.services.reports.period import Period

    engine = open_database(db)
    report_spec(kind).build  # noqa: B018 - imports the report's module, outside the timing
    period = Period(date.fromisoformat(first), date.fromisoformat(last))
    started = time.perf_counter()
    with session_scope(engine) as session:
        report = build_report(session, kind, period)
    elapsed = time.perf_counter() - started
    rows = sum(len(table.rows) for table in report.tables)
    print(json.dumps({"build_s": elapsed, "rows": rows}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
