"""Writing records out: JSON of any kind, vCard of contacts; to a stream or, safely, a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session

from crm_tui.errors import UnreadableInput
from crm_tui.io.csv_write import CSV_KINDS, write_csv
from crm_tui.services.records import iter_records
from crm_tui.vocabulary import DEFAULT_CSV_ENCODING


@dataclass(frozen=True)
class ExportOptions:
    fmt: str = "json"
    vcard_version: str = "3.0"
    delimiter: str = ","
    encoding: str = DEFAULT_CSV_ENCODING


def check_format(kind: str, fmt: str) -> None:
    if fmt == "vcard" and kind != "contacts":
        raise UnreadableInput("vCard holds contacts only: export contacts --format vcard")
    if fmt == "csv" and kind not in CSV_KINDS:
        raise UnreadableInput(f"CSV export takes {', '.join(CSV_KINDS)}; use --format json for {kind}")


def write_json_array(stream: IO[str], records: Iterable[dict[str, Any]]) -> None:
    """A JSON array, one record per line, written as the records come (no list in memory)."""
    stream.write("[")
    for position, record in enumerate(records):
        stream.write(",\n" if position else "\n")
        stream.write(json.dumps(record, ensure_ascii=False, default=str))
    stream.write("\n]\n")


def write_export(session: Session, stream: IO[str], kind: str, options: ExportOptions) -> None:
    check_format(kind, options.fmt)
    records = iter_records(session, kind)
    if options.fmt == "json":
        write_json_array(stream, records)
    elif options.fmt == "csv":
        write_csv(stream, kind, records, options.delimiter)
    else:
        from crm_tui.io.vcard import write_vcards

        for card in write_vcards(records, version=options.vcard_version):
            stream.write(card)


def export_to_file(session: Session, destination: Path, kind: str, options: ExportOptions) -> Path:
    """Write beside the destination and rename, so a failed export never leaves half a file."""
    check_format(kind, options.fmt)
    destination = destination.expanduser()
    if not destination.parent.is_dir():
        raise UnreadableInput(f"{destination.parent}: no such folder")
    descriptor, partial = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        # newline="" keeps the CRLF line ends that vCard requires on every platform.
        encoding = options.encoding if options.fmt == "csv" else "utf-8"
        with open(descriptor, "w", encoding=encoding, newline="") as handle:
            write_export(session, handle, kind, options)
        os.replace(partial, destination)
    except UnicodeEncodeError as error:
        Path(partial).unlink(missing_ok=True)
        bad = error.object[error.start : error.end]
        raise UnreadableInput(
            f"{bad!r} cannot be written in {options.encoding}; try --encoding utf-8-sig"
        ) from error
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return destination
