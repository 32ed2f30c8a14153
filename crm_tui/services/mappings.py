"""CSV column mappings saved under a name, so a file that arrives every week (the same
export, the same columns) imports without mapping it again. Kept in the database's settings,
so they travel with the data."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from crm_tui.db.models import Setting
from crm_tui.errors import UnreadableInput, ValidationError
from crm_tui.io.csv_fields import Mapping
from crm_tui.services.settings import get_setting, set_setting

_PREFIX = "mapping:"


def save_mapping(session: Session, name: str, mapping: Mapping) -> None:
    name = name.strip()
    if not name:
        raise ValidationError("name", "a saved mapping needs a name")
    set_setting(session, _PREFIX + name, mapping.to_json())


def saved_mappings(session: Session) -> list[str]:
    keys = session.exec(select(Setting.key).where(col(Setting.key).startswith(_PREFIX)).order_by(Setting.key))
    return [key.removeprefix(_PREFIX) for key in keys]


def load_mapping(session: Session, name_or_file: str) -> Mapping:
    """A mapping by its saved name, or from a JSON or TOML file."""
    saved = get_setting(session, _PREFIX + name_or_file, "")
    if saved:
        return Mapping.from_json(saved)
    path = Path(name_or_file).expanduser()
    if not path.is_file():
        names = ", ".join(saved_mappings(session)) or "none yet"
        raise UnreadableInput(f"no saved mapping or file named {name_or_file!r} (saved mappings: {names})")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableInput(f"{path}: {error}") from error
    try:
        if path.suffix.lower() == ".toml" or not text.lstrip().startswith("{"):
            return Mapping.from_toml(text)
        return Mapping.from_json(text)
    except ValidationError as error:
        raise UnreadableInput(f"{path}: {error.message}") from error
