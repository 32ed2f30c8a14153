"""A contact as read from a file, before it meets the database.

Every reader (vCard, CSV) turns what it reads into these records; the import service matches
them against the database and plans what to do. Values are cleaned of the file's quirks
(encodings, escapes, folded lines) but not validated: validation belongs to the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# A birthday without a year (vCard `--0415`) is stored in this year, as Apple Contacts does,
# and written back without a year.
NO_YEAR = 1604


def place(unit: str, number: int, line: int) -> str:
    """Where a record sits in its file: `card 3 (line 17)` in a vCard, `row 3` in a CSV."""
    return f"row {number}" if unit == "row" else f"card {number} (line {line})"


@dataclass
class ImportedEmail:
    value: str
    kind: str = "other"
    primary: bool = False
    # The CSV column it came from, to name it when the value is refused.
    column: str | None = field(default=None, compare=False)


@dataclass
class ImportedPhone:
    value: str
    kind: str = "other"
    primary: bool = False
    # The CSV column it came from, to name it when the value is refused.
    column: str | None = field(default=None, compare=False)
    # Set by the import once the number is checked, so a large file parses each number once:
    # (the number as typed, its E.164 form or None when it has none).
    checked: tuple[str, str | None] | None = field(default=None, compare=False, repr=False)


@dataclass
class ImportedAddress:
    kind: str = "other"
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    primary: bool = False

    def parts(self) -> dict[str, str]:
        """The address's kind and parts, as the database's address rows name them."""
        return {
            "kind": self.kind,
            "street": self.street,
            "city": self.city,
            "region": self.region,
            "postcode": self.postcode,
            "country": self.country,
        }


@dataclass
class ImportedContact:
    """One card or row. `number` is its 1-based position in the file, `line` the file line it
    starts on; together they name it in every message."""

    number: int
    line: int
    uid: str | None = None
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    display_name: str = ""
    company: str | None = None
    department: str | None = None
    title: str | None = None
    emails: list[ImportedEmail] = field(default_factory=list)
    phones: list[ImportedPhone] = field(default_factory=list)
    addresses: list[ImportedAddress] = field(default_factory=list)
    birthday: date | None = None
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    # A card for an organisation rather than a person (X-ABShowAs:COMPANY, or ORG and no name).
    is_company: bool = False
    # Properties we do not model (PHOTO, URL, ANNIVERSARY, X-…), as unfolded lines of the
    # source, keyed by property name, so that an export gives them back.
    extra: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Cells that could not be read (a CSV's bad date, bad email…): the field is left empty,
    # and the import either rejects the record or imports it so, as the user chose.
    errors: list[str] = field(default_factory=list)
    unit: str = "card"  # "row" for a CSV row

    @property
    def where(self) -> str:
        return place(self.unit, self.number, self.line)

    def has_substance(self) -> bool:
        """Whether there is anything to import: a name, an email, a phone or an organisation."""
        named = any((self.first_name, self.middle_name, self.last_name, self.display_name))
        return bool(named or self.emails or self.phones or self.company)


@dataclass
class SkippedRecord:
    """A card or row that could not be read at all, and why."""

    number: int
    line: int
    reason: str
    unit: str = "card"

    @property
    def where(self) -> str:
        return place(self.unit, self.number, self.line)
