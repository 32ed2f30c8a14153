"""Hypothesis strategies for the property tests: contact files as other programs write them,
then broken the ways files get broken (cut short, re-encoded, bytes flipped, NULs, lines
repeated, structure lines thrown in).

Seeds are the shared corpus's real files when it is there (`CRM_TUI_CORPUS` or
`../shared/corpus`; read, never copied) and a few cards and tables written here, so that the
tests mean something without the corpus too.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import strategies as st

from crm_tui.io.vcard_write import escape, fold


def corpus_folder(kind: str) -> Path | None:
    configured = os.environ.get("CRM_TUI_CORPUS")
    folder = Path(configured) if configured else Path(__file__).resolve().parents[3] / "shared" / "corpus"
    return folder / kind if (folder / kind).is_dir() else None


def corpus_files(kind: str, pattern: str) -> list[Path]:
    folder = corpus_folder(kind)
    return sorted(folder.glob(pattern)) if folder else []


# Text as people type it and as files carry it: any Unicode but lone surrogates (which no
# file can hold), with the awkward characters of each format made likely.
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=["Cs"]),
        st.sampled_from(list(",;:\\\"'=\t\r\n\x00\ufeff\u2028\u0301ЁёßØ漢字😀")),
    ),
    max_size=40,
)

_OWN_CARDS = [
    (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Petrova;Anna;;;\r\nFN:Anna Petrova\r\n"
        b"ORG:Example Ltd;Sales\r\nEMAIL;TYPE=WORK:anna@example.com\r\nTEL;TYPE=CELL:+7 912 345-67-89\r\n"
        b"NOTE:first line\\nsecond\\, with a comma\r\nCATEGORIES:VIP,Partner\r\nBDAY:1990-06-17\r\n"
        b"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////\r\n"
        b" //////////////////////////////////////////////////////////2wBDAf//////////////\r\n"
        b"END:VCARD\r\n"
    ),
    (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=\r\n"
        "=D0=BD=D0=BE=D0=B2;=D0=98=D0=B2=D0=B0=D0=BD\r\nTEL;CELL;PREF:+79123456789\r\n"
        "item1.EMAIL;INTERNET:ivan@example.org\r\nitem1.X-ABLabel:_$!<Work>!$_\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Åsa Öberg\r\nTEL;VALUE=uri:tel:+46-8-123-456;ext=12\r\n"
        "END:VCARD\r\n"
    ).encode(),
    "BEGIN:VCARD\nVERSION:3.0\nFN:Иван Петров\nORG:ООО Ромашка\nEND:VCARD\n".encode("cp1251"),
]

_OWN_TABLES = [
    b'Name,Email,Phone,Notes\r\nAnna Petrova,anna@example.com,+7 912 345-67-89,"two\nlines"\r\n'
    b"Bob,bob@example.com,,\r\n",
    "Фамилия;Имя;Телефон;Сумма\nПетров;Иван;8 495 123-45-67;150 000,50\n".encode("cp1251"),
    "First Name\tLast Name\tE-mail Address\nÅsa\tÖberg\tasa@example.se\n".encode("utf-16"),
]


def vcard_seeds() -> list[bytes]:
    return _OWN_CARDS + [path.read_bytes() for path in corpus_files("vcard", "*.vcf")]


def csv_seeds() -> list[bytes]:
    return _OWN_TABLES + [path.read_bytes() for path in corpus_files("csv", "*.csv")]


# Lines that change a file's structure when they turn up where they should not.
_STRUCTURE = [
    b"BEGIN:VCARD\r\n",
    b"END:VCARD\r\n",
    b"BEGIN:VCARD\r\nBEGIN:VCARD\r\nBEGIN:VCARD\r\n",
    b"=\r\n",
    b"\r\n ",
    b"\r\n\t",
    b";ENCODING=QUOTED-PRINTABLE:=C3=",
    b";CHARSET=utf-16;ENCODING=QUOTED-PRINTABLE:",
    b";CHARSET=no-such-charset:",
    b";ENCODING=b:",
    b"PHOTO;ENCODING=BASE64:AAAA====\r\n",
    b"PHOTO:data:image/png;base64,iVBORw0K*\r\n",
    b"ADR;LABEL=a:b:c:;;;;;;\r\n",
    b"item1.",
    b"\\",
    b'"',
    b":",
    b";",
    b",",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xd0",
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with one to four mutations."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        data = draw(_mutation(data))
    return data


def _mutation(data: bytes) -> st.SearchStrategy[bytes]:
    at = st.integers(0, len(data))
    lines = data.split(b"\n")
    return st.one_of(
        # cut short at any byte
        at.map(lambda cut: data[:cut]),
        # bytes inserted or overwritten
        st.tuples(at, st.binary(min_size=1, max_size=8)).map(lambda p: data[: p[0]] + p[1] + data[p[0] :]),
        st.tuples(at, st.binary(min_size=1, max_size=8)).map(
            lambda p: data[: p[0]] + p[1] + data[p[0] + len(p[1]) :]
        ),
        # structure where it does not belong
        st.tuples(at, st.sampled_from(_STRUCTURE)).map(lambda p: data[: p[0]] + p[1] + data[p[0] :]),
        # the wrong encoding: UTF-16 without a BOM, cp1251 read as UTF-8, a mix of both
        st.sampled_from(["utf-16-le", "utf-16-be", "utf-16", "cp1251", "latin-1", "utf-32"]).map(
            lambda encoding: data.decode("utf-8", "replace").encode(encoding, "replace")
        ),
        at.map(lambda cut: data[:cut] + data[cut:].decode("utf-8", "replace").encode("cp1251", "replace")),
        at.map(lambda cut: data[:cut] + data[cut:].decode("latin-1").encode("utf-16-le")),
        # lines repeated, dropped or swapped
        st.tuples(st.integers(0, len(lines) - 1), st.integers(2, 50)).map(
            lambda p: b"\n".join(lines[: p[0]] + [lines[p[0]]] * p[1] + lines[p[0] + 1 :])
        ),
        st.integers(0, len(lines) - 1).map(lambda i: b"\n".join(lines[:i] + lines[i + 1 :])),
        st.permutations(lines).map(b"\n".join),
        # line ends changed: CR only, CR CR LF, none at all
        st.sampled_from([b"\r", b"\r\r\n", b"", b"\n\n"]).map(lambda end: end.join(data.splitlines())),
    )


def vcard_files() -> st.SearchStrategy[bytes]:
    """Broken vCard files, and random bytes with a BEGIN:VCARD in front."""
    seeds = vcard_seeds()
    return st.one_of(
        mutated(seeds),
        st.binary(max_size=2000),
        st.binary(max_size=2000).map(lambda noise: b"BEGIN:VCARD\r\n" + noise),
        st.lists(st.sampled_from(_STRUCTURE), max_size=30).map(b"".join),
    )


def csv_files() -> st.SearchStrategy[bytes]:
    """Broken CSV files, random bytes and random text tables."""
    seeds = csv_seeds()
    cells = st.text(
        alphabet=st.one_of(st.characters(blacklist_categories=["Cs"]), st.sampled_from(list(',;\t"\r\n'))),
        max_size=12,
    )
    tables = st.lists(st.lists(cells, min_size=1, max_size=8), min_size=1, max_size=8).map(
        lambda rows: "\n".join(",".join(row) for row in rows)
    )
    return st.one_of(
        mutated(seeds),
        st.binary(max_size=2000),
        st.tuples(tables, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1251"])).map(
            lambda pair: pair[0].encode(pair[1], "replace")
        ),
    )


@st.composite
def valid_cards(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """The text of a well-formed 3.0 card whose values are any text (escaped and folded as the
    RFC says), and the values it was written with."""
    values = {
        "given": draw(ANY_TEXT),
        "family": draw(ANY_TEXT),
        "fn": draw(ANY_TEXT),
        "org": draw(ANY_TEXT),
        "title": draw(ANY_TEXT),
        "note": draw(ANY_TEXT),
        "email": draw(ANY_TEXT),
        "tel": draw(ANY_TEXT),
        "category": draw(ANY_TEXT),
    }
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{escape(values['family'])};{escape(values['given'])};;;",
        f"FN:{escape(values['fn'])}",
        f"ORG:{escape(values['org'])}",
        f"TITLE:{escape(values['title'])}",
        f"NOTE:{escape(values['note'])}",
        f"EMAIL;TYPE=INTERNET:{escape(values['email'])}",
        f"TEL;TYPE=CELL:{escape(values['tel'])}",
        f"CATEGORIES:{escape(values['category'])}",
        "END:VCARD",
    ]
    return "".join(fold(line) for line in lines), values
