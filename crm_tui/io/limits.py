"""Caps on what one imported file may hold, so that a broken or hostile file costs bounded
memory and time and ends in a message, never in an exhausted machine.

Each is far above what real exports hold (the biggest file in the corpus is a 46 KB photo; an
Outlook row has 92 cells), so only a file that is not what it claims to be meets them. Every
message names the cap, and the caller puts the file, card, line or row in front of it.
"""

from __future__ import annotations

from pathlib import Path

from crm_tui.errors import UnreadableInput

MB = 1024 * 1024

# A whole file. The vCard reader holds the file's bytes, then its text and its lines (about 3×
# the file at the peak), and an import plans every record before writing any: 256 MB is ten
# times a phone's full dump with photos and keeps the peak near 1 GB.
MAX_FILE_BYTES = 256 * MB
# One logical line of text (after unfolding), or one CSV cell: a NOTE or a pasted document.
MAX_LINE_CHARS = 1 * MB
# One PHOTO, LOGO, SOUND or KEY (decoded bytes): a phone's contact photo is tens of KB.
MAX_BINARY_BYTES = 5 * MB
# base64 spends four characters on three bytes.
MAX_BINARY_CHARS = MAX_BINARY_BYTES * 4 // 3 + 4
# Properties in one card, cells in one CSV row or header (Outlook writes 92).
MAX_FIELDS = 1000


def size_text(size: int) -> str:
    """`5 MB`, `1.5 MB`, `812 KB`, `40 bytes`: sizes in messages."""
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def check_file_size(path: Path) -> None:
    """Raise UnreadableInput when the file is over MAX_FILE_BYTES (a missing file is left to
    whoever opens it, to say so in its own words)."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return
    if size > MAX_FILE_BYTES:
        raise UnreadableInput(
            f"{path}: the file is {size_text(size)}, over the {size_text(MAX_FILE_BYTES)} cap for one"
            " import; split it into smaller files"
        )
