"""The vCard writer: version-specific forms, escaping, folding and kept lines."""

from __future__ import annotations

from typing import Any

import pytest

from crm_tui.io.vcard import write_vcards
from crm_tui.io.vcard_write import fold


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "full_name": "Anna Smith",
        "first_name": "Anna",
        "middle_name": "",
        "last_name": "Smith",
        "company": None,
        "title": None,
        "emails": [],
        "phones": [],
        "addresses": [],
        "birthday": None,
        "tags": [],
        "notes": None,
        "uid": None,
        "extra": {},
    }
    return base | fields


def lines(card: str) -> list[str]:
    assert card.endswith("\r\n")
    return card[:-2].split("\r\n")


def test_one_card_per_record_with_crlf_and_no_uid_when_missing() -> None:
    cards = list(write_vcards([record(), record(uid="u-2", full_name="Bob", first_name="Bob", last_name="")]))
    assert len(cards) == 2
    assert lines(cards[0]) == ["BEGIN:VCARD", "VERSION:3.0", "FN:Anna Smith", "N:Smith;Anna;;;", "END:VCARD"]
    assert "UID:u-2" in lines(cards[1])


def test_version_30_forms() -> None:
    [card] = write_vcards(
        [
            record(
                company="Acme, Inc.",
                department="Sales; EMEA",
                title="Boss",
                emails=[{"value": "anna@acme.example", "kind": "work", "primary": True}],
                phones=[
                    {"value": "+1 555 0100", "e164": "+15550100", "kind": "cell", "primary": True},
                    {"value": "+1 555 0101", "e164": None, "kind": "fax", "primary": False},
                ],
                addresses=[
                    {
                        "kind": "home",
                        "street": "1 Elm St\nFlat 2",
                        "city": "Springfield",
                        "region": "IL",
                        "postcode": "62701",
                        "country": "USA",
                        "primary": False,
                    }
                ],
                birthday="1985-04-15",
                tags=["VIP", "a,b"],
                notes="Line 1\nLine 2; done",
            )
        ]
    )
    assert lines(card)[2:-1] == [
        "FN:Anna Smith",
        "N:Smith;Anna;;;",
        "ORG:Acme\\, Inc.;Sales;EMEA",
        "TITLE:Boss",
        "EMAIL;TYPE=INTERNET,WORK,PREF:anna@acme.example",
        "TEL;TYPE=CELL,PREF:+1 555 0100",
        "TEL;TYPE=FAX:+1 555 0101",
        "ADR;TYPE=HOME:;;1 Elm St\\nFlat 2;Springfield;IL;62701;USA",
        "BDAY:1985-04-15",
        "NOTE:Line 1\\nLine 2\\; done",
        "CATEGORIES:VIP,a\\,b",
    ]


def test_version_40_forms() -> None:
    [card] = write_vcards(
        [
            record(
                emails=[{"value": "anna@acme.example", "kind": "home", "primary": True}],
                phones=[
                    {"value": "+1 555 555-5555", "e164": "+15555555555", "kind": "cell", "primary": True},
                    {"value": "ask reception", "e164": None, "kind": "work", "primary": False},
                ],
                birthday="1985-04-15",
                is_company=True,
                company="Acme",
            )
        ],
        "4.0",
    )
    body = lines(card)
    assert body[1] == "VERSION:4.0"
    assert "KIND:org" in body and "X-ABShowAs:COMPANY" in body
    assert "EMAIL;TYPE=home;PREF=1:anna@acme.example" in body
    assert "TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+1-555-555-5555" in body
    assert "TEL;VALUE=text;TYPE=work:ask reception" in body
    assert "BDAY:19850415" in body


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_birthday_without_a_year(version: str) -> None:
    [card] = write_vcards([record(birthday="1604-04-15")], version)
    assert "BDAY:--0415" in lines(card)


def test_custom_kinds_become_labelled_groups_that_do_not_clash_with_kept_ones() -> None:
    kept = {"X-ABDATE": ["item1.X-ABDATE:2001-01-01"], "X-ABLABEL": ["item1.X-ABLabel:Wedding"]}
    [card] = write_vcards(
        [record(phones=[{"value": "5", "e164": None, "kind": "boat", "primary": False}], extra=kept)]
    )
    body = lines(card)
    assert "item2.TEL:5" in body and "item2.X-ABLabel:boat" in body
    assert body[-3:-1] == ["item1.X-ABDATE:2001-01-01", "item1.X-ABLabel:Wedding"]


def test_kept_lines_are_written_verbatim_and_photos_translated() -> None:
    extra = {
        "X-SKYPE": ["X-SKYPE:anna.smith"],
        "PHOTO": ["PHOTO;ENCODING=BASE64;TYPE=JPEG:QUJD"],
        "X-MS-CARDPICTURE": ["X-MS-CARDPICTURE;TYPE=JPEG;ENCODING=BASE64:QUJD"],
    }
    [v3] = write_vcards([record(extra=extra)], "3.0")
    [v4] = write_vcards([record(extra=extra)], "4.0")
    assert lines(v3)[-4:-1] == [
        "X-SKYPE:anna.smith",
        "PHOTO;ENCODING=b;TYPE=JPEG:QUJD",
        extra["X-MS-CARDPICTURE"][0],
    ]
    assert lines(v4)[-4:-1] == [
        "X-SKYPE:anna.smith",
        "PHOTO:data:image/jpeg;base64,QUJD",
        extra["X-MS-CARDPICTURE"][0],
    ]


def test_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    note = "Заметка " * 40
    [card] = write_vcards([record(notes=note, extra={"X-LONG": ["X-LONG:" + "x" * 200]})])
    physical = lines(card)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    unfolded = card.replace("\r\n ", "")
    assert "NOTE:" + note in unfolded and "X-LONG:" + "x" * 200 in unfolded


def test_fold_keeps_short_lines_whole() -> None:
    assert fold("FN:Anna") == "FN:Anna\r\n"
    assert fold("N:" + "й" * 37) == "N:" + "й" * 36 + "\r\n й\r\n"


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match=r"2\.1"):
        list(write_vcards([record()], "2.1"))
