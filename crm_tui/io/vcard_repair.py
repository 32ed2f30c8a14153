"""From the text of a vCard file to cards of clean, unfolded lines that vobject can parse.

vobject 0.9.9 reads well-formed 3.0 text, but real cards are not that: they hold
QUOTED-PRINTABLE values with soft line breaks and CHARSETs (which make vobject raise), base64
photos that are truncated (which make it raise from deep inside and end the whole file),
unescaped commas (which make it silently cut FN and NOTE at the first comma) and lone trailing
backslashes. Everything here fixes those before vobject sees a card, and only touches what it
must: a line with nothing to repair is kept exactly as it came.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from crm_tui.io.limits import (
    MAX_BINARY_BYTES,
    MAX_BINARY_CHARS,
    MAX_FIELDS,
    MAX_LINE_CHARS,
    size_text,
)

# Any run of CRs before a LF is one line end: iPhone exports end every line with CR CR LF.
_LINE_END = re.compile(r"\r*\n|\r")
_BEGIN = re.compile(r"[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t]*\Z", re.IGNORECASE)
_END = re.compile(r"END[ \t]*:[ \t]*VCARD[ \t]*\Z", re.IGNORECASE)

# Property and group names as vobject accepts them (it allows "_" for Lotus Notes).
_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")
# The colon that ends the name and parameters, skipping quoted parameter values.
_HEAD = re.compile(r'(?:[^":]|"[^"]*")*:')
_CHARSET_TEXT = re.compile(r";CHARSET=([^;:]*)", re.IGNORECASE)
_QP_PARAM = re.compile(r";(?:ENCODING=)?QUOTED-PRINTABLE(?=[;:]|\Z)", re.IGNORECASE)
_BASE64_PARAM = re.compile(r";(?:ENCODING=)?(?:B|BASE64)(?=[;]|\Z)", re.IGNORECASE)
_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/=]+\Z")
_UNQUOTED_LABEL = re.compile(r';LABEL=(?!")([^";]*)', re.IGNORECASE)
# After a QUOTED-PRINTABLE soft break, a line that starts like one of these is a new property:
# some writers end a value with a stray "=" (KDE bug reports show exactly that).
_PROPERTY_START = re.compile(
    r"(?:[A-Za-z0-9-]+\.)?(?:X-[A-Za-z0-9-]+|ADR|AGENT|ANNIVERSARY|BDAY|CATEGORIES|CLASS|EMAIL|END|FN|"
    r"GENDER|GEO|IMPP|KEY|KIND|LABEL|LOGO|MAILER|N|NICKNAME|NOTE|ORG|PHOTO|PRODID|RELATED|REV|ROLE|"
    r"SORT-STRING|SOUND|SOURCE|TEL|TITLE|TZ|UID|URL|VERSION)[;:]",
    re.IGNORECASE,
)
# Properties whose value we read as one piece of text: a bare comma there is literal (vobject
# would take it for a list separator and keep only the first item).
TEXT_PROPERTIES = frozenset(
    {"FN", "TITLE", "NOTE", "EMAIL", "TEL", "UID", "BDAY", "X-ABLABEL", "X-ABSHOWAS", "KIND"}
)
# Structured or list values: commas and semicolons keep their meaning, only escapes are fixed.
LIST_PROPERTIES = frozenset({"N", "ADR", "ORG", "CATEGORIES"})
# Properties whose value is binary data (inline base64 or a data: URI), capped as such.
BINARY_PROPERTIES = frozenset({"PHOTO", "LOGO", "SOUND", "KEY", "X-MS-CARDPICTURE"})
_ESCAPE_OR_COMMA = re.compile(r"\\(.)|\\\Z|,", re.DOTALL)
_KNOWN_ESCAPES = frozenset('\\;,nN"')

PLAIN, QUOTED_PRINTABLE, BASE64 = 0, 1, 2


@dataclass(slots=True)
class RawCard:
    """The physical lines between BEGIN:VCARD and END:VCARD. `line` is BEGIN's file line."""

    number: int
    line: int
    lines: list[str]
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Prop:
    """One logical line: `parse` is what vobject gets, `kept` what `extra` keeps."""

    line: int
    group: str | None
    name: str
    parse: str
    kept: str


# ---------------------------------------------------------------- text to cards


def split_cards(text: str) -> Iterator[RawCard]:
    """Cards in file order. A missing END:VCARD ends the card at the next BEGIN or at the end
    of the file, with a warning, so the count of cards is the count of BEGIN lines."""
    lines = _LINE_END.split(text)
    number, start = 0, -1
    for index, line in enumerate(lines):
        if start < 0:
            if _BEGIN.match(line):
                start = index
            continue
        first = line[:1]
        if first in ("E", "e") and _END.match(line):
            number += 1
            yield RawCard(number, start + 1, lines[start + 1 : index])
            start = -1
        elif first in ("B", "b") and _BEGIN.match(line):
            number += 1
            warning = f"END:VCARD missing: the card ends where the next one begins (line {index + 1})"
            yield RawCard(number, start + 1, lines[start + 1 : index], [warning])
            start = index
    if start >= 0:
        yield RawCard(
            number + 1,
            start + 1,
            lines[start + 1 :],
            ["END:VCARD missing: the card runs to the end of the file"],
        )


def _mode(line: str) -> int:
    colon = line.find(":")
    semicolon = line.find(";", 0, colon) if colon > 0 else -1
    if semicolon < 0:
        return PLAIN
    params = line[semicolon:colon].upper()
    if "QUOTED-PRINTABLE" in params:
        return QUOTED_PRINTABLE
    if "BASE64" in params or "ENCODING=B" in params:
        return BASE64
    return PLAIN


def unfold(card: RawCard) -> list[tuple[int, str]]:
    """Logical lines with their file line numbers: RFC folds (CRLF + space/tab), QP soft breaks
    ("=" at the end joins the next line as it is) and 2.1 base64 blocks (indented or not, ended
    by a blank line or the next property).

    A logical line over its cap (limits: MAX_BINARY_CHARS for base64 data and the binary
    properties, MAX_LINE_CHARS for the rest) is dropped with a warning: from the moment it is
    over, only its head and last character are kept, so it never holds more than the cap."""
    out: list[tuple[int, str]] = []
    current: str | None = None
    current_line, mode, cap, size, head = 0, PLAIN, MAX_LINE_CHARS, 0, 0
    first_line = card.line + 1
    for index, raw in enumerate(card.lines):
        if not raw or raw.isspace():
            if current is not None and mode == QUOTED_PRINTABLE and current.endswith("="):
                current = current[:-1]
            mode = PLAIN
            continue
        if current is not None:
            piece = None
            if mode == QUOTED_PRINTABLE and current.endswith("="):
                current = current[:-1]
                if not _PROPERTY_START.match(raw):
                    piece = raw
            elif raw[0] in " \t":
                piece = raw.strip() if mode == BASE64 else raw[1:]
            elif mode == BASE64 and ":" not in raw and _BASE64_CHARS.match(raw.rstrip()):
                piece = raw.rstrip()
            if piece is not None:
                size += len(piece)
                # Over the cap: keep the head (for the warning) and the last character (a QP
                # soft break still decides what the next line is).
                if size <= cap:
                    current += piece  # in place: a local, not a closure's cell
                else:
                    current = current[:head] + piece[-1:]
                continue
            _finish(card, out, current, current_line, size, cap, head)
        elif raw[0] in " \t":
            card.warnings.append(f"line {first_line + index} dropped: a continuation with nothing before it")
            continue
        current, current_line, mode, size = raw, first_line + index, _mode(raw), len(raw)
        head = _head_length(raw)
        binary = mode == BASE64 or _property_name(raw) in BINARY_PROPERTIES
        cap = MAX_BINARY_CHARS if binary else MAX_LINE_CHARS
        if size > cap:
            current = raw[:head] + raw[-1:]
    if current is not None and mode == QUOTED_PRINTABLE and current.endswith("="):
        current = current[:-1]
    if current is not None:
        _finish(card, out, current, current_line, size, cap, head)
    return out


def _finish(
    card: RawCard, out: list[tuple[int, str]], text: str, line: int, size: int, cap: int, head: int
) -> None:
    """One logical line done: kept, or, over its cap, dropped with a warning."""
    if size > cap:
        card.warnings.append(_over_cap(text[:head], size, cap, line))
    else:
        out.append((line, text))


def _head_length(line: str) -> int:
    """How much of a line names its property (up to the colon, at most 80 characters)."""
    colon = line.find(":", 0, 80)
    return colon if colon > 0 else min(len(line), 40)


def _property_name(line: str) -> str:
    """The upper-case name of the property a line starts ("item1.PHOTO;…" → "PHOTO")."""
    head = line[: _head_length(line)]
    return head.partition(";")[0].rpartition(".")[2].strip().upper()


def _over_cap(head: str, size: int, cap: int, line: int) -> str:
    name = _property_name(head) or "a line"
    if cap == MAX_BINARY_CHARS:
        return (
            f"{name} dropped: about {size_text(size * 3 // 4)} of data, over the"
            f" {size_text(MAX_BINARY_BYTES)} cap for a photo or other binary value (line {line});"
            " the rest of the card is kept"
        )
    return (
        f"{name} dropped: {size:,} characters, over the cap of {MAX_LINE_CHARS:,} for one line"
        f" (line {line}); the rest of the card is kept"
    )


# ---------------------------------------------------------------- lines to properties


def card_props(card: RawCard) -> list[Prop]:
    """The card's repaired properties in card order; what was dropped is in its warnings."""
    props = []
    lines = unfold(card)
    if len(lines) > MAX_FIELDS:
        card.warnings.append(
            f"{len(lines):,} properties, over the cap of {MAX_FIELDS:,} for one card: those from"
            f" line {lines[MAX_FIELDS][0]} on were dropped"
        )
        del lines[MAX_FIELDS:]
    for number, text in lines:
        prop = to_prop(number, text, card.warnings)
        if prop is not None:
            props.append(prop)
    return props


def card_text(props: list[Prop]) -> str:
    """The text vobject parses for `props`: one physical line per property, so that a vobject
    line number names one prop (vcard_read.prop_index)."""
    return "BEGIN:VCARD\r\n" + "".join(prop.parse + "\r\n" for prop in props) + "END:VCARD\r\n"


def to_prop(number: int, text: str, warnings: list[str]) -> Prop | None:
    """Split one logical line and repair it; None (with a warning) if it cannot be kept."""
    colon = text.find(":")
    if colon > 0 and '"' in text[:colon]:
        quoted = _HEAD.match(text)
        colon = quoted.end() - 1 if quoted else colon
    if colon <= 0:
        warnings.append(f"line {number} dropped: {_short(text)!r} is not a vCard property")
        return None
    head, value = text[:colon], text[colon + 1 :]
    full_name, _, params = head.partition(";")
    group, _, name = full_name.rpartition(".")
    if not _NAME.match(name) or (group and not _NAME.match(group)):
        warnings.append(f"line {number} dropped: {_short(text)!r} is not a vCard property")
        return None
    upper = name.upper()
    if upper == "PROFILE":  # PROFILE:VCARD (RFC 2426) says nothing; vobject treats it as a BEGIN
        return None
    if upper in ("BEGIN", "END"):
        warnings.append(f"line {number} dropped: {upper}:{_short(value)} inside a card is not supported")
        return None
    params = ";" + params if params else ""
    new_params, new_value = params, value
    if params or value[:5].lower() == "data:":
        new_params, repaired = _repair_encoded(upper, params, value, number, warnings)
        if repaired is None:
            return None
        new_value = repaired
    if upper == "ADR" and params and _UNQUOTED_LABEL.search(text[:colon]):
        new_params, new_value = _split_label_colon(text, len(full_name), new_params, new_value)
    kept = text
    if new_params is not params or new_value is not value:
        kept = f"{full_name}{new_params}:{new_value}"
    parse = kept
    if upper in TEXT_PROPERTIES or upper in LIST_PROPERTIES:
        fixed = fix_escapes(new_value, upper in TEXT_PROPERTIES)
        if fixed is not new_value:
            parse = f"{full_name}{new_params}:{fixed}"
    return Prop(number, group or None, upper, parse, kept)


def _repair_encoded(
    name: str, params: str, value: str, number: int, warnings: list[str]
) -> tuple[str, str | None]:
    """Decode QUOTED-PRINTABLE with its CHARSET, drop CHARSET (the text is Unicode now) and
    check base64 data, which vobject would otherwise choke on."""
    upper = params.upper()
    if "CHARSET" in upper:
        charset = _CHARSET_TEXT.search(params)
        if "QUOTED-PRINTABLE" in upper:
            declared = charset.group(1).strip('" ') if charset else None
            value = decode_qp(value, declared or None, name, number, warnings)
            params = _QP_PARAM.sub("", params)
        params = _CHARSET_TEXT.sub("", params)
    elif "QUOTED-PRINTABLE" in upper:
        value = decode_qp(value, None, name, number, warnings)
        params = _QP_PARAM.sub("", params)
    if "B" in upper and _BASE64_PARAM.search(params):
        if value[:5].lower() == "data:":
            # A data: URI with a 3.0 ENCODING=b parameter (a mix seen from CardDAV clients):
            # the URI says it all; vobject would try to base64-decode the whole URI.
            return _BASE64_PARAM.sub("", params), _checked_data_uri(name, value, number, warnings)
        return params, _checked_base64(name, value, number, warnings)
    if value[:5].lower() == "data:":
        return params, _checked_data_uri(name, value, number, warnings)
    return params, value


def decode_qp(value: str, charset: str | None, name: str, number: int, warnings: list[str]) -> str:
    """QUOTED-PRINTABLE decoded at the byte level, then read in the property's CHARSET, else
    UTF-8, else a guessed Windows code page (with a warning); line breaks become `\\n`."""
    try:
        raw = binascii.a2b_qp(value.encode(charset or "utf-8"))
    except (LookupError, UnicodeEncodeError):
        raw = binascii.a2b_qp(value.encode("utf-8"))
    text = None
    for encoding in (charset, "utf-8"):
        try:
            text = raw.decode(encoding) if encoding else None
        except (LookupError, UnicodeDecodeError):
            continue
        if text is not None:
            break
    if text is None and charset is None:
        guess = windows_code_page(raw)
        text = raw.decode(guess, "replace")
        warnings.append(
            f"{name}: no CHARSET given and the text is not UTF-8; read as {guess} (line {number})"
        )
    elif text is None:
        text = raw.decode("utf-8", "replace")
        warnings.append(f"{name}: some characters could not be decoded as {charset} (line {number})")
    if "\n" in text or "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return text


def windows_code_page(raw: bytes) -> str:
    """cp1251 or cp1252 for 8-bit text that says nothing of its code page: Cyrillic words are
    runs of high bytes, while accented Latin letters stand alone between ASCII ones."""
    high = sum(1 for byte in raw if byte >= 0x80)
    runs = sum(1 for left, right in pairwise(raw) if left >= 0xC0 and right >= 0xC0)
    return "cp1251" if high and runs * 2 >= high else "cp1252"


def _checked_base64(name: str, value: str, number: int, warnings: list[str]) -> str | None:
    if " " in value or "\t" in value:
        value = "".join(value.split())
    try:
        binascii.a2b_base64(value, strict_mode=True)
    except binascii.Error:
        warnings.append(f"{name} dropped: the base64 data is broken (line {number})")
        return None
    return value


def _checked_data_uri(name: str, value: str, number: int, warnings: list[str]) -> str | None:
    meta, comma, data = value.partition(",")
    if comma and meta.lower().endswith(";base64"):
        checked = _checked_base64(name, data, number, warnings)
        return None if checked is None else f"{meta},{checked}"
    return value


def _split_label_colon(text: str, name_end: int, params: str, value: str) -> tuple[str, str]:
    """ADR with an unquoted LABEL parameter that holds colons (ez-vcard issue 114): the value
    starts after the last colon that still leaves the seven address fields; the label gets
    quoted so the line stays valid."""
    for colon in range(len(text) - 1, name_end, -1):
        if text[colon] == ":" and _count_fields(text[colon + 1 :]) == 7:
            head = text[name_end:colon]
            if head.count(":"):
                label = _UNQUOTED_LABEL.search(head)
                if label:
                    quoted = label.group(1).replace('"', "'")
                    head = f'{head[: label.start()]};LABEL="{quoted}"{head[label.end() :]}'
                return head, text[colon + 1 :]
            return params, value
    return params, value


def _count_fields(value: str) -> int:
    return value.count(";") - value.count("\\;") + 1


def fix_escapes(value: str, commas: bool) -> str:
    """Escape bare commas (`commas`), make a lone trailing backslash literal and unescape
    punctuation that needs no escape (`\\'`, `\\:`), all of which vobject gets wrong.
    Returns `value` itself when there is nothing to fix."""
    if "\\" not in value and not (commas and "," in value):
        return value

    def fix(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped is None:
            return "\\\\" if match.group(0) == "\\" else ("\\," if commas else ",")
        if escaped in _KNOWN_ESCAPES or escaped.isalnum() or escaped.isspace():
            return match.group(0)
        return escaped

    return _ESCAPE_OR_COMMA.sub(fix, value)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
