"""CSV export: one column per field, values joined where a record has several, and no cell
a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from crm_tui.io.csv_write import neutralise, restore, write_csv


@pytest.mark.parametrize("cell", ["=1+1", "+7 912 345-67-89", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised_and_restored(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert restore(neutralise(cell)) == cell


@pytest.mark.parametrize("cell", ["Anna", "'quoted already", "1 000", ""])
def test_ordinary_cells_are_left_alone(cell: str) -> None:
    assert neutralise(cell) == cell
    assert restore(cell) == cell


def test_contacts_are_written_with_several_values_joined() -> None:
    record = {
        "id": 1,
        "full_name": "Анна Петрова",
        "first_name": "Анна",
        "last_name": "Петрова",
        "emails": [{"value": "a@x.ru"}, {"value": "b@x.ru"}],
        "phones": [{"value": "+7 912 345-67-89"}],
        "tags": ["VIP", "Partner"],
        "notes": "line one\nline two; with a semicolon",
    }
    out = io.StringIO()
    write_csv(out, "contacts", [record], delimiter=";")
    header, row = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["email"] == "a@x.ru; b@x.ru"
    assert cells["phone"] == "'+7 912 345-67-89"
    assert cells["tags"] == "VIP, Partner"
    assert cells["notes"] == "line one\nline two; with a semicolon"
    assert cells["middle_name"] == ""


def test_a_lead_whose_title_is_a_formula_is_neutralised() -> None:
    out = io.StringIO()
    write_csv(out, "leads", [{"id": 2, "title": '=HYPERLINK("http://evil")', "value": 1500.0, "done": True}])
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    cells = dict(zip(header, row, strict=True))
    assert cells["title"] == '\'=HYPERLINK("http://evil")'
    assert cells["value"] == "1500"
