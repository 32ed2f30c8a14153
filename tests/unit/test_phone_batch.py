"""A file's phone numbers read in bulk (helper process) answer exactly as one by one."""

from __future__ import annotations

import pytest

from crm_tui.errors import ValidationError
from crm_tui.services import phone_batch
from crm_tui.services.phone_batch import PhoneBatch
from crm_tui.services.validation import parse_phone, phone_reading

ODD_NUMBERS = [
    "+7 912 345-67-89",
    "8 (922) 452-02-77",
    "'+1 206-960-0772",
    "123",
    "+99 1",
    "call me",
    "  +44 20 7946 0958 ",
]


def many_numbers(count: int) -> list[str]:
    return [
        f"+7 9{index % 100:02d} {index // 100:03d}-{index % 97:02d}-{index % 89:02d}"
        for index in range(count)
    ]


@pytest.mark.parametrize("parallel", [False, True])
def test_readings_match_reading_one_by_one(parallel: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small chunks and threshold so that a helper really starts on a small list.
    monkeypatch.setattr(phone_batch, "CHUNK", 50)
    monkeypatch.setattr(phone_batch, "WORTH_A_PROCESS", 100)
    numbers = many_numbers(700) + ODD_NUMBERS
    batch = PhoneBatch("RU", parallel=parallel)
    for start in range(0, len(numbers), 7):  # as rows arrive: a few numbers at a time
        batch.note(numbers[start : start + 7] + numbers[:3])  # repeats are read once
    readings = batch.readings()
    expected = {number.strip(): phone_reading(number.strip(), "RU") for number in numbers}
    assert readings == expected
    assert readings["+7 912 345-67-89"] == ("+79123456789", None)
    assert readings["+99 1"][1] is not None  # phonenumbers cannot read it: the reason is kept


def test_a_helper_that_dies_costs_nothing_but_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phone_batch, "CHUNK", 50)
    monkeypatch.setattr(phone_batch, "WORTH_A_PROCESS", 100)
    numbers = many_numbers(400)
    batch = PhoneBatch("RU", parallel=True)
    batch.note(numbers[:200])
    assert batch._helper is not None
    batch._helper.kill()
    batch._helper.join()
    batch.note(numbers[200:])
    readings = batch.readings()
    assert readings == {number: phone_reading(number, "RU") for number in numbers}


def test_a_small_file_starts_no_helper() -> None:
    batch = PhoneBatch("RU", parallel=True)
    batch.note(many_numbers(300))
    assert len(batch.readings()) == 300
    assert batch._helper is None


def test_parse_phone_takes_known_readings() -> None:
    known = {"8 912 345 67 89": ("+79123456789", None), "+99 1": (None, "no such country")}
    assert parse_phone(" 8 912 345 67 89 ", "RU", known=known) == ("8 912 345 67 89", "+79123456789")
    with pytest.raises(ValidationError, match="no such country"):
        parse_phone("+99 1", "RU", known=known)
    # A number the batch did not see is read as usual.
    assert parse_phone("+7 912 000-00-01", "RU", known=known) == ("+7 912 000-00-01", "+79120000001")


def test_the_helper_ends_quietly_when_the_importing_process_is_gone() -> None:
    from multiprocessing import Pipe

    from crm_tui.services.phone_batch import _serve

    ours, theirs = Pipe()
    ours.close()  # the importing process was killed: its end of the pipe is gone
    _serve(theirs, "RU")  # returns, no traceback on the person's terminal
