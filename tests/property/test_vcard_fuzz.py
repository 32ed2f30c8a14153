"""The vCard reader against broken, re-encoded, oversized and random files: every file ends in
records and a list of what was wrong with each (or one clear error for a file that is no
vCard at all), never in an exception, and memory stays bounded by the caps in io.limits."""

from __future__ import annotations

import base64
import os
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm_tui.errors import UnreadableInput
from crm_tui.io import limits
from crm_tui.io.contact_record import ImportedContact, SkippedRecord
from crm_tui.io.vcard import read_vcard_file, read_vcards
from tests.property.strategies import valid_cards, vcard_files

Item = ImportedContact | SkippedRecord


def read_all(data: bytes) -> list[Item]:
    """Every record of the file, each checked for what the import needs of it."""
    items = list(read_vcards(data))
    for number, item in enumerate(items, start=1):
        assert isinstance(item, ImportedContact | SkippedRecord)
        assert item.number == number  # cards are numbered in file order, none lost
        assert item.line >= 1
        if isinstance(item, SkippedRecord):
            assert item.reason.strip(), f"{item.where}: skipped without a reason"
        else:
            assert all(isinstance(warning, str) and warning for warning in item.warnings)
            assert item.has_substance()
    return items


def read_path(path: Path) -> list[Item] | str:
    """The file read as the import reads it: records, or the one message of an unreadable file."""
    try:
        return list(read_vcard_file(path))
    except UnreadableInput as error:
        message = str(error)
        assert message.startswith(f"{path}: ") and "\n" not in message
        return message


@given(vcard_files())
@example(b"")
@example(b"\x00" * 64)
@example(b"BEGIN:VCARD\r\n" * 200)  # BEGIN inside BEGIN, never closed
@example(b"BEGIN:VCARD\r\nFN:a\r\n" + b" folded\r\n" * 100)
@example("BEGIN:VCARD\nFN:Иван\nEND:VCARD\n".encode("utf-16-be"))  # UTF-16 without a BOM
@example("BEGIN:VCARD\nN;CHARSET=UTF-8:Иван\nFN:Иван\nEND:VCARD\n".encode("cp1251"))  # cp1251 said UTF-8
def test_any_bytes_give_records_and_reasons(data: bytes) -> None:
    read_all(data)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=vcard_files())
def test_any_file_gives_records_or_one_clear_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_bytes(data)
    read_path(path)


def _written(text: str) -> str:
    """A value as it reads back: line ends are one \\n, the ends trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@given(valid_cards(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_a_valid_card_gives_back_what_it_holds(card: tuple[str, dict[str, str]], encoding: str) -> None:
    text, values = card
    [item] = read_all(text.encode(encoding))
    if isinstance(item, SkippedRecord):
        assert "nothing to import" in item.reason
        return
    assert item.display_name == _written(values["fn"])
    if _written(values["given"]) or _written(values["family"]):
        assert (item.first_name, item.last_name) == (_written(values["given"]), _written(values["family"]))
    assert item.company == (_written(values["org"]) or None)
    assert (item.title or "").strip() == _written(values["title"])  # the services trim it
    if _written(values["note"]):
        assert item.notes == _written(values["note"])


@given(valid_cards(), st.sampled_from(["utf-16-le", "utf-16-be", "cp1251"]))
def test_a_valid_card_in_a_guessed_encoding_is_read_or_explained(
    card: tuple[str, dict[str, str]], encoding: str
) -> None:
    read_all(card[0].encode(encoding, "replace"))


# ---------------------------------------------------------------- caps


def _card(*lines: str) -> bytes:
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Petrova\r\n" + "".join(lines) + "END:VCARD\r\n").encode()


def _photo(size: int, width: int | None) -> str:
    """A base64 PHOTO property of `size` random bytes, folded every `width` characters (or
    written on one line, as BlackBerry exports do)."""
    data = base64.b64encode(os.urandom(size)).decode()
    if width is not None:
        data = "\r\n ".join(data[start : start + width] for start in range(0, len(data), width))
    return f"PHOTO;ENCODING=b;TYPE=JPEG:{data}\r\n"


def test_a_photo_over_the_cap_is_dropped_and_the_contact_kept() -> None:
    size = limits.MAX_BINARY_BYTES + 3000
    [contact] = read_all(_card(_photo(size, 74), "EMAIL:anna@example.com\r\n"))
    assert isinstance(contact, ImportedContact)
    assert "PHOTO" not in contact.extra
    assert contact.emails[0].value == "anna@example.com"  # what follows the photo is read
    [warning] = contact.warnings
    assert warning.startswith("PHOTO dropped: about 5 MB of data, over the 5 MB cap")
    assert "(line 4)" in warning


def test_a_photo_under_the_cap_is_kept() -> None:
    [contact] = read_all(_card(_photo(limits.MAX_BINARY_BYTES - 3000, None)))
    assert isinstance(contact, ImportedContact)
    assert len(contact.extra["PHOTO"]) == 1 and not contact.warnings


def test_a_line_over_the_cap_is_dropped_with_its_line_named() -> None:
    note = "x" * (limits.MAX_LINE_CHARS + 1)
    folded = "\r\n ".join(note[start : start + 1000] for start in range(0, len(note), 1000))
    [contact] = read_all(_card("TITLE:Buyer\r\n", f"NOTE:{folded}\r\n", "EMAIL:anna@example.com\r\n"))
    assert isinstance(contact, ImportedContact)
    assert contact.notes is None and contact.title == "Buyer" and contact.emails
    assert contact.warnings == [
        "NOTE dropped: 1,048,582 characters, over the cap of 1,048,576 for one line (line 5);"
        " the rest of the card is kept"
    ]


def test_a_card_over_the_field_cap_keeps_its_first_fields() -> None:
    emails = [f"EMAIL:person{number}@example.com\r\n" for number in range(limits.MAX_FIELDS + 10)]
    [contact] = read_all(_card(*emails))
    assert isinstance(contact, ImportedContact)
    assert len(contact.emails) == limits.MAX_FIELDS - 2  # VERSION and FN count too
    assert contact.warnings == [
        f"{limits.MAX_FIELDS + 12:,} properties, over the cap of {limits.MAX_FIELDS:,} for one card:"
        f" those from line {limits.MAX_FIELDS + 2} on were dropped"
    ]


def test_a_card_that_never_closes_is_read_to_the_cap() -> None:
    data = b"BEGIN:VCARD\r\nFN:Anna\r\n" + b"X-JUNK:" + b"y" * 100 + b"\r\n" * 20_000
    [contact] = read_all(data)
    assert isinstance(contact, ImportedContact) and contact.display_name == "Anna"
    assert "END:VCARD missing: the card runs to the end of the file" in contact.warnings


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.vcf"
    path.write_bytes(_card() * 100)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    message = read_path(path)
    assert message == (
        f"{path}: the file is 5 KB, over the 1000 bytes cap for one import; split it into smaller files"
    )


@pytest.mark.parametrize("width", [1000, 74, None])
def test_a_50_mb_photo_is_read_in_bounded_memory(tmp_path: Path, slow: bool, width: int | None) -> None:
    """Peak memory of reading a 50 MB file that is one photo stays under 4× the file (the
    bytes, the text and its lines), whatever the photo's folding (every 74 characters as the
    RFC has it, or one line as BlackBerry writes it: under --slow); the contact is kept."""
    if width != 1000 and not slow:
        pytest.skip("tracemalloc makes each of these seconds long: under --slow")
    path = tmp_path / "photo.vcf"
    path.write_bytes(_card(_photo(37_000_000, width)))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        items = list(read_vcard_file(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [contact] = items
    assert isinstance(contact, ImportedContact) and contact.display_name == "Anna Petrova"
    assert contact.warnings[0].startswith("PHOTO dropped: about 35.3 MB of data")
    assert peak < 4 * size, f"peak {peak / size:.1f}× the file"
