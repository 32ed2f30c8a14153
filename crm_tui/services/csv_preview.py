"""What the import screen shows of a CSV file before anything is planned: how it was read
(encoding, delimiter, notes), a few values of each column, and the column → field mapping the
user edits. No database and no Textual here: the screen runs these in a worker and draws them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from crm_tui.io.csv_fields import IGNORE, TARGETS, Mapping
from crm_tui.io.csv_read import CsvFormat, sniff_csv
from crm_tui.io.mapping import mapping_for, natural_target

# Enough values to recognise what a column holds; more would not fit beside its name.
SAMPLES_PER_COLUMN = 3
DELIMITER_NAMES = {"\t": "tab", " ": "space"}


@dataclass(frozen=True)
class CsvPreview:
    path: Path
    format: CsvFormat
    mapping: Mapping

    @property
    def header(self) -> list[str]:
        return self.format.header


def preview_csv(path: Path, target: str | None = None) -> CsvPreview:
    """Sniff the file and take a known export's preset, or a guess, for the target (by
    default what the file is: Bitrix24 leads go to leads, anything unknown to contacts).
    Raises UnreadableInput when the file cannot be read as CSV."""
    fmt = sniff_csv(path)
    return CsvPreview(path, fmt, mapping_for(fmt.header, target or natural_target(fmt.header)))


def describe_format(fmt: CsvFormat) -> str:
    """`cp1251 · delimiter ; · header row` — the facts a user checks when a file looks wrong."""
    encoding = "utf-8" if fmt.encoding == "utf-8-sig" else fmt.encoding
    if fmt.has_bom:
        encoding += " with BOM"
    delimiter = DELIMITER_NAMES.get(fmt.delimiter, fmt.delimiter)
    header = "header row" if fmt.has_header else "no header row"
    return f"{encoding} · delimiter {delimiter} · {header} · {len(fmt.header)} columns"


def describe_source(mapping: Mapping, loaded_as: str | None = None, edited: bool = False) -> str:
    """Where the mapping came from: a saved one, a known export's preset, or a guess."""
    if loaded_as is not None:
        how = f"saved mapping {loaded_as!r}"
    elif mapping.preset:
        how = f"{mapping.preset} preset"
    else:
        how = "guessed from the header"
    return how + (", edited" if edited else "")


def column_samples(fmt: CsvFormat, count: int = SAMPLES_PER_COLUMN) -> dict[str, list[str]]:
    """The first non-empty values of each column, on one line each (a cell may hold line breaks)."""
    samples: dict[str, list[str]] = {column: [] for column in fmt.header}
    for row in fmt.sample_rows:
        for column, cell in zip(fmt.header, row, strict=False):
            value = " ".join(cell.split())
            if value and len(samples[column]) < count:
                samples[column].append(value)
    return samples


def shorten(value: str, width: int) -> str:
    return value if len(value) <= width else value[: max(width - 1, 1)] + "…"


def next_target(target: str, step: int = 1) -> str:
    """The target after (or, with step -1, before) this one, round the list."""
    return TARGETS[(TARGETS.index(target) + step) % len(TARGETS)]


def suggested_target(mapping: Mapping, header: list[str]) -> str | None:
    """The target a known export holds ("Bitrix24 leads" → leads), when the user switched
    away from it: worth a hint, since its columns map fully only there."""
    if not mapping.preset:
        return None
    holds = natural_target(header)
    return holds if holds != mapping.target else None


def with_field(mapping: Mapping, column: str, field: str) -> Mapping:
    """The mapping with one column sent to another field (validated: raises ValidationError)."""
    return dataclasses.replace(mapping, columns={**mapping.columns, column: field})


def missing_columns(mapping: Mapping, header: list[str]) -> list[str]:
    """The columns a saved mapping names that this file does not have: a sign it was saved
    for another export. (They stay in the mapping, harmless, so saving it again keeps them.)"""
    return [column for column in mapping.columns if column not in header]


def mapped_count(mapping: Mapping, header: list[str]) -> int:
    """How many of the file's columns will be imported."""
    return sum(1 for column in header if mapping.field_of(column) != IGNORE)
