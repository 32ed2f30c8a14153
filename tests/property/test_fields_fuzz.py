"""Every form field parser against any text: a value (or None for an empty field) or a
ValidationError naming the field, never another exception; and values written the usual
ways read back as themselves. The CSV cell parsers keep their own promise: a value or a
ValueError."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crm_tui.errors import ValidationError
from crm_tui.io import csv_cells
from crm_tui.services import validation

FIELD = "the field"
# Any text, often with what these parsers look for in it.
_PIECES = st.sampled_from(
    [
        "0", "12", "150 000,50", "1,234.56", "1.234,56", "12.5k", "3m", "-5", "NaN", "sNaN", "Infinity",
        "1e999", "1e-999999", "9" * 40, "\u00a0", "_", "+7", "(495)", "ext. 12", "@", "a@b.c", ".", ":",
        "14:30", "24:00", "7.5", "15.12.2026", "2026-02-30", "--05-21", "руб.", "$", "€", "٣", "²", "𝟗",
    ]
)  # fmt: skip
TYPED = st.one_of(st.text(), st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=5).map("".join))
REGIONS = st.sampled_from(["RU", "US", "DE", "GB", ""])


@pytest.fixture(autouse=True)
def _warnings_are_errors() -> Iterator[None]:
    """A warning would reach the CLI's stderr as two lines of its own: none may escape."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _names_the_field(error: ValidationError) -> None:
    assert error.field == FIELD
    assert str(error).startswith(f"{FIELD}: ") and error.message.strip()


@given(st.one_of(TYPED, st.none(), st.integers(), st.floats(), st.booleans()))
@example("NaN")
@example(float("inf"))
def test_money(text: str | int | float | None) -> None:
    try:
        minor = validation.parse_money(text, FIELD)
    except ValidationError as error:
        _names_the_field(error)
        return
    assert minor is None or (isinstance(minor, int) and 0 <= minor <= 10**15)


@given(st.integers(0, 10**15 - 1))
def test_money_written_the_usual_ways_reads_back(minor: int) -> None:
    whole, cents = divmod(minor, 100)
    spaced = f"{whole:,}".replace(",", " ")
    written_ways = (
        f"{whole}.{cents:02d}",
        f"{whole},{cents:02d}",
        f"{spaced},{cents:02d}",
        f"{whole:,}.{cents:02d}",
    )
    for written in written_ways:
        assert validation.parse_money(written, FIELD) == minor, written


@given(TYPED, REGIONS)
def test_phone(text: str, region: str) -> None:
    try:
        parsed = validation.parse_phone(text, region, FIELD)
    except ValidationError as error:
        _names_the_field(error)
        return
    if parsed is not None:
        value, e164 = parsed
        assert value == text.strip()
        assert e164 is None or (e164.startswith("+") and e164[1:].isdigit())


@given(st.from_regex(r"9[0-9]{9}", fullmatch=True), st.sampled_from(["+7 ", "8 ", "+7", "8"]))
def test_a_russian_mobile_reads_as_its_e164(digits: str, prefix: str) -> None:
    assert validation.parse_phone(prefix + digits, "RU", FIELD) == (prefix + digits, "+7" + digits)


@given(TYPED)
def test_email(text: str) -> None:
    try:
        value = validation.parse_email(text, FIELD)
    except ValidationError as error:
        _names_the_field(error)
        return
    assert value is None or (value == text.strip() and "@" in value)


@given(st.emails())
def test_a_real_address_is_accepted_as_it_is(address: str) -> None:
    assert validation.parse_email(f" {address} ", FIELD) == address


@given(TYPED)
@example("10000000000000000000000000000M")  # dateutil's decimal.InvalidOperation escaped
def test_date_field(text: str) -> None:
    try:
        value = validation.parse_optional_date(text, FIELD)
    except ValidationError as error:
        _names_the_field(error)
        return
    assert value is None or isinstance(value, date)


@given(TYPED)
def test_time_field(text: str) -> None:
    try:
        value = validation.parse_optional_time(text, FIELD)
    except ValidationError as error:
        _names_the_field(error)
        return
    assert value is None or isinstance(value, time)


@given(st.times())
def test_a_written_time_reads_back(at: time) -> None:
    minute = at.replace(second=0, microsecond=0)
    for written in (f"{at:%H:%M}", f"{at.hour}.{at.minute:02d}", f" {at.hour}:{at.minute:02d} "):
        assert validation.parse_optional_time(written, FIELD) == minute


@given(TYPED)
def test_required_field(text: str) -> None:
    try:
        assert validation.require(FIELD, text) == text.strip()
    except ValidationError as error:
        _names_the_field(error)
        assert not text.strip()


@given(TYPED)
def test_name_splitting_keeps_every_word(text: str) -> None:
    first, last = validation.split_full_name(text)
    words = " ".join(text.split())
    if "," in words:
        family, _, given = words.partition(",")
        assert (first, last) == (given.strip(), family.strip())
    else:
        assert " ".join(part for part in (first, last) if part) == words
    first, middle, last = csv_cells.split_person_name(text)
    assert sorted(" ".join((first, middle, last)).replace(",", " ").split()) == sorted(
        words.replace(",", " ").split()
    )


@given(TYPED)
def test_tags_are_trimmed_and_never_empty(text: str) -> None:
    for tag in csv_cells.split_tags(text):
        assert tag and tag == tag.strip()
        assert not any(separator in tag for separator in ",;\r\n")
    for value in csv_cells.split_values(text):
        assert value and value == value.strip()


@given(TYPED, st.booleans(), st.booleans())
@example("10000000000000000000000000000M march", True, False)  # decimal.InvalidOperation escaped
@example("12 March 1985 10:00 MSK", True, False)  # a warning on stderr: an unknown time zone
def test_csv_cells_give_a_value_or_a_value_error(text: str, day_first: bool, no_year: bool) -> None:
    for read in (
        lambda: csv_cells.parse_date_cell(text, day_first, no_year),
        lambda: csv_cells.parse_datetime_cell(text, day_first),
        lambda: csv_cells.parse_amount(text),
    ):
        try:
            read()
        except ValueError as error:
            assert str(error).strip()
    try:
        amount = csv_cells.parse_amount(text)
    except ValueError:
        return
    if amount is not None:
        try:
            csv_cells.to_minor_units(amount[0], amount[1])
        except ValueError as error:
            assert "decimal places" in str(error)
        assert isinstance(amount[0], Decimal)
