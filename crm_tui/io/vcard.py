"""vCard import and export: the entry points the services and the CLI use.

Reading: decode the bytes ourselves (BOM, UTF-16 by its NUL bytes, UTF-8, then each
property's CHARSET or a guessed code page), split the text into cards and repair their lines
(vcard_repair), parse one card at a time with vobject's own functions (vcard_fast), or, when a
card needs it, with vobject.readOne, retrying without any line it rejects, and map what was
parsed to an ImportedContact (vcard_read). One bad card costs only itself. Writing lives in
vcard_write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import vobject
from vobject.base import VObjectError

from crm_tui.errors import UnreadableInput
from crm_tui.io import vcard_fast
from crm_tui.io import vcard_repair as repair
from crm_tui.io.byte_order import BOMS, utf16_by_nuls
from crm_tui.io.contact_record import ImportedContact, SkippedRecord
from crm_tui.io.limits import check_file_size
from crm_tui.io.vcard_read import Contents, fill_contact, prop_index
from crm_tui.io.vcard_write import write_vcards

__all__ = ["decode_bytes", "looks_like_vcard", "read_vcard_file", "read_vcards", "write_vcards"]

Item = ImportedContact | SkippedRecord
# Lines vobject rejects that are dropped one at a time, reading the card again after each;
# past these, each remaining line is tried on its own instead (once per line, not once per
# line per bad line: a card of a thousand bad lines would otherwise take minutes).
_RETRIES = 8

_ANY_BEGIN = re.compile(r"(?:^|[\r\n])[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t]*(?:[\r\n]|$)", re.IGNORECASE)
_HEADLESS_START = re.compile(r"VERSION[ \t]*:[ \t]*[234]\.[01][ \t]*[\r\n]", re.IGNORECASE)
_ANY_END = re.compile(r"(?:^|[\r\n])[ \t]*END[ \t]*:[ \t]*VCARD", re.IGNORECASE)
# Any run of CRs before a LF is one line end (iPhone exports end lines with CR CR LF).
_LINE_END_BYTES = re.compile(rb"\r*\n|\r")
_CHARSET_BYTES = re.compile(rb"^[^:]*?;CHARSET=([A-Za-z0-9_.:-]+?)[;:]", re.IGNORECASE)


def looks_like_vcard(head: bytes) -> bool:
    """Whether the first bytes of a file are a vCard: "BEGIN:VCARD" (any case) after nothing
    but whitespace, in UTF-8, UTF-16 (with or without a BOM) or an 8-bit code page."""
    encoding = "utf-8"
    for bom, name in BOMS:
        if head.startswith(bom):
            encoding = name  # these codecs drop the BOM themselves (utf-8 leaves U+FEFF)
            break
    else:
        encoding = utf16_by_nuls(head[:400]) or encoding
    text = head.decode(encoding, "ignore").lstrip("\ufeff \t\r\n")
    return text[:11].upper() == "BEGIN:VCARD" or _starts_headless(text)


def _starts_headless(text: str) -> bool:
    """A card whose BEGIN:VCARD line was lost: the text opens with its VERSION property."""
    return bool(_HEADLESS_START.match(text.lstrip("\ufeff \t\r\n")))


def read_vcards(data: bytes) -> Iterator[Item]:
    """One ImportedContact or SkippedRecord per BEGIN:VCARD, in file order, as they are read."""
    yield from read_text(decode_bytes(data))


def read_vcard_file(path: Path) -> Iterator[Item]:
    """Like `read_vcards`, but checks at once that the file opens, is not over the size cap
    (limits.MAX_FILE_BYTES) and holds a vCard."""
    check_file_size(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UnreadableInput(f"{path}: cannot read the file ({error.strerror or error})") from error
    text = decode_bytes(data)
    if not _ANY_BEGIN.search(text):
        if _starts_headless(text) and _ANY_END.search(text):
            return _read_headless(text)
        raise UnreadableInput(f"{path}: not a vCard file (there is no BEGIN:VCARD line in it)")
    return read_text(text)


def _read_headless(text: str) -> Iterator[Item]:
    """A file that lost its first BEGIN:VCARD line (seen in the wild): read it as if the line
    were there, say so, and count lines as the file has them."""
    for index, item in enumerate(read_text("BEGIN:VCARD\r\n" + text.lstrip("\ufeff"))):
        item.line = max(item.line - 1, 1)
        if index == 0 and isinstance(item, ImportedContact):
            item.warnings.insert(0, "the file has no BEGIN:VCARD line: read as if it had one")
        yield item


def read_text(text: str) -> Iterator[Item]:
    """Cards of decoded text, read one at a time as the caller asks for them."""
    for card in repair.split_cards(text):
        try:
            item = read_card(card)
        except Exception as error:  # the promise is that one card never ends the file
            item = SkippedRecord(card.number, card.line, f"could not be read: {error}")
        yield item


def read_card(card: repair.RawCard, *, fast: bool = True) -> Item:
    """One card: repaired lines, parsed (vcard_fast, else vobject with retries), then mapped.
    `fast=False` parses with vobject alone: the reference the fast path is tested against."""
    warnings = card.warnings
    props = repair.card_props(card)
    contents: Contents | None = vcard_fast.parse_props(props) if fast else None
    if contents is None:
        contents = _parse(props, warnings)
    if contents is None:
        details = "; ".join(warnings[:3])
        return SkippedRecord(card.number, card.line, f"nothing could be read: {details or 'no properties'}")
    contact = ImportedContact(number=card.number, line=card.line, warnings=warnings)
    fill_contact(contact, contents, props)
    if not contact.has_substance():
        found = ", ".join(sorted({prop.name for prop in props} - {"VERSION"})) or "nothing"
        reason = f"nothing to import: no name, email, phone or organisation (found {found})"
        return SkippedRecord(card.number, card.line, reason)
    return contact


def _parse(props: list[repair.Prop], warnings: list[str]) -> Contents | None:
    """vobject's reading of the card; a line it rejects is dropped (with a warning) and the
    card read again. Errors that name no line, or too many bad lines, send us to testing each
    line on its own."""
    for _ in range(min(len(props), _RETRIES) + 1):
        try:
            return vobject.readOne(repair.card_text(props)).contents
        except VObjectError as error:
            index = prop_index(getattr(error, "lineNumber", None))
            if not 0 <= index < len(props):
                break
            bad = props.pop(index)
            warnings.append(f"{bad.name} dropped: vobject could not read it (line {bad.line})")
        except Exception:
            break
    props[:] = [prop for prop in props if _parses_alone(prop, warnings)]
    try:
        return vobject.readOne(repair.card_text(props)).contents
    except Exception:
        return None


def _parses_alone(prop: repair.Prop, warnings: list[str]) -> bool:
    try:
        vobject.readOne(repair.card_text([prop]))
    except Exception:
        warnings.append(f"{prop.name} dropped: vobject could not read it (line {prop.line})")
        return False
    return True


# ---------------------------------------------------------------- bytes to text


def decode_bytes(data: bytes) -> str:
    """The text of a vCard file: BOM first, then UTF-16 by its NUL bytes, then UTF-8, then
    line by line with each property's CHARSET or a guessed code page. Never raises."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            if encoding == "utf-8-sig":  # the rest may still be a legacy mix, as without a BOM
                return _decode_8bit(data[len(bom) :])
            return data.decode(encoding, "replace")
    utf16 = utf16_by_nuls(data[:400])
    if utf16:
        return data.decode(utf16, "replace")
    return _decode_8bit(data)


def _decode_8bit(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8 as a whole: 2.1 files mix ASCII, QUOTED-PRINTABLE and raw 8-bit values, each
    # property possibly in its own CHARSET, so decide line by line.
    lines = _LINE_END_BYTES.split(data)
    fallback: list[str] = []
    out = []
    for raw in lines:
        if raw.isascii():
            out.append(raw.decode("ascii"))
            continue
        declared = _CHARSET_BYTES.match(raw)
        out.append(
            _decode_line(raw, declared.group(1).decode("ascii") if declared else None, fallback, lines)
        )
    return "\n".join(out)


def _decode_line(raw: bytes, declared: str | None, fallback: list[str], lines: list[bytes]) -> str:
    for encoding in (declared, "utf-8"):
        if encoding:
            try:
                return raw.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    if not fallback:
        fallback.append(_guess_charset(lines))
    return raw.decode(fallback[0], "replace")


def _guess_charset(lines: list[bytes]) -> str:
    """The code page of the file's undeclared 8-bit lines (charset-normalizer; cp1251 if it
    cannot tell, the commonest legacy contact export this CRM meets)."""
    from charset_normalizer import from_bytes  # imported late: only legacy files need it

    sample = b"\n".join(line for line in lines if not line.isascii() and not _CHARSET_BYTES.match(line))
    best = from_bytes(sample[:65536]).best() if sample else None
    return best.encoding if best is not None else "cp1251"
