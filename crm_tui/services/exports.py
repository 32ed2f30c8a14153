"""Writing records out: JSON of any kind, vCard of contacts; to a stream or, safely, a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session

from crm_tui.errors import UnreadableInput
from crm_tui.services.records import iter_records


def check_format(kind: str, fmt: str) -> None:
    if fmt == "vcard" and kind != "contacts":
        raise UnreadableInput("vCard holds contacts only: export contacts --format vcard")


def write_json_array(stream: IO[str], records: Iterable[dict[str, Any]]) -> None:
    """A JSON array, one record per line, written as the records come (no list in memory)."""
    stream.write("[")
    for position, record in enumerate(records):
        stream.write(",\n" if position else "\n")
        stream.write(json.dumps(record, ensure_ascii=False, default=str))
    stream.write("\n]\n")


def write_export(session: Session, stream: IO[str], kind: str, fmt: str, vcard_version: str = "3.0") -> None:
    check_format(kind, fmt)
    records = iter_records(session, kind)
    if fmt == "json":
        write_json_array(stream, records)
        return
    from crm_tui.io.vcard import write_vcards

    for card in write_vcards(records, version=vcard_version):
        stream.write(card)


def export_to_file(
    session: Session, destination: Path, kind: str, fmt: str, vcard_version: str = "3.0"
) -> Path:
    """Write beside the destination and rename, so a failed export never leaves half a file."""
    check_format(kind, fmt)
    destination = destination.expanduser()
    if not destination.parent.is_dir():
        raise UnreadableInput(f"{destination.parent}: no such folder")
    descriptor, partial = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        # newline="" keeps the CRLF line ends that vCard requires on every platform.
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            write_export(session, handle, kind, fmt, vcard_version)
        os.replace(partial, destination)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return destination
