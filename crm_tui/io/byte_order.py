"""Telling UTF-16 and UTF-32 text from its first bytes: shared by the vCard and CSV readers."""

from __future__ import annotations

import codecs

# Byte order marks and the codec that reads the text after them. "utf-8-sig" drops the mark
# itself; the UTF-16/32 codecs drop theirs too.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def utf16_by_nuls(sample: bytes) -> str | None:
    """UTF-16 without a BOM: text that is mostly ASCII has a NUL in every other byte."""
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even, odd = sample[0 : pairs * 2 : 2].count(0), sample[1 : pairs * 2 : 2].count(0)
    if even > pairs * 0.6 and odd < pairs * 0.1:
        return "utf-16-be"
    if odd > pairs * 0.6 and even < pairs * 0.1:
        return "utf-16-le"
    return None
