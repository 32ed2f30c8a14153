"""How text is folded for searching and for sorting by name: case and accents folded alike
in every alphabet. Below the database and the services, which both need it (the schema
upgrade that re-folds stored names included)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache


def search_fold(text: str) -> str:
    """Case and accents folded alike for the index and the query.

    unicode61 folds case by itself, but its remove_diacritics knows Latin letters only (ё and ό
    stay), and `casefold()` turns ß into ss where unicode61 keeps ß. Folding both sides here
    keeps them in step: "семенов" finds "Семёнов", "strasse" finds "Straße".
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return unicodedata.normalize("NFC", _combining_marks().sub("", decomposed))


def prepare() -> None:
    """Build the folding table now (10 ms: every code point is looked at), so that the first
    keystroke in another alphabet than ASCII does not wait for it."""
    _combining_marks()


@cache
def _combining_marks() -> re.Pattern[str]:
    """Every combining mark, as one character class: removing them with one regex pass is
    several times faster than a Python loop over each character or a dict-driven
    `str.translate` (both made indexing a 100,000-row import seconds slower)."""
    marks = [code for code in range(0x300, 0x10000) if unicodedata.combining(chr(code))]
    runs: list[list[int]] = []
    for code in marks:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    ranges = "".join(f"{re.escape(chr(start))}-{re.escape(chr(end))}" for start, end in runs)
    return re.compile(f"[{ranges}]")
