"""The CSV reader: encodings, delimiters, quoting, headers, ragged rows, streaming."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import pytest

from crm_tui.errors import UnreadableInput
from crm_tui.io import csv_read
from crm_tui.io.csv_read import ROW_ERROR_KEY, looks_like_csv, read_rows, sniff_csv

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "csv"


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "has_bom", "first_column", "first_cell"),
    [
        ("utf8_plain.csv", "utf-8", ",", False, "Full Name", "Zoë Åberg"),
        ("utf8_bom_russian.csv", "utf-8-sig", ",", True, "ФИО", "Петров Иван Сергеевич"),
        ("utf16le_bom.csv", "utf-16", "\t", True, "Name", "Ким Чен"),
        ("bitrix24_leads_cp1251.csv", "cp1251", ";", False, "ID", "101"),
        ("cp1252_comma.csv", "cp1252", ",", False, "First Name", "José"),
        ("shift_jis.csv", "cp932", ",", False, "名前", "山田太郎"),
        ("tab_separated.tsv", "utf-8", "\t", False, "First Name", "Ada"),
        ("bitrix24_deals.csv", "utf-8-sig", ";", True, "ID", "7"),
        ("yahoo.csv", "utf-8", ",", False, "First", "Yolanda"),
    ],
)
def test_sniff_finds_encoding_delimiter_and_header(
    name: str, encoding: str, delimiter: str, has_bom: bool, first_column: str, first_cell: str
) -> None:
    fmt = sniff_csv(FIXTURES / name)
    assert (fmt.encoding, fmt.delimiter, fmt.has_bom) == (encoding, delimiter, has_bom)
    assert fmt.has_header
    assert fmt.header[0] == first_column  # no BOM left on the first column name
    assert fmt.sample_rows[0][0] == first_cell


def test_cp1252_is_told_from_its_central_european_cousin() -> None:
    """charset-normalizer rates cp1250 as clean as cp1252 for this text; ñ and è decide."""
    fmt = sniff_csv(FIXTURES / "cp1252_comma.csv")
    rows = [row for _, row in read_rows(FIXTURES / "cp1252_comma.csv", fmt)]
    assert [row["Last Name"] for row in rows] == ["Muñoz", "Dupré", "Weiß"]
    assert rows[0]["Company"] == "Café Crème"


def test_quoted_cells_keep_delimiters_quotes_and_line_breaks() -> None:
    path = FIXTURES / "bitrix24_leads_cp1251.csv"
    rows = list(read_rows(path, sniff_csv(path)))
    assert [number for number, _ in rows] == [2, 3, 4]  # a cell with a line break is one row
    first = rows[0][1]
    assert first["Название компании"] == 'ООО "Ромашка"'
    assert first["Комментарий"].startswith('Перезвонить после обеда; интересует тариф "Бизнес"')
    assert first["Комментарий"].endswith("Вторая строка комментария")
    assert first["Сумма"] == "150 000,00"


def test_ragged_rows_are_kept_and_blank_rows_counted_not_yielded() -> None:
    path = FIXTURES / "ragged.csv"
    rows = dict(read_rows(path, sniff_csv(path)))
    assert list(rows) == [2, 3, 5]  # row 4 is blank
    assert rows[2] == {"Name": "Short Row", "Email": "short@example.com", "Phone": ""}
    assert rows[3]["Phone"] == "+1 555 0400"
    assert rows[3]["column 4"] == "left over"
    assert rows[3]["column 5"] == "and more"


def test_a_file_without_a_header_row_gets_numbered_columns() -> None:
    path = FIXTURES / "palm_headerless.csv"
    fmt = sniff_csv(path)
    assert not fmt.has_header
    assert fmt.header == [f"column {position}" for position in range(1, 22)]
    assert fmt.notes
    rows = list(read_rows(path, fmt))
    assert rows[0][0] == 1  # the first row is data
    assert rows[0][1]["column 9"] == "jane@doe.example"


def test_empty_and_repeated_header_names_become_usable_keys(tmp_path: Path) -> None:
    path = tmp_path / "odd_header.csv"
    path.write_text("Name,,Email,Email, Name \nAnn,x,a@example.com,b@example.com,Ann B\n", encoding="utf-8")
    fmt = sniff_csv(path)
    assert fmt.header == ["Name", "column 2", "Email", "Email (2)", "Name (2)"]
    [(_, row)] = list(read_rows(path, fmt))
    assert row["Email (2)"] == "b@example.com"


def test_utf8_is_recognised_after_more_than_64_kb_of_ascii(tmp_path: Path) -> None:
    path = tmp_path / "late_accent.csv"
    filler = "".join(f"Person {index},p{index}@example.com\n" for index in range(4000))
    path.write_bytes(("Name,Email\n" + filler + "Zoë,zoe@example.com\n").encode("utf-8"))
    assert path.stat().st_size > csv_read.SAMPLE_BYTES
    assert sniff_csv(path).encoding == "utf-8"


def test_a_code_page_is_recognised_after_more_than_64_kb_of_ascii(tmp_path: Path) -> None:
    path = tmp_path / "late_cyrillic.csv"
    filler = "".join(f"Person {index};p{index}@example.com\n" for index in range(4000))
    tail = "Иван Петров;ivan@example.ru\nМария Сидорова;maria@example.ru\nОлег Кузнецов;oleg@example.ru\n"
    path.write_bytes(("Name;Email\n" + filler + tail).encode("cp1251"))
    fmt = sniff_csv(path)
    assert (fmt.encoding, fmt.delimiter) == ("cp1251", ";")
    last = list(read_rows(path, fmt))[-1]
    assert last == (4004, {"Name": "Олег Кузнецов", "Email": "oleg@example.ru"})


def test_utf16_without_a_bom_is_recognised_by_its_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "utf16be.csv"
    path.write_bytes("Name,Email\nÅsa,asa@example.se\n".encode("utf-16-be"))
    fmt = sniff_csv(path)
    assert (fmt.encoding, fmt.has_bom) == ("utf-16-be", False)
    assert list(read_rows(path, fmt)) == [(2, {"Name": "Åsa", "Email": "asa@example.se"})]


def test_the_header_line_overrules_a_sniffer_that_counts_commas_in_the_data(tmp_path: Path) -> None:
    path = tmp_path / "german.csv"
    path.write_text("Name;Betrag;Notiz\nMüller;1,50;a, b, c\nSchmidt;2,75;d, e\n", encoding="utf-8")
    assert sniff_csv(path).delimiter == ";"


def test_a_single_column_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "emails.csv"
    path.write_text("Email\nann@example.com\nbob@example.com\n", encoding="utf-8")
    fmt = sniff_csv(path)
    assert fmt.header == ["Email"]
    assert [row["Email"] for _, row in read_rows(path, fmt)] == ["ann@example.com", "bob@example.com"]


def test_pipe_delimited(tmp_path: Path) -> None:
    path = tmp_path / "pipes.csv"
    path.write_text("Name|Email|Phone\nAnn|ann@example.com|+1 555 0100\n", encoding="utf-8")
    assert sniff_csv(path).delimiter == "|"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\r\n\r\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "cannot tell the text encoding"),
    ],
)
def test_files_that_are_not_text_tables_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableInput, match=message) as caught:
        sniff_csv(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_unreadable_input(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="cannot read the file"):
        sniff_csv(tmp_path / "nope.csv")


def test_a_record_the_csv_module_rejects_costs_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge_cell.csv"
    path.write_text('Name,Notes\nAnn,short\nBob,"' + "x" * 200 + '"\nCid,fine\n', encoding="utf-8")
    fmt = sniff_csv(path)
    limit = csv.field_size_limit()
    monkeypatch.setattr(csv_read, "_FIELD_LIMIT", 100)
    try:
        csv.field_size_limit(100)
        rows = list(read_rows(path, fmt))
    finally:
        csv.field_size_limit(limit)
    assert rows[0] == (2, {"Name": "Ann", "Notes": "short"})
    assert ROW_ERROR_KEY in rows[1][1]
    assert "field larger than field limit" in rows[1][1][ROW_ERROR_KEY]
    assert rows[-1][1]["Name"] == "Cid"


def test_long_cells_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "long_note.csv"
    note = "word " * 100_000  # 500 KB, over the csv module's default limit
    path.write_text(f'Name,Notes\nAnn,"{note}"\n', encoding="utf-8")
    [(_, row)] = list(read_rows(path, sniff_csv(path)))
    assert row["Notes"] == note


def test_rows_are_streamed_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Name", "Email", "Notes"])
        for index in range(60_000):
            writer.writerow([f"Person {index}", f"p{index}@example.com", "some words about them " * 3])
    assert path.stat().st_size > 5_000_000
    fmt = sniff_csv(path)
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_rows(path, fmt))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000
    assert peak < 1_000_000  # a few rows at a time, not the 5 MB file


@pytest.mark.parametrize(
    "head",
    [
        b"Name,Email\nAnn,ann@example.com\n",
        b"\xef\xbb\xbfName;Email\r\n",
        "Имя;Фамилия\r\nИван;Петров\r\n".encode("cp1251"),
        "Name\tEmail\n".encode("utf-16"),
        "Name,Email\n".encode("utf-16-le"),
        b"Email\nann@example.com\n",
    ],
)
def test_looks_like_csv(head: bytes) -> None:
    assert looks_like_csv(head)


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n",
        "BEGIN:VCARD\r\n".encode("utf-16"),
        b"VERSION:2.1\r\nN:Doe;John\r\n",
        b"BEGIN:VCALENDAR\r\n",
        b'{"contacts": []}',
        b"[1, 2]",
        b"<?xml version='1.0'?><contacts/>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00",  # an .xlsx is a zip file
    ],
)
def test_does_not_look_like_csv(head: bytes) -> None:
    assert not looks_like_csv(head)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Имя;Фамилия\nИван;Петров\n", "cp1251"),  # too short for charset-normalizer alone
        ('Название;Сумма\n"ООО ""Ромашка""";150 000,00 руб.\n', "cp1251"),
        ("Имя;Фамилия\nИван;Петров\nМария;Сидорова\n", "koi8-r"),
        ("Имя;Фамилия\nИван;Петров\n", "cp866"),
        ("Name,City\nJosé,Málaga\n", "cp1252"),
        ("Name,City\nŁucja,Łódź\n", "cp1250"),
        ("名前,会社\n山田太郎,株式会社テスト\n", "cp932"),
        ("姓名,城市\n张伟,北京市\n", "gb18030"),
    ],
)
def test_short_files_in_legacy_code_pages(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(text.encode(encoding))
    fmt = sniff_csv(path)
    assert fmt.encoding == encoding
    assert [fmt.header, *fmt.sample_rows] == list(csv.reader(text.splitlines(), delimiter=fmt.delimiter))


def test_blank_lines_before_the_header_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "blank_start.csv"
    path.write_text("\n\nName,Email\nAnn,ann@example.com\n", encoding="utf-8")
    fmt = sniff_csv(path)
    assert fmt.header == ["Name", "Email"]
    assert list(read_rows(path, fmt)) == [(4, {"Name": "Ann", "Email": "ann@example.com"})]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_and_with_little_ascii(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "utf16_cyrillic.csv"
    text = "Имя;Фамилия;Компания\nИван;Петров;Ромашка\nМария;Сидорова;Вектор\n"
    path.write_bytes(text.encode(encoding))
    fmt = sniff_csv(path)
    assert (fmt.encoding, fmt.delimiter) == (encoding, ";")
    assert fmt.sample_rows[1] == ["Мария", "Сидорова", "Вектор"]


def test_utf16_cyrillic_without_a_bom_looks_like_csv() -> None:
    assert looks_like_csv("Имя;Фамилия\nИван;Петров\n".encode("utf-16-le"))
