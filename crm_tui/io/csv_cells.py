"""Reading one CSV cell: several values in it, a person's name, a date, an amount of money.

Parsers raise ValueError with a message that completes "row 7, column 'Birthday': …", and
return None for an empty cell. They never turn a bad value into a plausible one (0, today):
the caller leaves the field empty and reports the cell. Results are immutable and cached,
since a long file repeats the same dates, currencies and labels row after row.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from crm_tui.dates import quiet_dateutil, today
from crm_tui.io.contact_record import NO_YEAR

# ---------------------------------------------------------------- several values in a cell

_VALUE_SEPARATORS = re.compile(r"\s+:::\s+|[,;\r\n]+")
# A character without which a cell holds no separator (a colon for " ::: "): one class is a
# quicker search than the alternatives themselves.
_MAYBE_SEPARATED = re.compile(r"[,;:\r\n]")
_TAG_SEPARATORS = re.compile(r"\s*:::\s*|[,;\r\n]+")
# Groups every Google contact is in: not tags anyone chose.
_SYSTEM_GROUPS = frozenset({"my contacts", "mycontacts"})


def split_values(cell: str) -> list[str]:
    """Emails or phones written into one cell: Google joins them with " ::: ", people with
    commas, semicolons or line breaks. Values are not judged here (the services do that)."""
    if not _MAYBE_SEPARATED.search(cell):  # the common case, without the cost of a split
        return [value] if (value := cell.strip()) else []
    return [value.strip() for value in _VALUE_SEPARATORS.split(cell) if value.strip()]


def split_tags(cell: str) -> list[str]:
    """Tags from "* My Contacts ::: Friends" (Google), "VIP; Partners" (Outlook categories)."""
    tags = []
    for raw in _TAG_SEPARATORS.split(cell):
        tag = raw.strip().removeprefix("* ").strip()  # Google marks its own groups with "* "
        if tag and tag.casefold() not in _SYSTEM_GROUPS:
            tags.append(tag)
    return tags


@lru_cache(maxsize=4096)
def kind_from_label(base: str, label: str) -> tuple[str | None, bool]:
    """(kind, primary) from a Google "Type"/"Label" cell such as "* Home", "Work Fax", "Mobile";
    the "*" marks the primary value. Kind is None when the label is empty."""
    text = label.strip()
    primary = text.startswith("*")
    words = set(re.findall(r"\w+", text.casefold()))
    if not words:
        return None, primary
    if base == "phone":
        for kind, names in (("fax", {"fax"}), ("cell", {"mobile", "cell", "iphone"}), ("pager", {"pager"})):
            if words & names:
                return kind, primary
        for kind in ("main", "work", "home"):
            if kind in words:
                return kind, primary
        return "other", primary
    return ("work" if "work" in words else "home" if "home" in words else "other"), primary


# ---------------------------------------------------------------- names

_PATRONYMIC_ENDINGS = ("ович", "евич", "ич", "овна", "евна", "ична", "инична")
_THREE_CYRILLIC_WORDS = re.compile(r"[А-Яа-яЁё-]+ [А-Яа-яЁё-]+ [А-Яа-яЁё-]+")


def split_person_name(full_name: str, family_first: bool = False) -> tuple[str, str, str]:
    """(first, middle, last) from "Anna Smith", "Smith, Anna", "John Ronald Tolkien", and, in
    a ФИО column or when the third word is a patronymic, "Петров Иван Сергеевич"."""
    name = " ".join(full_name.split())
    if not name:
        return "", "", ""
    if "," in name:
        last, _, rest = name.partition(",")
        first, _, middle = rest.strip().partition(" ")
        return first, middle, last.strip()
    words = name.split(" ")
    if len(words) == 1:
        return words[0], "", ""
    if family_first or _family_first_russian(name, words):
        return words[1], " ".join(words[2:]), words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def _family_first_russian(name: str, words: list[str]) -> bool:
    """Whether a name like "Петров Иван Сергеевич" is family name first: Russian lists often
    write it so, and a patronymic at the end gives the order away ("Иван Сергеевич Петров"
    has it in the middle). The words are Cyrillic letters only, so lower() is all the case
    folding the ending needs (a case-insensitive regex was the costly part of a name)."""
    return (
        len(words) == 3
        and _THREE_CYRILLIC_WORDS.fullmatch(name) is not None
        and words[2].lower().endswith(_PATRONYMIC_ENDINGS)
    )


# ---------------------------------------------------------------- dates

# Exports write these for "no date" (Outlook: 0/0/00).
_EMPTY_DATES = frozenset({"0/0/00", "0/0/0000", "00.00.0000", "0.0.00", "0000-00-00", "00/00/0000"})
_NO_YEAR_DATE = re.compile(r"^--(\d{2})-?(\d{2})$")
_YEAR_FIRST = re.compile(r"^(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?:[T ]+(.+))?$")
_YEAR_LAST = re.compile(r"^(\d{1,2})([-./])(\d{1,2})\2(\d{4}|\d{2})(?:[ T,]+(.+))?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# An ISO 8601 date and time without spaces, which _read_numeric gives to fromisoformat as it is.
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\S+")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
_RUSSIAN_MONTHS = {
    "янв": "Jan", "фев": "Feb", "мар": "Mar", "апр": "Apr", "мая": "May", "май": "May", "июн": "Jun",
    "июл": "Jul", "авг": "Aug", "сен": "Sep", "окт": "Oct", "ноя": "Nov", "дек": "Dec",
}  # fmt: skip
_RUSSIAN_MONTH = re.compile(
    r"\b(янв|фев|мар|апр|мая|май|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\.?", re.IGNORECASE
)


@lru_cache(maxsize=4096)
def parse_date_cell(cell: str, day_first: bool = True, allow_no_year: bool = False) -> date | None:
    """A date from `12.03.1985`, `1985-03-12`, `03/12/1985` (month first unless `day_first`,
    or unless the numbers decide), `12 March 1985`, `12 марта 1985`; with `allow_no_year`
    also `--05-21` and `May 21` (year NO_YEAR). A time after the date is ignored."""
    moment = _read_moment(cell, day_first, allow_no_year)
    return None if moment is None else moment[0]


def parse_datetime_cell(cell: str, day_first: bool = True) -> datetime | None:
    """A moment from `12.03.2026 10:15:00`, `2026-03-12T10:15:00+03:00`, `03/12/2026 9:05 PM`.
    Naive (the file's local time) unless the cell gives an offset; a bare date is midnight."""
    if _ISO_MOMENT.fullmatch(cell):
        # A timestamp such as our own export writes: different in every row, so the cache
        # below would only miss. fromisoformat is what the general path ends in for it.
        try:
            return datetime.fromisoformat(cell)
        except (ValueError, OverflowError):
            pass  # the general path says what is wrong with it
    return _parse_datetime_cell(cell, day_first)


@lru_cache(maxsize=4096)
def _parse_datetime_cell(cell: str, day_first: bool) -> datetime | None:
    moment = _read_moment(cell, day_first, False)
    if moment is None:
        return None
    day, at = moment
    return at if isinstance(at, datetime) else datetime.combine(day, at or time())


Moment = tuple[date, time | datetime | None]


def _read_moment(cell: str, day_first: bool, allow_no_year: bool) -> Moment | None:
    text = " ".join(cell.split())
    if not text or text in _EMPTY_DATES:
        return None
    try:
        return _read_numeric(text, day_first, allow_no_year) or _read_words(text, day_first, allow_no_year)
    except (ValueError, ArithmeticError):  # dateutil: OverflowError, decimal.InvalidOperation
        pass
    raise ValueError(f"{cell.strip()!r} is not a date")


def _read_numeric(text: str, day_first: bool, allow_no_year: bool) -> Moment | None:
    if match := _NO_YEAR_DATE.match(text):
        if not allow_no_year:
            raise ValueError("no year")
        return date(NO_YEAR, int(match.group(1)), int(match.group(2))), None
    if match := _COMPACT.match(text):
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))), None
    if match := _YEAR_FIRST.match(text):
        if match.group(2) == "-" and match.group(5):
            try:  # ISO 8601 with a time: fromisoformat keeps an offset ("Z", "+03:00")
                moment = datetime.fromisoformat(text.replace(" ", "T", 1))
                return moment.date(), moment
            except ValueError:
                pass
        found = date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        return found, _time(match.group(5))
    if match := _YEAR_LAST.match(text):
        first, second = int(match.group(1)), int(match.group(3))
        day_first = _day_comes_first(first, second, match.group(2), day_first)
        day_number, month = (first, second) if day_first else (second, first)
        return date(_full_year(match.group(4)), month, day_number), _time(match.group(5))
    return None


def _day_comes_first(first: int, second: int, separator: str, day_first: bool) -> bool:
    """Dotted dates are day first everywhere; otherwise a number over 12 decides, and only a
    truly ambiguous 03/04 falls back to the file's convention."""
    if separator == ".":
        return True
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return day_first


def _full_year(digits: str) -> int:
    """A two-digit year is the one within fifty years of now (as dateutil reads it)."""
    if len(digits) == 4:
        return int(digits)
    this_year = today().year
    year = this_year - this_year % 100 + int(digits)
    if year > this_year + 50:
        year -= 100
    elif year <= this_year - 50:
        year += 100
    return year


def _time(text: str | None) -> time | None:
    if not text:
        return None
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError("not a time")
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    meridiem = (match.group(4) or "").replace(".", "").casefold()
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError("not a time")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    return time(hour, minute, second)


def _read_words(text: str, day_first: bool, allow_no_year: bool) -> Moment:
    """Dates with a month name, through dateutil. It fills missing parts from a default, so
    parse against two different defaults: a part that changes with them was not in the text."""
    from dateutil import parser as date_parser  # imported late: most files have numeric dates

    if not re.search(r"[^\W\d_]{3,}", text):
        raise ValueError("no month name")
    english = _RUSSIAN_MONTH.sub(lambda m: _RUSSIAN_MONTHS[m.group(1).casefold()], text)
    english = re.sub(r"\s*(г|года)\.?$", "", english)
    with quiet_dateutil():
        one = date_parser.parse(english, dayfirst=day_first, default=datetime(2001, 1, 1))
        two = date_parser.parse(english, dayfirst=day_first, default=datetime(2002, 2, 2))
    if one.month != two.month or one.day != two.day:
        raise ValueError("incomplete")
    if one.year != two.year:
        if not allow_no_year:
            raise ValueError("no year")
        return date(NO_YEAR, one.month, one.day), None
    return one.date(), one


# ---------------------------------------------------------------- money

_CURRENCY_WORDS = {
    "руб": "RUB", "р": "RUB", "₽": "RUB", "rub": "RUB", "rur": "RUB", "рубль": "RUB", "рублей": "RUB",
    "российский рубль": "RUB", "$": "USD", "usd": "USD", "доллар": "USD", "доллар сша": "USD",
    "€": "EUR", "eur": "EUR", "евро": "EUR", "£": "GBP", "gbp": "GBP", "¥": "JPY", "jpy": "JPY",
    "грн": "UAH", "₴": "UAH", "гривна": "UAH", "₸": "KZT", "тенге": "KZT", "тг": "KZT",
    "бел руб": "BYN", "юань": "CNY", "cny": "CNY", "chf": "CHF", "kzt": "KZT", "byn": "BYN",
}  # fmt: skip
# Minor units per major unit differ: yen have none, dinars have thousandths.
_EXPONENTS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}
_CURRENCY_PART = re.compile(r"[^\W\d_][^\W\d_.\s]*\.?(?:\s+[^\W\d_]+\.?)*|[₽$€£¥₴₸]")
# Digits grouped by spaces (or not at all), then at most two decimals after a comma or dot.
_PLAIN_AMOUNT = re.compile(r"(-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+|-?\d+)(?:[.,](\d{1,2}))?")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’]")


@lru_cache(maxsize=4096)
def normalise_currency(text: str) -> str | None:
    """The ISO code ("RUB") for "руб.", "₽", "Российский рубль", "rub"; any three Latin letters
    as a code; None if the text is no currency we know."""
    key = " ".join(text.casefold().replace(".", " ").split())
    if key in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[key]
    if re.fullmatch(r"[A-Za-z]{3}", text.strip()):
        return text.strip().upper()
    return None


@lru_cache(maxsize=4096)
def parse_amount(cell: str) -> tuple[Decimal, str | None] | None:
    """(amount, currency written in the cell) from "150 000,00", "150\u00a0000", "1,234.56",
    "12 500 руб.", "$1,200"; None for an empty cell; ValueError when it is not an amount."""
    text = cell.strip()
    if not text:
        return None
    if plain := _PLAIN_AMOUNT.fullmatch(text):  # "150000", "150 000,00", "99.90": no guessing
        fraction = plain.group(2)
        return Decimal(_SPACES.sub("", plain.group(1)) + ("." + fraction if fraction else "")), None
    currency = None
    words = _CURRENCY_PART.findall(text)
    if words:
        currency = normalise_currency(" ".join(words))
        if currency is None or len(words) > 2:
            raise ValueError(f"{text!r} is not an amount")
        text = _CURRENCY_PART.sub(" ", text)
    number = _SPACES.sub("", text).replace("−", "-")
    if not re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*", number):
        raise ValueError(f"{cell.strip()!r} is not an amount")
    try:
        return Decimal(_plain_number(number)), currency
    except InvalidOperation:
        raise ValueError(f"{cell.strip()!r} is not an amount") from None


def _plain_number(number: str) -> str:
    """A plain decimal ("1234.56") from "1,234.56" or "1.234,56": the last separator is the
    decimal one when both appear; a lone separator before exactly three digits groups
    thousands ("1,500" is 1500)."""
    commas, dots = number.count(","), number.count(".")
    if commas and dots:
        decimal_mark = "," if number.rfind(",") > number.rfind(".") else "."
    elif commas + dots == 0:
        return number
    else:
        decimal_mark = "," if commas else "."
        whole, _, fraction = number.rpartition(decimal_mark)
        digits = whole.lstrip("+-")
        if commas + dots > 1 or (len(fraction) == 3 and 1 <= len(digits) <= 3 and digits[0] != "0"):
            decimal_mark = ""  # only grouping
    grouping = {",", "."} - {decimal_mark}
    for mark in grouping:
        number = number.replace(mark, "")
    return number.replace(",", ".")


@lru_cache(maxsize=4096)
def to_minor_units(amount: Decimal, currency: str | None) -> int:
    """Minor units of the currency (kopecks, cents; yen as they are). ValueError when the
    amount has more decimal places than the currency (12.345 roubles is a typo, not 12.35)."""
    exponent = _EXPONENTS.get(currency or "", 2)
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"has more than {exponent} decimal places")
    return int(minor)
