"""Contact records to vCard 3.0 or 4.0 text, one card at a time.

A record is the contact dict that `crm_tui.services.records.contact_records` builds (plus the
optional "department" and "is_company"). Lines kept in `extra` at import are written back as
they were, re-folded; photos are translated between the 2.1/3.0 base64 form and 4.0 data: URIs
when that is simple, and written as kept otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from crm_tui.io.contact_record import NO_YEAR

VERSIONS = ("3.0", "4.0")
_LINE_OCTETS = 75
_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
# Kinds each property can say with a standard TYPE; any other kind but "other" is written as
# an Apple-style label (itemN.TEL + itemN.X-ABLabel), which the reader turns back into the kind.
_EMAIL_TYPES = frozenset({"work", "home"})
_PHONE_TYPES = frozenset({"cell", "work", "home", "fax", "pager", "main"})
_ADDRESS_TYPES = frozenset({"work", "home"})
_URI_PHONE = re.compile(r"\+?[0-9()\-. ]*[0-9][0-9()\-. ]*(?: ext\. ?([0-9]+))?\Z")
_HEAD = re.compile(r'(?:[^":]|"[^"]*")*:')
_IMAGE_TYPES = frozenset({"JPEG", "JPG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "HEIC"})
_MEDIA = frozenset({"PHOTO", "LOGO"})


def write_vcards(records: Iterable[Mapping[str, Any]], version: str = "3.0") -> Iterator[str]:
    """One serialised card per record: CRLF line ends, lines folded at 75 octets."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r} cannot be written (choose 3.0 or 4.0)")
    for record in records:
        yield write_card(record, version == "4.0")


def write_card(record: Mapping[str, Any], v4: bool) -> str:
    """One record as one card: modelled fields first, then the kept `extra` lines."""
    extra: Mapping[str, list[str]] = record.get("extra") or {}
    groups = _Groups(extra)
    lines = ["BEGIN:VCARD", "VERSION:4.0" if v4 else "VERSION:3.0"]
    if record.get("uid"):
        lines.append("UID:" + escape(str(record["uid"])))
    lines += _identity(record, v4)
    for email in record.get("emails") or ():
        value = escape(email.get("value") or "")
        lines += _typed("EMAIL", email, _EMAIL_TYPES, v4, groups, value, v3_types=("INTERNET",))
    for phone in record.get("phones") or ():
        lines += _phone(phone, v4, groups)
    for address in record.get("addresses") or ():
        fields = (
            "",
            "",
            *(address.get(key) or "" for key in ("street", "city", "region", "postcode", "country")),
        )
        lines += _typed("ADR", address, _ADDRESS_TYPES, v4, groups, ";".join(map(escape, fields)))
    birthday = _birthday(record.get("birthday"), v4)
    if birthday:
        lines.append("BDAY:" + birthday)
    if record.get("notes"):
        lines.append("NOTE:" + escape(record["notes"]))
    if record.get("tags"):
        lines.append("CATEGORIES:" + ",".join(escape(tag) for tag in record["tags"]))
    if record.get("is_company"):
        lines.append("X-ABShowAs:COMPANY")
    for name, kept in extra.items():
        for line in kept:
            lines.append(translate_media(line, v4) if name.upper() in _MEDIA else line)
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def _identity(record: Mapping[str, Any], v4: bool) -> list[str]:
    first, middle, last = (record.get(key) or "" for key in ("first_name", "middle_name", "last_name"))
    company = record.get("company") or ""
    full = record.get("full_name") or " ".join(part for part in (first, middle, last) if part) or company
    lines = ["FN:" + escape(full), "N:" + ";".join(escape(part) for part in (last, first, middle, "", ""))]
    if v4 and record.get("is_company"):
        lines.append("KIND:org")
    department = record.get("department") or ""
    if company or department:
        # The reader joins ORG's units into "Sales; EMEA"; give them back as units.
        units = [company, *(unit.strip() for unit in department.split(";") if unit.strip())]
        lines.append("ORG:" + ";".join(escape(unit) for unit in units))
    if record.get("title"):
        lines.append("TITLE:" + escape(record["title"]))
    return lines


def _phone(phone: Mapping[str, Any], v4: bool, groups: _Groups) -> list[str]:
    value = str(phone.get("value") or "")
    if not v4:
        return _typed("TEL", phone, _PHONE_TYPES, v4, groups, escape(value))
    uri = _tel_uri(value, phone.get("e164"))
    if uri is None:  # letters or other text a tel: URI cannot carry
        return _typed("TEL", phone, _PHONE_TYPES, v4, groups, escape(value), param="VALUE=text")
    return _typed("TEL", phone, _PHONE_TYPES, v4, groups, uri, param="VALUE=uri")


def _tel_uri(value: str, e164: str | None) -> str | None:
    match = _URI_PHONE.match(value.strip())
    if match:
        number = value.strip()
        if match.group(1):
            number = number[: number.rfind(" ext.")]
        uri = "tel:" + "-".join(number.split())
        return uri + f";ext={match.group(1)}" if match.group(1) else uri
    return f"tel:{e164}" if e164 else None


def _typed(
    name: str,
    item: Mapping[str, Any],
    standard: frozenset[str],
    v4: bool,
    groups: _Groups,
    value: str,
    param: str = "",
    v3_types: tuple[str, ...] = (),
) -> list[str]:
    """The property with its kind and preference in the version's own style: 3.0
    `TYPE=WORK,PREF`, 4.0 `TYPE=work;PREF=1`."""
    kind = (item.get("kind") or "other").strip().lower()
    parts = [param] if param else []
    if v4:
        parts += [f"TYPE={kind}"] if kind in standard else []
        parts += ["PREF=1"] if item.get("primary") else []
    else:
        names = [*v3_types, *([kind.upper()] if kind in standard else [])]
        names += ["PREF"] if item.get("primary") else []
        parts += ["TYPE=" + ",".join(names)] if names else []
    line = name + "".join(";" + part for part in parts) + ":" + value
    if kind in standard or kind == "other":
        return [line]
    group = groups.next()
    return [f"{group}.{line}", f"{group}.X-ABLabel:{escape(kind)}"]


def _birthday(value: object, v4: bool) -> str | None:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    if day.year == NO_YEAR:
        return f"--{day.month:02d}{day.day:02d}"
    return f"{day.year:04d}{day.month:02d}{day.day:02d}" if v4 else day.isoformat()


def translate_media(line: str, v4: bool) -> str:
    """A kept PHOTO or LOGO line in the target version's form, when the translation is
    simple (base64 <-> data: URI, URL <-> VALUE=uri); otherwise the line as it was."""
    head = _HEAD.match(line)
    if head is None:
        return line
    name, *params = head.group()[:-1].split(";")
    value = line[head.end() :]
    upper = [param.upper() for param in params]
    base64 = any(param in ("ENCODING=B", "ENCODING=BASE64", "BASE64") for param in upper)
    media = next((param[5:] for param in upper if param.startswith("TYPE=")), None)
    media = media or next((param for param in upper if param in _IMAGE_TYPES), None)
    is_uri = any(param in ("VALUE=URI", "VALUE=URL") for param in upper)
    if v4:
        if base64:
            mediatype = media.lower() if media and "/" in media else f"image/{(media or 'jpeg').lower()}"
            return f"{name}:data:{mediatype};base64,{value}"
        return f"{name}:{value}" if is_uri else line
    meta, comma, data = value.partition(",")
    if value[:5].lower() == "data:" and comma and meta.lower().endswith(";base64"):
        subtype = meta[5:-7].rpartition("/")[2].upper() or "JPEG"
        return f"{name};ENCODING=b;TYPE={subtype}:{data}"
    if base64:
        return (
            f"{name};ENCODING=b;TYPE={media.rpartition('/')[2]}:{value}"
            if media
            else f"{name};ENCODING=b:{value}"
        )
    if not params and value.split(":", 1)[0].lower() in ("http", "https", "ftp"):
        return f"{name};VALUE=uri:{value}"
    return line


def escape(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)


def fold(line: str) -> str:
    """The line and CRLF, folded (CRLF + space) so no physical line passes 75 octets; a
    UTF-8 character is never split."""
    if len(line) <= _LINE_OCTETS and (line.isascii() or len(line.encode()) <= _LINE_OCTETS):
        return line + "\r\n"
    chunks, start, size, limit = [], 0, 0, _LINE_OCTETS
    if line.isascii():
        chunks = [line[:limit]] + [line[i : i + limit - 1] for i in range(limit, len(line), limit - 1)]
        return "\r\n ".join(chunks) + "\r\n"
    for index, char in enumerate(line):
        code = ord(char)
        octets = 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
        if size + octets > limit:
            chunks.append(line[start:index])
            start, size, limit = index, 0, _LINE_OCTETS - 1  # the fold's space is one octet
        size += octets
    chunks.append(line[start:])
    return "\r\n ".join(chunks) + "\r\n"


class _Groups:
    """Fresh Apple-style group names (item1, item2…) that no kept line already uses."""

    def __init__(self, extra: Mapping[str, list[str]]) -> None:
        self.used = {
            line.split(":", 1)[0].split(";", 1)[0].rpartition(".")[0].lower()
            for lines in extra.values()
            for line in lines
        }
        self.count = 0

    def next(self) -> str:
        self.count += 1
        while f"item{self.count}" in self.used:
            self.count += 1
        return f"item{self.count}"
