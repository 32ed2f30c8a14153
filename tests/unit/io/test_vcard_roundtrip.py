"""Read a rich card, write it as 3.0 and 4.0, read it again: nothing is lost on the way."""

from __future__ import annotations

import base64
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from crm_tui.io.contact_record import NO_YEAR, ImportedContact
from crm_tui.io.vcard import read_vcard_file, read_vcards, write_vcards

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vcard"


def to_record(contact: ImportedContact) -> dict[str, Any]:
    """The shape `services.records.contact_records` gives the writer (plus department and
    is_company), built straight from what the reader returned."""
    return {
        "full_name": contact.display_name,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "last_name": contact.last_name,
        "company": contact.company,
        "department": contact.department,
        "is_company": contact.is_company,
        "title": contact.title,
        "emails": [asdict(email) for email in contact.emails],
        "phones": [asdict(phone) | {"e164": None} for phone in contact.phones],
        "addresses": [asdict(address) for address in contact.addresses],
        "birthday": contact.birthday.isoformat() if contact.birthday else None,
        "tags": contact.tags,
        "notes": contact.notes,
        "uid": contact.uid,
        "extra": contact.extra,
    }


def read_single(name: str) -> ImportedContact:
    [contact] = read_vcard_file(FIXTURES / name)
    assert isinstance(contact, ImportedContact)
    return contact


def round_trip(contact: ImportedContact, version: str) -> ImportedContact:
    [text] = write_vcards([to_record(contact)], version)
    [again] = read_vcards(text.encode("utf-8"))
    assert isinstance(again, ImportedContact)
    assert again.warnings == []
    return again


def photo(line: str) -> tuple[str, bytes]:
    """(image subtype, bytes) of a PHOTO line in any version's form."""
    head, _, value = line.partition(":")
    if value.startswith("data:"):
        meta, _, data = value.partition(",")
        return meta[len("data:image/") : -len(";base64")].upper(), base64.b64decode(data)
    subtype = re.search(r"TYPE=(\w+)", head, re.IGNORECASE)
    return (subtype.group(1).upper() if subtype else ""), base64.b64decode(value)


def digits(value: str) -> str:
    return "".join(character for character in value if character.isdigit())


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_rich_card_survives_a_round_trip(version: str) -> None:
    original = read_single("rich.vcf")
    again = round_trip(original, version)
    for field in ("uid", "first_name", "middle_name", "last_name", "display_name", "company", "department"):
        assert getattr(again, field) == getattr(original, field), field
    assert (again.title, again.notes, again.tags) == (original.title, original.notes, original.tags)
    assert again.birthday == original.birthday and original.birthday and original.birthday.year == NO_YEAR
    assert again.emails == original.emails
    assert again.addresses == original.addresses
    assert [(digits(p.value), p.kind, p.primary) for p in again.phones] == [
        (digits(p.value), p.kind, p.primary) for p in original.phones
    ]
    if version == "3.0":
        assert [p.value for p in again.phones] == [p.value for p in original.phones]
    assert {p.kind for p in again.phones} == {"cell", "fax", "assistant"}
    assert [photo(line) for line in again.extra.pop("PHOTO")] == [
        photo(line) for line in original.extra["PHOTO"]
    ]
    assert again.extra == {name: lines for name, lines in original.extra.items() if name != "PHOTO"}


@pytest.mark.parametrize("version", ["3.0", "4.0"])
@pytest.mark.parametrize(
    "name",
    [
        "bare_types_21.vcf",
        "apple_groups.vcf",
        "v40_tel_uri_pref.vcf",
        "company_showas.vcf",
        "qp_windows1251.vcf",
    ],
)
def test_other_fixtures_keep_their_fields(name: str, version: str) -> None:
    original = read_single(name)
    again = round_trip(original, version)
    assert (again.first_name, again.last_name, again.company, again.is_company) == (
        original.first_name,
        original.last_name,
        original.company,
        original.is_company,
    )
    assert again.emails == original.emails
    assert [(digits(p.value), p.kind, p.primary) for p in again.phones] == [
        (digits(p.value), p.kind, p.primary) for p in original.phones
    ]
    assert again.addresses == original.addresses
    assert again.extra == original.extra


@pytest.mark.parametrize("version", ["3.0", "4.0"])
@pytest.mark.parametrize(
    ("name", "form_30", "form_40"),
    [
        ("photo_base64_21.vcf", "PHOTO;ENCODING=b;TYPE=JPEG:", "PHOTO:data:image/jpeg;base64,"),
        ("photo_data_uri_40.vcf", "PHOTO;ENCODING=b;TYPE=PNG:", "PHOTO:data:image/png;base64,"),
        ("photo_url.vcf", "PHOTO;VALUE=uri:https:", "PHOTO:https:"),
    ],
)
def test_photos_are_translated_to_the_target_version(
    name: str, form_30: str, form_40: str, version: str
) -> None:
    original = read_single(name)
    again = round_trip(original, version)
    [line] = again.extra["PHOTO"]
    assert line.startswith(form_30 if version == "3.0" else form_40)
    if "base64" in line or "ENCODING" in line:
        assert photo(line)[1] == photo(original.extra["PHOTO"][0])[1]
