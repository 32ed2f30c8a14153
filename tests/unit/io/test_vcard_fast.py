"""The fast vCard path (vcard_fast) must read every card exactly as vobject.readOne does.

Every card of the shared corpus, of tests/fixtures/vcard and of a few odd cards written here is
read both ways: the contacts (fields, warnings, extra) must be equal, and so must the parsed
lines wherever the fast path takes a card (it hands the others to vobject).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

import pytest
import vobject
from vobject.icalendar import stringToTextValues
from vobject.vcard import splitFields

from crm_tui.io.vcard import decode_bytes, read_card
from crm_tui.io.vcard_fast import parse_props, split_fields, text_values
from crm_tui.io.vcard_read import Contents
from crm_tui.io.vcard_repair import Prop, RawCard, card_props, card_text, split_cards
from tests.unit.io.vcard_sources import CORPUS_FILES, FIXTURE_FILES

# Cards 1-4 must leave the fast path: a line vobject's tokenizer rejects, QUOTED-PRINTABLE that
# repair left for vobject to decode once more (in a quoted ENCODING value, as a bare parameter
# with an empty value), an ENCODING that vobject takes for base64 and cannot decode. Cards 5-6
# must stay on it through everything vobject decodes in its own way.
ODD_CARDS = (
    b'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Rejected Param\r\nX-BAD;P=a"b:1\r\nEND:VCARD\r\n'
    b'BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Quoted QP\r\nNOTE;ENCODING="QUOTED-PRINTABLE":a=3D3Db=C3=A9\r\n'
    b"END:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Bare QP\r\nNOTE;QUOTED-PRINTABLE=:a=3D3Db\r\nEND:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Eight Bit\r\nNOTE;ENCODING=8BIT:hello world\r\nEND:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:O\\;Brien,Smith;John,J.;;Dr.;\r\nFN:Doe\\, John\r\n"
    b"ORG:Shop;Sales,East;\r\nCATEGORIES:a\\,b,c,,\r\nPHOTO;BASE64:QUJD\r\nUID;ENCODING=BASE64:QUJD\r\n"
    b"PRODID;ENCODING=b:QUJD\r\nX-ABC;ENCODING=B:QUJD\r\nNOTE;ENCODING=8BIT:QUJD\r\n"
    b'ADR;TYPE=home;LABEL="1 Main St: rear":;;1 Main St;Town;;12345;\r\nTEL;TYPE=:123\r\n'
    b"X-FOO_BAR:x,y\r\nNOTE:\r\nGEO:1.5;2.5\r\nitem2.EMAIL;type=INTERNET;type=pref:a@b.example\r\n"
    b"item2.X-ABLabel:_$!<Other>!$_\r\nTITLE:Boss\\nof all\\\\\r\nEND:VCARD\r\n"
    b"BEGIN:VCARD\r\nVERSION:2.1\r\nVERSION:4.0\r\nN:Two;Versions\r\nTEL;CELL;PREF:+1 555 0100\r\n"
    b"BDAY;VALUE=date:1990-01-02\r\nEND:VCARD\r\n"
)
SOURCES: list[tuple[str, bytes]] = [("odd cards", ODD_CARDS)]
SOURCES += [(f"fixtures/{path.name}", path.read_bytes()) for path in FIXTURE_FILES]
SOURCES += [(f"corpus/{path.name}", path.read_bytes()) for path in CORPUS_FILES]


def cards(data: bytes) -> Iterator[RawCard]:
    """The file's cards, as read_vcard_file splits them (a file that lost its BEGIN line too)."""
    text = decode_bytes(data)
    if next(split_cards(text), None) is None:
        text = "BEGIN:VCARD\r\n" + text
    yield from split_cards(text)


def lines(contents: Contents) -> list[tuple[str, list[tuple[Any, ...]]]]:
    return [
        (key, [(ln.name, ln.group, ln.params, ln.singletonparams, ln.value, ln.lineNumber) for ln in found])
        for key, found in contents.items()
    ]


@pytest.mark.parametrize("data", [data for _, data in SOURCES], ids=[name for name, _ in SOURCES])
def test_every_card_reads_the_same_both_ways(data: bytes) -> None:
    # Two splits: reading a card adds to its warnings.
    for fast, full in zip(cards(data), cards(data), strict=True):
        assert read_card(fast) == read_card(full, fast=False), f"card {fast.number}"


@pytest.mark.parametrize("data", [data for _, data in SOURCES], ids=[name for name, _ in SOURCES])
def test_fast_lines_are_vobjects_lines(data: bytes) -> None:
    for card in cards(data):
        props = card_props(card)
        contents = parse_props(props)
        if contents is not None:
            assert lines(contents) == lines(vobject.readOne(card_text(props)).contents), f"card {card.number}"


def test_only_what_vobject_alone_can_read_leaves_the_fast_path() -> None:
    taken = [parse_props(card_props(card)) is not None for card in cards(ODD_CARDS)]
    assert taken == [False, False, False, False, True, True]
    # Our own files hold nothing of the kind.
    for path in FIXTURE_FILES:
        for card in cards(path.read_bytes()):
            assert parse_props(card_props(card)) is not None, f"{path.name} card {card.number}"


def test_a_nested_component_is_left_to_vobject() -> None:
    # Repair drops BEGIN and END lines inside a card; called on its own, the fast path still
    # refuses them rather than read them as properties.
    assert parse_props([Prop(2, None, "BEGIN", "BEGIN:VCARD", "BEGIN:VCARD")]) is None


# Every string of up to six of these characters: separators, escapes, "n" (an escaped newline).
SHORT_VALUES = ["".join(chars) for size in range(7) for chars in product("a,;\\n", repeat=size)]


@pytest.mark.parametrize("separator", [",", ";"])
def test_text_values_are_vobjects(separator: str) -> None:
    for value in SHORT_VALUES:
        assert text_values(value, separator) == stringToTextValues(value, listSeparator=separator), value


def test_split_fields_are_vobjects() -> None:
    for value in SHORT_VALUES:
        assert split_fields(value) == splitFields(value), value
