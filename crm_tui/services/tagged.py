"""The contacts carrying a tag, as a subquery to filter by (`Contact.id IN …`): the board's,
the contacts list's and Today's filters share it. A module of its own so the pipeline can use
it without importing the contacts service (which imports the pipeline)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from crm_tui.db.models import ContactTag, Tag
from crm_tui.services.validation import fold


def contacts_tagged(tag: str) -> Any:
    """`SELECT contact_id …` of the contacts tagged `tag`, in any letter case."""
    return (
        select(ContactTag.contact_id)
        .join(Tag, col(Tag.id) == ContactTag.tag_id)
        .where(col(Tag.name_fold) == fold(tag))
    )
