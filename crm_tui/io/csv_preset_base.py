"""The shape of a header preset (see csv_presets): the columns that identify an export and
what each of its columns holds, as concepts (see csv_fields)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm_tui.io.csv_fields import IGNORE
from crm_tui.io.csv_guess import normalise_header


@dataclass(frozen=True)
class Preset:
    name: str
    # Normalised headers that identify the layout; any one of these sets, all present, will do.
    required: tuple[frozenset[str], ...]
    columns: dict[str, str]  # normalised header → concept (or IGNORE)
    # Numbered columns (Google's "E-mail 3 - Value"), matched against the normalised header.
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    forbidden: frozenset[str] = frozenset()
    width: int | None = None  # a headerless layout is known only by its number of columns
    day_first: bool = True
    restore_formulas: bool = False
    paired_kinds: bool = False  # "X n - Value" takes its kind from "X n - Type" / "- Label"
    holds: str = "contacts"  # what the export is a list of: the target a file of it goes to

    def matches(self, names: set[str], width: int) -> bool:
        if self.width is not None and width != self.width:
            return False
        return not names & self.forbidden and any(needed <= names for needed in self.required)

    def concept(self, name: str) -> str | None:
        if name in self.columns:
            return self.columns[name]
        return next((concept for pattern, concept in self.patterns if pattern.match(name)), None)


def table(**groups: tuple[str, ...]) -> dict[str, str]:
    """{normalised header: concept} from concept=(header, header, …); "_K_" stands for ":"
    ("phone_K_cell" is "phone:cell") and a concept named "ignore…" is IGNORE."""
    result: dict[str, str] = {}
    for concept, headers in groups.items():
        value = IGNORE if concept.startswith("ignore") else concept.replace("_K_", ":")
        result.update((normalise_header(header), value) for header in headers)
    return result


def need(*sets: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(normalise_header(name) for name in names) for names in sets)
