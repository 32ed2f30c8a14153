"""What a CSV column can be imported as: the targets, their fields (names the mapping screen
shows and saved mappings store, so they are stable), and the `Mapping` from columns to fields.

Readers of headers (presets, the guesser) speak in *concepts* ("a person's family name", "a
sum of money") rather than fields, because the same column lands in a different field
depending on the target the user picked: "Компания" is `company` for a contact,
`company_name` for a lead and `name` for a company. `CONCEPT_FIELDS` makes that translation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from crm_tui.errors import ValidationError

IGNORE = "ignore"
TARGETS = ("contacts", "leads", "companies", "deals")

FIELDS: dict[str, tuple[str, ...]] = {
    "contacts": (
        "full_name",
        "first_name",
        "middle_name",
        "last_name",
        "company",
        "department",
        "title",
        "email",
        "phone",
        "street",
        "city",
        "region",
        "postcode",
        "country",
        "birthday",
        # Thunderbird writes a birthday as three columns.
        "birth_year",
        "birth_month",
        "birth_day",
        "notes",
        "tags",
        "uid",
    ),
    "leads": (
        "title",
        "person_name",
        "first_name",
        "middle_name",
        "last_name",
        "company_name",
        "email",
        "phone",
        "source",
        "status",
        "value",
        "currency",
        "notes",
        "next_contact_on",
        "next_contact_goal",
        "disqualify_reason",
        "created_at",
    ),
    "companies": ("name", "website", "industry", "phone", "email", "address", "notes"),
    "deals": (
        "title",
        "amount",
        "currency",
        "stage",
        "company",
        "contact",
        "expected_close_on",
        "closed_at",
        "lost_reason",
        "notes",
    ),
}

PHONE_KINDS = ("cell", "work", "home", "fax", "pager", "main", "other")
PLACE_KINDS = ("work", "home", "other")
_ADDRESS_KINDS = dict.fromkeys(("street", "city", "region", "postcode", "country"), PLACE_KINDS)
# Fields that may carry a kind, written "phone:cell", "email:work", "city:home".
KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {"email": PLACE_KINDS, "phone": PHONE_KINDS, **_ADDRESS_KINDS},
    "leads": {"email": PLACE_KINDS, "phone": PHONE_KINDS},
    "companies": {},
    "deals": {},
}

# Concept → field, per target. A concept a target has no field for is ignored there.
_PERSON = {"person_first": "first_name", "person_middle": "middle_name", "person_last": "last_name"}
_PLACE = {
    "street": "street",
    "city": "city",
    "region": "region",
    "postcode": "postcode",
    "country": "country",
}
CONCEPT_FIELDS: dict[str, dict[str, str]] = {
    "contacts": {
        "person_full": "full_name",
        "deal_contact": "full_name",
        **_PERSON,
        "company": "company",
        "department": "department",
        "job_title": "title",
        "email": "email",
        "phone": "phone",
        **_PLACE,
        "address": "street",  # an address in one cell: kept whole as the street
        "birthday": "birthday",
        "birth_year": "birth_year",
        "birth_month": "birth_month",
        "birth_day": "birth_day",
        "notes": "notes",
        "tags": "tags",
        "uid": "uid",
    },
    "leads": {
        "record_title": "title",
        "person_full": "person_name",
        "deal_contact": "person_name",
        **_PERSON,
        "company": "company_name",
        "email": "email",
        "phone": "phone",
        "source": "source",
        "status": "status",
        "amount": "value",
        "currency": "currency",
        "notes": "notes",
        "next_contact_on": "next_contact_on",
        "next_contact_goal": "next_contact_goal",
        "reason": "disqualify_reason",
        "created_at": "created_at",
    },
    "companies": {
        "company": "name",
        "website": "website",
        "industry": "industry",
        "phone": "phone",
        "email": "email",
        **dict.fromkeys((*_PLACE, "address"), "address"),
        "notes": "notes",
    },
    "deals": {
        "record_title": "title",
        "amount": "amount",
        "currency": "currency",
        "stage": "stage",
        "company": "company",
        "person_full": "contact",
        "deal_contact": "contact",
        "expected_close_on": "expected_close_on",
        "closed_at": "closed_at",
        "reason": "lost_reason",
        "notes": "notes",
    },
}


def split_field(name: str) -> tuple[str, str | None]:
    """("phone", "cell") from "phone:cell"; ("notes", None) from "notes"."""
    base, _, kind = name.partition(":")
    return base, kind or None


def field_for(concept: str, target: str) -> str:
    """The target's field for a concept ("phone:cell" → "phone:cell" for contacts, "phone" for
    companies, which keep one phone without a kind), or IGNORE."""
    base, kind = split_field(concept)
    found = CONCEPT_FIELDS[target].get(base)
    if found is None:
        return IGNORE
    return f"{found}:{kind}" if kind and kind in KINDS[target].get(found, ()) else found


def field_choices(target: str) -> list[str]:
    """Everything a column can be mapped to, in the order a mapping screen lists it."""
    choices = [IGNORE]
    for name in FIELDS[target]:
        choices.append(name)
        choices.extend(f"{name}:{kind}" for kind in KINDS[target].get(name, ()))
    return choices


def is_valid_field(target: str, name: str) -> bool:
    base, kind = split_field(name)
    if name == IGNORE:
        return True
    if base not in FIELDS[target]:
        return False
    return kind is None or kind in KINDS[target].get(base, ())


@dataclass
class Mapping:
    """Which field each column of a file goes to, for one target. Saved as JSON and reused.

    `kind_columns` pairs a value column with the column that says what kind it is (Google's
    "Phone 1 - Value" with "Phone 1 - Type"); the kind found there beats the field's own.
    """

    target: str
    columns: dict[str, str] = field(default_factory=dict)  # column → field or IGNORE
    preset: str | None = None
    kind_columns: dict[str, str] = field(default_factory=dict)
    # How to read 03/04/2025 when nothing in the value decides: US exports put the month first.
    day_first: bool = True
    # Our own export prefixes formula-like cells with an apostrophe; take it off again.
    restore_formulas: bool = False

    def __post_init__(self) -> None:
        self.validate()

    def field_of(self, column: str) -> str:
        return self.columns.get(column, IGNORE)

    def validate(self) -> None:
        if self.target not in TARGETS:
            raise ValidationError("mapping", f"unknown target {self.target!r} (one of {', '.join(TARGETS)})")
        for column, name in self.columns.items():
            if not is_valid_field(self.target, name):
                raise ValidationError("mapping", f"column {column!r}: {self.target} have no field {name!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        """A mapping saved by `to_json`. Raises ValidationError when it is not one."""
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError("mapping", f"not JSON: {error}") from error
        return cls.from_dict(data)

    @classmethod
    def from_toml(cls, text: str) -> Mapping:
        """A mapping written by hand as TOML:

        target = "leads"
        [columns]
        "Телефон" = "phone:work"
        """
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValidationError("mapping", f"not TOML: {error}") from error
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Mapping:
        if not isinstance(data, dict) or not isinstance(data.get("target"), str):
            raise ValidationError("mapping", f"a mapping needs a 'target' (one of {', '.join(TARGETS)})")
        return cls(
            target=data["target"],
            columns=_str_dict(data.get("columns"), "columns"),
            preset=data.get("preset") if isinstance(data.get("preset"), str) else None,
            kind_columns=_str_dict(data.get("kind_columns"), "kind_columns"),
            day_first=bool(data.get("day_first", True)),
            restore_formulas=bool(data.get("restore_formulas", False)),
        )


def _str_dict(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise ValidationError("mapping", f"{name!r} must map column names to text")
    return dict(value)
