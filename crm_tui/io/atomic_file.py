"""Writing a file so that a failure never leaves half of it behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from crm_tui.errors import UnreadableInput


@contextmanager
def atomic_text_file(destination: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text stream into a temporary file beside `destination`, renamed over it on success.

    A folder that does not exist, and a character the encoding cannot hold, become one
    readable UnreadableInput; any failure removes the partial file.
    """
    if not destination.parent.is_dir():
        raise UnreadableInput(f"{destination.parent}: no such folder")
    descriptor, partial = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        # newline="" keeps the CRLF line ends that vCard and CSV ask for on every platform.
        with open(descriptor, "w", encoding=encoding, newline="") as handle:
            yield handle
        os.replace(partial, destination)
    except UnicodeEncodeError as error:
        Path(partial).unlink(missing_ok=True)
        bad = error.object[error.start : error.end]
        raise UnreadableInput(f"{bad!r} cannot be written in {encoding}; try utf-8-sig") from error
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
