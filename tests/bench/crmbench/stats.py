"""Samples and their summary: median and spread, and the percentiles latency budgets use."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], share: float) -> float:
    """The `share` (0–1) percentile, interpolated between the two nearest samples."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Stats:
    """Repeated measurements of one thing, in one unit ("s", "ms", "MiB")."""

    samples: list[float]
    unit: str
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    def p(self, share: float) -> float:
        return percentile(self.samples, share)

    def statistic(self, name: str) -> float:
        """The number a budget is checked against: "median", "p50" or "p95"."""
        if name == "median":
            return self.median
        return self.p(int(name.removeprefix("p")) / 100)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "unit": self.unit,
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "p50": self.p(0.5),
            "p95": self.p(0.95),
            "n": len(self.samples),
            "samples": [round(value, 6) for value in self.samples],
            **self.extra,
        }


def readable_unit(largest: float, unit: str) -> tuple[float, str]:
    """Seconds under one read better as milliseconds: (factor, unit) to show them in."""
    return (1000.0, "ms") if unit == "s" and largest < 1 else (1.0, unit)


def number(value: float) -> str:
    """3 significant digits, thousands separated."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:#.3g}".rstrip(".")


def fmt(value: float, unit: str) -> str:
    factor, shown = readable_unit(value, unit)
    return f"{number(value * factor)} {shown}"


def fmt_spread(stats: Stats) -> str:
    """Median (min–max, n=runs), in one unit: "412 ms (398–455, n=5)"."""
    factor, shown = readable_unit(stats.high, stats.unit)
    median, low, high = (number(value * factor) for value in (stats.median, stats.low, stats.high))
    return f"{median} {shown} ({low}–{high}, n={len(stats.samples)})"
