"""What every figure gets: the data set, how many runs to make, scratch space, shared runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from crmbench.dataset import Dataset

T = TypeVar("T")


@dataclass
class Context:
    dataset: Dataset
    # Timed runs of each side of a figure; imports are slow, so they get fewer.
    repeats: int
    import_repeats: int
    # Scratch space for fresh databases; tools installed for the benchmark only (khard).
    work: Path
    tools: Path
    crm_tui: list[str]
    # Runs that serve more than one figure (first paint and peak RSS come from the same
    # processes), made once per run of the harness.
    shared: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], T]) -> T:
        if key not in self.shared:
            self.shared[key] = make()
        result: T = self.shared[key]
        return result


def alternate(
    repeats: int, measured: Callable[[], T], baseline: Callable[[], T], warmup: bool = True
) -> tuple[list[T], list[T]]:
    """Run both sides in turn, so a machine that gets busier or calmer mid-run moves both alike.

    One untimed warm-up run of each first fills the page cache with the interpreter, the
    libraries and the files, as on a machine the user has been working on.
    """
    if warmup:
        measured()
        baseline()
    measured_runs, baseline_runs = [], []
    for _ in range(repeats):
        measured_runs.append(measured())
        baseline_runs.append(baseline())
    return measured_runs, baseline_runs


def alternate_words(
    words: Sequence[str], repeats: int, measured: Callable[[str], T], baseline: Callable[[str], T]
) -> tuple[list[T], list[T]]:
    """`alternate` over several search words: one warm-up in all, then each word in turn."""
    measured(words[0])
    baseline(words[0])
    measured_runs, baseline_runs = [], []
    for _ in range(repeats):
        for word in words:
            measured_runs.append(measured(word))
            baseline_runs.append(baseline(word))
    return measured_runs, baseline_runs
