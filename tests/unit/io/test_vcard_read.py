"""The vCard reader on small hand-made files, one quirk per file (tests/fixtures/vcard)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crm_tui.errors import UnreadableInput
from crm_tui.io.contact_record import NO_YEAR, ImportedContact, SkippedRecord
from crm_tui.io.vcard import looks_like_vcard, read_vcard_file, read_vcards

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vcard"


def read_all(name: str) -> list[ImportedContact | SkippedRecord]:
    return list(read_vcard_file(FIXTURES / name))


def read_one(name: str) -> ImportedContact:
    items = read_all(name)
    assert len(items) == 1
    assert isinstance(items[0], ImportedContact), items[0]
    return items[0]


def phones(contact: ImportedContact) -> list[tuple[str, str, bool]]:
    return [(phone.value, phone.kind, phone.primary) for phone in contact.phones]


def emails(contact: ImportedContact) -> list[tuple[str, str, bool]]:
    return [(email.value, email.kind, email.primary) for email in contact.emails]


# ------------------------------------------------------------------ encodings


def test_quoted_printable_utf8_with_soft_line_breaks() -> None:
    contact = read_one("qp_utf8.vcf")
    assert (contact.last_name, contact.first_name) == ("Петров", "Иван")
    assert contact.display_name == "Иван Петров"
    assert contact.notes == "Первая строка\nвторая, третья"
    assert contact.warnings == []


def test_quoted_printable_windows_1251_in_an_ascii_file() -> None:
    contact = read_one("qp_windows1251.vcf")
    assert (contact.last_name, contact.first_name, contact.middle_name) == ("Сидорова", "Анна", "Сергеевна")
    assert contact.display_name == "Анна Сидорова"
    assert contact.company == "ООО Ромашка"
    assert emails(contact) == [("anna@example.ru", "other", False)]


def test_iso_8859_1_raw_and_quoted_printable() -> None:
    contact = read_one("iso_8859_1.vcf")
    assert (contact.last_name, contact.first_name) == ("Müller", "Jürgen")
    assert contact.display_name == "Jürgen Müller"
    [address] = contact.addresses
    assert (address.kind, address.street, address.city) == ("home", "Hauptstraße 5", "Köln")


def test_utf16_le_with_bom() -> None:
    contact = read_one("utf16le_bom.vcf")
    assert (contact.first_name, contact.last_name) == ("Åse", "Løkke")
    assert emails(contact) == [("ase@example.no", "other", False)]


def test_utf8_with_bom() -> None:
    contact = read_one("utf8_bom.vcf")
    assert (contact.first_name, contact.last_name, contact.number, contact.line) == ("Zoë", "Dvořák", 1, 1)


def test_utf16_without_bom_is_found_by_its_nul_bytes() -> None:
    data = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ľuboš Ďurček\r\nEND:VCARD\r\n".encode("utf-16-be")
    [contact] = read_vcards(data)
    assert isinstance(contact, ImportedContact)
    assert contact.display_name == "Ľuboš Ďurček"


def test_raw_cp1251_without_a_charset_is_guessed() -> None:
    data = "BEGIN:VCARD\nVERSION:2.1\nN:Кличко;Віталій;;;\nFN:Віталій Кличко\nEND:VCARD\n".encode("cp1251")
    [contact] = read_vcards(data)
    assert isinstance(contact, ImportedContact)
    assert (contact.last_name, contact.first_name) == ("Кличко", "Віталій")


@pytest.mark.parametrize(
    ("encoded", "text", "code_page"),
    [("Caf=E9 M=FCller", "Café Müller", "cp1252"), ("=D1=E5=F0=E3=E5=E9", "Сергей", "cp1251")],
)
def test_quoted_printable_without_charset_that_is_not_utf8(encoded: str, text: str, code_page: str) -> None:
    data = f"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;ENCODING=QUOTED-PRINTABLE:{encoded}\r\nEND:VCARD\r\n"
    [contact] = read_vcards(data.encode("ascii"))
    assert isinstance(contact, ImportedContact)
    assert contact.display_name == text
    assert contact.warnings == [
        f"FN: no CHARSET given and the text is not UTF-8; read as {code_page} (line 3)"
    ]


# ------------------------------------------------------------------ types, groups, URIs


def test_bare_21_types_and_pref() -> None:
    contact = read_one("bare_types_21.vcf")
    assert phones(contact) == [
        ("+1 555 0100", "cell", True),
        ("+1 555 0101", "work", False),
        ("+1 555 0102", "fax", False),
        ("+1 555 0103", "home", False),
        ("+1 555 0104", "pager", False),
    ]
    assert emails(contact) == [
        ("anna@example.com", "other", False),
        ("anna.smith@work.example", "work", True),
    ]
    assert contact.addresses[0].kind == "home"


def test_apple_item_groups_take_their_kind_from_the_label() -> None:
    contact = read_one("apple_groups.vcf")
    assert phones(contact) == [("+1 555 0200", "cell", True), ("+1 555 0201", "boat", False)]
    assert emails(contact) == [("johnny@orchard.example", "other", False)]
    assert contact.addresses[0].kind == "summer house"
    # Labels of groups we read are consumed; a group we keep keeps its label beside it.
    assert contact.extra == {
        "X-ABDATE": ["item5.X-ABDATE:2001-06-01"],
        "X-ABLABEL": ["item5.X-ABLabel:_$!<Anniversary>!$_"],
    }


def test_vcard_40_tel_uris_and_pref_1() -> None:
    contact = read_one("v40_tel_uri_pref.vcf")
    assert phones(contact) == [("+1-555-555-5555", "cell", False), ("+1-555-555-0000 ext. 42", "work", True)]
    assert emails(contact) == [("jane@home.example", "home", False), ("jane@work.example", "work", True)]


def test_folded_lines_with_space_and_tab() -> None:
    contact = read_one("folded_lines.vcf")
    assert contact.notes == (
        "This note is long enough that a careful writer folds it onto more than"
        " one line, and the fold may use a space or a tab."
    )
    assert emails(contact) == [("folded@example.com", "other", False)]


# ------------------------------------------------------------------ values


def test_birthday_formats_with_and_without_a_year() -> None:
    birthdays = [item.birthday for item in read_all("bday_formats.vcf") if isinstance(item, ImportedContact)]
    assert birthdays == [date(1985, 4, 15), date(1985, 4, 15), date(NO_YEAR, 4, 15), date(NO_YEAR, 4, 15)]


def test_a_bad_birthday_drops_the_property_not_the_card() -> None:
    contact = read_one("bad_bday.vcf")
    assert contact.birthday is None
    assert emails(contact) == [("bad.date@example.com", "other", False)]
    assert contact.warnings == ["BDAY 'not a date' dropped: not a date (line 4)"]


def test_anniversary_is_kept_in_extra() -> None:
    assert read_one("anniversary.vcf").extra == {"ANNIVERSARY": ["ANNIVERSARY:20100612"]}


def test_categories_become_trimmed_unique_tags() -> None:
    assert read_one("categories.vcf").tags == ["Clients", "VIP", "Golf"]


def test_org_units_become_company_and_department() -> None:
    contact = read_one("org_departments.vcf")
    assert (contact.company, contact.department, contact.title) == ("Acme", "Sales; EMEA", "Manager, EMEA")
    assert contact.is_company is False


def test_note_escapes() -> None:
    assert read_one("note_escapes.vcf").notes == (
        "Line one\nLine two, with a comma; and a semicolon\\ and a backslash"
    )


def test_url_is_kept_verbatim_in_extra() -> None:
    assert read_one("url.vcf").extra == {
        "URL": ["URL;TYPE=WORK:https://example.com/a?b=c", "URL:http\\://legacy.example"]
    }


def test_uid() -> None:
    assert read_one("uid.vcf").uid == "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"


def test_structured_name_and_display_name() -> None:
    contact = read_one("n_parts.vcf")
    assert (contact.first_name, contact.middle_name, contact.last_name) == ("John", "Quincy", "Doe")
    assert contact.display_name == "Dr. John Quincy Doe Jr."


def test_fn_only_is_split_into_first_and_last() -> None:
    contact = read_one("fn_only.vcf")
    assert (contact.first_name, contact.last_name, contact.display_name) == (
        "Mary Ann",
        "Smith",
        "Mary Ann Smith",
    )


def test_unmodelled_and_x_properties_go_to_extra_but_not_prodid_or_rev() -> None:
    extra = read_one("x_properties.vcf").extra
    assert extra == {
        "X-SKYPE": ["X-SKYPE:extra.props"],
        "X-JABBER": ["X-JABBER;TYPE=WORK:extra@jabber.example"],
        "NICKNAME": ["NICKNAME:Xtra"],
        "ROLE": ["ROLE:Tester"],
        "GEO": ["GEO:37.386013;-122.082932"],
        "TZ": ["TZ:-05:00"],
        "IMPP": ["IMPP:xmpp:extra@example.com"],
    }


# ------------------------------------------------------------------ photos


def test_21_base64_photo_with_continuation_lines() -> None:
    contact = read_one("photo_base64_21.vcf")
    [photo] = contact.extra["PHOTO"]
    assert photo.startswith("PHOTO;ENCODING=BASE64;TYPE=JPEG:AAECAwQF")
    assert " " not in photo and len(photo.partition(":")[2]) % 4 == 0
    assert phones(contact) == [("+1 555 0300", "cell", False)]
    assert contact.warnings == []


def test_30_base64_photo() -> None:
    [photo] = read_one("photo_base64_30.vcf").extra["PHOTO"]
    assert photo.startswith("PHOTO;ENCODING=b;TYPE=JPEG:AAECAwQF") and " " not in photo


def test_40_data_uri_photo() -> None:
    [photo] = read_one("photo_data_uri_40.vcf").extra["PHOTO"]
    assert photo.startswith("PHOTO:data:image/png;base64,AAECAwQF")


def test_photo_url() -> None:
    assert read_one("photo_url.vcf").extra == {"PHOTO": ["PHOTO;VALUE=uri:https://example.com/me.jpg"]}


def test_a_broken_base64_photo_drops_the_photo_and_keeps_the_contact() -> None:
    contact = read_one("photo_broken.vcf")
    assert "PHOTO" not in contact.extra
    assert emails(contact) == [("broken@example.com", "other", False)]
    assert contact.warnings == ["PHOTO dropped: the base64 data is broken (line 5)"]


# ------------------------------------------------------------------ companies and skips


def test_company_card_by_x_abshowas() -> None:
    contact = read_one("company_showas.vcf")
    assert contact.is_company is True
    assert (contact.company, contact.first_name, contact.last_name) == ("Acme Corp", "", "")


def test_company_card_by_org_without_a_person() -> None:
    contact = read_one("company_org_only.vcf")
    assert (contact.is_company, contact.company) == (True, "Globex")
    assert emails(contact) == [("info@globex.example", "work", False)]


def test_a_card_with_nothing_usable_is_skipped_with_a_reason() -> None:
    [skipped] = read_all("nothing_usable.vcf")
    assert isinstance(skipped, SkippedRecord)
    assert (skipped.number, skipped.line) == (1, 1)
    assert "no name, email, phone or organisation" in skipped.reason


def test_a_broken_card_in_the_middle_costs_only_itself() -> None:
    first, middle, third = read_all("broken_middle.vcf")
    assert isinstance(first, ImportedContact) and first.display_name == "First Card"
    assert isinstance(middle, SkippedRecord) and (middle.number, middle.line) == (2, 6)
    assert middle.reason
    assert isinstance(third, ImportedContact) and third.display_name == "Third Card"
    assert (third.number, third.line) == (3, 12)


def test_multiple_cards_of_mixed_versions() -> None:
    items = read_all("multiple_cards.vcf")
    assert [type(item) for item in items] == [ImportedContact] * 3
    assert [item.number for item in items] == [1, 2, 3]
    assert isinstance(items[1], ImportedContact) and items[1].last_name == "Two"


def test_missing_end_at_the_end_of_the_file_keeps_the_card_with_a_warning() -> None:
    complete, cut = read_all("missing_end.vcf")
    assert isinstance(complete, ImportedContact) and complete.warnings == []
    assert isinstance(cut, ImportedContact)
    assert emails(cut) == [("cut@example.com", "other", False)]
    assert cut.warnings == ["END:VCARD missing: the card runs to the end of the file"]


def test_reading_streams_one_card_at_a_time() -> None:
    data = b"".join(b"BEGIN:VCARD\r\nFN:Card %d\r\nEND:VCARD\r\n" % n for n in range(3))
    items = read_vcards(data)
    first = next(items)
    assert isinstance(first, ImportedContact) and first.display_name == "Card 0"


def test_a_truncated_base64_photo_in_one_card_does_not_end_the_file() -> None:
    # vobject's own readComponents stops the whole file here (binascii.Error).
    data = (
        b"BEGIN:VCARD\r\nFN:Photo\r\nPHOTO;ENCODING=b:QUJD\r\n REV\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nFN:After\r\nEND:VCARD\r\n"
    )
    first, after = read_vcards(data)
    assert isinstance(first, ImportedContact) and "PHOTO" not in first.extra
    assert isinstance(after, ImportedContact) and after.display_name == "After"


def test_commas_in_text_values_are_not_list_separators() -> None:
    data = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Doe, John\r\nNOTE:one, two, three\r\nEND:VCARD\r\n"
    [contact] = read_vcards(data)
    assert isinstance(contact, ImportedContact)
    assert (contact.display_name, contact.notes) == ("Doe, John", "one, two, three")
    assert (contact.first_name, contact.last_name) == ("John", "Doe")


def test_a_line_vobject_rejects_is_dropped_with_a_warning_naming_it() -> None:
    data = b'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nX-BAD;P=a"b:1\r\nEMAIL:a@b.example\r\nEND:VCARD\r\n'
    [contact] = read_vcards(data)
    assert isinstance(contact, ImportedContact)
    assert emails(contact) == [("a@b.example", "other", False)]
    assert contact.warnings == ["X-BAD dropped: vobject could not read it (line 4)"]


def test_a_soft_break_right_before_the_next_property_ends_the_value() -> None:
    # KDE bug reports show 2.1 cards whose QUOTED-PRINTABLE value ends in a stray "=".
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE:ab=3Dc=\r\nORG:Shop\r\nEND:VCARD\r\n"
    )
    [contact] = read_vcards(data)
    assert isinstance(contact, ImportedContact)
    assert (contact.notes, contact.company) == ("ab=c", "Shop")


# ------------------------------------------------------------------ files and sniffing


def test_read_vcard_file_names_the_file_when_it_cannot_be_opened(tmp_path: Path) -> None:
    missing = tmp_path / "missing.vcf"
    with pytest.raises(UnreadableInput, match=f"^{missing}: cannot read the file"):
        read_vcard_file(missing)


def test_read_vcard_file_refuses_a_file_without_begin_vcard(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("name,email\nAnna,anna@example.com\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match=f"^{path}: not a vCard file"):
        read_vcard_file(path)


@pytest.mark.parametrize(
    "head",
    [
        b"BEGIN:VCARD\r\nVERSION:3.0\r\n",
        b"\r\n\r\n  begin:vcard\n",
        b"\xef\xbb\xbfBEGIN:VCARD\r\n",
        "BEGIN:VCARD\r\n".encode("utf-16"),
        "BEGIN:VCARD\r\n".encode("utf-16-be"),
        "\n BEGIN:VCARD\r\n".encode("utf-16-le"),
        b"VERSION:3.0\nFN:x\n",  # a card that lost its BEGIN line is still read
    ],
)
def test_looks_like_vcard(head: bytes) -> None:
    assert looks_like_vcard(head)


@pytest.mark.parametrize("head", [b"", b"name,email\n", b"VERSION 3.0\nFN:x\n", b"BEGIN:VCALENDAR\r\n"])
def test_does_not_look_like_vcard(head: bytes) -> None:
    assert not looks_like_vcard(head)
