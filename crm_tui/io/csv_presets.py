"""Header presets: the column layouts of exports written by other programs, recognised by
the columns only that program writes, and mapped column by column.

A preset names concepts (see csv_fields), so one preset serves every target: a Bitrix24 lead
export imported as contacts puts "Название компании" in `company`. Columns a preset does not
know (a user's custom column) are guessed from their header like any other file's.
"""

from __future__ import annotations

import re

from crm_tui.io.csv_fields import Mapping, field_for
from crm_tui.io.csv_guess import concept_for_header, normalise_header
from crm_tui.io.csv_preset_base import Preset
from crm_tui.io.csv_presets_crm import (
    BITRIX_COMPANIES,
    BITRIX_CONTACTS,
    BITRIX_DEALS,
    BITRIX_LEADS,
    CRM_COMPANIES,
    CRM_CONTACTS,
    CRM_DEALS,
    CRM_LEADS,
)
from crm_tui.io.csv_presets_mail import (
    GOOGLE,
    GOOGLE_LEGACY,
    KADDRESSBOOK,
    OUTLOOK,
    PALM,
    THUNDERBIRD,
    WINDOWS_ADDRESS_BOOK,
    YAHOO,
)

__all__ = ["PRESETS", "Preset", "find_preset", "recognise_preset"]

PRESETS: tuple[Preset, ...] = (
    CRM_CONTACTS,
    CRM_LEADS,
    CRM_COMPANIES,
    CRM_DEALS,
    GOOGLE_LEGACY,
    GOOGLE,
    OUTLOOK,
    WINDOWS_ADDRESS_BOOK,
    THUNDERBIRD,
    YAHOO,
    KADDRESSBOOK,
    PALM,
    BITRIX_LEADS,
    BITRIX_DEALS,
    BITRIX_CONTACTS,
    BITRIX_COMPANIES,
)


def find_preset(header: list[str]) -> Preset | None:
    """The preset whose identifying columns are all in the header; when several are, the one
    that knows the most of the file's columns (the first listed on a tie)."""
    names = [normalise_header(column) for column in header]
    found: Preset | None = None
    best = -1
    for preset in PRESETS:
        if preset.matches(set(names), len(header)):
            known = sum(preset.concept(name) is not None for name in names)
            if known > best:
                found, best = preset, known
    return found


def natural_target(header: list[str]) -> str:
    """What a file with this header is a list of: a known export's (Bitrix24 leads → leads),
    else contacts."""
    preset = find_preset(header)
    return preset.holds if preset is not None else "contacts"


def recognise_preset(header: list[str], target: str) -> tuple[str, Mapping] | None:
    """(preset name, mapping for the target) when the header is a known export's, else None."""
    preset = find_preset(header)
    if preset is None:
        return None
    columns: dict[str, str] = {}
    for column in header:
        concept = preset.concept(normalise_header(column))
        if concept is None:  # a column the program does not write: the user added it
            concept = concept_for_header(column, target)
        columns[column] = field_for(concept, target)
    mapping = Mapping(
        target=target,
        columns=columns,
        preset=preset.name,
        kind_columns=_paired_kinds(header) if preset.paired_kinds else {},
        day_first=preset.day_first,
        restore_formulas=preset.restore_formulas,
    )
    return preset.name, mapping


_VALUE_PART = re.compile(r"^((?:e mail|phone|address) \d+) (?:value|street|city|region|postal code|country)$")


def _paired_kinds(header: list[str]) -> dict[str, str]:
    """Google's value columns paired with the "… n - Type" (old) or "… n - Label" (new) column
    that says whether the value is a home, work or mobile one."""
    by_name = {normalise_header(column): column for column in header}
    pairs = {}
    for column in header:
        match = _VALUE_PART.match(normalise_header(column))
        if match:
            for suffix in ("type", "label"):
                kind_column = by_name.get(f"{match.group(1)} {suffix}")
                if kind_column:
                    pairs[column] = kind_column
    return pairs
