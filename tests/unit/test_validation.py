"""What a person types → stored values, or a ValidationError that names the field."""

from __future__ import annotations

from datetime import date, time

import pytest

from crm_tui.errors import ValidationError
from crm_tui.money import format_money
from crm_tui.services.validation import (
    clean,
    fold,
    parse_email,
    parse_money,
    parse_optional_date,
    parse_optional_time,
    parse_phone,
    phone_search_key,
    require,
    split_full_name,
)

NNBSP = "\u202f"


# --- folding and trimming -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Иванов", "иванов"),
        ("  ANNA@Example.COM ", "anna@example.com"),
        ("Παπαδόπουλος", "παπαδόπουλοσ"),  # casefold also folds the final sigma
        ("Müller", "müller"),
        (None, ""),
    ],
)
def test_fold_matches_every_alphabet(typed: str | None, folded: str) -> None:
    assert fold(typed) == folded


def test_fold_makes_email_case_irrelevant() -> None:
    assert fold("Anna.Smith@Example.com") == fold("ANNA.SMITH@EXAMPLE.COM")


def test_clean_trims_and_turns_blank_into_none() -> None:
    assert clean("  Anna  ") == "Anna"
    assert clean("   ") is None
    assert clean("") is None
    assert clean(None) is None


def test_require_names_the_missing_field() -> None:
    assert require("title", "  Deal ") == "Deal"
    with pytest.raises(ValidationError) as caught:
        require("title", "   ")
    assert caught.value.field == "title"
    assert str(caught.value) == "title: is required"


# --- email ----------------------------------------------------------------------------------


def test_parse_email_keeps_the_address_as_typed() -> None:
    assert parse_email("  Anna@Example.com ") == "Anna@Example.com"
    assert parse_email("") is None
    assert parse_email(None) is None


@pytest.mark.parametrize(
    "bad", ["anna", "anna@", "@example.com", "anna@example", "an na@example.com", "a@b@c.com"]
)
def test_parse_email_rejects_non_addresses_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_email(bad, field="email 2")
    assert caught.value.field == "email 2"
    assert bad in caught.value.message


# --- phones ---------------------------------------------------------------------------------


def test_russian_number_with_trunk_prefix_becomes_e164() -> None:
    assert parse_phone("8 912 345-67-89", "RU") == ("8 912 345-67-89", "+79123456789")


def test_international_number_ignores_the_default_region() -> None:
    assert parse_phone("+44 20 7946 0958", "RU") == ("+44 20 7946 0958", "+442079460958")
    assert parse_phone("+44 20 7946 0958", "US") == ("+44 20 7946 0958", "+442079460958")


def test_national_number_reads_in_the_given_region() -> None:
    assert parse_phone("020 7946 0958", "GB") == ("020 7946 0958", "+442079460958")


def test_impossible_number_is_kept_without_e164() -> None:
    # Short office extensions are real; they must not be lost, only left unmatched.
    assert parse_phone("123", "RU") == ("123", None)


def test_empty_phone_is_none() -> None:
    assert parse_phone("   ", "RU") is None
    assert parse_phone(None, "RU") is None


@pytest.mark.parametrize("bad", ["abc", "call me", "+-()"])
def test_non_number_raises_naming_the_field(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_phone(bad, "RU", field="phone 3")
    assert caught.value.field == "phone 3"
    assert "not a phone number" in caught.value.message


def test_default_phone_field_name() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_phone("abc", "RU")
    assert caught.value.field == "phone"


def test_phone_search_key() -> None:
    assert phone_search_key("8 (912) 345 67 89", "RU") == "+79123456789"
    assert phone_search_key("+44 20 7946 0958", "RU") == "+442079460958"
    assert phone_search_key("иванов", "RU") is None
    assert phone_search_key("12", "RU") is None


# --- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minor_units"),
    [
        ("150000", 15_000_000),
        ("150 000,50", 15_000_050),
        ("150\u00a0000", 15_000_000),  # a no-break space, as spreadsheets write thousands
        ("1,234.56", 123_456),
        ("1.234,56", 123_456),
        ("1,234", 123_400),  # three digits after a lone comma: a thousands separator
        ("99,9", 9_990),  # one or two digits after it: decimals
        ("12.5k", 1_250_000),
        ("12.5K", 1_250_000),
        ("2m", 200_000_000),
        ("1_000", 100_000),
        ("0", 0),
        ("0.01", 1),
        (150000, 15_000_000),
        (12.5, 1_250),
    ],
)
def test_parse_money(typed: str | int | float, minor_units: int) -> None:
    assert parse_money(typed) == minor_units


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_parse_money_empty_is_none(empty: str | None) -> None:
    assert parse_money(empty) is None


@pytest.mark.parametrize("negative", ["-5", "-1,234.56", -3])
def test_parse_money_refuses_negative(negative: str | int) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(negative, field="value")
    assert caught.value.field == "value"
    assert "negative" in caught.value.message


@pytest.mark.parametrize("garbage", ["abc", "12abc", "k", "1.2.3", "$", "12 eur"])
def test_parse_money_garbage_names_the_field(garbage: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(garbage, field="value")
    assert caught.value.field == "value"
    assert "not an amount" in caught.value.message


@pytest.mark.parametrize("not_finite", ["nan", "NaN", float("nan"), "inf", "-Infinity", float("inf")])
def test_parse_money_refuses_values_that_are_not_finite(not_finite: str | float) -> None:
    # "NaN" is what spreadsheets and pandas write into empty cells: it must be a clear error.
    with pytest.raises(ValidationError) as caught:
        parse_money(not_finite)
    assert caught.value.field == "amount"


def test_parse_money_refuses_booleans_and_huge_amounts() -> None:
    with pytest.raises(ValidationError):
        parse_money(True)
    with pytest.raises(ValidationError) as caught:
        parse_money("100000000000000")
    assert "too large" in caught.value.message


def test_format_money() -> None:
    assert format_money(123_456_789, "RUB") == f"1{NNBSP}234{NNBSP}567.89 RUB"
    assert format_money(100_000, "EUR") == f"1{NNBSP}000 EUR"
    assert format_money(5) == "0.05"
    assert format_money(None, "RUB") == ""


def test_parse_and_format_money_round_trip() -> None:
    assert format_money(parse_money("150 000,50"), "RUB") == f"150{NNBSP}000.50 RUB"


# --- dates and times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        ("15.12.2026", date(2026, 12, 15)),
        ("5.1.2027", date(2027, 1, 5)),  # day first when dotted
        ("15/12/2026", date(2026, 12, 15)),
        ("Dec 15 2026", date(2026, 12, 15)),
        ("  2026-12-15  ", date(2026, 12, 15)),
    ],
)
def test_parse_optional_date(typed: str, expected: date) -> None:
    assert parse_optional_date(typed, "due") == expected


def test_parse_optional_date_passes_dates_and_blanks_through() -> None:
    assert parse_optional_date(date(2026, 1, 2), "due") == date(2026, 1, 2)
    assert parse_optional_date(None, "due") is None
    assert parse_optional_date("  ", "due") is None


@pytest.mark.parametrize("garbage", ["soon", "31.02.2026", "2026-13-01", "next blue moon"])
def test_parse_optional_date_garbage_names_the_field(garbage: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_optional_date(garbage, "next_contact")
    assert caught.value.field == "next_contact"
    assert "is not a date" in caught.value.message


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9", time(9, 0)),
        ("9.05", time(9, 5)),
        (" 07:00 ", time(7, 0)),
        ("0:00", time(0, 0)),
    ],
)
def test_parse_optional_time(typed: str, expected: time) -> None:
    assert parse_optional_time(typed, "time") == expected


def test_parse_optional_time_passes_times_and_blanks_through() -> None:
    assert parse_optional_time(time(8, 15), "time") == time(8, 15)
    assert parse_optional_time(None, "time") is None
    assert parse_optional_time("", "time") is None


@pytest.mark.parametrize("garbage", ["24:00", "12:60", "noon", "1430", "7pm", "12:5"])
def test_parse_optional_time_garbage_names_the_field(garbage: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_optional_time(garbage, "due time")
    assert caught.value.field == "due time"
    assert "not a time of day" in caught.value.message


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "first_last"),
    [
        ("Anna Smith", ("Anna", "Smith")),
        ("Smith, Anna", ("Anna", "Smith")),
        ("Cher", ("Cher", "")),
        ("Anna  Maria   Smith", ("Anna Maria", "Smith")),
        ("Иван Петрович Иванов", ("Иван Петрович", "Иванов")),
    ],
)
def test_split_full_name(full: str, first_last: tuple[str, str]) -> None:
    assert split_full_name(full) == first_last
