"""vobject's reading of one repaired card, without vobject's object tree.

`vobject.readOne` spends most of its time on machinery the import does not need: attribute
hooks on every ContentLine, a behaviour lookup and a copy per line, and a character-by-character
unescaper run on every value. Our cards reach it already split, unfolded and repaired, one
property per line, so here only the parts of readOne whose results `fill_contact` reads are run:
vobject's own tokenizer (`parseLine`), the behaviour vobject would give each property (from its
registry), and that behaviour's decoding and native value (vobject's `Name`, `Address`, its
`stringToTextValues` and `splitFields` whenever there is an escape to undo). The result has the
attributes of vobject's lines, with the same values and line numbers.

Whatever this path cannot promise to read exactly as vobject does (a line parseLine rejects,
QUOTED-PRINTABLE left for vobject to decode, a nested BEGIN, base64 that does not decode, a
behaviour not mirrored here) makes `parse_props` return None, and the caller asks vobject
itself, with its retries, so odd cards behave exactly as they always have.
"""

from __future__ import annotations

import base64
import codecs
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vobject import behavior, icalendar, vcard
from vobject.base import VObjectError, getBehavior, parseLine

from crm_tui.io.vcard_read import line_number
from crm_tui.io.vcard_repair import Prop

# Names that make readComponents open, close or name a component instead of adding a line.
_STRUCTURE = frozenset({"BEGIN", "END", "PROFILE"})
_QP = "QUOTED-PRINTABLE"


@dataclass(slots=True, eq=False)
class Line:
    """One property as a vobject ContentLine would hold it once its card is read."""

    name: str
    params: dict[str, list[str]]
    singletonparams: list[str]
    value: Any
    group: str | None
    lineNumber: int  # vobject's numbering, which vcard_read.prop_index turns back into an index


class _Unsupported(Exception):
    """Something only vobject itself can be trusted to read."""


def parse_props(props: list[Prop]) -> dict[str, list[Line]] | None:
    """What `vobject.readOne` gives as the `contents` of the card made of `props` (lines by
    lower-case name, in card order), or None when only vobject can tell."""
    contents: dict[str, list[Line]] = {}
    version = None
    try:
        for index, prop in enumerate(props):
            line = _line(prop.parse, line_number(index))
            if line.name == "VERSION":
                version = line.value  # the last one picks the card's behaviour, as in vobject
            contents.setdefault(line.name.lower(), []).append(line)
        # vobject 0.9.9 reads every VERSION as 3.0; a vobject that tells versions apart sends
        # the others its own way.
        if getBehavior("VCARD", version) is not _CARD:
            return None
        for lines in contents.values():
            for line in lines:
                _READER_BY_NAME.get(line.name, _DEFAULT_READER)(line)
    except (VObjectError, ValueError, _Unsupported):  # binascii.Error is a ValueError
        return None
    return contents


def _line(text: str, number: int) -> Line:
    """vobject's textLineToContentLine, minus the QUOTED-PRINTABLE decoding (repair has done it;
    a line that still asks for it goes to vobject)."""
    colon = text.find(":")
    if colon < 0 or text.find('"', 0, colon) >= 0:
        # A quoted parameter value may hold a colon: only vobject's regex knows where the value
        # starts. Such lines are rare; tokenise them whole.
        name, tokens, value, group = parseLine(text, number)
        name, params, singletons = _head_fields(name, tokens)
    else:
        # Without a quote before it, the first colon is where vobject's line regex ends the name
        # and parameters, whatever the value, so the head's tokens are those of the head alone,
        # and a file's few distinct heads are each tokenised once.
        name, group, params, singletons = _head(text[: colon + 1])
        value = text[colon + 1 :]
    # Fresh containers for each line: vobject's decoding edits them (BASE64 → ENCODING=B).
    return Line(name, {key: list(values) for key, values in params}, list(singletons), value, group, number)


# Parameters by name, and bare ones, frozen so that one parsed head can serve many lines.
Params = tuple[tuple[str, tuple[str, ...]], ...]
Head = tuple[str, Params, tuple[str, ...]]


# Bounded: a parameter that differs on every line (an ADR's LABEL) makes every head new.
@lru_cache(maxsize=4096)
def _head(head: str) -> tuple[str, str | None, Params, tuple[str, ...]]:
    """parseLine of `head` ("item1.TEL;TYPE=CELL:"): name, group, parameters, bare parameters."""
    name, tokens, _, group = parseLine(head)
    name, params, singletons = _head_fields(name, tokens)
    return name, group, params, singletons


def _head_fields(name: str, tokens: list[list[str]]) -> Head:
    """What ContentLine.__init__ makes of parseLine's name and parameters: a lone token is a 2.1
    bare type (TEL;CELL), kept in singletonparams; the rest are grouped by upper-case name."""
    params: dict[str, list[str]] = {}
    singletons: list[str] = []
    for token in tokens:
        if len(token) == 1:
            singletons.append(token[0])
        else:
            params.setdefault(token[0].upper(), []).extend(token[1:])
    name = name.upper()
    if name in _STRUCTURE or _QP in singletons or _QP in params.get("ENCODING", ()):
        raise _Unsupported(name)
    return name, tuple((key, tuple(values)) for key, values in params.items()), tuple(singletons)


# ---------------------------------------------------------------- values, as vobject decodes them


def text_values(value: str, separator: str = ",") -> list[str]:
    """`stringToTextValues(value, separator)`; its per-character loop runs only when there is
    an escape to undo (one value in a hundred), as without one it is a plain split."""
    if "\\" in value:
        return icalendar.stringToTextValues(value, listSeparator=separator)
    parts = value.split(separator)
    if len(parts) > 1 and not parts[-1]:  # it drops an empty last item, but not an only one
        parts.pop()
    return parts


def split_fields(value: str) -> list[Any]:
    """`vobject.vcard.splitFields`: fields by ";", each a string or, with commas, a list."""
    if "\\" in value:
        return vcard.splitFields(value)
    return [_list_or_string(field) for field in text_values(value, ";")]


def _list_or_string(value: str) -> str | list[str]:
    values = text_values(value)
    return values[0] if len(values) == 1 else values


def _encoding(line: Line) -> str | None:
    # vobject's line.encoding_param
    return line.params["ENCODING"][0] if "ENCODING" in line.params else None


def _vcard_text(line: Line) -> None:
    """vcard.VCardTextBehavior.decode: any ENCODING means base64 (Apple's bare BASE64 becomes
    ENCODING=B), else the first comma-separated item, unescaped."""
    if "BASE64" in line.singletonparams:
        line.singletonparams.remove("BASE64")
        line.params["ENCODING"] = [vcard.VCardTextBehavior.base64string]
    if _encoding(line):
        line.value = codecs.decode(line.value.encode("utf-8"), "base64")
    else:
        line.value = text_values(line.value)[0]


def _ical_text(line: Line) -> None:
    """icalendar.TextBehavior.decode (vobject gives it to UID and PRODID): only ENCODING=BASE64
    means base64."""
    encoding = _encoding(line)
    if encoding and encoding.upper() == icalendar.TextBehavior.base64string:
        line.value = base64.b64decode(line.value)
    else:
        line.value = text_values(line.value)[0]


def _text_list(line: Line) -> None:
    """icalendar.MultiTextBehavior.decode (CATEGORIES): every comma-separated item, unescaped."""
    line.value = text_values(line.value, icalendar.MultiTextBehavior.listSeparator)


def _as_written(line: Line) -> None:
    """Behaviours whose decode leaves the value alone (GEO), or no behaviour at all (VERSION)."""


def _name(line: Line) -> None:
    """vcard.NameBehavior: no decoding, then a vobject Name of the fields."""
    line.value = vcard.Name(**dict(zip(vcard.NAME_ORDER, split_fields(line.value), strict=False)))


def _address(line: Line) -> None:
    """vcard.AddressBehavior: no decoding, then a vobject Address of the fields."""
    line.value = vcard.Address(**dict(zip(vcard.ADDRESS_ORDER, split_fields(line.value), strict=False)))


def _org(line: Line) -> None:
    """vcard.OrgBehavior: no decoding, then the list of fields."""
    line.value = split_fields(line.value)


def _unsupported(line: Line) -> None:
    raise _Unsupported(line.name)


Reader = Callable[[Line], None]

# vobject's behaviour classes, by exact class, and what reading a line with each does. A class not
# here (a newer vobject's, or one that overrides decode) is left to vobject.
_READERS: dict[type, Reader] = {
    vcard.VCardTextBehavior: _vcard_text,
    vcard.FN: _vcard_text,
    vcard.Label: _vcard_text,
    vcard.Photo: _vcard_text,
    icalendar.TextBehavior: _ical_text,
    icalendar.MultiTextBehavior: _text_list,
    vcard.GEO: _as_written,
    vcard.NameBehavior: _name,
    vcard.AddressBehavior: _address,
    vcard.OrgBehavior: _org,
}


def _readers(card: type[behavior.Behavior]) -> tuple[dict[str, Reader], Reader]:
    """Each known property's reader and the default one, chosen as vobject's autoBehavior does:
    a known child's registered behaviour (none for VERSION), else the card's default."""
    by_name: dict[str, Reader] = {}
    for name, (_, _, behavior_id) in card.knownChildren.items():
        known = getBehavior(name, behavior_id)
        by_name[name] = _as_written if known is None else _READERS.get(known, _unsupported)
    default = card.defaultBehavior
    return by_name, _READERS.get(default, _unsupported) if default else _as_written


_CARD = getBehavior("VCARD")
_READER_BY_NAME, _DEFAULT_READER = _readers(_CARD)
