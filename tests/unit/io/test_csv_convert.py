"""Rows to records with the mapping worked out once per file (`converter_for`): the same
records as one row at a time, cells cleaned only where they need it, problems in field order."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.io.csv_read import ROW_ERROR_KEY
from crm_tui.io.mapping import TARGETS, Mapping, converter_for, mapping_for, row_to_lead, row_to_record

HEADER = ["ФИО", "Компания", "E-mail", "Телефон", "Сумма", "Валюта", "Заметки", "Дата создания", "Стадия"]
ROWS = [
    ["Петров Иван Сергеевич", "ООО Ромашка", "a@x.ru;b@x.ru", "'+7 900 0000000", "12 500 р.", "", "a\r\nb"],
    ["Anna Smith", "", "anna@x.com", "+1 206 555 0100", "$1,200", "EUR", "'=SUM(A1)", "bad", "won"],
    ["", "", "", "", "", "", "", "", ""],
    ["Smith, John", "Acme", "bad@", "x", "0.125", "XYZ", "''=x", "2026-02-30T10:00:00", ""],
]


def rows() -> list[tuple[int, dict[str, str]]]:
    return [(number, dict(zip(HEADER, cells, strict=False))) for number, cells in enumerate(ROWS, start=2)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("restore_formulas", [False, True])
def test_a_file_converter_gives_what_one_row_at_a_time_gives(target: str, restore_formulas: bool) -> None:
    guessed = mapping_for(HEADER, target)
    mapping = Mapping(target, guessed.columns, guessed.preset, guessed.kind_columns, True, restore_formulas)
    convert = converter_for(mapping)
    for number, row in rows():
        assert convert(number, row) == row_to_record(number, row, mapping)


def notes(cells: dict[str, str], restore_formulas: bool = True) -> list[str]:
    """The cells, each mapped to the notes, as the lead's note lines."""
    mapping = Mapping("leads", {column: "notes" for column in cells}, restore_formulas=restore_formulas)
    record = converter_for(mapping)(2, cells)
    return (record.notes or "").split("\n")


def test_our_own_exports_cells_lose_only_their_formula_guard() -> None:
    cells = {"a": "'+7 900", "b": "O'Brien", "c": "'quoted'", "d": "''=x", "e": " '-5 ", "f": "x\r\ny\rz"}
    # "''=x" is no guard of ours: neutralise("'=x") adds none, since "'" starts no formula.
    assert notes(cells) == ["+7 900", "O'Brien", "'quoted'", "''=x", "-5", "x", "y", "z"]


def test_any_other_files_apostrophes_stay() -> None:
    cells = {"a": "'+7 900", "b": "x\r\ny"}
    assert notes(cells, restore_formulas=False) == ["'+7 900", "x", "y"]


def test_a_column_the_mapping_names_but_the_file_lacks_is_empty() -> None:
    mapping = Mapping("leads", {"Title": "title", "Saved long ago": "company_name"})
    record = converter_for(mapping)(2, {"Title": "Website request"})
    assert (record.title, record.company_name) == ("Website request", "")


def test_a_fio_column_is_family_name_first() -> None:
    mapping = Mapping("leads", {"ФИО": "person_name"})
    record = converter_for(mapping)(2, {"ФИО": "Сидорова Анна"})
    assert (record.first_name, record.last_name) == ("Анна", "Сидорова")


def test_a_rows_problems_come_in_the_order_of_its_fields() -> None:
    mapping = Mapping(
        "leads",
        {"Created": "created_at", "Next": "next_contact_on", "Amount": "value", "Currency": "currency"},
    )
    row = {
        "Created": "soon",
        "Next": "31.31.2020",
        "Amount": "twelve",
        "Currency": "XYZ1",
        ROW_ERROR_KEY: "torn",
    }
    record = row_to_lead(7, row, mapping)
    assert record.errors == [
        "row 7: torn",
        "row 7, column 'Currency': 'XYZ1' is not a currency we know (write a code: RUB, USD, EUR)",
        "row 7, column 'Amount': 'twelve' is not an amount",
        "row 7, column 'Next': '31.31.2020' is not a date",
        "row 7, column 'Created': 'soon' is not a date",
    ]


def test_the_first_cell_that_reads_wins_and_the_others_are_reported() -> None:
    mapping = Mapping("leads", {"Next": "next_contact_on", "Next 2": "next_contact_on"})
    record = row_to_lead(3, {"Next": "someday", "Next 2": "01.04.2026"}, mapping)
    assert record.next_contact_on == date(2026, 4, 1)
    assert record.errors == ["row 3, column 'Next': 'someday' is not a date"]
