"""Figures of the Reports mode: each report built on the benchmark database, over the year the
data set spans (its deals, leads and events are spread over the months before it was made)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from crmbench.context import Context, alternate
from crmbench.measure import probe
from crmbench.results import Budget, Result
from crmbench.stats import Stats

# The reports issue: each report answers in under 1 s on the benchmark database.
REPORT = Budget("max", 1.0)
REPORT_KINDS = ("funnel", "forecast", "wonlost", "sources", "activity", "health")


def _year_to_today() -> tuple[str, str]:
    today = date.today()
    return (today - timedelta(days=365)).isoformat(), today.isoformat()


def report_figure(kind: str) -> Callable[[Context], Result]:
    def measure(ctx: Context) -> Result:
        data = ctx.dataset
        first, last = _year_to_today()
        measured, baseline = alternate(
            ctx.repeats,
            lambda: probe("report_probe.py", str(data.db), kind, first, last),
            lambda: probe("report_probe.py", str(data.empty_db), kind, first, last),
        )
        return Result(
            f"report_{kind}",
            f"Report {kind} ({first} – {last}, {measured[0]['rows']} rows)",
            measured=Stats([run["build_s"] for run in measured], "s", "benchmark DB"),
            baseline=Stats([run["build_s"] for run in baseline], "s", "empty DB"),
            budget=REPORT,
            method="A fresh process per run, the database opened and the report's module imported "
            "first; the time of build_report(session, kind, period) over the last 365 days "
            "(every query and the arithmetic on their rows). The empty database is the baseline.",
        ).judge()

    measure.__name__ = f"report_{kind}"
    return measure
