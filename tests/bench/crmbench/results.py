"""What a figure reports: measured and baseline samples, the ratio, the budget and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from crmbench.stats import Stats, fmt

Status = Literal["pass", "FAIL", "info", "skipped", "error"]


@dataclass(frozen=True)
class Budget:
    """A limit from DESIGN.md ("Budgets"): on the ratio to the baseline, or an absolute maximum.

    `statistic` is what is compared: the median, or a percentile such as "p95" for latency.
    """

    kind: Literal["ratio", "max", "none"]
    limit: float = 0.0
    statistic: str = "median"
    note: str = ""

    def text(self, unit: str = "s") -> str:
        if self.kind == "none":
            return "—"
        if self.kind == "ratio":
            shown = f"≤ {self.limit:g}×"
        else:
            shown = f"{self.statistic} < {fmt(self.limit, unit)}"
        return f"{shown} ({self.note})" if self.note else shown


NO_BUDGET = Budget("none")


@dataclass
class Result:
    name: str
    title: str
    measured: Stats | None = None
    baseline: Stats | None = None
    budget: Budget = NO_BUDGET
    status: Status = "info"
    reason: str = ""
    # How it was measured, for BENCHMARKS.md; and anything else worth keeping in the JSON.
    method: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Measured over baseline, on the statistic the budget is about (median by default)."""
        if self.measured is None or self.baseline is None:
            return None
        base = self.baseline.statistic(self.budget.statistic)
        return self.measured.statistic(self.budget.statistic) / base if base else None

    def judge(self) -> Result:
        """Set the verdict from the budget; a figure without one is for information."""
        if self.measured is None:
            return self
        if self.budget.kind == "ratio" and self.ratio is not None:
            self.status = "pass" if self.ratio <= self.budget.limit else "FAIL"
        elif self.budget.kind == "max":
            within = self.measured.statistic(self.budget.statistic) < self.budget.limit
            self.status = "pass" if within else "FAIL"
        else:
            self.status = "info"
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "status": self.status if not self.reason else f"{self.status}: {self.reason}",
            "ok": self.status in ("pass", "FAIL", "info"),
            "measured": self.measured.to_json() if self.measured else None,
            "baseline": self.baseline.to_json() if self.baseline else None,
            "ratio": self.ratio,
            "budget": {
                "kind": self.budget.kind,
                "limit": self.budget.limit,
                "statistic": self.budget.statistic,
                "text": self.budget.text(self.measured.unit if self.measured else "s"),
            },
            "method": self.method,
            "details": self.details,
        }


def skipped(name: str, title: str, reason: str) -> Result:
    return Result(name, title, status="skipped", reason=reason)


def failed(name: str, title: str, reason: str) -> Result:
    return Result(name, title, status="error", reason=reason)
