"""Past edits of fields (`field_changed` events) that agree with the records as they are now.

The timeline picks which records and fields were edited, and when; this module then works
backwards from each field's current value: the newest edit set the field to what the record
holds now, and each earlier edit set it to what the next one changed it from. So a contact
whose title is "ИТ-директор" may show "title: Юрист → ИТ-директор", never a title it lacks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from crm_tui.dates import to_local
from crm_tui.db.models import EntityKind
from crm_tui.money import format_money
from crm_tui.services.demo.records import DemoCompany, DemoDeal, DemoLead, DemoPerson
from crm_tui.services.demo.words import INDUSTRIES, JOB_TITLES
from crm_tui.services.demo.world import World, money
from crm_tui.services.events import EventKind

Record = DemoCompany | DemoPerson | DemoLead | DemoDeal
Entity = tuple[EntityKind, int]
People = tuple[int | None, int | None]

# The fields whose edits each kind of record shows, named as the record's attributes.
_FIELDS: dict[type, tuple[str, ...]] = {
    DemoPerson: ("title", "next_contact_on", "is_client"),
    DemoCompany: ("industry", "next_contact_on"),
    DemoLead: ("value", "next_contact_on"),
    DemoDeal: ("amount", "expected_close_on"),
}
# Dates may have been cleared (the call was made), so they can be edited while empty.
_DATES = {"next_contact_on", "expected_close_on"}
# Fields that may have been empty until their first edit.
_MAY_START_EMPTY = {"title", "industry", "value", "next_contact_on", "expected_close_on"}
_MONEY = {"amount", "value"}
_WORDS = {"title": JOB_TITLES, "industry": INDUSTRIES}


def pick_field(world: World, record: Record) -> str | None:
    """A field of `record` that an edit could have brought to its current value."""
    fields = [name for name in _FIELDS[type(record)] if getattr(record, name) is not None or name in _DATES]
    return world.rng.choice(fields) if fields else None


class FieldHistory:
    """The edits picked while the timeline fills up, written once all of them are known."""

    def __init__(self) -> None:
        self.edits: dict[tuple[Entity, str], tuple[Record, People, list[datetime]]] = {}

    def add(self, record: Record, entity: Entity, people: People, field: str, at: datetime) -> None:
        self.edits.setdefault((entity, field), (record, people, []))[2].append(at)

    def write(self, world: World) -> None:
        """One `field_changed` event per edit, oldest first, ending at the current value."""
        for (entity, field), (record, people, times) in self.edits.items():
            times.sort()
            values = [getattr(record, field)]
            for index in range(len(times) - 1, -1, -1):
                values.insert(0, _value_before(world, record, field, values[0], times[index], index == 0))
            for at, old, new in zip(times, values[:-1], values[1:], strict=True):
                world.event(
                    at,
                    EventKind.FIELD_CHANGED,
                    entity,
                    people,
                    f"{field.replace('_', ' ')}: {_shown(old, field)} → {_shown(new, field)}",
                    {"field": field, "old": _jsonable(old), "new": _jsonable(new)},
                )


def _value_before(world: World, record: Record, field: str, after: Any, at: datetime, first: bool) -> Any:
    """What `field` held before an edit at `at` set it to `after` (never `after` itself)."""
    rng = world.rng
    if first and after is not None and field in _MAY_START_EMPTY and world.chance(0.4):
        return None
    if isinstance(after, bool):
        return not after
    if field in _DATES:
        if after is None:
            # A date cleared once it came: around the day of the edit.
            return to_local(at).date() - timedelta(days=rng.randint(0, 7))
        return after - timedelta(days=rng.randint(1, 14))
    if field in _MONEY:
        currency = record.currency if isinstance(record, DemoLead | DemoDeal) else "RUB"
        while True:
            value = money(world, currency, small=field == "value")
            if value != after:
                return value
    return rng.choice([word for word in _WORDS[field][record.lang] if word != after])


def _jsonable(value: Any) -> Any:
    """A value as services.events stores it in a payload (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


def _shown(value: Any, field: str) -> str:
    """A value as services.events writes it into an event's text (money in units, not cents)."""
    if value in (None, ""):
        return "—"
    return format_money(value) if field in _MONEY else str(_jsonable(value))
