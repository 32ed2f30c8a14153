"""Leads pushed in from outside: a web form's or a script's JSON, one lead or many.

Each lead goes in under its own savepoint, so a rejected one leaves no trace while the
others still land; the result names every rejected lead and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from crm_tui.db.models import Lead
from crm_tui.errors import UnreadableInput, ValidationError
from crm_tui.services import leads


@dataclass
class IntakeResult:
    created: list[Lead] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def parse_leads_json(text: str, source: str) -> list[dict[str, Any]]:
    """The lead objects in a JSON text: one object or an array of objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableInput(
            f"{source}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise UnreadableInput(f"{source}: expected a JSON object or an array of objects")
    return items


def looks_like_leads_json(path: Path) -> bool:
    """Whether a file starts like JSON (an object or an array) rather than a vCard or CSV."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head[:1] in (b"{", b"[")


def read_leads_file(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UnreadableInput(f"{path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise UnreadableInput(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    return parse_leads_json(text, str(path))


def add_leads(session: Session, items: list[dict[str, Any]]) -> IntakeResult:
    result = IntakeResult()
    for number, fields in enumerate(items, start=1):
        savepoint = session.begin_nested()
        try:
            lead = leads.create_lead(session, leads.lead_from_fields(fields))
        except ValidationError as error:
            savepoint.rollback()
            result.rejected.append(f"lead {number}: {error}" if len(items) > 1 else str(error))
            continue
        savepoint.commit()
        result.created.append(lead)
    return result
