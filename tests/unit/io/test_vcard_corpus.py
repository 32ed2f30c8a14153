"""The vCard reader on real files from other projects' test suites (the shared corpus).

The corpus is not part of the repository: it is found through $CRM_TUI_CORPUS or at
../shared/corpus next to the repository, and the tests skip when it is not there.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from crm_tui.io.contact_record import ImportedContact, SkippedRecord
from crm_tui.io.vcard import read_vcard_file, read_vcards
from tests.unit.io.vcard_sources import CORPUS_FILES as FILES
from tests.unit.io.vcard_sources import VCARD_DIR

BEGIN_LINE = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE | re.MULTILINE)

pytestmark = pytest.mark.skipif(not FILES, reason=f"no vCard corpus at {VCARD_DIR} (set CRM_TUI_CORPUS)")


def lenient_text(data: bytes) -> str:
    """Text good enough to count BEGIN lines in, decoded without the reader's own code."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    if data[:200].count(0) > 50:  # UTF-16 without a BOM
        return data.decode("utf-16-be" if data[0] == 0 else "utf-16-le", "replace")
    return data.decode("latin-1")


def begin_lines(path: Path) -> int:
    """Cards in the file the way SOURCES.md counts them: BEGIN:VCARD lines, any case."""
    text = lenient_text(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    return len(BEGIN_LINE.findall(text))


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_card_is_read_or_skipped_with_a_reason(path: Path) -> None:
    items = list(read_vcards(path.read_bytes()))
    # No corpus file nests vCards (AGENT), so every BEGIN:VCARD line is one item.
    assert len(items) == begin_lines(path)
    assert [item.number for item in items] == list(range(1, len(items) + 1))
    for item in items:
        if isinstance(item, ImportedContact):
            assert item.has_substance(), item
        else:
            assert isinstance(item, SkippedRecord)
            assert item.reason


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_reading_a_file_refuses_only_files_without_cards(path: Path) -> None:
    if begin_lines(path):
        assert list(read_vcard_file(path))
    else:  # eds__vcard-7.vcf lost its BEGIN line: its one card is read all the same, and said so
        (item,) = list(read_vcard_file(path))
        assert isinstance(item, ImportedContact) and item.display_name == "Frank Dawson"
        assert "no BEGIN:VCARD line" in item.warnings[0]


@pytest.mark.parametrize(
    ("name", "number", "field", "expected"),
    [
        ("folkerkinzel__Ukrainian.vcf", 1, "last_name", "Кличко"),  # raw cp1251, no CHARSET
        ("roundcube__johndoe.vcf", 1, "last_name", "Doë"),  # raw windows-1252 with CHARSET
        ("aosp__v21_multiple_entry.vcf", 1, "last_name", "安藤ロイド3"),  # raw Shift_JIS
        ("roundcube__utf-16_sample.vcf", 1, "last_name", "ĽdaMonté"),  # UTF-16 BE, no BOM
        ("folkerkinzel__v3Utf16Bom.vcf", 2, "display_name", "KMS Außenstelle"),  # UTF-16 LE BOM
        ("gammu__quoted-printable-new-line.vcf", 1, "first_name", "ПОРКС"),  # soft break in =XX
        ("eds__vcard-5.vcf", 1, "title", "十城目管理大型知座"),  # QP UTF-8 split mid-character
        ("ezvcard__John_Doe_IPHONE.vcf", 1, "middle_name", "Richter James"),  # CR CR LF
        ("ezvcard__outlook-2003.vcf", 1, "company", "Company, The"),  # bare comma in 2.1
        ("kcontacts__vcard10.vcf", 4, "title", "Facharzt für Allgemeinmedizin"),
        ("roundcube__apple.vcf", 1, "is_company", True),
        ("radicale__contact4-with-bday-no-year.vcf", 1, "birthday", date(1604, 1, 1)),
    ],
)
def test_known_values_read_right(name: str, number: int, field: str, expected: object) -> None:
    items = list(read_vcards((VCARD_DIR / name).read_bytes()))
    contact = items[number - 1]
    assert isinstance(contact, ImportedContact)
    assert getattr(contact, field) == expected
