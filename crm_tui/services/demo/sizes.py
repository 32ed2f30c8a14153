"""How big a demo data set is: a count per kind of record."""

from __future__ import annotations

from dataclasses import dataclass

# The benchmark data set of DESIGN.md, "Budgets".
_BENCHMARK = {
    "contacts": 100_000,
    "companies": 20_000,
    "leads": 100_000,
    "deals": 10_000,
    "activities": 50_000,
    "events": 500_000,
}


@dataclass
class DemoSize:
    """How many records of each kind to generate.

    `events` is a target for the whole timeline: every record always gets its `created` event
    (and its real history: status changes, stage moves, done activities); extra notes, calls,
    emails, meetings and field changes fill the timeline up to this number.
    """

    contacts: int
    companies: int
    leads: int
    deals: int
    activities: int
    events: int

    @classmethod
    def for_size(cls, n: int) -> DemoSize:
        """A data set of `n` contacts with the benchmark's ratios.

        Each kind has a floor so that even a tiny set shows every lead status, every stage,
        overdue and today's activities.
        """
        n = max(n, 0)
        return cls(
            contacts=max(n, 5),
            companies=max(n // 5, 3),
            leads=max(n, 8),
            deals=max(n // 10, 8),
            activities=max(n // 2, 12),
            events=max(n * 5, 60),
        )

    @classmethod
    def benchmark(cls, scale: float = 1.0) -> DemoSize:
        """The benchmark data set (DESIGN.md, "Budgets"), optionally scaled down or up."""
        return cls(**{kind: max(round(count * scale), 1) for kind, count in _BENCHMARK.items()})
