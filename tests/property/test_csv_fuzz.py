"""The CSV reader against broken, re-encoded, oversized and random files: every file ends in
rows turned into records with a list of what was wrong with each (or one clear error for a
file that is no table at all), never in an exception; caps bound a cell, a line, a row and
the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm_tui.errors import UnreadableInput
from crm_tui.io import limits
from crm_tui.io.csv_read import ROW_ERROR_KEY, read_rows, sniff_csv
from crm_tui.io.mapping import TARGETS, Record, converter_for, mapping_for, natural_target
from tests.property.strategies import csv_files

_FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def import_rows(path: Path, target: str | None = None) -> list[Record] | str:
    """The file read as the import reads it: a record per row, or the one message of an
    unreadable file."""
    try:
        fmt = sniff_csv(path)
        mapping = mapping_for(fmt.header, target or natural_target(fmt.header))
        convert = converter_for(mapping)
        records: list[Record] = []
        last = 1 if fmt.has_header else 0
        for number, row in read_rows(path, fmt):
            assert number > last, "rows come in file order, each numbered once"
            last = number
            record = convert(number, row)
            assert record.number == number
            problems = record.errors + record.warnings
            assert all(isinstance(problem, str) and problem for problem in problems)
            if ROW_ERROR_KEY in row:
                assert any(problem.startswith(f"row {number}: ") for problem in record.errors)
            records.append(record)
        return records
    except UnreadableInput as error:
        message = str(error)
        assert message.startswith(f"{path}: ") and "\n" not in message
        return message


@_FIXTURE_OK
@given(data=csv_files(), target=st.sampled_from([None, *TARGETS]))
@example(data=b"", target=None)
@example(data=b"\x00\x01\x02" * 100, target=None)
@example(data="Имя;Телефон\nИван;+7 912\n".encode("utf-16-le"), target=None)  # UTF-16 without a BOM
@example(data=b'Name,Notes\n"never closed\n' + b"x" * 5000, target="leads")
@example(data=b"Name\nAnna\n" + "Иван\n".encode("cp1251"), target=None)  # a mix
def test_any_file_gives_rows_and_reasons_or_one_clear_error(
    tmp_path: Path, data: bytes, target: str | None
) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes(data)
    import_rows(path, target)


@_FIXTURE_OK
@given(
    rows=st.lists(
        st.lists(
            st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=15), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=6,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_cells_written_by_the_csv_module_read_back_as_they_were(
    tmp_path: Path, rows: list[list[str]], encoding: str
) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Name", "Email", "Notes"])
    writer.writerows(rows)
    path = tmp_path / "written.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    fmt = sniff_csv(path)
    read = {number: row for number, row in read_rows(path, fmt)}
    for number, cells in enumerate(rows, start=2):
        if any(cell.strip() for cell in cells):  # blank rows are counted, not given
            assert [read[number][column] for column in fmt.header] == cells


# ---------------------------------------------------------------- caps


def _table(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "capped.csv"
    path.write_text("Name,Email,Notes\n" + "".join(rows) + "Cid,cid@example.com,fine\n", encoding="utf-8")
    return path


def _rows(path: Path) -> dict[int, dict[str, str]]:
    return dict(read_rows(path, sniff_csv(path)))


def test_a_row_over_the_cell_cap_is_reported_and_the_next_read(tmp_path: Path) -> None:
    wide = ",".join(["x"] * (limits.MAX_FIELDS + 1)) + "\n"
    rows = _rows(_table(tmp_path, "Ann,ann@example.com,\n", wide))
    assert rows[2]["Name"] == "Ann" and rows[4]["Name"] == "Cid"
    assert rows[3][ROW_ERROR_KEY] == "1,001 cells, over the cap of 1,000 for one row: not read"


def test_a_cell_over_the_cap_is_reported_and_the_next_row_read(tmp_path: Path) -> None:
    # A quoted note of many short lines: no line is long, the cell is.
    note = "word\n" * (limits.MAX_LINE_CHARS // 5 + 1)
    rows = _rows(_table(tmp_path, f'Bob,bob@example.com,"{note}"\n'))
    problem = rows[2][ROW_ERROR_KEY]
    assert problem.startswith("the row could not be split into cells: field larger than field limit")
    assert problem.endswith("(the cap for one cell): not read")
    # The csv module starts again inside the cell: what follows is read as rows (garbled, as
    # the cell was), not lost in an exception.
    assert max(rows) > 2


def test_a_line_over_the_cap_is_reported_without_being_held(tmp_path: Path) -> None:
    long_line = "Bob,bob@example.com," + "y" * (3 * limits.MAX_LINE_CHARS) + "\n"
    rows = _rows(_table(tmp_path, long_line))
    assert rows[2][ROW_ERROR_KEY] == "a line is over the cap of 1,048,576 characters for one line: not read"
    assert rows[3]["Name"] == "Cid"


def test_a_header_over_the_cell_cap_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{number}" for number in range(limits.MAX_FIELDS + 5)) + "\n1,2\n")
    message = import_rows(path)
    assert (
        message == f"{path}: 1,005 cells in the first row, over the cap of 1,000 columns (is it a CSV file?)"
    )


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _table(tmp_path, *["Ann,ann@example.com,\n"] * 100)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    message = import_rows(path)
    assert isinstance(message, str)
    assert message.startswith(f"{path}: the file is 2 KB, over the 1000 bytes cap for one import")
