"""Importing a file the user names: recognise what it holds, read it, plan, apply.

Shared by `crm-tui import` and the app's import dialog, so both say the same things.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from crm_tui.errors import UnreadableInput
from crm_tui.io.vcard import looks_like_vcard
from crm_tui.services.import_plan import BadCells, ImportPlan, plan_import

if TYPE_CHECKING:
    from crm_tui.io.csv_fields import Mapping

_VCARD_SUFFIXES = {".vcf", ".vcard"}
# How many bytes tell what a file is.
_SNIFF_BYTES = 4096

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose: what a CSV's rows become, how its columns map (None: a preset or
    a guess from the header), and what to do with a row that has a cell we cannot read."""

    into: str | None = None  # None: what the file is (a saved mapping's target, a known
    # export's kind such as Bitrix24 leads, else contacts)
    mapping: Mapping | None = None
    bad_cells: BadCells = BadCells.REJECT

    def check(self, kind: str) -> None:
        if kind == "vcard" and self.into not in (None, "contacts"):
            raise UnreadableInput(f"a vCard file holds contacts; --into {self.into} is for CSV files")
        if self.mapping is not None and self.into is not None and self.mapping.target != self.into:
            raise UnreadableInput(
                f"the mapping is for {self.mapping.target}, not {self.into}: use --into {self.mapping.target}"
            )


def detect_kind(path: Path) -> str:
    """What a file holds, judged by its content (the extension may lie or be missing)."""
    from crm_tui.io.csv_read import looks_like_csv
    from crm_tui.io.limits import check_file_size
    from crm_tui.io.vcard import looks_like_vcard

    check_file_size(path)  # before anything of any file is written (the CLI checks them all first)
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise UnreadableInput(f"{path}: {error.strerror or error}") from error
    if looks_like_vcard(head):
        return "vcard"
    # Almost any text passes for a one-column CSV; a file named as a vCard that is not one is
    # a mistake to report, not a spreadsheet to import.
    if path.suffix.lower() in _VCARD_SUFFIXES:
        raise UnreadableInput(f"{path}: not a vCard file (no BEGIN:VCARD at the start)")
    if looks_like_csv(head):
        return "csv"
    raise UnreadableInput(f"{path}: not a vCard or CSV file")


def count_cards(path: Path) -> int:
    """Cards in a vCard file (lines in any other), counted cheaply, for a progress bar."""
    data = path.read_bytes()
    if not looks_like_vcard(data[:_SNIFF_BYTES]):
        return max(data.count(b"\n") - 1, 1)
    lowered = data.lower()
    return lowered.count(b"begin:vcard") or lowered.replace(b"\x00", b"").count(b"begin:vcard")


def csv_mapping(path: Path, options: ImportOptions) -> Mapping:
    """The mapping the user gave, else a known export's preset or a guess from the header,
    for the target asked for or, when none was, the one the file's header says."""
    from crm_tui.io.csv_read import sniff_csv
    from crm_tui.io.mapping import mapping_for, natural_target

    if options.mapping is not None:
        return options.mapping
    header = sniff_csv(path).header
    return mapping_for(header, options.into or natural_target(header))


def _csv_records(path: Path, mapping: Mapping) -> Iterator[Any]:
    from crm_tui.io.csv_read import read_rows, sniff_csv
    from crm_tui.io.mapping import converter_for

    convert = converter_for(mapping)
    for number, row in read_rows(path, sniff_csv(path)):
        yield convert(number, row)


def plan_file(
    session: Session, path: Path, progress: Progress | None = None, options: ImportOptions | None = None
) -> ImportPlan:
    """The dry run of importing a file: vCard cards, or CSV rows as contacts, leads,
    companies or deals."""
    options = options or ImportOptions()
    kind = detect_kind(path)
    options.check(kind)
    mapping = csv_mapping(path, options) if kind == "csv" else None
    if mapping is not None:
        records: Iterator[Any] = _csv_records(path, mapping)
    else:
        from crm_tui.io.vcard import read_vcard_file

        records = read_vcard_file(path)
    if progress is not None:
        total = count_cards(path)
        records = _counting(records, total, progress)
    target = mapping.target if mapping is not None else "contacts"
    if target == "contacts":
        bad_cells = options.bad_cells if kind == "csv" else BadCells.BLANK
        plan = plan_import(session, records, str(path), kind, bad_cells)
    else:
        from crm_tui.services.row_plan import plan_rows

        plan = plan_rows(session, records, str(path), target, options.bad_cells)
    plan.mapping = mapping
    return plan


def _counting(items: Iterator[Any], total: int, progress: Progress) -> Iterator[Any]:
    for position, item in enumerate(items, start=1):
        progress(position, max(total, position))
        yield item


def plan_as_json(plan: ImportPlan, batch_id: int | None) -> dict[str, Any]:
    return {
        "file": plan.file,
        "kind": plan.kind,
        "into": plan.target,
        "mapping": asdict(plan.mapping) if plan.mapping is not None else None,
        "batch": batch_id,
        "counts": plan.counts,
        "records": [
            {
                planned.unit: planned.number,
                "line": planned.line,
                "action": planned.action.value,
                "name": planned.name,
                "reason": planned.reason,
                "warnings": planned.warnings,
                "contact_id": planned.contact_id,
                "merged_into": planned.merged_into,
            }
            for planned in plan.records
        ],
    }
