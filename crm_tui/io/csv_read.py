"""CSV import, the reading half: what a file's bytes are (encoding, delimiter, header) and its
rows, one at a time, with the row numbers a spreadsheet would show.

Nothing here knows what the columns mean: `mapping` (and the modules behind it) turns rows
into contacts, leads, companies and deals. Files are streamed: sniffing reads the first 64 KB
(more only while a large file is pure ASCII, to find the bytes that tell its code page), and
`read_rows` holds one record at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from crm_tui.errors import UnreadableInput
from crm_tui.io.byte_order import BOMS, utf16_by_nuls
from crm_tui.io.csv_encoding import guess_code_page, utf16_without_bom
from crm_tui.io.limits import MAX_FIELDS, MAX_LINE_CHARS, check_file_size

__all__ = ["ROW_ERROR_KEY", "CsvFormat", "looks_like_csv", "read_rows", "sniff_csv"]

DELIMITERS = ",;\t|"
SAMPLE_BYTES = 64 * 1024
_SCAN_CHUNK = 1024 * 1024
_SAMPLE_ROWS = 5
# A row whose record the csv module could not split (a field over the size limit) is still
# yielded, its cells empty, with the reason under this key, so that one row never ends a file.
ROW_ERROR_KEY = "\x00row error"
# One cell may hold a long note or a pasted document (the csv module's default limit, 128 KB,
# would end the row with an error), but not more than a line of text may (limits).
_FIELD_LIMIT = MAX_LINE_CHARS
# A physical line is read at most this far before it is judged too long: without it a file
# with no line ends would be read into memory whole before the csv module saw a cell.
_LINE_LIMIT = MAX_LINE_CHARS
_EMAIL_LIKE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]{2,}")
_NUMBER_LIKE = re.compile(r"^\+?[\d\s().\-/]{6,}$")


@dataclass
class CsvFormat:
    """What `sniff_csv` found: enough to read the rows and to show the user before import."""

    encoding: str  # a Python codec name that `open()` takes as it is (utf-8-sig eats the BOM)
    delimiter: str
    has_bom: bool
    header: list[str]  # unique, non-empty column names (see `_column_names`)
    sample_rows: list[list[str]]  # the first data rows, cells as in the file
    # False when the first row is already data (Palm Desktop exports have no header): the
    # header is then "column 1", "column 2"… and the first data row is row 1.
    has_header: bool = True
    notes: list[str] = field(default_factory=list)  # what the user should know (header guessed…)


# ---------------------------------------------------------------- sniffing


def sniff_csv(path: Path) -> CsvFormat:
    """The encoding, delimiter and header of a CSV file, and its first rows.

    Raises UnreadableInput (and only that) when the file cannot be opened, is empty, is over
    the size cap, is not text in any encoding we can tell, or its first row is wider than
    limits.MAX_FIELDS cells.
    """
    path = Path(path)
    check_file_size(path)
    sample = _byte_sample(path)
    if not sample.strip(b" \t\r\n\x00"):
        raise UnreadableInput(f"{path}: the file is empty")
    encoding, has_bom = detect_encoding(sample, path)
    text = _text_sample(sample[:SAMPLE_BYTES], encoding)
    delimiter = detect_delimiter(text)
    records = _first_records(path, encoding, delimiter, _SAMPLE_ROWS + 1)
    if not records:
        raise UnreadableInput(f"{path}: the file holds no rows")
    if len(records[0]) > MAX_FIELDS:
        raise UnreadableInput(
            f"{path}: {len(records[0]):,} cells in the first row, over the cap of {MAX_FIELDS:,}"
            " columns (is it a CSV file?)"
        )
    fmt = CsvFormat(encoding, delimiter, has_bom, [], [])
    if _is_header(records[0]):
        fmt.header = _column_names(records[0])
        fmt.sample_rows = records[1 : _SAMPLE_ROWS + 1]
    else:
        fmt.has_header = False
        fmt.sample_rows = records[:_SAMPLE_ROWS]
        width = min(max(len(row) for row in fmt.sample_rows), MAX_FIELDS)  # wider rows: errors
        fmt.header = _column_names([""] * width)
        fmt.notes.append("the first row looks like data, not column names: columns are numbered")
    return fmt


def _byte_sample(path: Path) -> bytes:
    """The first 64 KB; if those are pure ASCII, also the first non-ASCII stretch further on,
    since one accented name at row 50,000 decides between UTF-8 and a code page."""
    try:
        with path.open("rb") as stream:
            head = stream.read(SAMPLE_BYTES)
            if not head.isascii() or len(head) < SAMPLE_BYTES:
                return head
            while chunk := stream.read(_SCAN_CHUNK):
                if not chunk.isascii():
                    start = next(index for index, byte in enumerate(chunk) if byte > 0x7F)
                    start = max(chunk.rfind(b"\n", 0, start), 0)
                    return head + b"\n" + chunk[start : start + SAMPLE_BYTES]
            return head
    except OSError as error:
        raise UnreadableInput(f"{path}: cannot read the file ({error.strerror or error})") from error


def detect_encoding(sample: bytes, path: Path | str = "the file") -> tuple[str, bool]:
    """(codec name, whether the file starts with a byte order mark)."""
    for bom, encoding in BOMS:
        if sample.startswith(bom):
            return encoding, True
    utf16 = utf16_by_nuls(sample[:4000])
    if utf16:
        return utf16, False
    if _is_utf8(sample):
        return "utf-8", False
    guessed = guess_code_page(sample)
    if guessed is None:
        raise UnreadableInput(
            f"{path}: cannot tell the text encoding (not UTF-8, UTF-16 or a known code page);"
            " save it from the spreadsheet as 'CSV UTF-8' and import that"
        )
    return guessed, False


def _is_utf8(sample: bytes) -> bool:
    """Strict UTF-8, allowing the sample to end in the middle of a character."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in sample  # NUL bytes mean binary, or UTF-16/32 we did not recognise


def _text_sample(sample: bytes, encoding: str) -> str:
    """The sample decoded, cut at the last line end so that no record is torn in two (the
    Sniffer would count a torn line as evidence)."""
    text = codecs.getincrementaldecoder(encoding)("replace").decode(sample, final=False)
    text = text.lstrip("\ufeff")
    last_end = max(text.rfind("\n"), text.rfind("\r"))
    return text[: last_end + 1] if last_end > 0 and len(sample) >= SAMPLE_BYTES else text


def detect_delimiter(text: str) -> str:
    """`,` `;` tab or `|`: csv.Sniffer's answer, unless the header line plainly disagrees (it is
    the one line where quoted text rarely hides delimiters); a file with one column gets `,`."""
    counts = {delimiter: _cells_in_first_record(text, delimiter) - 1 for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    try:
        sniffed = csv.Sniffer().sniff(text[:16384], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and counts.get(sniffed, 0) > 0 and counts[sniffed] * 2 >= counts[best]:
        return sniffed
    return best if counts[best] > 0 else ","


def _cells_in_first_record(text: str, delimiter: str) -> int:
    try:
        first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:
        return 0
    return len(first)


def _first_records(path: Path, encoding: str, delimiter: str, count: int) -> list[list[str]]:
    records: list[list[str]] = []
    for record in _records(path, encoding, delimiter):
        if isinstance(record, list) and _has_text(record):
            records.append(record)
            if len(records) == count:
                break
    return records


def _is_header(first: list[str]) -> bool:
    """Whether the first record names the columns: column names are not email addresses or
    phone numbers. A file whose first row is data (Palm Desktop) says so through its cells."""
    cells = [cell.strip() for cell in first if cell.strip()]
    return not any(_EMAIL_LIKE.search(cell) or _NUMBER_LIKE.match(cell) for cell in cells)


def _column_names(cells: list[str]) -> list[str]:
    """Header cells made usable as keys: trimmed, an empty one named "column N" (its position,
    as the extra cells of a long row are named), a repeated one suffixed " (2)", " (3)"…"""
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(cells, start=1):
        name = " ".join(cell.replace("\ufeff", "").split()) or extra_column(position)
        unique, copy = name, 1
        while unique in seen:
            copy += 1
            unique = f"{name} ({copy})"
        seen.add(unique)
        names.append(unique)
    return names


def extra_column(position: int) -> str:
    """The key of a cell beyond the header (1-based position), and of an unnamed column."""
    return f"column {position}"


# ---------------------------------------------------------------- rows


def read_rows(path: Path, fmt: CsvFormat) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: cell}) for each data row, in file order, read as it is asked for.

    The row number counts records as a spreadsheet shows them, the header being row 1 (a
    quoted cell with line breaks does not add rows). Blank rows are counted, not yielded. A
    short row gets empty cells, a long one keeps its extra cells as "column N". Undecodable
    bytes become U+FFFD; a record the csv module rejects comes back with ROW_ERROR_KEY.
    """
    width = len(fmt.header)
    header_pending = fmt.has_header  # the first record with text, as sniff_csv found it
    for number, record in enumerate(_records(Path(path), fmt.encoding, fmt.delimiter), start=1):
        if isinstance(record, str):
            yield number, {**dict.fromkeys(fmt.header, ""), ROW_ERROR_KEY: record}
        elif not _has_text(record):
            continue
        elif len(record) > MAX_FIELDS:
            problem = f"{len(record):,} cells, over the cap of {MAX_FIELDS:,} for one row: not read"
            yield number, {**dict.fromkeys(fmt.header, ""), ROW_ERROR_KEY: problem}
        elif header_pending:
            header_pending = False
        else:
            yield number, _row_dict(fmt.header, width, record)


def _row_dict(header: list[str], width: int, record: list[str]) -> dict[str, str]:
    row = dict(zip(header, record, strict=False))
    if len(record) != width:  # most rows are as wide as the header: nothing more to do
        if len(record) < width:
            row.update(dict.fromkeys(header[len(record) :], ""))
        for position in range(width + 1, len(record) + 1):
            row[extra_column(position)] = record[position - 1]
    return row


def _records(path: Path, encoding: str, delimiter: str) -> Iterator[list[str] | str]:
    """Every record of the file as its cells, or the csv module's complaint about it (or
    ours: a cell or a line over its cap)."""
    csv.field_size_limit(_FIELD_LIMIT)
    try:
        stream = path.open(encoding=encoding, errors="replace", newline="")
    except OSError as error:
        raise UnreadableInput(f"{path}: cannot read the file ({error.strerror or error})") from error
    with stream:
        too_long: list[int] = []
        reader = csv.reader(_capped_lines(stream, too_long), delimiter=delimiter)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                cap = " (the cap for one cell): not read" if "field limit" in str(error) else ""
                yield f"the row could not be split into cells: {error}{cap}"
                continue
            if too_long:
                too_long.clear()
                yield f"a line is over the cap of {_LINE_LIMIT:,} characters for one line: not read"
                continue
            if record and record[0].startswith("\ufeff"):  # a BOM the codec did not eat
                record[0] = record[0][1:]
            yield record


def _capped_lines(stream: io.TextIOBase, too_long: list[int]) -> Iterator[str]:
    """The stream's lines, none longer than _LINE_LIMIT: a longer one is read past, not kept,
    and stands as an empty line, with a note in `too_long` for the record it falls in."""
    for line in iter(partial(stream.readline, _LINE_LIMIT + 1), ""):
        if len(line) > _LINE_LIMIT and line[-1] not in "\r\n":
            while (rest := stream.readline(_LINE_LIMIT)) and rest[-1] not in "\r\n":
                pass
            too_long.append(1)
            yield "\n"
        else:
            yield line


def _has_text(record: list[str]) -> bool:
    return any(map(str.strip, record))  # map, not a generator: asked of every row


# ---------------------------------------------------------------- content sniffing


def looks_like_csv(head: bytes) -> bool:
    """Whether the first bytes of a file read as a table: text (in any encoding sniff_csv
    knows), not a vCard, iCalendar, JSON or markup, whose first line has a delimiter or is
    one short column name."""
    text = _head_text(head)
    if text is None:
        return False
    text = text.lstrip("\ufeff \t\r\n")
    if not text or text[:1] in "{[<" or text[:8].upper().startswith(("BEGIN:", "VERSION:")):
        return False
    first_line = text.splitlines()[0]
    if any(ord(char) < 32 and char != "\t" for char in first_line):
        return False
    return any(delimiter in first_line for delimiter in DELIMITERS) or len(first_line) <= 100


def _head_text(head: bytes) -> str | None:
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return head.decode(encoding, "ignore")
    utf16 = utf16_by_nuls(head[:4000])
    if utf16:
        return head.decode(utf16, "ignore")
    if b"\x00" in head:
        utf16 = utf16_without_bom(head)  # UTF-16 text too far from ASCII to show by its NULs
        return head.decode(utf16, "ignore") if utf16 else None
    if _is_utf8(head):
        return head.decode("utf-8", "ignore")
    # An 8-bit code page: every byte decodes in cp1252's lenient cousin, latin-1, which is
    # enough to look at the structure (delimiters and line ends are ASCII in all of them).
    return head.decode("latin-1")
