"""Turning what a person typed into stored values, or a ValidationError naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers

from crm_tui.dates import parse_date
from crm_tui.errors import ValidationError

# Deliberately loose: one @, something before it, a dotted domain after it, no spaces.
# Stricter checks reject addresses real mail servers accept.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def fold(text: str | None) -> str:
    """The matching key for names and emails: Unicode case folding (every alphabet). A NUL
    (from a broken file) is no part of the key: PostgreSQL cannot store one, and a key must
    match the same on every database."""
    return (text or "").replace("\x00", "").casefold().strip()


def clean(text: str | None) -> str | None:
    """Trimmed text, or None when nothing is left."""
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


def require(field: str, text: str | None) -> str:
    value = clean(text)
    if value is None:
        raise ValidationError(field, "is required")
    return value


def parse_email(text: str | None, field: str = "email") -> str | None:
    value = clean(text)
    if value is None:
        return None
    if not _EMAIL.match(value):
        raise ValidationError(field, f"{value!r} is not an email address")
    return value


# How a number reads: (its E.164 form, or None when it is not a possible number; why
# phonenumbers cannot read it at all, or None when it can).
PhoneReading = tuple[str | None, str | None]


@lru_cache(maxsize=65536)
def _e164(value: str, region: str) -> str | None:
    """E.164 of a number, None when it is not a possible number; raises NumberParseException
    when phonenumbers cannot read it. Cached (big enough for a whole file's numbers): an
    import asks about each phone more than once (matching, then storing), and parsing is the
    costly part."""
    parsed = phonenumbers.parse(value, region or None)
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_reading(value: str, region: str) -> PhoneReading:
    """How a (trimmed) number reads, as a value that can cross to another process."""
    try:
        return _e164(value, region), None
    except phonenumbers.NumberParseException as error:
        return None, str(error)


def parse_phone(
    text: str | None, region: str, field: str = "phone", known: Mapping[str, PhoneReading] | None = None
) -> tuple[str, str | None] | None:
    """(the number as typed, its E.164 form). None when empty.

    A number phonenumbers cannot read at all is rejected; one it reads but considers
    impossible is kept as typed without E.164, since short office extensions and foreign
    formats are real and must not be lost. `known`: numbers already read (a file's, read
    in bulk by `phone_batch`).
    """
    value = clean(text)
    if value is None:
        return None
    if not any(character.isdigit() for character in value):
        raise ValidationError(field, f"{value!r} is not a phone number")
    reading = known.get(value) if known else None
    e164, problem = reading or phone_reading(value, region)
    if problem is not None:
        raise ValidationError(field, f"{value!r} is not a phone number ({problem})")
    return value, e164


def digits_of(text: str | None) -> str:
    """Only the digits of a phone number: how two spellings of one number compare when
    phonenumbers cannot give an E.164 form."""
    return "".join(filter(str.isdigit, text or ""))


def phone_search_key(text: str, region: str) -> str | None:
    """The E.164 form of a phone typed into a search box, if it reads as one."""
    try:
        return _e164(text, region)
    except phonenumbers.NumberParseException:
        return None


def parse_money(text: str | int | float | None, field: str = "amount") -> int | None:
    """Minor units from `150000`, `150 000,50`, `1,234.56`, `12.5k`. None when empty."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValidationError(field, "is not an amount")
    if isinstance(text, int | float):
        raw = str(text)
    else:
        raw = text.strip().replace("\u00a0", "").replace(" ", "").replace("_", "")
        if not raw:
            return None
    multiplier = 1
    if raw[-1:].lower() in {"k", "m"}:
        multiplier = 1_000 if raw[-1].lower() == "k" else 1_000_000
        raw = raw[:-1]
    if "," in raw and "." in raw:
        # The later separator is the decimal one: 1,234.56 or 1.234,56.
        thousands = "," if raw.rfind(",") < raw.rfind(".") else "."
        raw = raw.replace(thousands, "").replace(",", ".")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = f"{head.replace(',', '')}.{tail}" if len(tail) <= 2 else raw.replace(",", "")
    try:
        amount = Decimal(raw) * multiplier
    except InvalidOperation as error:
        raise ValidationError(field, f"{text!r} is not an amount") from error
    if amount.is_nan():
        # Decimal reads "NaN" (what spreadsheets put in empty cells), and comparing it raises.
        raise ValidationError(field, f"{text!r} is not an amount")
    if amount < 0:
        raise ValidationError(field, "cannot be negative")
    if amount > Decimal(10) ** 13:
        raise ValidationError(field, f"{text!r} is too large")
    return int((amount * 100).to_integral_value())


def parse_optional_date(text: str | date | None, field: str) -> date | None:
    if text is None or isinstance(text, date):
        return text
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        raise ValidationError(field, str(error)) from error


def parse_optional_time(text: str | time | None, field: str) -> time | None:
    if text is None or isinstance(text, time):
        return text
    value = text.strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?", value)
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise ValidationError(field, f"{value!r} is not a time of day (try 14:30)")
    return time(int(match.group(1)), int(match.group(2) or 0))


def split_full_name(full_name: str) -> tuple[str, str]:
    """(first, last) from a single name field: "Anna Smith", "Smith, Anna"."""
    name = " ".join(full_name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    parts = name.split(" ")
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]
