"""Which legacy code page a non-UTF-8 CSV file is in.

charset-normalizer is good with plenty of text and unreliable with a little: on a three-row
Bitrix24 export it calls "Иван Петров" Big5 and Western European text cp1250. Contact lists
are short and their code pages few, so its candidates are checked together with the common
ones by how the decoded text looks: real names do not mix alphabets inside a word, switch
case in mid-word, or sprinkle symbols between letters, while text decoded with the wrong code
page does all three. The single-byte code pages spreadsheets write are preferred; a CJK one
wins only when none of them reads as text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

# In the order a tie is settled: the commonest in files that reach a CRM first.
SINGLE_BYTE = ("cp1251", "cp1252", "cp1250", "koi8_r", "cp866", "cp1257", "cp1253", "cp1254")
MULTI_BYTE = ("cp932", "gb18030", "big5", "cp949")
# Symbols real text uses between letters; anything else non-ASCII and not a letter is noise.
_FINE_SYMBOLS = frozenset("«»—–…№‘’“”€£¥₽°§©®™·•\u00a0")
_WORD = re.compile(r"[^\W\d_]+")
_CLEAN_ENOUGH = 0.02  # noise per non-ASCII character below which a single-byte reading wins
_TOO_NOISY = 0.3  # above this for every reading, the file is not text we can read
# Hundreds of names are evidence enough, and scoring is slow Python: cut the sample there.
_SCORED_BYTES = 16 * 1024


def guess_code_page(sample: bytes) -> str | None:
    """The code page the sample's 8-bit bytes read best in, or None when none reads as text."""
    if b"\x00" in sample:
        return utf16_without_bom(sample)
    telling = b"\n".join(line for line in sample.splitlines() if not line.isascii()) or sample
    cut = telling.rfind(b"\n", 0, _SCORED_BYTES) if len(telling) > _SCORED_BYTES else -1
    telling = telling[:cut] if cut > 0 else telling  # whole lines: a torn character decodes nowhere
    scored = _scores(telling, SINGLE_BYTE)
    best = _best(scored)
    if best is not None and scored[best] <= _CLEAN_ENOUGH:
        return best
    scored.update(_scores(telling, (*_normalizer_candidates(telling), *MULTI_BYTE)))
    best = _best(scored)
    return best if best is not None and scored[best] <= _TOO_NOISY else None


def utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 with no BOM whose text is mostly not ASCII (Cyrillic, CJK), so that its NUL
    bytes are too few to show; anything else with NUL bytes in it is not text."""
    even = sample[: len(sample) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        text = even.decode(encoding, "replace").rstrip("\ufffd")  # the sample may end mid-pair
        if "\ufffd" in text or any(ord(char) < 32 and char not in "\t\r\n" for char in text):
            continue
        noise = text_noise(text)
        if noise is not None and noise <= _CLEAN_ENOUGH:
            return encoding
    return None


def _normalizer_candidates(sample: bytes) -> list[str]:
    from charset_normalizer import from_bytes  # imported late: only legacy files need it

    return [match.encoding for match in from_bytes(sample)]


def _scores(sample: bytes, encodings: tuple[str, ...]) -> dict[str, float]:
    scores = {}
    for encoding in encodings:
        noise = noise_per_character(sample, encoding)
        if noise is not None:
            scores[_codec_name(encoding)] = noise
    return scores


def _best(scored: dict[str, float]) -> str | None:
    """Least noise; on a tie, the first tried (dicts keep that order)."""
    return min(scored, key=lambda encoding: scored[encoding]) if scored else None


def noise_per_character(sample: bytes, encoding: str) -> float | None:
    """How unlike text the sample reads in the encoding (0 = like text), per non-ASCII
    character; None when the bytes are not valid in it at all."""
    try:
        text = sample.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return text_noise(text)


def text_noise(text: str) -> float | None:
    """Noise per non-ASCII character of decoded text; None when it is all ASCII."""
    wide = sum(1 for char in text if ord(char) > 0x7F)
    if not wide:
        return None
    noise = sum(1 for char in text if ord(char) > 0x7F and _is_noise(char))
    for word in _WORD.findall(text):
        noise += 2 * (len({_script(char) for char in word}) > 1) + _case_flips(word) + _all_accented(word)
    return noise / wide


def _is_noise(char: str) -> bool:
    return not (char.isalpha() or char in _FINE_SYMBOLS or char.isspace())


@lru_cache(maxsize=8192)
def _script(char: str) -> str:
    if char.isascii():
        return "LATIN"
    name = unicodedata.name(char, "")
    if "HALFWIDTH" in name:  # half-width katakana: what Cyrillic bytes become in Shift_JIS
        return "HALFWIDTH"
    for script in ("LATIN", "CYRILLIC", "GREEK", "HANGUL", "CJK", "HIRAGANA", "KATAKANA"):
        if name.startswith(script):
            return "CJK" if script in ("HIRAGANA", "KATAKANA") else script
    return "OTHER"


def _case_flips(word: str) -> int:
    """A lower-case letter followed by a capital ("иВАН" is KOI8-R read as cp1251)."""
    return sum(1 for left, right in pairwise(word) if left.islower() and right.isupper())


def _all_accented(word: str) -> int:
    """A Latin word made only of accented letters ("Èâàí") is Cyrillic read as cp1252."""
    return int(len(word) >= 3 and not any(char.isascii() for char in word) and _script(word[0]) == "LATIN")


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name
