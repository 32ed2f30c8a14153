"""Writing a file so that a failure never leaves half of it behind."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from crm_tui.errors import UnreadableInput

# What tempfile.mkstemp creates: read and write for the owner, nothing for anyone else.
PRIVATE_MODE = 0o600


@contextmanager
def atomic_text_file(destination: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text stream into a temporary file beside `destination`, renamed over it on success.

    The file is readable by its owner only (mkstemp's 0600), and a file it replaces keeps
    its mode if that was narrower (a read-only export stays read-only).

    A folder that does not exist, and a character the encoding cannot hold, become one
    readable UnreadableInput; any failure removes the partial file.
    """
    if not destination.parent.is_dir():
        raise UnreadableInput(f"{destination.parent}: no such folder")
    kept = _narrower_mode(destination)
    descriptor, partial = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        # newline="" keeps the CRLF line ends that vCard and CSV ask for on every platform.
        with open(descriptor, "w", encoding=encoding, newline="") as handle:
            yield handle
        if kept is not None:
            os.chmod(partial, kept)
        os.replace(partial, destination)
    except UnicodeEncodeError as error:
        Path(partial).unlink(missing_ok=True)
        bad = error.object[error.start : error.end]
        raise UnreadableInput(f"{bad!r} cannot be written in {encoding}; try utf-8-sig") from error
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _narrower_mode(destination: Path) -> int | None:
    """The mode to give the new file when the one it replaces was narrower than 0600."""
    try:
        mode = stat.S_IMODE(destination.stat().st_mode)
    except OSError:  # not there yet (or unreadable: the rename will say so)
        return None
    kept = mode & PRIVATE_MODE
    return kept if kept != PRIVATE_MODE else None
