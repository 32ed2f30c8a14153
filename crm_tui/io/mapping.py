"""CSV column mapping: which field of a contact, lead, company or deal each column fills.

The entry points the services, the CLI and the mapping screen use. Behind them:
csv_fields (targets, fields, the Mapping itself), csv_presets (known exports: Google,
Outlook, Thunderbird, Yahoo, Bitrix24…), csv_guess (any other header, English or Russian),
csv_convert (a row to a record) and csv_cells (dates, amounts, names, several values in a cell).

    fmt = sniff_csv(path)
    mapping = mapping_for(fmt.header, "leads")        # a preset, or a best guess
    convert = converter_for(mapping)                  # the mapping worked out once
    for number, row in read_rows(path, fmt):
        lead = convert(number, row)
"""

from __future__ import annotations

from crm_tui.io.contact_record import ImportedContact
from crm_tui.io.csv_convert import (
    Record,
    converter_for,
    row_to_company,
    row_to_contact,
    row_to_deal,
    row_to_lead,
)
from crm_tui.io.csv_fields import (
    FIELDS,
    IGNORE,
    KINDS,
    TARGETS,
    Mapping,
    field_choices,
    split_field,
)
from crm_tui.io.csv_guess import guess_mapping, normalise_header
from crm_tui.io.csv_presets import PRESETS, natural_target, recognise_preset
from crm_tui.io.lead_record import ImportedCompany, ImportedDeal, ImportedLead

__all__ = [
    "FIELDS",
    "IGNORE",
    "KINDS",
    "PRESETS",
    "TARGETS",
    "ImportedCompany",
    "ImportedContact",
    "ImportedDeal",
    "ImportedLead",
    "Mapping",
    "Record",
    "converter_for",
    "field_choices",
    "guess_mapping",
    "mapping_for",
    "natural_target",
    "normalise_header",
    "recognise_preset",
    "row_to_company",
    "row_to_contact",
    "row_to_deal",
    "row_to_lead",
    "row_to_record",
    "split_field",
]


def mapping_for(header: list[str], target: str) -> Mapping:
    """The preset's mapping when the header is a known export's, else the best guess."""
    recognised = recognise_preset(header, target)
    return recognised[1] if recognised else guess_mapping(header, target)


def row_to_record(number: int, row: dict[str, str], mapping: Mapping) -> Record:
    """The record of the mapping's target for one row (for a whole file, `converter_for`)."""
    return converter_for(mapping)(number, row)
