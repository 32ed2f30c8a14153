"""Reading single CSV cells: dates, amounts, names, several values in one cell."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from crm_tui.io.contact_record import NO_YEAR
from crm_tui.io.csv_cells import (
    kind_from_label,
    normalise_currency,
    parse_amount,
    parse_date_cell,
    parse_datetime_cell,
    split_person_name,
    split_tags,
    split_values,
    to_minor_units,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12.03.1985", date(1985, 3, 12)),
        ("1985-03-12", date(1985, 3, 12)),
        ("1985/03/12", date(1985, 3, 12)),
        ("19850312", date(1985, 3, 12)),
        ("12.03.2026 10:15:00", date(2026, 3, 12)),
        ("20/01/1991", date(1991, 1, 20)),  # the day is over 12: the numbers decide
        ("01/20/1991", date(1991, 1, 20)),
        ("03/04/1980", date(1980, 4, 3)),  # ambiguous: day first unless the mapping says not
        ("12.03.85", date(1985, 3, 12)),
        ("12.03.26", date(2026, 3, 12)),
        ("12 March 1985", date(1985, 3, 12)),
        ("March 12, 1985", date(1985, 3, 12)),
        ("12 марта 1985 г.", date(1985, 3, 12)),
        ("  ", None),
        ("0/0/00", None),  # Outlook's "no birthday"
    ],
)
def test_dates(cell: str, expected: date | None) -> None:
    assert parse_date_cell(cell) == expected


def test_month_first_when_the_file_writes_dates_that_way() -> None:
    assert parse_date_cell("03/04/1980", day_first=False) == date(1980, 3, 4)
    assert parse_date_cell("20/01/1991", day_first=False) == date(1991, 1, 20)
    assert parse_date_cell("03.04.1980", day_first=False) == date(1980, 4, 3)  # dots: day first


@pytest.mark.parametrize(
    ("cell", "expected"), [("--05-21", (5, 21)), ("--0521", (5, 21)), ("May 21", (5, 21))]
)
def test_birthdays_without_a_year(cell: str, expected: tuple[int, int]) -> None:
    assert parse_date_cell(cell, allow_no_year=True) == date(NO_YEAR, *expected)
    with pytest.raises(ValueError, match="is not a date"):
        parse_date_cell(cell)  # a next-contact date needs its year


@pytest.mark.parametrize(
    "cell",
    [
        "31.31.2020",
        "30.02.2024",
        "2024-13-01",
        "Smith",
        "March",
        "12",
        "1985",
        "yesterday-ish",
        "12.03.2026 25:00",
    ],
)
def test_not_dates(cell: str) -> None:
    with pytest.raises(ValueError, match=f"^{cell!r} is not a date$"):
        parse_date_cell(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12.03.2026 10:15:00", datetime(2026, 3, 12, 10, 15)),
        ("12.03.2026 10:15", datetime(2026, 3, 12, 10, 15)),
        ("2026-03-12 10:15:00", datetime(2026, 3, 12, 10, 15)),
        ("2026-03-12T10:15:00+03:00", datetime(2026, 3, 12, 10, 15, tzinfo=timezone(timedelta(hours=3)))),
        ("2026-11-20T09:00:00+00:00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
        # Our own export's timestamps, read straight by fromisoformat (no cache would help).
        ("2026-11-01T04:49:23.480258+00:00", datetime(2026, 11, 1, 4, 49, 23, 480258, tzinfo=UTC)),
        ("2026-11-20T09:00:00Z", datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
        ("2026-11-20T09:00", datetime(2026, 11, 20, 9, 0)),
        ("2026-11-20T9:05 PM", datetime(2026, 11, 20, 21, 5)),  # not ISO: read the general way
        ("03/12/2026 9:05 PM", datetime(2026, 12, 3, 21, 5)),
        ("12.03.2026", datetime(2026, 3, 12)),
    ],
)
def test_datetimes(cell: str, expected: datetime) -> None:
    assert parse_datetime_cell(cell) == expected


@pytest.mark.parametrize("cell", ["2026-02-30T10:00:00", "2026-03-12T10:15:00+99:00", "2026-03-12T"])
def test_not_datetimes(cell: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(repr(cell))} is not a date$"):
        parse_datetime_cell(cell)


@pytest.mark.parametrize(
    ("cell", "amount", "currency"),
    [
        ("150 000,00", "150000.00", None),
        ("150\u00a0000", "150000", None),
        ("150\u202f000,50", "150000.50", None),
        ("1,234.56", "1234.56", None),
        ("1.234,56", "1234.56", None),
        ("1,500", "1500", None),
        ("1.500", "1500", None),
        ("0,5", "0.5", None),
        ("12,5", "12.5", None),
        ("1 234 567", "1234567", None),
        ("1,234,567.89", "1234567.89", None),
        ("12 500 руб.", "12500", "RUB"),
        ("12 500 р.", "12500", "RUB"),
        ("₽ 990", "990", "RUB"),
        ("$12,000.00", "12000.00", "USD"),
        ("€ 99,90", "99.90", "EUR"),
        ("USD 10", "10", "USD"),
        ("-250,00", "-250.00", None),
        ("1'234.50", "1234.50", None),
    ],
)
def test_amounts(cell: str, amount: str, currency: str | None) -> None:
    assert parse_amount(cell) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    "cell", ["twelve hundred", "12 шт", "1,2,3.4.5", "--", "N/A", "12 apples and 3 pears"]
)
def test_not_amounts(cell: str) -> None:
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(cell)


def test_empty_amount_is_none() -> None:
    assert parse_amount("  ") is None


def test_minor_units() -> None:
    assert to_minor_units(Decimal("150000.00"), "RUB") == 15_000_000
    assert to_minor_units(Decimal("1234.5"), None) == 123_450
    assert to_minor_units(Decimal("1500"), "JPY") == 1500
    assert to_minor_units(Decimal("1.234"), "KWD") == 1234
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        to_minor_units(Decimal("12.345"), "RUB")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RUB", "RUB"),
        ("руб.", "RUB"),
        ("Российский рубль", "RUB"),
        ("usd", "USD"),
        ("€", "EUR"),
        ("chf", "CHF"),
    ],
)
def test_currencies(text: str, code: str) -> None:
    assert normalise_currency(text) == code


def test_unknown_currency() -> None:
    assert normalise_currency("XYZ1") is None
    assert normalise_currency("тугрики монгольские") is None


@pytest.mark.parametrize(
    ("full", "family_first", "expected"),
    [
        ("Anna Smith", False, ("Anna", "", "Smith")),
        ("Smith, Anna", False, ("Anna", "", "Smith")),
        ("Smith, Anna Maria", False, ("Anna", "Maria", "Smith")),
        ("John Ronald Reuel Tolkien", False, ("John", "Ronald Reuel", "Tolkien")),
        ("  Cher  ", False, ("Cher", "", "")),
        ("Петров Иван Сергеевич", False, ("Иван", "Сергеевич", "Петров")),  # the patronymic tells
        ("Иван Сергеевич Петров", False, ("Иван", "Сергеевич", "Петров")),
        ("ПЕТРОВА МАРИЯ ИВАНОВНА", False, ("МАРИЯ", "ИВАНОВНА", "ПЕТРОВА")),  # in any letter case
        ("Петров-Водкин Кузьма Сергеевич", False, ("Кузьма", "Сергеевич", "Петров-Водкин")),
        ("Petrov Ivan Sergeevich", False, ("Petrov", "Ivan", "Sergeevich")),  # Cyrillic only
        ("Петров Иван Sergeevich", False, ("Петров", "Иван", "Sergeevich")),
        ("Иван Петров Мария", False, ("Иван", "Петров", "Мария")),  # no patronymic at the end
        ("Сидорова Анна", True, ("Анна", "", "Сидорова")),  # a ФИО column
        ("Сидорова Анна", False, ("Сидорова", "", "Анна")),
        ("", False, ("", "", "")),
    ],
)
def test_names(full: str, family_first: bool, expected: tuple[str, str, str]) -> None:
    assert split_person_name(full, family_first) == expected


@pytest.mark.parametrize(
    ("cell", "values"),
    [
        ("a@example.com ::: b@example.com", ["a@example.com", "b@example.com"]),
        ("a@example.com, b@example.com", ["a@example.com", "b@example.com"]),
        ("a@example.com;b@example.com", ["a@example.com", "b@example.com"]),
        ("a@example.com\r\nb@example.com\n", ["a@example.com", "b@example.com"]),
        ("+7 (495) 123-45-67", ["+7 (495) 123-45-67"]),
        ("sip:100@example.com", ["sip:100@example.com"]),  # a colon alone separates nothing
        ("a@example.com:::b@example.com", ["a@example.com:::b@example.com"]),  # Google spaces it
        (" ; ", []),
    ],
)
def test_several_values_in_a_cell(cell: str, values: list[str]) -> None:
    assert split_values(cell) == values


def test_tags_drop_googles_own_group() -> None:
    assert split_tags("* My Contacts ::: Friends ::: * Starred") == ["Friends", "Starred"]
    assert split_tags("* myContacts ::: Partners") == ["Partners"]
    assert split_tags("Customers;VIP") == ["Customers", "VIP"]


@pytest.mark.parametrize(
    ("base", "label", "expected"),
    [
        ("email", "* Home", ("home", True)),
        ("email", "Work", ("work", False)),
        ("email", "Custom thing", ("other", False)),
        ("phone", "Mobile", ("cell", False)),
        ("phone", "Work Fax", ("fax", False)),
        ("phone", "Pager", ("pager", False)),
        ("phone", "Main", ("main", False)),
        ("phone", "", (None, False)),
    ],
)
def test_google_labels(base: str, label: str, expected: tuple[str | None, bool]) -> None:
    assert kind_from_label(base, label) == expected
