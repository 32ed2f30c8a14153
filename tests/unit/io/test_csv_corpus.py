"""The CSV reader and mappings on real exports from other projects' test suites.

The corpus is not part of the repository: it is found through $CRM_TUI_CORPUS or at
../shared/corpus next to the repository, and the tests skip when it is not there. What each
file holds is described in its SOURCES.md; the expectations below come from there and from
looking at the files.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from crm_tui.io.contact_record import ImportedContact
from crm_tui.io.csv_read import looks_like_csv, read_rows, sniff_csv
from crm_tui.io.mapping import TARGETS, mapping_for, row_to_contact, row_to_record

REPO_ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("CRM_TUI_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
CSV_DIR = CORPUS / "csv"
FILES = sorted(CSV_DIR.glob("*.csv")) if CSV_DIR.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason=f"no CSV corpus at {CSV_DIR} (set CRM_TUI_CORPUS)")


@dataclass
class Expected:
    encoding: str
    delimiter: str
    preset: str | None
    rows: int
    has_header: bool = True
    # Per contact, in file order: attribute → value, checked after mapping into contacts.
    contacts: list[dict[str, object]] = field(default_factory=list)


FIRMAN = {"emails": ["firman@php.net"], "company": "Foo"}
EXPECTED = {
    "horde__KMail.csv": Expected(
        "utf-8",
        ",",
        "KAddressBook",
        1,
        # The file itself puts the whole name in Given Name and the family name in Additional
        # Names: the mapping follows the columns, it does not second-guess them.
        contacts=[
            {**FIRMAN, "display_name": "Firman", "first_name": "Firman Wandayandi", "title": "Web Developer"}
        ],
    ),
    "horde__Outlook.csv": Expected(
        "utf-8",
        ",",
        "Outlook",
        1,
        contacts=[
            {
                **FIRMAN,
                "first_name": "Firman",
                "last_name": "Wandayandi",
                "department": "Foo Net",
                "title": "Web Developer",
                "notes": "It's\nmultiline\nmemo.",
            }
        ],
    ),
    "horde__Palm.csv": Expected(
        "utf-8",
        ",",
        "Palm Desktop",
        2,
        has_header=False,
        contacts=[
            {
                "first_name": "Gordon",
                "last_name": "Shumway1",
                "emails": ["Gordon!@usa.com"],
                "title": "President",
            },
            {
                "first_name": "Gordon",
                "last_name": "Shumway2",
                "emails": ["Gordon2@usa.com"],
                "company": "Alf Ltd",
            },
        ],
    ),
    "horde__WAB.csv": Expected(
        "utf-8",
        ",",
        "Windows Address Book",
        1,
        contacts=[
            {**FIRMAN, "first_name": "Firman", "last_name": "Wandayandi", "display_name": "Firman Wandayandi"}
        ],
    ),
    "horde__Yahoo.csv": Expected(
        "utf-8",
        ",",
        "Yahoo",
        1,
        contacts=[
            {**FIRMAN, "first_name": "Firman", "last_name": "Wandayandi", "notes": "It's\nmultiline\nmemo."}
        ],
    ),
    "roundcube__all.csv": Expected(
        "utf-8-sig",
        ",",
        None,  # a list of every column Roundcube maps, not any one program's export
        1,
        contacts=[
            {
                "first_name": "First Name",
                "middle_name": "Middle Name",
                "last_name": "Last Name",
                "display_name": "Display Name",
                "emails": ["home@example.com", "work@example.com", "other@example.com"],
                "company": "Company",
                "title": "Job Title",
                "birthday": date(1991, 1, 20),
                "tags": ["test"],
            }
        ],
    ),
    "roundcube__gmail.csv": Expected(
        "utf-8",
        ",",
        "Google Contacts (legacy)",
        1,
        contacts=[
            {
                "first_name": "Firstname",
                "middle_name": "Middle",
                "last_name": "Lastname",
                "emails": ["home@aaa.pl", "work@email.pl", "unknown@email.com", "other@email.com"],
                "company": "company",
                "title": "jobtitle",
                "birthday": date(1975, 12, 12),
                "notes": 'note"note',
                "tags": ["Test"],
            }
        ],
    ),
    "thunderbird__csv_semicolon.csv": Expected(
        "utf-8",
        ";",
        "Thunderbird",
        2,
        contacts=[
            {
                "first_name": "John",
                "last_name": "Doe",
                "display_name": "John Doe",
                "emails": ["john@doe.invalid"],
            },
            {
                "first_name": "Jane",
                "last_name": "Doe",
                "display_name": "Jane Doe",
                "emails": ["jane@doe.invalid"],
            },
        ],
    ),
    "thunderbird__export.csv": Expected(
        "utf-8",
        ",",
        "Thunderbird",
        2,
        contacts=[
            {"first_name": "contact", "last_name": "one", "emails": ["contact1@invalid"]},
            {"display_name": "contact number two", "title": '"worker"', "notes": "here's some unicode text…"},
        ],
    ),
    "thunderbird__utf16_addressbook.csv": Expected(
        "utf-16",
        ",",
        "Thunderbird",
        1,
        contacts=[{"first_name": "John", "last_name": "Doe", "emails": ["johndoe@host.invalid"]}],
    ),
}


def test_every_corpus_file_has_expectations() -> None:
    assert sorted(path.name for path in FILES) == sorted(EXPECTED)


def records_by_csv_module(path: Path, expected: Expected) -> int:
    """Data rows counted without the reader under test: the csv module with the encoding and
    delimiter SOURCES.md gives, blank records skipped, the header (if any) not counted."""
    text = codecs.decode(path.read_bytes(), expected.encoding)
    records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=expected.delimiter) if any(r)]
    return len(records) - (1 if expected.has_header else 0)


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_sniffing_finds_the_encoding_delimiter_and_header(path: Path) -> None:
    expected = EXPECTED[path.name]
    fmt = sniff_csv(path)
    assert (fmt.encoding, fmt.delimiter, fmt.has_header) == (
        expected.encoding,
        expected.delimiter,
        expected.has_header,
    )
    assert looks_like_csv(path.read_bytes()[:4096])


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_data_row_is_yielded(path: Path) -> None:
    expected = EXPECTED[path.name]
    rows = list(read_rows(path, sniff_csv(path)))
    assert len(rows) == expected.rows == records_by_csv_module(path, expected)
    first = 2 if expected.has_header else 1
    assert [number for number, _ in rows] == list(range(first, first + len(rows)))


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_the_preset_is_recognised(path: Path) -> None:
    fmt = sniff_csv(path)
    for target in TARGETS:
        assert mapping_for(fmt.header, target).preset == EXPECTED[path.name].preset


def contact_values(contact: ImportedContact, wanted: dict[str, object]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in wanted:
        if name == "emails":
            values[name] = [email.value for email in contact.emails]
        else:
            values[name] = getattr(contact, name)
    return values


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_names_and_emails_land_in_the_right_fields(path: Path) -> None:
    fmt = sniff_csv(path)
    mapping = mapping_for(fmt.header, "contacts")
    contacts = [row_to_contact(number, row, mapping) for number, row in read_rows(path, fmt)]
    for contact, wanted in zip(contacts, EXPECTED[path.name].contacts, strict=True):
        assert contact_values(contact, wanted) == wanted
        assert contact.has_substance()
        assert not contact.warnings


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_target_converts_every_row_without_raising(path: Path) -> None:
    fmt = sniff_csv(path)
    for target in TARGETS:
        mapping = mapping_for(fmt.header, target)
        for number, row in read_rows(path, fmt):
            record = row_to_record(number, row, mapping)
            assert record.number == number
