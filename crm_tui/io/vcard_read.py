"""What vobject parsed of one card, mapped onto an `ImportedContact`.

Kinds come from TYPE parameters (2.1 bare types too) or Apple `itemN.X-ABLabel` labels;
preference from PREF in any version's form. What the contact model has no field for is kept in
`extra` as the card's own (repaired) lines, so an export gives it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

import vobject

from crm_tui.io import vcard_repair as repair
from crm_tui.io.contact_record import NO_YEAR, ImportedAddress, ImportedContact, ImportedEmail, ImportedPhone

# Properties read into fields; the rest (but VERSION, PRODID and REV) goes to `extra` as is.
_SINGLE = frozenset({"N", "FN", "ORG", "TITLE", "BDAY", "UID"})
_MODELLED = _SINGLE | {"EMAIL", "TEL", "ADR", "NOTE", "CATEGORIES", "X-ABSHOWAS", "KIND"}
_NOT_KEPT = frozenset({"VERSION", "PRODID", "REV"})
_CELL_TYPES = frozenset({"cell", "mobile", "iphone"})
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_\Z")
# Apple's stock labels, mapped onto our kinds; any other label becomes the kind as it is.
_LABEL_KINDS = {"mobile": "cell", "iphone": "cell", "homefax": "fax", "workfax": "fax", "otherfax": "fax"}
_BDAY = re.compile(r"\s*(?:(\d{4})|--)-?(\d\d)-?(\d\d)(?:[T ].*)?\Z")
_TEL_EXT = re.compile(r"(?:^|;)ext=([^;]*)", re.IGNORECASE)
_TAG_SEPARATORS = re.compile(r"[,;]")


class ParsedLine(Protocol):
    """What is read of one parsed property: a vobject ContentLine, or vcard_fast's copy of one."""

    group: str | None
    value: Any
    params: dict[str, list[str]]
    singletonparams: list[str]
    lineNumber: int


# A parsed card's lines by lower-case property name, in card order (vobject's Component.contents).
Contents = Mapping[str, Sequence[ParsedLine]]


def fill_contact(contact: ImportedContact, contents: Contents, props: list[repair.Prop]) -> None:
    """Fill `contact` from the parsed `contents` of a card; `props` are the lines it was parsed
    from."""
    labels = {
        line.group.lower(): kind
        for line in contents.get("x-ablabel", [])
        if line.group and (kind := _label_kind(_text(line.value)))
    }
    _names(contact, contents)
    _organisation(contact, contents)
    contact.title = _first_text(contents, "title") or None
    contact.uid = _first_text(contents, "uid") or None
    contact.emails = _one_primary([_email(line, labels) for line in contents.get("email", [])])
    contact.phones = _one_primary([_phone(line, labels) for line in contents.get("tel", [])])
    contact.addresses = _one_primary([_address(line, labels) for line in contents.get("adr", [])])
    notes = (_text(line.value).strip() for line in contents.get("note", []))
    contact.notes = "\n".join(note for note in notes if note) or None
    contact.tags = _tags(contents.get("categories", []))
    contact.extra = _extra(props)
    for line in contents.get("bday", [])[:1]:
        contact.birthday = _birthday(line, props, contact.warnings)
    _person_or_company(contact, contents, props)


def _person_or_company(contact: ImportedContact, contents: Contents, props: list[repair.Prop]) -> None:
    """A company card says so (X-ABShowAs:COMPANY, KIND:org) or has an ORG and no person's
    name; a person's card with only FN gets its first and last name from FN."""
    kinds = {_text(line.value).strip().lower() for line in contents.get("kind", [])}
    for line in contents.get("kind", []):  # group, location…: not ours to model, kept
        if _text(line.value).strip().lower() not in ("individual", "org", "organization"):
            contact.extra.setdefault("KIND", []).append(_prop_of(line, props).kept)
    show_as = _first_text(contents, "x-abshowas").strip().upper() == "COMPANY"
    person = bool(contact.first_name or contact.middle_name or contact.last_name)
    display, company = contact.display_name, contact.company
    contact.is_company = bool(
        show_as
        or kinds & {"org", "organization"}
        or (company and not person and (not display or display.casefold() == company.casefold()))
    )
    if not person and display and not contact.is_company:
        contact.first_name, contact.last_name = split_name(display)


def _names(contact: ImportedContact, contents: Contents) -> None:
    contact.display_name = _first_text(contents, "fn").strip()
    for line in contents.get("n", [])[:1]:
        name = line.value
        if isinstance(name, vobject.vcard.Name):
            contact.last_name = _join(name.family, " ")
            contact.first_name = _join(name.given, " ")
            contact.middle_name = _join(name.additional, " ")


def _organisation(contact: ImportedContact, contents: Contents) -> None:
    for line in contents.get("org", [])[:1]:
        value = line.value if isinstance(line.value, list) else [line.value]
        units = [_join(unit, ", ") for unit in value]
        contact.company = (units[0] or None) if units else None
        contact.department = "; ".join(unit for unit in units[1:] if unit) or None


def _email(line: ParsedLine, labels: dict[str, str]) -> ImportedEmail:
    value = _text(line.value).strip()
    if value[:7].lower() == "mailto:":
        value = value[7:]
    if "<" in value and value.endswith(">"):  # '"Omega" <omega@example.com>'
        value = value[value.rfind("<") + 1 : -1].strip()
    types = _types(line)
    return ImportedEmail(value, _group_kind(line, labels) or _place_kind(types), _preferred(line, types))


def _phone(line: ParsedLine, labels: dict[str, str]) -> ImportedPhone:
    value = _text(line.value).strip()
    if value[:4].lower() == "tel:":  # vCard 4.0: TEL;VALUE=uri:tel:+1-555-555-5555;ext=12
        number, _, rest = value[4:].partition(";")
        ext = _TEL_EXT.search(rest)
        value = f"{number} ext. {ext.group(1)}" if ext else number
    types = _types(line)
    return ImportedPhone(value, _group_kind(line, labels) or phone_kind(types), _preferred(line, types))


def phone_kind(types: set[str]) -> str:
    if "fax" in types:  # a work fax is a fax first
        return "fax"
    if types & _CELL_TYPES:
        return "cell"
    for kind in ("pager", "main", "work", "home"):
        if kind in types:
            return kind
    return "other"


def _place_kind(types: set[str]) -> str:
    """Emails and addresses: work, home or other (INTERNET, POSTAL, PREF… are not kinds)."""
    return "work" if "work" in types else "home" if "home" in types else "other"


def _address(line: ParsedLine, labels: dict[str, str]) -> ImportedAddress:
    types = _types(line)
    address = ImportedAddress(
        kind=_group_kind(line, labels) or _place_kind(types), primary=_preferred(line, types)
    )
    value = line.value
    if isinstance(value, vobject.vcard.Address):
        lines = (_join(value.box, ", "), _join(value.extended, ", "), _join(value.street, ", "))
        address.street = "\n".join(part for part in lines if part)
        address.city = _join(value.city, ", ")
        address.region = _join(value.region, ", ")
        address.postcode = _join(value.code, ", ")
        address.country = _join(value.country, ", ")
    return address


def _one_primary(items: list[Any]) -> list[Any]:
    """Drop empty values and keep the primary flag on the first preferred one only."""
    kept, seen = [], False
    for item in items:
        if isinstance(item, ImportedAddress):
            if not (item.street or item.city or item.region or item.postcode or item.country):
                continue
        elif not item.value:
            continue
        item.primary = item.primary and not seen
        seen = seen or item.primary
        kept.append(item)
    return kept


def _birthday(line: ParsedLine, props: list[repair.Prop], warnings: list[str]) -> date | None:
    raw = _text(line.value).strip()
    match = _BDAY.match(raw)
    try:
        if match:
            year = int(match.group(1) or NO_YEAR) or NO_YEAR  # "0000" also means "no year"
            return date(year, int(match.group(2)), int(match.group(3)))
    except ValueError:
        pass
    warnings.append(f"BDAY {raw!r} dropped: not a date (line {_prop_of(line, props).line})")
    return None


def _tags(lines: Sequence[ParsedLine]) -> list[str]:
    tags: dict[str, str] = {}
    for line in lines:
        values = line.value if isinstance(line.value, list) else [line.value]
        for value in values:
            for tag in _TAG_SEPARATORS.split(_text(value)):
                if tag.strip():
                    tags.setdefault(tag.strip().casefold(), tag.strip())
    return list(tags.values())


def _extra(props: list[repair.Prop]) -> dict[str, list[str]]:
    """Unmodelled lines as they came, plus later copies of single-valued properties that
    differ from the first (the one we read). Labels of groups we read are consumed."""
    read_groups = {prop.group.lower() for prop in props if prop.group and prop.name in _MODELLED}
    extra: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for prop in props:
        name = prop.name
        if name in _NOT_KEPT or name == "KIND":
            continue
        if name in _MODELLED:
            if name in _SINGLE and first.setdefault(name, prop.kept) != prop.kept:
                extra.setdefault(name, []).append(prop.kept)
            continue
        if name == "X-ABLABEL" and prop.group and prop.group.lower() in read_groups:
            continue
        extra.setdefault(name, []).append(prop.kept)
    return extra


def prop_index(line_number: int | None) -> int:
    """The index in props of vobject's line `line_number`. vobject 0.9.9 counts two per line
    (the line end, then the end of its match), from 1 for BEGIN: BEGIN 1, props[0] 3, props[1] 5."""
    return -1 if line_number is None else (line_number - 3) // 2


def line_number(index: int) -> int:
    """The line number vobject gives props[index] (the inverse of `prop_index`)."""
    return 2 * index + 3


def _prop_of(line: ParsedLine, props: list[repair.Prop]) -> repair.Prop:
    return props[prop_index(line.lineNumber)]


def _types(line: ParsedLine) -> set[str]:
    # vCard 2.1 bare types (TEL;CELL;PREF) land in singletonparams, not in params.
    types = {value.lower() for value in line.singletonparams}
    for value in line.params.get("TYPE", []):
        types.update(part.strip().lower() for part in value.split(","))
    return types


def _preferred(line: ParsedLine, types: set[str]) -> bool:
    return "pref" in types or any(value.strip() == "1" for value in line.params.get("PREF", []))


def _group_kind(line: ParsedLine, labels: dict[str, str]) -> str | None:
    return labels.get(line.group.lower()) if line.group else None


def _label_kind(label: str) -> str | None:
    apple = _APPLE_LABEL.match(label.strip())
    kind = (apple.group(1) if apple else label).strip().lower()
    return _LABEL_KINDS.get(kind, kind) or None


def _first_text(contents: Contents, name: str) -> str:
    lines = contents.get(name)
    return _text(lines[0].value) if lines else ""


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return ", ".join(_text(part) for part in value)
    return "" if value is None else str(value)


def _join(value: object, separator: str) -> str:
    if isinstance(value, list):
        return separator.join(part for part in (_text(item).strip() for item in value) if part)
    return _text(value).strip()


def split_name(full_name: str) -> tuple[str, str]:
    """(first, last) from a display name, the way the services split one: "Anna Smith",
    "Smith, Anna" (io may not import services, so the rule is repeated here)."""
    name = " ".join(full_name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (last, "")
