"""The reports of mode 5 and `crm-tui report`: each a function (session, period) → Report.

`REPORTS` lists them in the order the app's tabs show them; `build_report` runs one by key.
The report modules are imported when a report runs, so the command line loads only its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.services.reports.model import Report
    from crm_tui.services.reports.period import Period


@dataclass(frozen=True)
class ReportSpec:
    key: str  # the name on the command line
    title: str  # the tab's label
    module: str  # crm_tui.services.reports.<module>.build(session, period) makes it

    @property
    def build(self) -> Callable[[Session, Period], Report]:
        return import_module(f"crm_tui.services.reports.{self.module}").build  # type: ignore[no-any-return]


REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec("funnel", "Funnel", "funnel"),
    ReportSpec("forecast", "Forecast", "forecast"),
    ReportSpec("wonlost", "Won/lost", "wonlost"),
    ReportSpec("sources", "Sources", "sources"),
    ReportSpec("activity", "Activity", "activity"),
    ReportSpec("health", "Health", "health"),
)
REPORT_KEYS = tuple(spec.key for spec in REPORTS)


def report_spec(key: str) -> ReportSpec:
    for spec in REPORTS:
        if spec.key == key:
            return spec
    raise KeyError(key)


def build_report(session: Session, key: str, period: Period) -> Report:
    return report_spec(key).build(session, period)
